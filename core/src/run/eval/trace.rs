//! Faults and the trace: what an evaluation reports, and the bounded record of what ran.

#[allow(unused_imports)]
use super::*;

/// The most trace entries kept for one decision; repeats are counted, not
/// stored again.
pub(super) const MAX_TRACE: usize = 500;

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A value did not satisfy a rule's input type (enum, integer …).
    Input {
        /// The rule whose input it was.
        rule: String,
        /// The input path.
        field: String,
        /// What is wrong.
        message: String,
        /// The allowed values of an enum.
        allowed: Option<Vec<String>>,
    },
    /// Arithmetic, a table without a matching row, a missing parameter
    /// version, and the like.
    Failed {
        /// The rule being evaluated.
        rule: String,
        /// What went wrong.
        message: String,
    },
    /// The step budget ran out.
    Limit {
        /// The rule being evaluated.
        rule: String,
        /// Which limit.
        message: String,
    },
}

/// What one trace entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceKind {
    /// A rule was evaluated.
    Rule,
    /// A table row matched.
    Row,
    /// A parameter version was used.
    Param,
    /// An intermediate (`let`) value.
    Let,
    /// An output value.
    Output,
    /// One bracket's part of a progressive (累进) computation.
    Bracket,
}

impl TraceKind {
    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            TraceKind::Rule => "rule",
            TraceKind::Row => "row",
            TraceKind::Param => "parameter",
            TraceKind::Let => "let",
            TraceKind::Output => "output",
            TraceKind::Bracket => "bracket",
        }
    }
}

/// One step of the explanation of a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// What kind of step.
    pub kind: TraceKind,
    /// Nesting depth: 0 for the rule asked about, 1 for rules it calls, ….
    pub depth: u32,
    /// The rule (qualified id) the step belongs to, or the parameter.
    pub rule: String,
    /// For a `rule` step, the rule's title; for `let`, `output` and
    /// `parameter` steps, the name; for a `row` step, `row N`.
    pub name: Option<String>,
    /// A readable account: the inputs of a rule, the conditions of a row.
    pub detail: String,
    /// The value computed, where there is one.
    pub value: Option<Value>,
    /// The citation.
    pub cite: Option<Arc<Citation>>,
    /// How many times this same step happened (rules called per list item).
    pub count: u64,
}

impl TraceEntry {
    /// The JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), self.kind.name().into());
        m.insert("depth".into(), self.depth.into());
        m.insert("rule".into(), self.rule.clone().into());
        if let Some(n) = &self.name {
            m.insert("name".into(), n.clone().into());
        }
        m.insert("detail".into(), self.detail.clone().into());
        if let Some(v) = &self.value {
            m.insert("value".into(), v.to_json());
        }
        if let Some(c) = &self.cite {
            m.insert("cite".into(), c.to_json());
        }
        if self.count != 1 {
            m.insert("count".into(), self.count.into());
        }
        serde_json::Value::Object(m)
    }
}

#[derive(Default)]
pub(super) struct Trace {
    pub(super) entries: Vec<TraceEntry>,
    /// Entries by a hash of what makes a step the same step (kind, depth,
    /// rule, name, detail), hashed from references: nothing is copied to
    /// look a step up.
    pub(super) index:
        std::collections::HashMap<u64, Vec<usize>, std::hash::BuildHasherDefault<crate::values::value::FastHasher>>,
    pub(super) dropped: u64,
}

/// Up to this many steps a trace finds a repeated step by looking at each;
/// past it, by a hash of the step.
pub(super) const SHORT_TRACE: usize = 24;

/// The hash of what makes a step the same step (kind, depth, rule, name,
/// detail), from references: nothing is copied to look a step up.
pub(super) fn step_key(e: &TraceEntry) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::values::value::FastHasher::default();
    (e.kind, e.depth, &e.rule, &e.name, &e.detail).hash(&mut h);
    h.finish()
}

/// Whether two entries record the same step (then the second only counts).
pub(super) fn same_step(a: &TraceEntry, b: &TraceEntry) -> bool {
    a.kind == b.kind && a.depth == b.depth && a.rule == b.rule && a.name == b.name && a.detail == b.detail
}

impl Trace {
    /// A trace with room for a typical decision's steps.
    pub(super) fn with_room() -> Trace {
        Trace { entries: Vec::with_capacity(8), index: Default::default(), dropped: 0 }
    }

    pub(super) fn push(&mut self, e: TraceEntry) {
        // the lets and outputs of the rule asked about happen once
        if matches!(e.kind, TraceKind::Let | TraceKind::Output) && e.depth == 0 {
            if self.entries.len() >= MAX_TRACE {
                self.dropped += 1;
            } else {
                self.entries.push(e);
            }
            return;
        }
        // a short trace is searched step by step; a long one (a rule called
        // for every item of a roster) through the index, built when the
        // trace first grows past the short length
        if self.index.is_empty() {
            if let Some(existing) = self.entries.iter_mut().find(|x| same_step(x, &e)) {
                existing.count += 1;
                return;
            }
            if self.entries.len() < SHORT_TRACE {
                self.entries.push(e);
                return;
            }
            for (i, x) in self.entries.iter().enumerate() {
                self.index.entry(step_key(x)).or_default().push(i);
            }
        }
        let key = step_key(&e);
        let same = self
            .index
            .get(&key)
            .and_then(|is| is.iter().copied().find(|&i| self.entries.get(i).is_some_and(|x| same_step(x, &e))));
        if let Some(existing) = same.and_then(|i| self.entries.get_mut(i)) {
            existing.count += 1;
            return;
        }
        if self.entries.len() >= MAX_TRACE {
            self.dropped += 1;
            return;
        }
        self.index.entry(key).or_default().push(self.entries.len());
        self.entries.push(e);
    }
}
