//! A decision: the outputs, the trace with its citations, and the as-of date, with its JSON forms.

#[allow(unused_imports)]
use super::*;

/// The result of evaluating a rule: outputs, the explanation, and what it
/// was computed against.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The rule, `pack.rule`.
    pub rule: String,
    /// The outputs, in declaration order.
    pub outputs: IndexMap<String, Value>,
    /// The declared types of the outputs that hold decimals (`money`,
    /// `decimal(n)`): the JSON document and the text show them with exactly
    /// their places (`"1080.10"`). Empty when no output does.
    pub decimals: IndexMap<String, crate::values::value::Type>,
    /// What ran and why, with citations.
    pub trace: Vec<TraceEntry>,
    /// Trace entries left out because the trace was full.
    pub trace_omitted: u64,
    /// The rule-set version: a content hash of the loaded packs.
    pub ruleset: String,
    /// The date the evaluation was made as of.
    pub as_of: Date,
    /// Why that date: `given`, `today`, or `last day in force`.
    pub as_of_reason: String,
}

impl Decision {
    /// The JSON document every client sees:
    /// `{"rule", "outputs", "trace", "ruleset", "as_of", "as_of_reason"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("rule".into(), self.rule.clone().into());
        m.insert(
            "outputs".into(),
            serde_json::Value::Object(
                self.outputs
                    .iter()
                    .map(|(k, v)| {
                        let j = match self.decimals.get(k) {
                            Some(t) => crate::values::value::to_json_typed(v, t),
                            None => v.to_json(),
                        };
                        (k.clone(), j)
                    })
                    .collect(),
            ),
        );
        m.insert("trace".into(), self.trace.iter().map(|t| self.trace_entry_json(t)).collect());
        if self.trace_omitted > 0 {
            m.insert("trace_omitted".into(), self.trace_omitted.into());
        }
        m.insert("ruleset".into(), self.ruleset.clone().into());
        m.insert("as_of".into(), self.as_of.to_string().into());
        m.insert("as_of_reason".into(), self.as_of_reason.clone().into());
        serde_json::Value::Object(m)
    }
}

impl Decision {
    /// One trace entry as JSON; an output of the rule asked about that is
    /// declared `money` or `decimal(n)` shows its places, as in `outputs`.
    fn trace_entry_json(&self, t: &TraceEntry) -> serde_json::Value {
        let mut j = t.to_json();
        if t.kind == crate::run::eval::TraceKind::Output && t.depth == 0 {
            if let (Some(ty), Some(v)) = (t.name.as_ref().and_then(|n| self.decimals.get(n)), &t.value) {
                if let Some(slot) = j.get_mut("value") {
                    *slot = crate::values::value::to_json_typed(v, ty);
                }
            }
        }
        j
    }

    /// Writes the JSON document ([`Decision::to_json`]) straight into
    /// `out`: the same bytes as `to_json().to_string()`, without building a
    /// JSON tree (the trace, when there is one, goes through its tree).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        use crate::values::value::write_json_str;
        out.extend_from_slice(b"{\"rule\":");
        write_json_str(out, &self.rule);
        out.extend_from_slice(b",\"outputs\":");
        if self.decimals.is_empty() {
            crate::values::value::write_json_fields(out, self.outputs.iter().map(|(k, v)| (k.as_str(), v)));
        } else {
            out.push(b'{');
            for (i, (k, v)) in self.outputs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, k);
                out.push(b':');
                match self.decimals.get(k) {
                    Some(t) => crate::values::value::write_json_typed(out, v, t),
                    None => v.write_json(out),
                }
            }
            out.push(b'}');
        }
        out.extend_from_slice(b",\"trace\":[");
        for (i, t) in self.trace.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut *out, &self.trace_entry_json(t));
        }
        out.push(b']');
        if self.trace_omitted > 0 {
            out.extend_from_slice(format!(",\"trace_omitted\":{}", self.trace_omitted).as_bytes());
        }
        out.extend_from_slice(b",\"ruleset\":");
        write_json_str(out, &self.ruleset);
        out.extend_from_slice(b",\"as_of\":");
        write_json_str(out, &self.as_of.to_string());
        out.extend_from_slice(b",\"as_of_reason\":");
        write_json_str(out, &self.as_of_reason);
        out.push(b'}');
    }

    /// The JSON document as text ([`Decision::write_json`]).
    pub fn json_string(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
