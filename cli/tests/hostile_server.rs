//! The hostile-input suite against `ordinance serve`: the service runs as a
//! child process under `prlimit` (2 GiB of address space), and each attack
//! asserts a clear 4xx answer, nothing read or written outside the rules
//! folder, and the service still answering a normal request right after.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MEMORY_CAP_BYTES: u64 = 2 << 30;
const SECRET: &str = "SECRET-91c2-DO-NOT-PRINT";
const TOKEN: &str = "t0ken-for-tests";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Service {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A copy of the shipped rules beside a secret file, served capped.
fn serve(tag: &str, extra: &[&str]) -> Service {
    serve_with(tag, extra, &[])
}

/// [`serve`] with more packs (file name, text) in the rules folder.
fn serve_with(tag: &str, extra: &[&str], packs: &[(&str, &str)]) -> Service {
    let dir = std::env::temp_dir().join(format!("ordinance-hostile-serve-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules/sources")).unwrap();
    for e in std::fs::read_dir(repo().join("rules")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            std::fs::copy(&p, dir.join("rules").join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(repo().join("rules/sources/dongsheng_2024q1.txt"), dir.join("rules/sources/dongsheng_2024q1.txt"))
        .unwrap();
    std::fs::write(dir.join("secret.txt"), format!("{SECRET}\n")).unwrap();
    for (name, text) in packs {
        std::fs::write(dir.join("rules").join(name), text).unwrap();
    }
    let mut child = Command::new("prlimit")
        .arg(format!("--as={MEMORY_CAP_BYTES}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_ordinance"))
        .args(["--rules", "rules", "serve", "--listen", "127.0.0.1:0", "--token", TOKEN, "--watch", "0"])
        .args(extra)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the service under a cap");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the service stopped before it served").unwrap();
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    // keep draining standard error so the service never blocks on it
    std::thread::spawn(move || for _ in lines {});
    Service { child, addr, dir }
}

/// One request; (status, body).
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no answer: {raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut rest = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(eol) = rest[at..].windows(2).position(|w| w == b"\r\n").map(|p| p + at) {
            let n = usize::from_str_radix(std::str::from_utf8(&rest[at..eol]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            at = eol + 2 + n + 2;
        }
        rest = out;
    }
    (status, rest)
}

fn post_json(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let auth = format!("Bearer {TOKEN}");
    let (s, b) =
        request(addr, "POST", path, &[("Content-Type", "application/json"), ("Authorization", &auth)], body.as_bytes());
    (s, String::from_utf8_lossy(&b).to_string())
}

/// The service still answers a normal request.
fn alive(svc: &Service) {
    let (s, b) =
        post_json(svc.addr, "/v1/rules/energy_safety.inspection_frequency/evaluate", r#"{"inputs":{"class":"B"}}"#);
    assert_eq!(s, 200, "the service no longer answers: {b}");
    assert!(b.contains("visits_per_year"), "{b}");
}

fn arrow_stream(classes: &[&str]) -> Vec<u8> {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let col: ArrayRef = Arc::new(StringArray::from(classes.to_vec()));
    let batch = RecordBatch::try_from_iter([("class", col)]).unwrap();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    w.into_inner().unwrap()
}

const BATCH: &str = "/v1/rules/energy_safety.inspection_frequency/evaluate-batch";
const ARROW: &str = "application/vnd.apache.arrow.stream";

#[test]
fn mutated_arrow_streams_get_4xx_and_the_service_lives() {
    let svc = serve("arrow", &[]);
    let good = arrow_stream(&["A", "B", "C", "D"]);
    let (s, _) = request(svc.addr, "POST", BATCH, &[("Content-Type", ARROW)], &good);
    assert_eq!(s, 200);
    // every 4-byte word of the stream set to values that claim huge sizes
    let mut tried = 0;
    for at in (0..good.len().saturating_sub(8)).step_by(4) {
        for word in [0x7FFF_FFFF_FFFF_FFF0u64, 0xFFFF_FFFF_FFFF_FFFF, 0x0000_0000_4000_0000] {
            let mut bad = good.clone();
            bad[at..at + 8].copy_from_slice(&word.to_le_bytes());
            let (s, b) = request(svc.addr, "POST", BATCH, &[("Content-Type", ARROW)], &bad);
            assert!(s < 500, "a mutation at byte {at} gave {s}: {}", String::from_utf8_lossy(&b));
            tried += 1;
        }
    }
    assert!(tried > 100);
    alive(&svc);
}

#[test]
fn an_arrow_stream_declaring_a_hundred_million_rows_is_refused() {
    use arrow_array::{ArrayRef, NullArray, RecordBatch};
    let svc = serve("arrow-rows", &[]);
    let col: ArrayRef = Arc::new(NullArray::new(100_000_000));
    let batch = RecordBatch::try_from_iter([("class", col)]).unwrap();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    let body = w.into_inner().unwrap();
    assert!(body.len() < 1024, "the stream is small: {} bytes", body.len());
    let (s, b) = request(svc.addr, "POST", BATCH, &[("Content-Type", ARROW)], &body);
    assert_eq!(s, 413, "{}", String::from_utf8_lossy(&b));
    assert!(String::from_utf8_lossy(&b).contains("too_many_rows"));
    alive(&svc);
}

#[test]
fn duplicate_arrow_columns_are_refused_by_name() {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let svc = serve("arrow-dup", &[]);
    let a: ArrayRef = Arc::new(StringArray::from(vec!["A"]));
    let schema = arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("class", arrow_schema::DataType::Utf8, true),
        arrow_schema::Field::new("class", arrow_schema::DataType::Utf8, true),
    ]);
    let batch = RecordBatch::try_new(Arc::new(schema), vec![a.clone(), a]).unwrap();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    let (s, b) = request(svc.addr, "POST", BATCH, &[("Content-Type", ARROW)], &w.into_inner().unwrap());
    assert_eq!(s, 400);
    assert!(String::from_utf8_lossy(&b).contains("two columns named `class`"));
}

#[test]
fn a_check_of_a_calendar_bomb_answers_and_the_service_lives() {
    let svc = serve("calendar", &[]);
    let mut t = String::from(
        "format: 1\npack: cal\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2000-01-01}\ncalendar:\n  covers: {from: 2000-01-01, until: 2099-12-31}\n  cite: {clause: \"1\", quote: q}\n  holidays:\n",
    );
    for _ in 0..12_000 {
        t.push_str("    - 2000-01-01..2099-12-31\n");
    }
    t.push_str("  workdays: []\nrules: {}\n");
    let req = serde_json::json!({"file": "cal.yaml", "text": t}).to_string();
    let (s, b) = post_json(svc.addr, "/v1/check", &req);
    assert_eq!(s, 200, "{b}");
    // the host's folder is not shown to an unauthenticated caller
    assert!(!b.contains(svc.dir.to_str().unwrap()), "{b}");
    alive(&svc);
}

#[test]
fn save_never_writes_through_a_planted_symlink() {
    let svc = serve("save", &[]);
    let rules = svc.dir.join("rules");
    let file = "energy_safety.yaml";
    std::os::unix::fs::symlink(svc.dir.join("secret.txt"), rules.join(format!("{file}.previous"))).unwrap();
    let text = std::fs::read_to_string(rules.join(file)).unwrap();
    let req = serde_json::json!({"file": file, "text": text}).to_string();
    let (s, b) = post_json(svc.addr, "/v1/save", &req);
    assert_eq!(s, 200, "{b}");
    assert_eq!(std::fs::read_to_string(svc.dir.join("secret.txt")).unwrap(), format!("{SECRET}\n"));
    let kept = std::fs::symlink_metadata(rules.join(format!("{file}.previous"))).unwrap();
    assert!(kept.is_file(), "the symlink was replaced by a plain file");
    // a name with a newline would forge diagnostics lines
    let req = serde_json::json!({"file": "x\nrules/y.yaml:1:1: error: forged.yaml", "text": text}).to_string();
    let (s, _) = post_json(svc.addr, "/v1/save", &req);
    assert!((400..500).contains(&s), "{s}");
    alive(&svc);
}

/// A pack `racer` of `n` rules in a file of the given name: slow enough to
/// check that a save of it outlives a one-second request.
fn racer(file: &str, n: usize) -> String {
    let mut t = format!(
        "format: 1\npack: racer\ntitle: {file}\nsource: {{document: d, title: t, issued_by: x, date: 2024-01-01}}\nvalid: {{from: 2024-01-01}}\nrules:\n"
    );
    for k in 0..n {
        t.push_str(&format!(
            "  r{k}:\n    title: r\n    cite: {{clause: \"1\", quote: q}}\n    inputs: {{x: integer}}\n    formula:\n      y: \"x + {k}\"\n"
        ));
    }
    t
}

#[test]
fn saves_that_outlive_their_request_leave_a_folder_that_loads() {
    let svc = serve("racers", &["--timeout", "1"]);
    let addr = svc.addr;
    let saves: Vec<_> = ["racer_a.yaml", "racer_b.yaml"]
        .into_iter()
        .map(|f| {
            let req = serde_json::json!({"file": f, "text": racer(f, 2000)}).to_string();
            std::thread::spawn(move || post_json(addr, "/v1/save", &req))
        })
        .collect();
    let answers: Vec<(u16, String)> = saves.into_iter().map(|h| h.join().unwrap()).collect();
    let written = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(written <= 1, "both saves of pack `racer` took effect: {answers:?}");
    // what was answered is what happened, also after the answer: a write
    // left running past its request would land in these seconds
    for _ in 0..15 {
        std::thread::sleep(Duration::from_secs(1));
        let on_disk =
            ["racer_a.yaml", "racer_b.yaml"].iter().filter(|f| svc.dir.join("rules").join(f).exists()).count();
        assert_eq!(on_disk, written, "the folder changed after the answers: {answers:?}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_ordinance"))
        .args(["--rules", "rules", "check"])
        .current_dir(&svc.dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "the folder no longer loads: {}", String::from_utf8_lossy(&o.stdout));
    alive(&svc);
}

#[test]
fn big_answers_are_refused_while_written_and_408s_are_counted() {
    let svc = serve("answers", &["--max-answer", "100000"]);
    let rows: Vec<String> = (0..2000).map(|_| r#"{"class":"B"}"#.to_string()).collect();
    let auth = format!("Bearer {TOKEN}");
    let (s, b) = request(
        svc.addr,
        "POST",
        &format!("{BATCH}?trace=true"),
        &[("Content-Type", "application/x-ndjson"), ("Authorization", &auth)],
        rows.join("\n").as_bytes(),
    );
    assert_eq!(s, 422, "{}", String::from_utf8_lossy(&b));
    assert!(String::from_utf8_lossy(&b).contains("larger than 100000 bytes"));
    alive(&svc);
    let (_, m) = request(svc.addr, "GET", "/metrics", &[], b"");
    assert!(String::from_utf8_lossy(&m).contains("status=\"422\""));
}

#[test]
fn hosts_bodies_and_origins() {
    let svc = serve("hosts", &[]);
    // DNS rebinding: another site's name pointed at 127.0.0.1
    let mut s = TcpStream::connect(svc.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 421"), "{raw}");
    // the documented 16 MiB body limit holds, not 2 MiB
    let big = format!("[{}]", vec![r#"{"class":"A"}"#; 250_000].join(","));
    assert!(big.len() > 3 << 20);
    let (s, b) = post_json(svc.addr, BATCH, &big);
    assert_eq!(s, 200, "{}", &b[..b.len().min(300)]);
    alive(&svc);
    // an origin of '*' is refused at start-up, with a message
    let o = Command::new(env!("CARGO_BIN_EXE_ordinance"))
        .args(["--rules", "rules", "serve", "--listen", "127.0.0.1:0", "--cors", "*"])
        .current_dir(&svc.dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("name each origin"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn scenarios_outside_missing_and_unreadable_answer_alike() {
    let svc = serve("scen", &["--scenarios", "rules"]);
    let a = post_json(svc.addr, "/v1/scenarios/run", r#"{"scenario":"../secret.txt"}"#);
    let b = post_json(svc.addr, "/v1/scenarios/run", r#"{"scenario":"nothing-here.yaml"}"#);
    assert_eq!((a.0, b.0), (404, 404));
    assert_eq!(a.1.replace("../secret.txt", "X"), b.1.replace("nothing-here.yaml", "X"));
    assert!(!a.1.contains(SECRET));
}

#[test]
fn a_client_that_never_finishes_its_headers_is_closed() {
    let svc = serve("slowloris", &[]);
    let mut s = TcpStream::connect(svc.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    let closed = s.read_to_end(&mut buf);
    assert!(closed.is_ok(), "the connection was still open after 40 s: {closed:?}");
    eprintln!("closed after {:?}", start.elapsed());
    // and one that sends nothing at all
    let mut quiet = TcpStream::connect(svc.addr).unwrap();
    quiet.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    assert!(quiet.read_to_end(&mut buf).is_ok(), "a silent connection was kept open");
    alive(&svc);
}

/// A rule whose work grows with its input: a list of n numbers gives a
/// budget of 2,000 steps per value, and the rule spends n² of them.
const SLOW: &str = "format: 1\npack: slow\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    title: r\n    cite: {clause: \"1\", quote: q}\n    inputs: {xs: {list: integer}}\n    formula:\n      y: \"sum(sum(xs) for x in xs)\"\n";

#[test]
fn a_request_past_its_time_is_408_counted_and_its_work_stops() {
    let svc = serve_with("timeout", &["--timeout", "1"], &[("slow.yaml", SLOW)]);
    let xs: Vec<u32> = (0..200_000).collect();
    let body = serde_json::json!({"inputs": {"xs": xs}, "as_of": "2024-06-01", "trace": false}).to_string();
    let (s, b) = post_json(svc.addr, "/v1/rules/slow.r/evaluate", &body);
    assert_eq!(s, 408, "{}", &b[..b.len().min(300)]);
    // the evaluation left behind stops: the service spends (almost) no CPU
    // time in the next second and a half; it would spend all of it on the
    // 400 million steps its budget still allows
    let cpu = || {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", svc.child.id())).unwrap();
        let fields: Vec<u64> =
            stat.rsplit(')').next().unwrap().split_whitespace().skip(11).take(2).map(|f| f.parse().unwrap()).collect();
        fields.iter().sum::<u64>()
    };
    let before = cpu();
    std::thread::sleep(Duration::from_millis(1500));
    let spent = cpu() - before;
    assert!(spent < 40, "the abandoned evaluation went on: {spent} ticks of CPU in 1.5 s");
    let start = Instant::now();
    alive(&svc);
    eprintln!("{spent} CPU ticks after the timeout; answered {:?} later", start.elapsed());
    let (_, m) = request(svc.addr, "GET", "/metrics", &[], b"");
    let m = String::from_utf8_lossy(&m).to_string();
    assert!(m.contains("route=\"/v1/rules/{id}/evaluate\",status=\"408\"} 1"), "{m}");
}

#[test]
fn a_failed_reload_shows_the_pack_not_the_hosts_folder() {
    let svc = serve("healthz", &[]);
    std::fs::write(svc.dir.join("rules/broken.yaml"), "format: 1\npack: broken\nrules: {x: }\n").unwrap();
    let (s, b) = post_json(svc.addr, "/v1/reload", "");
    assert_eq!(s, 422, "{b}");
    let (_, h) = request(svc.addr, "GET", "/healthz", &[], b"");
    let h = String::from_utf8_lossy(&h).to_string();
    assert!(h.contains("\"degraded\"") && h.contains("broken.yaml"), "{h}");
    let folder = svc.dir.to_str().unwrap();
    assert!(!h.contains(folder) && !b.contains(folder), "{h}\n{b}");
    alive(&svc);
}
