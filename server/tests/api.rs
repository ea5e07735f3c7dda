//! The service over real HTTP on a free loopback port: each endpoint's
//! answers, the same documents as the CLI and C ABI, the token, the limits,
//! and a broken edit that leaves the old rules serving.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use ordinance_core::{facade, Engine};
use ordinance_server::{start, Config, Running};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A copy of the rules folder the test may edit.
fn rules_copy(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordinance-serve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    for e in std::fs::read_dir(repo().join("rules")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(repo().join("rules/sources/dongsheng_2024q1.txt"), dir.join("sources/dongsheng_2024q1.txt")).unwrap();
    dir
}

/// One HTTP/1.1 request; (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(rest) } else { rest.to_string() };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

const JSON: &[(&str, &str)] = &[("Content-Type", "application/json")];

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn config(rules: PathBuf) -> Config {
    Config {
        rules,
        listen: "127.0.0.1:0".parse().unwrap(),
        token: Some("s3cret".into()),
        max_body: 64 * 1024,
        timeout: Duration::from_secs(30),
        watch: Some(Duration::from_millis(200)),
        shared_sources: Vec::new(),
        scenarios: Some(repo().join("examples")),
        cors: Vec::new(),
        ..Config::default()
    }
}

fn with_service(tag: &str, test: impl FnOnce(SocketAddr, &Path)) {
    let rules = rules_copy(tag);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let running: Running = rt.block_on(start(config(rules.clone()))).unwrap();
    let addr = running.addr;
    test(addr, &rules);
    rt.block_on(running.stop());
}

#[test]
fn evaluate_answers_the_document_the_cli_and_c_abi_give() {
    with_service("evaluate", |addr, rules| {
        let body = r#"{"inputs": {"class": "D"}, "as_of": "2024-06-30"}"#;
        let (status, got) = http(addr, "POST", "/v1/rules/energy_safety.inspection_frequency/evaluate", &[], body);
        assert_eq!(status, 200, "{got}");
        let engine = Engine::load_dir(rules).unwrap();
        let expected = facade::evaluate_json(
            &engine,
            "energy_safety.inspection_frequency",
            r#"{"class":"D"}"#,
            Some(r#"{"as_of":"2024-06-30"}"#),
        )
        .unwrap();
        assert_eq!(got, expected, "byte for byte the façade's document");
        let d = json(&got);
        assert_eq!(d["outputs"]["mode"], "patrol");
        // an unknown rule, a bad input, a bad body: JSON errors with the C ABI's codes
        let (s, b) = http(addr, "POST", "/v1/rules/energy_safety.inspection_frequncy/evaluate", &[], body);
        assert_eq!((s, json(&b)["code"].as_str()), (404, Some("unknown_rule")), "{b}");
        assert!(b.contains("inspection_frequency"), "suggests the rule: {b}");
        let (s, b) = http(
            addr,
            "POST",
            "/v1/rules/energy_safety.inspection_frequency/evaluate",
            &[],
            r#"{"inputs": {"class": "E"}}"#,
        );
        assert_eq!((s, json(&b)["code"].as_str()), (422, Some("input")), "{b}");
        let (s, b) = http(addr, "POST", "/v1/rules/energy_safety.inspection_frequency/evaluate", &[], "{not json");
        assert_eq!((s, json(&b)["code"].as_str()), (400, Some("invalid_json")), "{b}");
    });
}

#[test]
fn batches_take_json_arrays_and_ndjson() {
    with_service("batch", |addr, _| {
        let path = "/v1/rules/energy_safety.inspection_frequency/evaluate-batch?as_of=2024-06-30";
        let (s, b) = http(addr, "POST", path, &[], r#"[{"class": "A"}, {"class": "E"}, {"class": "D"}]"#);
        assert_eq!(s, 200, "{b}");
        let items = json(&b);
        assert_eq!(items.as_array().unwrap().len(), 3);
        assert!(items[0]["ok"].is_object() && items[1]["error"]["code"] == "input" && items[2]["ok"].is_object());
        let (s, nd) = http(
            addr,
            "POST",
            path,
            &[("Content-Type", "application/x-ndjson")],
            "{\"class\": \"A\"}\n{\"class\": \"E\"}\n{\"class\": \"D\"}\n",
        );
        assert_eq!(s, 200);
        assert_eq!(json(&nd), items, "NDJSON gives what the array gives");
    });
}

#[test]
fn rules_tests_and_check() {
    with_service("meta", |addr, rules| {
        let (s, b) = http(addr, "GET", "/v1/rules", &[], "");
        assert_eq!(s, 200);
        let all = json(&b);
        assert_eq!(all.as_array().unwrap().len(), Engine::load_dir(rules).unwrap().rules().len());
        let (s, one) = http(addr, "GET", "/v1/rules/energy_safety.inspection_frequency", &[], "");
        assert_eq!(s, 200);
        assert_eq!(json(&one)["id"], "energy_safety.inspection_frequency");
        let (s, t) = http(addr, "POST", "/v1/tests", &[], "");
        assert_eq!(s, 200);
        let t = json(&t);
        assert!(t["passed"].as_u64().unwrap() > 0 && t["failed"] == 0);
        // a broken pack text: located diagnostics; the folder is not touched
        let text = std::fs::read_to_string(rules.join("energy_safety.yaml")).unwrap();
        let broken = text.replacen("mode: cycle.mode", "mode: cycle.mdoe", 1);
        let req = serde_json::json!({"file": "energy_safety.yaml", "text": broken}).to_string();
        // JSON only: a cross-origin page could post text/plain without a preflight
        let (s, _) = http(addr, "POST", "/v1/check", &[("Content-Type", "text/plain")], &req);
        assert_eq!(s, 415);
        let (s, c) = http(addr, "POST", "/v1/check", JSON, &req);
        assert_eq!(s, 200);
        let c = json(&c);
        assert_eq!(c["ok"], false);
        let d = &c["diagnostics"][0];
        // the pack's name, not the host's folder
        assert_eq!(d["file"].as_str().unwrap(), "energy_safety.yaml", "{d}");
        assert!(d["line"].as_u64().unwrap() > 0, "{d}");
        assert!(!c.to_string().contains(rules.to_str().unwrap()), "{c}");
        assert_eq!(std::fs::read_to_string(rules.join("energy_safety.yaml")).unwrap(), text);
        let req = serde_json::json!({"file": "energy_safety.yaml", "text": text}).to_string();
        let (_, ok) = http(addr, "POST", "/v1/check", JSON, &req);
        assert_eq!(json(&ok)["ok"], true);
        let req = serde_json::json!({"file": "../escape.yaml", "text": text}).to_string();
        let (s, bad) = http(addr, "POST", "/v1/check", JSON, &req);
        assert_eq!((s, json(&bad)["code"].as_str()), (422, Some("invalid_argument")), "{bad}");
    });
}

#[test]
fn a_scenario_runs_against_the_served_rules() {
    with_service("scenario", |addr, rules| {
        let (s, b) =
            http(addr, "POST", "/v1/scenarios/run", &[], r#"{"scenario": "energy_safety_2024.yaml", "lang": "en"}"#);
        assert_eq!(s, 200, "{b}");
        let report = json(&b);
        let cli = ordinance_core::scenario::run_file(&repo().join("examples/energy_safety_2024.yaml"), rules).unwrap();
        assert_eq!(report["summary"], cli.to_json()["summary"]);
        assert!(report["text"].as_str().unwrap().contains("1020"));
        let (s, _) = http(addr, "POST", "/v1/scenarios/run", &[], r#"{"scenario": "../rules/energy_safety.yaml"}"#);
        assert_eq!(s, 404, "nothing outside the scenarios folder");
    });
}

#[test]
fn reload_needs_the_token() {
    with_service("token", |addr, _| {
        let (s, _) = http(addr, "POST", "/v1/reload", &[], "");
        assert_eq!(s, 401);
        let (s, _) = http(addr, "POST", "/v1/reload", &[("Authorization", "Bearer wrong")], "");
        assert_eq!(s, 401);
        let (s, b) = http(addr, "POST", "/v1/reload", &[("Authorization", "Bearer s3cret")], "");
        assert_eq!(s, 200, "{b}");
    });
}

#[test]
fn a_broken_edit_keeps_the_old_rules_serving_and_shows_in_healthz() {
    with_service("watch", |addr, rules| {
        let (_, h) = http(addr, "GET", "/healthz", &[], "");
        let before = json(&h);
        assert_eq!(before["status"], "ok");
        let path = rules.join("energy_safety.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("mode: cycle.mode", "mode: cycle.mdoe", 1)).unwrap();
        let degraded = wait_for(addr, |h| h["status"] == "degraded");
        let e = &degraded["reload_error"];
        assert_eq!(e["code"], "load");
        assert!(e["file"].as_str().unwrap().ends_with("energy_safety.yaml") && e["line"].as_u64().unwrap() > 0, "{e}");
        assert_eq!(degraded["ruleset"], before["ruleset"], "the old rules keep serving");
        let (s, _) = http(
            addr,
            "POST",
            "/v1/rules/energy_safety.inspection_frequency/evaluate",
            &[],
            r#"{"inputs": {"class": "D"}}"#,
        );
        assert_eq!(s, 200);
        // fixed, and changed: the new rules are served
        std::fs::write(&path, format!("{text}\n# an edit\n")).unwrap();
        let healed = wait_for(addr, |h| h["status"] == "ok" && h["ruleset"] != before["ruleset"]);
        assert!(healed["reload_error"].is_null());
        let (_, m) = http(addr, "GET", "/metrics", &[], "");
        assert!(m.contains("ordinance_reloads_total") && m.contains("ordinance_reload_failures_total 1"), "{m}");
        assert!(m.contains(&format!("ordinance_ruleset_info{{ruleset=\"{}\"}} 1", healed["ruleset"].as_str().unwrap())));
        assert!(m.contains("ordinance_requests_total{route=\"/v1/rules/{id}/evaluate\",status=\"200\"}"), "{m}");
    });
}

fn wait_for(addr: SocketAddr, ok: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    for _ in 0..150 {
        let (_, h) = http(addr, "GET", "/healthz", &[], "");
        let h = json(&h);
        if ok(&h) {
            return h;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the service did not reach the state in 15 s");
}

/// One HTTP/1.1 request with a binary body; (status, content type, body).
fn http_bytes(addr: SocketAddr, path: &str, kind: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let kind = head.lines().find_map(|l| l.strip_prefix("content-type: ")).unwrap_or("").to_string();
    let mut rest = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let eol = at + rest[at..].windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[at..eol]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            at = eol + 2 + n + 2;
        }
        rest = out;
    }
    (status, kind, rest)
}

#[test]
fn arrow_ipc_streams_in_and_out_of_the_batch_endpoint() {
    use arrow_array::cast::AsArray;
    use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
    with_service("arrow", |addr, _| {
        let classes: StringArray = vec![Some("A"), Some("D"), Some("E"), None].into_iter().collect();
        let batch = RecordBatch::try_from_iter([("class", Arc::new(classes) as ArrayRef)]).unwrap();
        let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
        let body = w.into_inner().unwrap();
        let path = "/v1/rules/energy_safety.inspection_frequency/evaluate-batch?as_of=2024-06-30";
        let (status, kind, out) = http_bytes(addr, path, "application/vnd.apache.arrow.stream", &body);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
        assert_eq!(kind, "application/vnd.apache.arrow.stream");
        let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(out), None).unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 4);
        let b = &batches[0];
        let visits = b.column_by_name("visits_per_year").unwrap().as_primitive::<arrow_array::types::Int64Type>();
        let errors = b.column_by_name("error").unwrap().as_string::<i32>();
        // each row as the JSON endpoint answers it alone
        for (i, class) in ["A", "D", "E"].iter().enumerate() {
            let (s, one) = http(
                addr,
                "POST",
                "/v1/rules/energy_safety.inspection_frequency/evaluate",
                &[],
                &format!(r#"{{"inputs": {{"class": "{class}"}}, "as_of": "2024-06-30"}}"#),
            );
            let one = json(&one);
            if s == 200 {
                assert_eq!(one["outputs"]["visits_per_year"], visits.value(i), "{class}");
                assert!(errors.is_null(i));
            } else {
                assert!(visits.is_null(i));
                assert!(errors.value(i).contains(one["message"].as_str().unwrap()), "{}", errors.value(i));
            }
        }
        assert!(errors.value(3).contains("class"), "a missing class is that row's error");
        // not a stream: a JSON error
        let (status, _, out) = http_bytes(addr, path, "application/vnd.apache.arrow.stream", b"not arrow");
        assert_eq!(status, 400);
        assert_eq!(json(&String::from_utf8_lossy(&out))["code"], "invalid_arrow");
    });
}

#[test]
fn the_workbench_and_its_packs() {
    with_service("workbench", |addr, _| {
        let (s, page) = http(addr, "GET", "/", &[], "");
        assert_eq!(s, 200);
        assert!(page.contains("/workbench/app.js") && page.contains("lang=\"zh-CN\""), "{page}");
        for f in ["app.js", "app.css"] {
            let (s, b) = http(addr, "GET", &format!("/workbench/{f}"), &[], "");
            assert_eq!(s, 200, "{f}");
            assert!(b.len() > 1000, "{f} is served whole");
        }
        let (s, _) = http(addr, "GET", "/workbench/../Cargo.toml", &[], "");
        assert_eq!(s, 404, "only the embedded files");
        let (s, b) = http(addr, "GET", "/v1/packs", &[], "");
        assert_eq!(s, 200);
        let packs = json(&b);
        let es = packs.as_array().unwrap().iter().find(|p| p["pack"] == "energy_safety").unwrap();
        assert_eq!(es["file"], "energy_safety.yaml");
        let (s, b) = http(addr, "GET", "/v1/packs/energy_safety", &[], "");
        assert_eq!(s, 200);
        let p = json(&b);
        assert_eq!(p["editable"], true);
        assert!(p["text"].as_str().unwrap().starts_with("# yaml-language-server"), "the pack file's text");
        let rule =
            p["rules"].as_array().unwrap().iter().find(|r| r["id"] == "energy_safety.supervision_cycle").unwrap();
        let rows = rule["table"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        let from = p["source"]["from"].as_u64().unwrap();
        let cite = &rows[2]["cite"];
        let words: String = (cite["line"].as_u64().unwrap()..=cite["line_end"].as_u64().unwrap())
            .map(|l| p["source"]["lines"][(l - from) as usize].as_str().unwrap())
            .collect::<String>()
            .split_whitespace()
            .collect();
        assert!(words.contains("D类企业要每月巡查盯守"), "row 3's lines hold its quote: {words}");
        let (s, b) = http(addr, "GET", "/v1/packs/no_such_pack", &[], "");
        assert_eq!((s, json(&b)["code"].as_str()), (404, Some("not_found")));
        let (s, b) = http(addr, "GET", "/v1/scenarios", &[], "");
        assert_eq!(s, 200);
        assert!(json(&b).as_array().unwrap().iter().any(|n| n == "energy_safety_2024.yaml"));
    });
}

#[test]
fn save_writes_only_a_pack_that_loads_atomically_keeping_the_previous_text() {
    with_service("save", |addr, rules| {
        let file = rules.join("energy_safety.yaml");
        let original = std::fs::read_to_string(&file).unwrap();
        let body = |text: &str| serde_json::json!({"file": "energy_safety.yaml", "text": text}).to_string();
        let auth = [("Authorization", "Bearer s3cret")];
        // no token, a wrong token: refused, nothing written
        let (s, _) = http(addr, "POST", "/v1/save", &[], &body("format: 1"));
        assert_eq!(s, 401);
        let (s, _) = http(addr, "POST", "/v1/save", &[("Authorization", "Bearer nope")], &body("format: 1"));
        assert_eq!(s, 401);
        // a text that does not load: 422 with located diagnostics, nothing written
        let broken = original.replace("cycle.visits_per_period * cycle.periods_per_year", "cycle.visits_per_perod * 2");
        assert_ne!(broken, original);
        let (s, b) = http(addr, "POST", "/v1/save", &auth, &body(&broken));
        assert_eq!(s, 422, "{b}");
        let d = json(&b);
        assert_eq!(d["ok"], false);
        let line = original.lines().position(|l| l.contains("visits_per_year: cycle.visits_per_period")).unwrap() + 1;
        assert!(
            d["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["line"] == line && x["file"].as_str().unwrap().ends_with("energy_safety.yaml")),
            "{b}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
        assert!(!rules.join("energy_safety.yaml.previous").exists());
        // a file outside the folder: refused
        let (s, _) = http(
            addr,
            "POST",
            "/v1/save",
            &auth,
            &serde_json::json!({"file": "../escape.yaml", "text": original}).to_string(),
        );
        assert_eq!(s, 422);
        assert!(!rules.join("../escape.yaml").exists());
        // a text that loads: written, the old text kept, served at once
        let doubled = original.replace(
            "cycle.visits_per_period * cycle.periods_per_year",
            "cycle.visits_per_period * cycle.periods_per_year * 2",
        );
        let (s, b) = http(addr, "POST", "/v1/save", &auth, &body(&doubled));
        assert_eq!(s, 200, "{b}");
        let d = json(&b);
        assert_eq!(d["previous"], "energy_safety.yaml.previous");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), doubled);
        assert_eq!(std::fs::read_to_string(rules.join("energy_safety.yaml.previous")).unwrap(), original);
        let leftovers: Vec<_> = std::fs::read_dir(rules)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".saving-"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left");
        let (_, b) = http(
            addr,
            "POST",
            "/v1/rules/energy_safety.inspection_frequency/evaluate",
            &[],
            r#"{"inputs": {"class": "D"}, "as_of": "2024-06-30"}"#,
        );
        assert_eq!(json(&b)["outputs"]["visits_per_year"], 24, "the saved rules serve at once");
        assert_eq!(json(&b)["ruleset"], d["ruleset"]);
    });
}

#[test]
fn cors_is_off_unless_an_origin_is_given() {
    let origin = [("Origin", "https://portal.example.gov.cn")];
    with_service("cors-off", |addr, _| {
        let raw = raw_head(addr, "/healthz", &origin);
        assert!(!raw.to_ascii_lowercase().contains("access-control-allow-origin"), "{raw}");
    });
    let rules = rules_copy("cors-on");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut c = config(rules);
    c.cors = vec!["https://portal.example.gov.cn".into()];
    let running = rt.block_on(start(c)).unwrap();
    let raw = raw_head(running.addr, "/healthz", &origin);
    assert!(raw.to_ascii_lowercase().contains("access-control-allow-origin: https://portal.example.gov.cn"), "{raw}");
    let other = raw_head(running.addr, "/healthz", &[("Origin", "https://elsewhere.example")]);
    assert!(!other.to_ascii_lowercase().contains("access-control-allow-origin"), "{other}");
    rt.block_on(running.stop());
}

fn b413(addr: SocketAddr, big: &str) -> String {
    http(addr, "POST", "/v1/rules/energy_safety.inspection_frequency/evaluate", &[], big).1
}

/// The head of a GET's answer.
fn raw_head(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    text.split_once("\r\n\r\n").map_or(text.clone(), |(h, _)| h.to_string())
}

#[test]
fn limits_and_unknown_paths() {
    with_service("limits", |addr, _| {
        let big = format!("{{\"inputs\": {{\"class\": \"{}\"}}}}", "A".repeat(70 * 1024));
        let (s, _) = http(addr, "POST", "/v1/rules/energy_safety.inspection_frequency/evaluate", &[], &big);
        assert_eq!(s, 413, "a body over the limit is refused");
        assert_eq!(json(&b413(addr, &big))["code"], "too_large", "as a JSON error document");
        let (s, b) =
            http(addr, "POST", "/v1/rules/energy_safety.inspection_frequency/evaluate-batch?trace=maybe", &[], "[]");
        assert_eq!((s, json(&b)["code"].as_str()), (400, Some("bad_request")), "{b}");
        let (s, b) = http(addr, "GET", "/v1/rules/%FF%FE", &[], "");
        assert_eq!(s, 400, "{b}");
        assert!(json(&b)["message"].is_string());
        let (s, b) = http(addr, "GET", "/v2/nothing", &[], "");
        assert_eq!((s, json(&b)["code"].as_str()), (404, Some("not_found")));
    });
}

#[test]
fn the_openapi_document_is_committed_and_current() {
    let generated = ordinance_server::openapi_json();
    let doc = json(&generated);
    for p in [
        "/v1/rules/{id}/evaluate",
        "/v1/rules/{id}/evaluate-batch",
        "/v1/rules",
        "/v1/check",
        "/v1/reload",
        "/v1/save",
        "/v1/packs",
        "/v1/packs/{pack}",
        "/v1/scenarios",
        "/v1/compare",
        "/healthz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} is documented");
    }
    let committed_path = repo().join("server/openapi.json");
    if std::env::var_os("ORDINANCE_BLESS").is_some() {
        std::fs::write(&committed_path, format!("{generated}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert_eq!(
        committed.trim_end(),
        generated.trim_end(),
        "server/openapi.json is stale: ORDINANCE_BLESS=1 cargo test -p ordinance-server --test api"
    );
}

#[test]
fn compare_sends_a_reform_and_gets_the_changed_rows_or_the_scenario_s_effect() {
    with_service("compare", |addr, _| {
        let reform = std::fs::read_to_string(repo().join("examples/reforms/class_b_three_a_quarter.yaml")).unwrap();
        let draft = std::fs::read_to_string(repo().join("examples/reforms/class_b_draft.txt")).unwrap();
        let sent = serde_json::json!({
            "reform": {"file": "class_b_three_a_quarter.yaml", "text": reform},
            "sources": [{"file": "class_b_draft.txt", "text": draft}],
            "rule": "energy_safety.inspection_frequency",
            "rows": [{"class": "A"}, {"class": "B"}, {"class": "C"}],
            "as_of": "2024-08-01",
        });
        let ct = [("Content-Type", "application/json")];
        let (s, b) = http(addr, "POST", "/v1/compare", &ct, &sent.to_string());
        assert_eq!(s, 200, "{b}");
        let doc = json(&b);
        assert_eq!(doc["rows"], 3);
        assert_eq!(doc["changed"].as_array().unwrap().len(), 1, "{doc}");
        assert_eq!(doc["changed"][0]["index"], 1);
        assert!(doc["changed"][0]["cause"].as_str().unwrap().contains("示例征求意见稿"));
        // the scenario: the reform throughout breaks the class-B test
        let all_year = reform.replace("    from: 2024-07-01\n", "");
        let sent = serde_json::json!({
            "reform": {"file": "b.yaml", "text": all_year},
            "sources": [{"file": "class_b_draft.txt", "text": draft}],
            "scenario": "energy_safety_2024.yaml",
            "lang": "en",
        });
        let (s, b) = http(addr, "POST", "/v1/compare", &ct, &sent.to_string());
        assert_eq!(s, 200, "{b}");
        let doc = json(&b);
        assert_eq!(doc["broken_tests"].as_array().unwrap().len(), 1, "{doc}");
        assert!(doc["text"].as_str().unwrap().contains("tests that now fail"));
        // a reform that does not apply: 422 with its diagnostics, in the reform, no folder shown
        let sent = serde_json::json!({
            "reform": {"file": "bad.yaml", "text": "format: 1\nreform: r\nsource: {document: d, title: t, issued_by: i, date: 2024-01-01}\nchanges:\n  - {rule: energy_safety.nope, neutralise: true, cite: {clause: c, quote: q}}\n"},
            "rule": "energy_safety.inspection_frequency", "rows": [],
        });
        let (s, b) = http(addr, "POST", "/v1/compare", &ct, &sent.to_string());
        assert_eq!(s, 422, "{b}");
        let doc = json(&b);
        assert_eq!(doc["diagnostics"][0]["file"], "bad.yaml", "{doc}");
        assert_eq!(doc["diagnostics"][0]["line"], 5);
        // a file name with a folder is refused; so is text/plain
        let sent = serde_json::json!({"reform": {"file": "../x.yaml", "text": ""}, "rule": "a.b", "rows": []});
        assert_eq!(http(addr, "POST", "/v1/compare", &ct, &sent.to_string()).0, 422);
        assert_eq!(http(addr, "POST", "/v1/compare", &[("Content-Type", "text/plain")], "{}").0, 415);
    });
}

#[test]
fn a_service_started_with_a_reform_answers_by_the_reformed_rules() {
    let rules = rules_copy("reformed");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let reform = repo().join("examples/reforms/class_b_three_a_quarter.yaml");
    let running: Running = rt.block_on(start(Config { reforms: vec![reform], ..config(rules.clone()) })).unwrap();
    let body = |day: &str| format!(r#"{{"inputs": {{"class": "B"}}, "as_of": "{day}", "trace": false}}"#);
    let path = "/v1/rules/energy_safety.inspection_frequency/evaluate";
    let (s, b) = http(running.addr, "POST", path, &[], &body("2024-08-01"));
    assert_eq!(s, 200, "{b}");
    assert_eq!(json(&b)["outputs"]["visits_per_year"], 12);
    let (_, b) = http(running.addr, "POST", path, &[], &body("2024-06-30"));
    assert_eq!(json(&b)["outputs"]["visits_per_year"], 8);
    // and after a reload the reform still applies
    let (s, _) = http(running.addr, "POST", "/v1/reload", &[("Authorization", "Bearer s3cret")], "");
    assert_eq!(s, 200);
    let (_, b) = http(running.addr, "POST", path, &[], &body("2024-08-01"));
    assert_eq!(json(&b)["outputs"]["visits_per_year"], 12);
    rt.block_on(running.stop());
}
