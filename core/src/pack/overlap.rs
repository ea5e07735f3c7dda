//! Which rows of a decision table can match the same inputs: the proof
//! behind `hit: unique` and `hit: any`.
//!
//! Checking every pair of rows is quadratic, which a table of 50,000 rows
//! turns into minutes of work anyone can ask for through `/v1/check`. So
//! the rows are first cut down to candidate pairs by a sweep along one
//! input: each row's conditions on that input are held as an interval (its
//! hull), the rows are sorted by their lower ends, and a row is compared
//! only with the rows whose interval is still open where it starts. The
//! input chosen is the one whose intervals intersect least, counted for
//! every input in O(n log n) before any pair is looked at. Each candidate
//! pair is then decided exactly, on every input, with conditions
//! normalised once per row.

use crate::ruleset::{Bound, Cond, InputDef, Row};
use crate::values::number::{Number, RoundingMode};
use crate::values::value::{Type, Value};

/// For integer inputs, exclusive bounds become inclusive ones (`> 2` is
/// `>= 3`), so that `> 2` and `< 3` are seen not to overlap.
pub fn normalized(c: &Cond, ty: &Type) -> Cond {
    match (c, ty) {
        (Cond::Range { lo, hi }, Type::Integer) => {
            let fix = |b: &Option<Bound>, lower: bool| -> Option<Bound> {
                let b = b.as_ref()?;
                let Value::Number(n) = &b.value else { return Some(b.clone()) };
                let one = Number::from_int(1);
                let v = if lower {
                    let c = n.round(0, RoundingMode::Ceil).ok()?;
                    if !b.inclusive && c == *n {
                        c.add(&one).ok()?
                    } else {
                        c
                    }
                } else {
                    let f = n.round(0, RoundingMode::Floor).ok()?;
                    if !b.inclusive && f == *n {
                        f.sub(&one).ok()?
                    } else {
                        f
                    }
                };
                Some(Bound { value: Value::Number(v), inclusive: true })
            };
            Cond::Range { lo: fix(lo, true), hi: fix(hi, false) }
        }
        _ => c.clone(),
    }
}

/// Whether two conditions on one input can both hold.
pub fn conds_intersect(a: &Cond, b: &Cond, ty: &Type) -> bool {
    normalized_intersect(&normalized(a, ty), &normalized(b, ty))
}

/// [`conds_intersect`] on conditions already normalised.
fn normalized_intersect(a: &Cond, b: &Cond) -> bool {
    match (a, b) {
        (Cond::OneOf(x), Cond::OneOf(y)) => x.iter().any(|v| y.contains(v)),
        (Cond::OneOf(x), r @ Cond::Range { .. }) | (r @ Cond::Range { .. }, Cond::OneOf(x)) => {
            x.iter().any(|v| r.matches(v))
        }
        (Cond::Range { lo: l1, hi: h1 }, Cond::Range { lo: l2, hi: h2 }) => {
            let lo = match (l1, l2) {
                (Some(a), Some(b)) => {
                    Some(if a.value > b.value || (a.value == b.value && !a.inclusive) { a } else { b })
                }
                (a, b) => a.as_ref().or(b.as_ref()),
            };
            let hi = match (h1, h2) {
                (Some(a), Some(b)) => {
                    Some(if a.value < b.value || (a.value == b.value && !a.inclusive) { a } else { b })
                }
                (a, b) => a.as_ref().or(b.as_ref()),
            };
            match (lo, hi) {
                (Some(l), Some(h)) => l.value < h.value || (l.value == h.value && l.inclusive && h.inclusive),
                _ => true,
            }
        }
    }
}

/// One row's conditions, normalised, one slot per input (`None`: any value).
type NormRow = Vec<Option<Cond>>;

fn normalize_rows(rows: &[Row], inputs: &[InputDef]) -> Vec<NormRow> {
    rows.iter()
        .map(|r| {
            inputs
                .iter()
                .enumerate()
                .map(|(i, input)| r.conds.iter().find(|(k, _)| *k == i).map(|(_, c)| normalized(c, &input.ty)))
                .collect()
        })
        .collect()
}

fn norm_overlap(a: &NormRow, b: &NormRow) -> bool {
    a.iter().zip(b).all(|(x, y)| match (x, y) {
        (Some(x), Some(y)) => normalized_intersect(x, y),
        // a condition no value meets (a row the proofs set aside) meets
        // nothing, even where the other row asks nothing
        (Some(c), None) | (None, Some(c)) => normalized_intersect(c, c),
        (None, None) => true,
    })
}

/// A row's interval on one input: its lowest and highest value (`None`:
/// unbounded), a superset of what it matches.
fn hull(c: &Option<Cond>) -> (Option<&Value>, Option<&Value>) {
    match c {
        None => (None, None),
        Some(Cond::Range { lo, hi }) => (lo.as_ref().map(|b| &b.value), hi.as_ref().map(|b| &b.value)),
        Some(Cond::OneOf(vs)) => (vs.iter().min(), vs.iter().max()),
    }
}

/// Whether `lo` (a lower end, `None` = −∞) lies at or below `hi` (an upper
/// end, `None` = +∞).
fn at_or_below(lo: Option<&Value>, hi: Option<&Value>) -> bool {
    match (lo, hi) {
        (Some(l), Some(h)) => l <= h,
        _ => true,
    }
}

/// How many pairs of rows have intersecting intervals on input `k`.
fn intersecting_pairs(rows: &[NormRow], k: usize) -> u128 {
    let hulls: Vec<_> = rows.iter().map(|r| hull(r.get(k).unwrap_or(&None))).collect();
    let mut los: Vec<Option<&Value>> = hulls.iter().map(|(l, _)| *l).collect();
    // `None` (−∞) sorts first
    los.sort();
    let n = rows.len() as u128;
    let mut disjoint: u128 = 0;
    for (_, hi) in &hulls {
        if let Some(h) = hi {
            // rows starting strictly above this one's end
            let at_or_below_end = los.partition_point(|l| at_or_below(*l, Some(h)));
            disjoint += (los.len() - at_or_below_end) as u128;
        }
    }
    (n * n.saturating_sub(1) / 2).saturating_sub(disjoint)
}

/// The pairs `(i, j)`, `i < j`, of rows that can match the same inputs and
/// that `keep` does not set aside, in the order `(j, i)` ascending (the
/// order a pairwise check would meet them); at most `limit` of them.
pub fn overlapping_pairs(
    rows: &[Row],
    inputs: &[InputDef],
    keep: impl Fn(usize, usize) -> bool,
    limit: usize,
) -> Vec<(usize, usize)> {
    let norm = normalize_rows(rows, inputs);
    let best = (0..inputs.len()).min_by_key(|k| intersecting_pairs(&norm, *k));
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let hulls: Vec<(Option<&Value>, Option<&Value>)> = match best {
        Some(k) => norm.iter().map(|r| hull(r.get(k).unwrap_or(&None))).collect(),
        None => vec![(None, None); rows.len()],
    };
    order.sort_by(|a, b| hulls.get(*a).map(|h| h.0).cmp(&hulls.get(*b).map(|h| h.0)));
    let mut found = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for j in order {
        let Some(&(lo, _)) = hulls.get(j) else { continue };
        open.retain(|i| hulls.get(*i).is_some_and(|(_, hi)| at_or_below(lo, *hi)));
        for &i in &open {
            let (a, b) = if i < j { (i, j) } else { (j, i) };
            if !keep(a, b) {
                continue;
            }
            if let (Some(x), Some(y)) = (norm.get(a), norm.get(b)) {
                if norm_overlap(x, y) {
                    found.push((a, b));
                }
            }
        }
        open.push(j);
        // a table overlapping everywhere is reported by its first pairs;
        // looking for all of them would cost n² for nothing
        if found.len() >= limit.saturating_mul(50) {
            break;
        }
    }
    found.sort_by_key(|&(i, j)| (j, i));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ruleset::Bound;

    fn row(lo: i64, hi: i64, line: u32) -> Row {
        Row {
            conds: vec![(
                0,
                Cond::Range {
                    lo: Some(Bound { value: Value::int(lo), inclusive: true }),
                    hi: Some(Bound { value: Value::int(hi), inclusive: false }),
                },
            )],
            bounds: vec![],
            outputs: vec![],
            computed: vec![],
            guard: None,
            guard_bounds: None,
            cite: None,
            line,
        }
    }

    fn input() -> Vec<InputDef> {
        vec![InputDef { name: "x".into(), ty: Type::Integer, default: None, default_param: None }]
    }

    fn pairwise(rows: &[Row], inputs: &[InputDef]) -> Vec<(usize, usize)> {
        let norm = normalize_rows(rows, inputs);
        let mut out = Vec::new();
        for j in 0..rows.len() {
            for i in 0..j {
                if norm_overlap(&norm[i], &norm[j]) {
                    out.push((i, j));
                }
            }
        }
        out
    }

    proptest::proptest! {
        /// The sweep finds exactly the pairs the pairwise check finds.
        #[test]
        fn the_sweep_agrees_with_every_pair(bounds in proptest::collection::vec((0i64..40, 1i64..10), 0..40)) {
            let rows: Vec<Row> = bounds.iter().enumerate().map(|(k, (a, w))| row(*a, a + w, k as u32)).collect();
            let got = overlapping_pairs(&rows, &input(), |_, _| true, usize::MAX);
            proptest::prop_assert_eq!(got, pairwise(&rows, &input()));
        }
    }

    #[test]
    fn fifty_thousand_adjacent_rows_have_no_overlap() {
        let rows: Vec<Row> = (0..50_000).map(|k| row(k, k + 1, k as u32)).collect();
        assert!(overlapping_pairs(&rows, &input(), |_, _| true, 20).is_empty());
    }
}
