//! Property tests written in packs: they run with the pack's tests, repeat
//! exactly for a seed, shrink a failure to a simpler counterexample, and a
//! generator or assertion written wrong is a located load error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::Engine;

const PACK: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  half:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    formula:\n      y: floor(x / 2)\n";

/// Loads `text` as the pack file t.yaml of a folder of its own.
fn engine_of(tag: &str, text: String) -> Result<Engine, String> {
    let dir = std::env::temp_dir().join(format!("ordinance-props-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(&path, text).unwrap();
    Engine::from_files(&[path]).map_err(|e| e.to_string())
}

fn engine(tag: &str, properties: &str) -> Result<Engine, String> {
    engine_of(tag, format!("{PACK}properties:\n{properties}"))
}

#[test]
fn a_failure_is_shrunk_to_the_smallest_counterexample() {
    let e = engine("shrink", "  - name: halves stay small\n    for: {x: {integer: [-1000, 1000000]}}\n    holds: half(x = x).y < 321\n    cases: 50\n").unwrap();
    let r = e.run_tests();
    let o = r.outcomes.iter().find(|o| o.name == "property: halves stay small").unwrap();
    assert!(!o.passed);
    let m = o.message.as_deref().unwrap();
    // the least x with floor(x / 2) >= 321 is 642
    assert!(m.starts_with("fails for x = 642 "), "{m}");
    // the same seed, the same report
    assert_eq!(e.run_tests().outcomes, r.outcomes);
}

#[test]
fn a_property_that_holds_passes_every_case() {
    let e = engine(
        "holds",
        "  - name: halving never grows\n    for: {x: {integer: [0, 1000000]}, flag: {bool: true}, d: {date: [2024-01-01, 2024-12-31]}, k: {one_of: [1, 2, 3]}, r: {number: [0, 5], places: 3}}\n    holds: half(x = x).y <= x and (flag or not flag) and k >= 1 and r <= 5\n    cases: 500\n    seed: 7\n",
    )
    .unwrap();
    let r = e.run_tests();
    assert!(r.outcomes.iter().all(|o| o.passed));
    // a property that held says how much it was tried on
    let o = r.outcomes.iter().find(|o| o.name == "property: halving never grows").unwrap();
    assert_eq!(o.message.as_deref(), Some("held for 500 cases (seed 7)"));
}

#[test]
fn errors_are_located() {
    for (props, words) in [
        ("  - name: p\n    for: {x: {integr: [0, 1]}}\n    holds: x >= 0\n", "unknown generator for `x`"),
        ("  - name: p\n    for: {x: {integer: [5, 1]}}\n    holds: x >= 0\n", "the range of `x` ends before it starts"),
        (
            "  - name: p\n    for: {x: {integer: [0, 1]}}\n    holds: x + 1\n",
            "`holds` must be true or false, and this gives integer",
        ),
        ("  - name: p\n    for: {x: {integer: [0, 1]}}\n    holds: y >= 0\n", "unknown name `y`"),
        (
            "  - name: p\n    for: {x: {integer: [0, 1]}}\n    holds: x >= 0\n    cases: 0\n",
            "a property tries 1 to 10000 cases",
        ),
    ] {
        let e = engine("errors", props).map(|_| ()).unwrap_err();
        assert!(e.contains(words) && e.contains("t.yaml:1"), "{props}: {e}");
    }
}

/// A pack with a rule over a list of records, for the list and record
/// generators.
const ROSTER: &str = "  total:\n    cite: {clause: c, quote: q}\n    inputs: {roster: {list: {record: {name: text, class: {enum: [A, B, C, D]}, staff: integer}}}}\n    formula:\n      staff: sum(e.staff for e in roster)\n      big: count(e for e in roster where e.staff > 50)\n";

fn roster_engine(tag: &str, properties: &str) -> Result<Engine, String> {
    engine_of(tag, format!("{PACK}{ROSTER}properties:\n{properties}"))
}

const GEN: &str = "{list: {record: {name: {one_of: [甲, 乙, 丙]}, class: {one_of: [A, B, C, D]}, staff: {integer: [0, 200]}}}, length: [0, 30]}";

#[test]
fn lists_of_records_are_generated_and_a_failure_shrinks_to_one_element() {
    let holds = format!(
        "  - name: parts sum to the total\n    for: {{roster: {GEN}}}\n    holds: total(roster = roster).staff == sum(e.staff for e in roster) and count(roster) <= 30\n    cases: 300\n"
    );
    let e = roster_engine("lists-hold", &holds).unwrap();
    assert!(e.run_tests().outcomes.iter().all(|o| o.passed), "{:?}", e.run_tests().outcomes);
    // a wrong claim: no enterprise has more than 50 staff. The shrunk
    // counterexample is the shortest list, its one element at the bound,
    // its other fields at their simplest.
    let fails = format!("  - name: nobody is big\n    for: {{roster: {GEN}}}\n    holds: total(roster = roster).big == 0\n    cases: 300\n");
    let e = roster_engine("lists-fail", &fails).unwrap();
    let r = e.run_tests();
    let o = r.outcomes.iter().find(|o| o.name == "property: nobody is big").unwrap();
    let m = o.message.as_deref().unwrap();
    assert!(!o.passed && m.starts_with("fails for roster = [{name: 甲, class: A, staff: 51}] "), "{m}");
    assert_eq!(e.run_tests().outcomes, r.outcomes, "the same seed, the same report");
}

#[test]
fn list_generators_say_what_is_wrong() {
    for (generator, words) in [
        ("{list: {integer: [0, 1]}, length: [5, 2]}", "the range of `xs` ends before it starts"),
        ("{list: {integer: [0, 1]}, length: [0, 20000]}", "the `length` of `xs` is 0 to 10000"),
        ("{list: {intger: [0, 1]}}", "unknown generator for `xs[]`"),
        ("{list: {integer: [0, 1]}, lenght: [0, 3]}", "the `list` generator of `xs` has no key `lenght`"),
        ("{integer: [0, 9], places: 2}", "the `integer` generator of `xs` has no key `places`"),
        ("{list: {record: {a: {integer: [0, 1]}, b: {nmber: [0, 1]}}}}", "unknown generator for `xs[].b`"),
        (
            "{list: {list: {list: {integer: [0, 1]}, length: [0, 100]}, length: [0, 100]}, length: [0, 100]}",
            "a case of `xs` could hold up to 1010101 values, more than the limit of 100000",
        ),
    ] {
        let props = format!("  - name: p\n    for: {{xs: {generator}}}\n    holds: count(xs) >= 0\n");
        let e = engine("list-errors", &props).map(|_| ()).unwrap_err();
        assert!(e.contains(words) && e.contains("t.yaml:1"), "{generator}: {e}");
    }
}

/// Shrinking a long list is bounded: its simpler neighbours are made one at
/// a time and at most a fixed number tried, so a failing property over
/// lists of 2,000 elements ends, with a counterexample near the boundary.
#[test]
fn shrinking_a_long_list_ends_near_the_boundary() {
    let e = engine(
        "long",
        "  - name: small sums\n    for: {xs: {list: {integer: [0, 9]}, length: [2000, 2000]}}\n    holds: sum(xs) < 5000\n    cases: 3\n",
    )
    .unwrap();
    let r = e.run_tests();
    let o = r.outcomes.iter().find(|o| o.name == "property: small sums").unwrap();
    let m = o.message.as_deref().unwrap();
    assert!(!o.passed && m.starts_with("fails for xs = ["), "{}", &m[..200.min(m.len())]);
    let list = &m[m.find('[').unwrap() + 1..m.find(']').unwrap()];
    let xs: Vec<i64> = list.split(", ").map(|x| x.parse().unwrap()).collect();
    // the length kept (it may not go below 2,000), the sum brought down to
    // the least that still fails, within one element's last step
    assert_eq!(xs.len(), 2000);
    let sum: i64 = xs.iter().sum();
    assert!((5000..5009).contains(&sum), "shrunk to a sum of {sum}");
}
