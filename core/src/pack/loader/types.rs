//! Types and literals as a pack writes them.

#[allow(unused_imports)]
use super::*;

/// The most decimal places a `decimal(n)` type may keep.
pub const MAX_DECIMAL_PLACES: u8 = 18;

/// Reads `decimal(n)`.
pub(super) fn decimal_type(d: &mut Diags, n: &Node, text: &str) -> Option<Type> {
    let inner =
        text.strip_prefix("decimal").map(str::trim).and_then(|r| r.strip_prefix('(')).and_then(|r| r.strip_suffix(')'));
    match inner.map(|i| i.trim().parse::<u8>()) {
        Some(Ok(p)) if p <= MAX_DECIMAL_PLACES => Some(Type::Decimal(p)),
        _ => {
            d.at(
                n.pos,
                format!("`{text}` is not a decimal type"),
                Some(format!(
                    "write `decimal(n)` with n from 0 to {MAX_DECIMAL_PLACES} places, or `money` for 元 to 分"
                )),
            );
            None
        }
    }
}

/// Reads a type spec: `integer`, `number`, `money`, `decimal(n)`, `bool`, `text`, `date`,
/// `datetime`, `time`, `duration`, a named
/// type, `{enum: [..]}`, `{list: T}`, `{record: {field: T}}`; inside `list`,
/// a plain mapping is a record.
pub(crate) fn parse_type(d: &mut Diags, n: &Node, named: &IndexMap<String, Type>) -> Option<Type> {
    match &n.kind {
        NodeKind::Str(s) => match s.as_str() {
            "integer" => Some(Type::Integer),
            "number" => Some(Type::Number),
            "bool" => Some(Type::Bool),
            "text" => Some(Type::Text),
            "date" => Some(Type::Date),
            "datetime" => Some(Type::DateTime),
            "time" => Some(Type::Time),
            "duration" => Some(Type::Duration),
            "years_months" => Some(Type::YearsMonths),
            "money" => Some(Type::Decimal(2)),
            other if other.starts_with("decimal") => decimal_type(d, n, other),
            other => match named.get(other) {
                Some(t) => Some(t.clone()),
                None => {
                    let mut cands = vec![
                        "integer",
                        "number",
                        "money",
                        "decimal(2)",
                        "bool",
                        "text",
                        "date",
                        "datetime",
                        "time",
                        "duration",
                    ];
                    cands.extend(named.keys().map(String::as_str));
                    let help = suggest(other, cands.iter().copied())
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| format!("types are: {}", cands.join(", ")));
                    d.at(n.pos, format!("unknown type `{other}`"), Some(help));
                    None
                }
            },
        },
        NodeKind::Map(entries) => match entries.as_slice() {
            [(k, v)] if k == "enum" => match &v.kind {
                NodeKind::Seq(items) if !items.is_empty() => {
                    let mut names: Vec<String> = Vec::new();
                    for it in items {
                        match it.scalar_text() {
                            Some(s) if !names.contains(&s) => names.push(s),
                            Some(s) => d.at(it.pos, format!("enum value `{s}` is listed twice"), None),
                            None => d.at(it.pos, "an enum value must be a plain name", None),
                        }
                    }
                    Some(Type::Enum(names.into()))
                }
                _ => {
                    d.at(v.pos, "`enum` needs a non-empty list of names", Some("e.g. `{enum: [A, B, C, D]}`".into()));
                    None
                }
            },
            [(k, v)] if k == "list" => {
                let elem = match &v.kind {
                    NodeKind::Map(fields) if !matches!(fields.as_slice(), [(k2, _)] if k2 == "enum" || k2 == "list" || k2 == "record") => {
                        parse_record(d, fields, named)?
                    }
                    _ => parse_type(d, v, named)?,
                };
                Some(Type::List(Box::new(elem)))
            }
            [(k, v)] if k == "optional" => {
                let inner = parse_type(d, v, named)?;
                if matches!(inner, Type::Optional(_)) {
                    d.at(
                        v.pos,
                        "a type is optional once",
                        Some("write `{optional: T}` with T not itself optional".into()),
                    );
                    return None;
                }
                Some(Type::Optional(Box::new(inner)))
            }
            [(k, v)] if k == "record" => match &v.kind {
                NodeKind::Map(fields) => parse_record(d, fields, named),
                _ => {
                    d.at(v.pos, "`record` needs a mapping of field: type", None);
                    None
                }
            },
            _ => {
                d.at(
                    n.pos,
                    format!("{} is not a type", n.describe()),
                    Some("write `integer`, `{enum: [..]}`, `{list: T}`, `{record: {..}}` or `{optional: T}`".into()),
                );
                None
            }
        },
        _ => {
            d.at(
                n.pos,
                format!("{} is not a type", n.describe()),
                Some("write `integer`, `number`, `bool`, `text`, `date`, a named type, or `{enum: [..]}`".into()),
            );
            None
        }
    }
}

pub(super) fn parse_record(d: &mut Diags, fields: &[(String, Node)], named: &IndexMap<String, Type>) -> Option<Type> {
    let mut out = IndexMap::new();
    let mut ok = true;
    for (k, v) in fields {
        match parse_type(d, v, named) {
            Some(t) => {
                out.insert(k.clone(), t);
            }
            None => ok = false,
        }
    }
    ok.then(|| Type::Record(Arc::new(out)))
}

/// Converts a literal node to a value of a type.
pub(crate) fn literal(d: &mut Diags, n: &Node, ty: &Type, what: &str) -> Option<Value> {
    match from_json(&n.to_json(), ty, what) {
        Ok(v) => Some(v),
        Err(p) => {
            let help = p.allowed.as_ref().and_then(|a| {
                n.scalar_text()
                    .and_then(|s| suggest(&s, a.iter().map(String::as_str)))
                    .map(|s| format!("did you mean `{s}`?"))
            });
            d.at(n.pos, format!("{}: {}", p.field, p.message), help);
            None
        }
    }
}

pub(super) fn infer_literal_type(n: &Node) -> Option<Type> {
    match &n.kind {
        NodeKind::Number(s) => Some(if s.contains(['.', 'e', 'E']) { Type::Number } else { Type::Integer }),
        NodeKind::Bool(_) => Some(Type::Bool),
        _ => None,
    }
}

/// Reads a rounding mode's name.
pub(super) fn rounding_mode(d: &mut Diags, l: &Located) -> Option<RoundingMode> {
    let all = [RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::Floor, RoundingMode::Ceil];
    let found = all.into_iter().find(|m| m.name() == l.text.trim());
    if found.is_none() {
        let help = suggest(l.text.trim(), all.iter().map(|m| m.name()))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "write `half_up` (四舍五入), `half_even`, `floor` or `ceil`".into());
        d.at(l.pos, format!("`{}` is not a rounding mode", l.text), Some(help));
    }
    found
}

pub(super) fn line_range(d: &mut Diags, l: &Located) -> Option<(u32, u32)> {
    let parsed = l
        .text
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)))
        .filter(|(a, b)| a <= b);
    if parsed.is_none() {
        d.at(l.pos, format!("`{}` is not a line range", l.text), Some("write `from-to`, e.g. `336-1514`".into()));
    }
    parsed
}
