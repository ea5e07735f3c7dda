//! Packs as people read them: each rule with its inputs, outputs and table
//! as a grid, and every citation located as the span of lines it quotes in
//! the source text, with those lines. The workbench of `ordinance serve`
//! shows these documents; nothing here evaluates.

use crate::ruleset::{Body, Citation, Pack, Rule, Ruleset};
use crate::values::value::Value;
use serde_json::{json, Value as Json};

/// A citation with the lines its quote spans (`line`, `line_end`), found
/// in the pack's source text; without a text, the line the pack gives.
fn cite_json(pack: &Pack, c: &Citation) -> Json {
    let mut j = c.to_json();
    let span = pack.source_text.as_ref().and_then(|t| {
        let range = if c.document == pack.source.document {
            pack.source_range
        } else {
            pack.source_documents.iter().find(|(d, _)| *d == c.document).map(|(_, r)| *r)
        };
        t.span(&c.quote, range).ok()
    });
    if let Some(m) = j.as_object_mut() {
        if let Some((a, b)) = span {
            m.insert("line".into(), a.into());
            m.insert("line_end".into(), b.into());
        } else {
            let line = c.line.map(Json::from).unwrap_or(Json::Null);
            m.insert("line_end".into(), line);
        }
    }
    j
}

fn value_text(v: &Value) -> String {
    match v.to_json() {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

/// The grid of a table: one column per input a row tests, then one per
/// output; each row with its conditions as people read them, its outputs,
/// its citation and its line in the pack file.
fn table_json(pack: &Pack, r: &Rule, t: &crate::ruleset::Table) -> Json {
    let mut used: Vec<usize> = t.rows.iter().flat_map(|row| row.tested()).collect();
    used.sort_unstable();
    used.dedup();
    let guarded = t.rows.iter().any(|row| row.guard.is_some());
    let rows: Vec<Json> = t
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let when: Vec<Json> = used.iter().map(|k| row.describe_input(*k).map_or(Json::Null, Json::from)).collect();
            let outputs: Vec<Json> = row
                .outputs
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    if row.computed.iter().any(|(j, _)| *j == k) {
                        json!({"computed": true})
                    } else {
                        value_text(v).into()
                    }
                })
                .collect();
            json!({
                "row": i + 1,
                "when": when,
                "if": row.guard.as_ref().map(|(_, src)| src.clone()),
                "outputs": outputs,
                "cite": row.cite.as_ref().map(|c| cite_json(pack, c)),
                "line": row.line,
            })
        })
        .collect();
    json!({
        "hit": t.hit.name(),
        "aggregate": t.aggregate.map(|a| a.name()),
        "inputs": used.iter().map(|k| r.inputs.get(*k).map(|d| d.name.clone())).collect::<Vec<_>>(),
        "guarded": guarded,
        "outputs": r.outputs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        "rows": rows,
        "default": t.default.as_ref().map(|d| d.iter().map(value_text).collect::<Vec<_>>()),
    })
}

/// A body as the rule view shows it: its table, or the names of its
/// formula's steps.
fn body_json(pack: &Pack, r: &Rule, body: &Body) -> (Json, Json) {
    match body {
        Body::Table(t) => (table_json(pack, r, t), Json::Null),
        Body::Formula { lets, .. } => {
            (Json::Null, json!({"lets": lets.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()}))
        }
        Body::Versions(_) => (Json::Null, Json::Null),
    }
}

/// What kind of body: `table`, `formula`, or `versions`.
fn kind_of(body: &Body) -> &'static str {
    match body {
        Body::Table(_) => "table",
        Body::Formula { .. } => "formula",
        Body::Versions(_) => "versions",
    }
}

fn rule_json(pack: &Pack, r: &Rule) -> Json {
    let (table, formula) = body_json(pack, r, &r.body);
    let versions: Vec<Json> = match &r.body {
        Body::Versions(vs) => vs
            .iter()
            .map(|v| {
                let (table, formula) = body_json(pack, r, &v.body);
                json!({
                    "from": v.from.to_string(),
                    "until": v.until.map(|u| u.to_string()),
                    "kind": kind_of(&v.body),
                    "cite": cite_json(pack, &v.cite),
                    "table": table,
                    "formula": formula,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "id": r.qualified,
        "name": r.qualified.split_once('.').map_or(r.qualified.as_str(), |(_, n)| n),
        "title": r.title,
        "kind": kind_of(&r.body),
        "inputs": r.inputs.iter().map(|i| json!({
            "name": i.name, "type": i.ty.to_json(), "default": i.default.as_ref().map(Value::to_json)
        })).collect::<Vec<_>>(),
        "outputs": r.outputs.iter().map(|(n, t)| json!({"name": n, "type": t.to_json()})).collect::<Vec<_>>(),
        "cite": cite_json(pack, &r.cite),
        "table": table,
        "formula": formula,
        "versions": versions,
    })
}

/// The rules of a pack, in load order.
fn rules_of<'a>(rs: &'a Ruleset, pack: &'a Pack) -> impl Iterator<Item = &'a Rule> + 'a {
    rs.rules.iter().map(|r| &**r).filter(move |r| rs.pack_of(r).is_some_and(|p| p.name == pack.name))
}

/// The file name of a pack (`energy_safety.yaml`), as the rules folder
/// holds it.
pub fn file_name(pack: &Pack) -> String {
    std::path::Path::new(&pack.file).file_name().map_or_else(|| pack.file.clone(), |n| n.to_string_lossy().into())
}

fn summary_json(rs: &Ruleset, pack: &Pack) -> Json {
    let rules: Vec<&Rule> = rules_of(rs, pack).collect();
    json!({
        "pack": pack.name,
        "title": pack.title,
        "file": file_name(pack),
        "document": pack.source.document,
        "document_title": pack.source.title,
        "issued_by": pack.source.issued_by,
        "date": pack.source.date.to_string(),
        "valid": {"from": pack.valid_from.to_string(), "until": pack.valid_until.map(|d| d.to_string())},
        "rules": rules.iter().map(|r| json!({"id": r.qualified, "title": r.title})).collect::<Vec<_>>(),
        "tests": pack.tests.len(),
        "properties": pack.properties.len(),
        "claims": pack.claims.len(),
    })
}

/// Every pack: id, title, file, document and its rules' ids and titles.
pub fn packs_json(rs: &Ruleset) -> Json {
    Json::Array(rs.packs.iter().map(|p| summary_json(rs, p)).collect())
}

/// One pack in full: its summary, each rule with its grid and located
/// citations, its tests and properties, and the lines of its document in
/// the source text (`source.from`, `source.lines`); `None` for an unknown
/// pack.
pub fn pack_json(rs: &Ruleset, name: &str) -> Option<Json> {
    let pack = rs.packs.iter().find(|p| p.name == name)?;
    let mut doc = summary_json(rs, pack);
    let rules: Vec<Json> = rs
        .rules
        .iter()
        .filter(|r| rs.pack_of(r).is_some_and(|p| p.name == pack.name))
        .map(|r| rule_json(pack, r))
        .collect();
    let source = pack.source_text.as_ref().map(|t| {
        let (from, to) = pack.source_range.unwrap_or((1, t.line_count()));
        json!({"from": from, "to": to, "lines": t.lines(from, to)})
    });
    if let Some(m) = doc.as_object_mut() {
        m.insert("rules".into(), rules.into());
        m.insert(
            "tests".into(),
            pack.tests
                .iter()
                .map(|t| {
                    json!({"name": t.name, "rule": t.rule, "as_of": t.as_of.to_string(), "given": t.given,
                           "expect": t.expect, "error": t.error, "location": t.location})
                })
                .collect::<Vec<_>>()
                .into(),
        );
        m.insert(
            "properties".into(),
            pack.properties
                .iter()
                .map(|p| json!({"name": p.name, "holds": p.holds_text, "cases": p.cases, "seed": p.seed, "location": p.location}))
                .collect::<Vec<_>>()
                .into(),
        );
        m.insert("source".into(), source.unwrap_or(Json::Null));
    }
    Some(doc)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn rules() -> std::sync::Arc<Ruleset> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        crate::engine::Engine::load_dir(dir).unwrap().snapshot()
    }

    #[test]
    fn a_table_is_a_grid_with_its_words_located() {
        let rs = rules();
        let p = pack_json(&rs, "energy_safety").unwrap();
        let r =
            p["rules"].as_array().unwrap().iter().find(|r| r["id"] == "energy_safety.inspection_frequency").unwrap();
        let (a, b) = (r["cite"]["line"].as_u64().unwrap(), r["cite"]["line_end"].as_u64().unwrap());
        assert!(a <= b, "{a}..{b}");
        let from = p["source"]["from"].as_u64().unwrap();
        let lines = p["source"]["lines"].as_array().unwrap();
        let quoted: String = (a..=b)
            .map(|l| lines[(l - from) as usize].as_str().unwrap())
            .collect::<String>()
            .split_whitespace()
            .collect();
        assert!(quoted.contains("每月巡查盯守"), "{quoted}");
        if let Some(t) = r["table"].as_object() {
            assert!(!t["rows"].as_array().unwrap().is_empty());
        }
        assert!(p["tests"].as_array().unwrap().len() > 3);
        assert!(packs_json(&rs).as_array().unwrap().iter().any(|p| p["file"] == "energy_safety.yaml"));
        assert!(pack_json(&rs, "no_such_pack").is_none());
    }

    #[test]
    fn every_citation_of_every_pack_is_located_in_order() {
        let rs = rules();
        for p in &rs.packs {
            let doc = pack_json(&rs, &p.name).unwrap();
            for r in doc["rules"].as_array().unwrap() {
                let cites = std::iter::once(&r["cite"]).chain(
                    r["table"]["rows"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|row| &row["cite"])
                        .filter(|c| !c.is_null()),
                );
                for c in cites {
                    if let (Some(a), Some(b)) = (c["line"].as_u64(), c["line_end"].as_u64()) {
                        assert!(a <= b, "{}: {a}..{b}", r["id"]);
                    }
                }
            }
        }
    }
}
