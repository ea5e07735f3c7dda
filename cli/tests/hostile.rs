//! The hostile-input suite: packs, scenarios and inputs written as an
//! attacker would write them. Each case runs the `ordinance` binary in a
//! child process under `prlimit` (address space and CPU time capped) and a
//! wall-clock deadline, so that a regression to a hang, a crash or a memory
//! blow-up fails its test instead of hanging CI. Each case asserts a clean
//! outcome: exit status 1 with a located, readable error (or a correct
//! result), no panic, no signal, and no byte of a file outside the folder in
//! the output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The address-space cap of every child: far above what any case needs
/// (the engine stays under 100 MiB for all of them), far below the machine.
const MEMORY_CAP_BYTES: u64 = 2 << 30;
/// CPU seconds before a case counts as hung (prlimit kills it), and the
/// wall-clock seconds the test waits: the CPU cap is the bound; the wall cap
/// only catches a child that sleeps, and leaves room for two cores shared
/// by parallel cases (a debug build parses a million-element list in about
/// 20 CPU seconds).
const CPU_CAP_SECONDS: u64 = 30;
const WALL_CAP: Duration = Duration::from_secs(120);
/// A marker written into files outside the rules folder: it must never
/// appear in what the engine prints.
const SECRET: &str = "SECRET-7f3a9c-DO-NOT-PRINT";

struct Outcome {
    code: Option<i32>,
    out: String,
    elapsed: Duration,
}

/// A fresh folder for one case.
fn case_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordinance-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    // a file beside the rules folder, which no pack may read
    std::fs::write(dir.join("secret.txt"), format!("{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n")).unwrap();
    dir
}

/// Runs `ordinance ARGS` capped; stdout and stderr together.
fn run(dir: &Path, args: &[&str]) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(format!("--as={MEMORY_CAP_BYTES}"))
        .arg(format!("--cpu={CPU_CAP_SECONDS}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_ordinance"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the cases under caps; install util-linux");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut a);
        let _ = stderr.read_to_end(&mut b);
        (a, b)
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > WALL_CAP {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`ordinance {}` ran past {WALL_CAP:?}: a hang", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (a, b) = reader.join().unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
    Outcome { code: status.code(), out, elapsed: start.elapsed() }
}

/// The case ended in a clean error: exit 1, no panic, the expected words,
/// nothing of the secret.
fn clean_error(o: &Outcome, expected: &[&str]) {
    assert_eq!(o.code, Some(1), "exit status (None = killed by a signal):\n{}", o.out);
    assert!(!o.out.contains("panicked"), "a panic:\n{}", o.out);
    assert!(!o.out.contains(SECRET) && !o.out.contains("root:x:0:0"), "file content leaked:\n{}", o.out);
    for e in expected {
        assert!(o.out.contains(e), "expected `{e}` in:\n{}", o.out);
    }
}

/// A pack whose source text is `text` (written as given) and whose one rule
/// `p.r` computes `y` from `formula`.
fn pack(text: &str, formula: &str) -> String {
    format!(
        "format: 1\npack: p\ntitle: t\nsource:\n  document: d\n  title: t\n  issued_by: x\n  date: 2024-01-01\n  text: {text}\nvalid: {{from: 2024-01-01}}\nrules:\n  r:\n    title: r\n    cite: {{clause: \"1\", quote: root}}\n    inputs: {{x: number}}\n    formula:\n      y: \"{formula}\"\n"
    )
}

fn no_text_pack(inputs: &str, formula: &str) -> String {
    format!(
        "format: 1\npack: p\ntitle: t\nsource: {{document: d, title: t, issued_by: x, date: 2024-01-01}}\nvalid: {{from: 2024-01-01}}\nrules:\n  r:\n    title: r\n    cite: {{clause: \"1\", quote: q}}\n    inputs: {inputs}\n    formula:\n      y: \"{formula}\"\n"
    )
}

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn check(dir: &Path) -> Outcome {
    run(dir, &["--rules", "rules", "check"])
}

// ---------- files a pack names ----------

#[test]
fn an_absolute_source_path_is_refused() {
    let d = case_dir("absolute");
    write(&d, "rules/p.yaml", pack("/etc/passwd", "x"));
    clean_error(&check(&d), &["rules/p.yaml:9:9: error:", "is absolute"]);
}

#[test]
fn a_source_path_climbing_out_is_refused() {
    let d = case_dir("dotdot");
    write(&d, "rules/p.yaml", pack("../secret.txt", "x"));
    clean_error(&check(&d), &["rules/p.yaml:9:9: error:", "lies outside the folder"]);
    write(&d, "rules/p.yaml", pack("../../../../../../../etc/passwd", "x"));
    clean_error(&check(&d), &["rules/p.yaml:9:9: error:"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_folder_is_refused() {
    let d = case_dir("symlink");
    std::os::unix::fs::symlink(d.join("secret.txt"), d.join("rules/text.txt")).unwrap();
    write(&d, "rules/p.yaml", pack("text.txt", "x"));
    clean_error(&check(&d), &["rules/p.yaml:9:9: error:", "lies outside the folder"]);
}

#[cfg(unix)]
#[test]
fn a_pack_file_that_is_a_symlink_out_is_refused() {
    let d = case_dir("symlink-pack");
    std::os::unix::fs::symlink(d.join("secret.txt"), d.join("rules/evil.yaml")).unwrap();
    clean_error(&check(&d), &["evil.yaml: error:", "lies outside the folder"]);
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused_at_once() {
    let d = case_dir("devzero");
    std::os::unix::fs::symlink("/dev/zero", d.join("rules/zero.txt")).unwrap();
    write(&d, "rules/p.yaml", pack("zero.txt", "x"));
    let o = check(&d);
    clean_error(&o, &["rules/p.yaml:9:9: error:"]);
    assert!(o.out.contains("outside") || o.out.contains("a device"), "{}", o.out);
    // named directly, it is absolute
    write(&d, "rules/p.yaml", pack("/dev/zero", "x"));
    clean_error(&check(&d), &["is absolute"]);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_does_not_block_the_load() {
    let d = case_dir("fifo");
    let status = Command::new("mkfifo").arg(d.join("rules/pipe.txt")).status().unwrap();
    assert!(status.success());
    write(&d, "rules/p.yaml", pack("pipe.txt", "x"));
    let o = check(&d);
    clean_error(&o, &["rules/p.yaml:9:9: error:", "a named pipe, not a regular file"]);
    assert!(o.elapsed < Duration::from_secs(20), "took {:?}", o.elapsed);
}

#[test]
fn a_source_text_of_100_mb_is_refused_without_reading_it_all() {
    let d = case_dir("bigtext");
    let f = std::fs::File::create(d.join("rules/big.txt")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    write(&d, "rules/p.yaml", pack("big.txt", "x"));
    clean_error(&check(&d), &["rules/p.yaml:9:9: error:", "larger than the limit of 16777216 bytes"]);
}

#[test]
fn a_pack_of_100_mb_is_refused() {
    let d = case_dir("bigpack");
    let f = std::fs::File::create(d.join("rules/p.yaml")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    clean_error(&check(&d), &["p.yaml: error:", "larger than the limit of 4194304 bytes"]);
}

#[test]
fn invalid_utf8_is_located() {
    let d = case_dir("utf8");
    let mut bytes = no_text_pack("{x: number}", "x").into_bytes();
    bytes.extend_from_slice(b"# caf\xE9\n");
    write(&d, "rules/p.yaml", &bytes);
    clean_error(&check(&d), &["p.yaml:13:6: error:", "not UTF-8: byte 0xE9 at line 13, column 6"]);
    // in a source text, at the pack's `text:`
    write(&d, "rules/t.txt", b"ok\n\xFF\n");
    write(&d, "rules/p.yaml", pack("t.txt", "x"));
    clean_error(&check(&d), &["p.yaml:9:9: error:", "byte 0xFF at line 2, column 1"]);
}

#[test]
fn nul_bytes_are_a_located_error() {
    let d = case_dir("nul");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x +\0 1"));
    let o = check(&d);
    clean_error(&o, &["p.yaml:"]);
}

#[test]
fn bom_crlf_and_tabs() {
    let d = case_dir("bom");
    let text = format!("\u{feff}{}", no_text_pack("{x: number}", "x\t+ 1").replace('\n', "\r\n"));
    write(&d, "rules/p.yaml", &text);
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": 2}", "--as-of", "2024-06-01"]);
    assert_eq!(o.code, Some(0), "a BOM, CRLF line ends and a tab inside a formula are fine:\n{}", o.out);
    assert!(o.out.contains("y  3"), "{}", o.out);
    // a tab as indentation is a YAML error, located
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x").replace("  r:\n    title", "  r:\n\ttitle"));
    clean_error(&check(&d), &["p.yaml:"]);
}

#[test]
fn an_alias_bomb_stops_at_the_node_budget() {
    let d = case_dir("aliases");
    let mut text = no_text_pack("{x: number}", "x");
    text.push_str(
        "tests:\n  - {name: a, rule: r, as_of: 2024-01-02, given: {x: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}}\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("  - {{name: a{i}, rule: r, as_of: 2024-01-02, given: {{x: &a{i} [{refs}]}}}}\n"));
    }
    write(&d, "rules/p.yaml", &text);
    let o = check(&d);
    clean_error(&o, &["p.yaml:", "expands to more than 1000000 YAML nodes"]);
    assert!(
        o.out.lines().next().unwrap().ends_with("used)") || !o.out.contains("(used"),
        "a message cut mid-word:\n{}",
        o.out
    );
}

#[test]
fn nesting_100k_deep_is_a_clean_error() {
    let d = case_dir("deep");
    let mut text = no_text_pack("{x: number}", "x");
    text.push_str(&format!("tests:\n  - {}{}\n", "[".repeat(100_000), "]".repeat(100_000)));
    write(&d, "rules/p.yaml", &text);
    clean_error(&check(&d), &["p.yaml:"]);
    // and in a formula
    let formula = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", &formula));
    clean_error(&check(&d), &["p.yaml:"]);
}

#[test]
fn a_formula_of_one_megabyte_on_one_line() {
    let d = case_dir("bigformula");
    let formula = vec!["x"; 350_000].join(" + ");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", &formula));
    clean_error(&check(&d), &["p.yaml:12:11: error:", "more than the limit 100000"]);
}

#[test]
fn a_list_of_a_million_elements_in_a_pack() {
    let d = case_dir("millionlist");
    let mut text = no_text_pack("{x: number}", "x");
    text.push_str("tests:\n  - {name: a, rule: r, as_of: 2024-01-02, given: {x: [");
    text.push_str(&vec!["1"; 1_000_000].join(","));
    text.push_str("]}}\n");
    write(&d, "rules/p.yaml", &text);
    clean_error(&check(&d), &["p.yaml:"]);
}

#[test]
fn huge_literals_and_powers() {
    let d = case_dir("huge");
    let ten400 = format!("1{}", "0".repeat(400));
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", &format!("x + {ten400}")));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": 1}", "--as-of", "2024-06-01"]);
    assert_eq!(o.code, Some(0), "{}", o.out);
    assert!(
        o.out.contains(&format!("1{}1", "0".repeat(399))),
        "10^400 + 1 exactly:\n{}",
        &o.out[..o.out.len().min(600)]
    );
    // a power that outgrows the size budget stops with a located limit error
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "pow(x, 1000000)"));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": 7}", "--as-of", "2024-06-01"]);
    clean_error(&o, &["at rules/p.yaml:12:11", "more than the limit of 5000 digits"]);
}

#[test]
fn dates_in_year_999999() {
    let d = case_dir("year");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x").replace("from: 2024-01-01", "from: 999999-01-01"));
    clean_error(&check(&d), &["p.yaml:5:"]);
    write(&d, "rules/p.yaml", no_text_pack("{x: date}", "x"));
    let o =
        run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": \"999999-01-01\"}", "--as-of", "2024-06-01"]);
    clean_error(&o, &["input `x`"]);
}

// ---------- inputs ----------

#[test]
fn duplicate_input_keys_are_named() {
    let d = case_dir("dupkeys");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": 1, \"x\": 2}", "--as-of", "2024-06-01"]);
    clean_error(&o, &["the key `x` appears twice"]);
}

#[test]
fn input_nested_a_million_deep() {
    let d = case_dir("deepinput");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    write(&d, "in.json", format!("{{\"x\": {}{}}}", "[".repeat(1_000_000), "]".repeat(1_000_000)));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "@in.json", "--as-of", "2024-06-01"]);
    clean_error(&o, &["nests more than 128"]);
}

#[test]
fn an_input_list_of_a_million_numbers_is_summed_exactly() {
    let d = case_dir("biginput");
    write(&d, "rules/p.yaml", no_text_pack("{xs: {list: number}}", "sum(xs)"));
    let items: Vec<String> =
        (1..=1_000_000).map(|i| if i % 2 == 0 { format!("{i}.5") } else { i.to_string() }).collect();
    write(&d, "in.json", format!("{{\"xs\": [{}]}}", items.join(",")));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "@in.json", "--as-of", "2024-06-01"]);
    assert_eq!(o.code, Some(0), "{}", &o.out[..o.out.len().min(2000)]);
    // 1 + … + 10^6 plus half of 500,000
    let expected = 1_000_000u64 * 1_000_001 / 2 + 250_000;
    assert!(o.out.contains(&format!("y  {expected}")), "{}", &o.out[..o.out.len().min(2000)]);
}

#[test]
fn an_exponent_beyond_the_exact_range_says_so() {
    let d = case_dir("exponent");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": 1e400}", "--as-of", "2024-06-01"]);
    assert_eq!(o.code, Some(0), "1e400 is an exact integer:\n{}", o.out);
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "{\"x\": 1e4000}", "--as-of", "2024-06-01"]);
    clean_error(&o, &["beyond the range of exact numbers"]);
}

#[cfg(unix)]
#[test]
fn an_input_file_that_is_a_device() {
    let d = case_dir("inputdevice");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    let o = run(&d, &["--rules", "rules", "eval", "p.r", "--input", "@/dev/zero", "--as-of", "2024-06-01"]);
    clean_error(&o, &["is a device, not a regular file"]);
}

// ---------- scenarios ----------

fn scenario(includes: &[&str]) -> String {
    let inc: Vec<String> = includes.iter().map(|i| format!("  - {i}\n")).collect();
    format!(
        "format: 1\nscenario: s\nas_of: 2024-06-01\n{}",
        if inc.is_empty() { String::new() } else { format!("include:\n{}", inc.concat()) }
    )
}

#[test]
fn include_fan_out_is_bounded() {
    let d = case_dir("fanout");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    // five levels, each including the next five times: 1 + 5 + 25 + 125 + 625
    for level in 0..4 {
        let next = format!("l{}.yaml", level + 1);
        write(&d, &format!("l{level}.yaml"), scenario(&[&next, &next, &next, &next, &next]));
    }
    write(&d, "l4.yaml", scenario(&[]));
    let o = run(&d, &["--rules", "rules", "run", "l0.yaml"]);
    clean_error(&o, &["l", "more than 64 scenarios"]);
    assert!(o.elapsed < Duration::from_secs(20));
    // a narrower tree runs, loading the rules once
    write(&d, "l0.yaml", scenario(&["l3.yaml", "l3.yaml"]));
    let o = run(&d, &["--rules", "rules", "run", "l0.yaml"]);
    assert_eq!(o.code, Some(0), "{}", o.out);
    assert!(o.out.contains("run: 13 scenario(s), rules loaded 1 time(s)"), "{}", o.out);
}

#[test]
fn a_scenario_including_itself_names_the_cycle() {
    let d = case_dir("cycle");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    write(&d, "a.yaml", scenario(&["b.yaml"]));
    write(&d, "b.yaml", scenario(&["a.yaml"]));
    clean_error(&run(&d, &["--rules", "rules", "run", "a.yaml"]), &["b.yaml:5:5: error:", "a.yaml → b.yaml → a.yaml"]);
}

#[test]
fn scenario_paths_stay_in_the_scenario_folder() {
    let d = case_dir("scenariopaths");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    write(&d, "s/a.yaml", scenario(&["/etc/passwd"]));
    clean_error(&run(&d, &["--rules", "rules", "run", "s/a.yaml"]), &["a.yaml:5:5: error:", "is absolute"]);
    write(&d, "s/a.yaml", scenario(&["../secret.txt"]));
    clean_error(&run(&d, &["--rules", "rules", "run", "s/a.yaml"]), &["a.yaml:5:5: error:", "lies outside"]);
    write(&d, "s/a.yaml", format!("{}rules: /etc\n", scenario(&[])));
    clean_error(&run(&d, &["--rules", "rules", "run", "s/a.yaml"]), &["a.yaml:4:8: error:", "is absolute"]);
    // the command's own rules folder may be named
    write(&d, "s/a.yaml", format!("{}rules: ../rules\n", scenario(&[])));
    let o = run(&d, &["--rules", "rules", "run", "s/a.yaml"]);
    assert_eq!(o.code, Some(0), "{}", o.out);
}

#[cfg(unix)]
#[test]
fn an_included_fifo_does_not_block() {
    let d = case_dir("includefifo");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    assert!(Command::new("mkfifo").arg(d.join("pipe.yaml")).status().unwrap().success());
    write(&d, "a.yaml", scenario(&["pipe.yaml"]));
    clean_error(&run(&d, &["--rules", "rules", "run", "a.yaml"]), &["a.yaml:5:5: error:", "named pipe"]);
}

// ---------- budgets that must bound the work they stand for ----------

/// A pack whose rule `p.r` (no inputs but `x`) computes `y` after the
/// `let`s given, as `name: formula` lines.
fn let_pack(lets: &[(&str, &str)], formula: &str) -> String {
    let mut t = String::from(
        "format: 1\npack: p\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    title: r\n    cite: {clause: \"1\", quote: q}\n    inputs: {x: integer}\n    let:\n",
    );
    for (n, f) in lets {
        t.push_str(&format!("      {n}: \"{f}\"\n"));
    }
    t.push_str(&format!("    formula:\n      y: \"{formula}\"\n"));
    t
}

/// Lists that share one element many times: `c` weighs x², `d` x³, `e` x⁴.
const SHARED: [(&str, &str); 4] = [
    ("b", "range(1, x)"),
    ("c", "[b for i in range(1, x)]"),
    ("d", "[c for i in range(1, x)]"),
    ("e", "[d for i in range(1, x)]"),
];

fn bomb(name: &str, formula: &str, x: u32) -> Outcome {
    let d = case_dir(name);
    write(&d, "rules/p.yaml", let_pack(&SHARED, formula));
    let input = format!("{{\"x\": {x}}}");
    run(&d, &["--rules", "rules", "eval", "p.r", "--input", &input, "--as-of", "2024-06-01"])
}

#[test]
fn deep_equality_on_shared_lists_stops_within_the_budget() {
    // e == e2 reads 1000⁴ values: the step budget stops it, located at the rule
    let o = bomb("deepeq", "e == [d for i in range(1, x)]", 1000);
    clean_error(&o, &["steps", "p.r"]);
}

#[test]
fn distinct_and_index_of_charge_what_they_read() {
    clean_error(&bomb("distinct", "count(distinct(d))", 1000), &["steps", "p.r"]);
    clean_error(&bomb("indexof", "index_of(d, [b for i in range(1, x)])", 1000), &["steps", "p.r"]);
}

#[test]
fn writing_out_a_shared_list_of_lists_stops_within_the_budget() {
    // a decision of 32,000 × 32,000 values would be a 100 GB document
    clean_error(&bomb("render", "c", 32_000), &["steps", "p.r"]);
    // the same shapes at a size the budget allows still answer
    let o = bomb("render-small", "count(distinct(d)) + index_of(c, b) + count(c)", 20);
    assert_eq!(o.code, Some(0), "{}", o.out);
}

// ---------- loading that must stay linear ----------

fn calendar_pack(runs: usize) -> String {
    let mut t = String::from(
        "format: 1\npack: cal\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2000-01-01}\ncalendar:\n  covers: {from: 2000-01-01, until: 2099-12-31}\n  cite: {clause: \"1\", quote: q}\n  holidays:\n",
    );
    for _ in 0..runs {
        t.push_str("    - 2000-01-01..2099-12-31\n");
    }
    t.push_str("  workdays: []\nrules: {}\n");
    t
}

#[test]
fn a_calendar_repeating_a_century_12000_times_loads_without_expanding_it() {
    let d = case_dir("calendar");
    write(&d, "rules/cal.yaml", calendar_pack(12_000));
    let o = check(&d);
    assert!(!o.out.contains("panicked"), "{}", o.out);
    assert!(o.code == Some(0) || o.code == Some(1), "exit status (None = killed):\n{}", o.out);
    eprintln!("12,000-run calendar checked in {:?}", o.elapsed);
}

#[test]
fn a_unique_table_of_50000_rows_is_proved_by_a_sweep() {
    let d = case_dir("bigtable");
    let mut t = String::from(
        "format: 1\npack: p\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    title: r\n    cite: {clause: \"1\", quote: q}\n    inputs: {x: integer}\n    outputs: {y: integer}\n    table:\n      hit: unique\n      default: {y: 0}\n      rows:\n",
    );
    for k in 0..50_000 {
        t.push_str(&format!("        - {{when: {{x: {{\">=\": {k}, \"<\": {}}}}}, then: {{y: {k}}}}}\n", k + 1));
    }
    write(&d, "rules/p.yaml", &t);
    let o = check(&d);
    assert_eq!(o.code, Some(0), "{}", &o.out[..o.out.len().min(2000)]);
    eprintln!("50,000-row unique table checked in {:?}", o.elapsed);
    // one overlap among them is found and located
    t = t.replace("\">=\": 25000, \"<\": 25001", "\">=\": 24999, \"<\": 25001");
    write(&d, "rules/p.yaml", &t);
    clean_error(&check(&d), &["rows 25000 and 25001", "overlap"]);
}

#[test]
fn a_pack_of_8000_rules_loads_in_linear_time() {
    // every value of a pack was once placed by reading the rest of the file
    // from its line: 6,000 rules took 92 s; under the CPU cap this is a few
    let d = case_dir("manyrules");
    let mut t = String::from(
        "format: 1\npack: p\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n",
    );
    for k in 0..8000 {
        t.push_str(&format!(
            "  r{k}:\n    title: r\n    cite: {{clause: \"1\", quote: q}}\n    inputs: {{x: integer}}\n    formula:\n      y: \"x + {k} * 2\"\n"
        ));
    }
    write(&d, "rules/p.yaml", &t);
    let o = check(&d);
    assert_eq!(o.code, Some(0), "{}", &o.out[..o.out.len().min(2000)]);
    eprintln!("8,000 rules checked in {:?}", o.elapsed);
}

// ---------- saving ----------

#[test]
fn a_pack_file_that_is_a_symlink_is_never_written_through() {
    let d = case_dir("savelink");
    write(&d, "rules/p.yaml", no_text_pack("{x: number}", "x"));
    std::os::unix::fs::symlink(d.join("secret.txt"), d.join("rules/q.yaml")).unwrap();
    let e = ordinance_core::loader::save_replacing(&d.join("rules"), &[], "q.yaml", &no_text_pack("{x: number}", "x"));
    assert!(e.is_err());
    assert!(std::fs::read_to_string(d.join("secret.txt")).unwrap().contains(SECRET));
}
