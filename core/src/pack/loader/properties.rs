//! Properties and their generators, and the claims a scenario checks against the text.

#[allow(unused_imports)]
use super::*;

/// Compiles claims (of a pack or a scenario) in a scope.
/// The most cases a property may ask for.
pub(super) const MAX_PROPERTY_CASES: u32 = 10_000;

/// A pack's properties: each input's generator read and typed, the
/// assertion compiled over them as a bool.
pub(super) fn compile_properties(
    d: &mut Diags,
    pc: &PackCtx,
    defs: &[crate::source::model::PropertyDef],
    default_date: Date,
    g: &Globals,
) -> Vec<crate::ruleset::Property> {
    let mut out = Vec::new();
    for p in defs {
        let before = d.out.len();
        let mut vars = Vec::new();
        let mut locals = Vec::new();
        for (name, node) in &p.vars {
            let Some((gen, ty)) = read_generator(d, name, node, 0) else { continue };
            if gen.most_values() > MAX_GENERATED_VALUES {
                d.at(
                    node.pos,
                    format!(
                        "a case of `{name}` could hold up to {} values, more than the limit of {MAX_GENERATED_VALUES}",
                        gen.most_values()
                    ),
                    Some("give its lists shorter `length` ranges".into()),
                );
                continue;
            }
            locals.push((name.clone(), ty));
            vars.push((name.clone(), gen));
        }
        let as_of = match &p.as_of {
            Some(a) => date_at(d, a).unwrap_or(default_date),
            None => default_date,
        };
        let cases = p.cases.unwrap_or(100);
        if cases == 0 || cases > MAX_PROPERTY_CASES {
            d.at(p.name.pos, format!("a property tries 1 to {MAX_PROPERTY_CASES} cases, not {cases}"), None);
        }
        if d.out.len() > before {
            continue;
        }
        let e = match syntax::parse(&p.holds.text) {
            Ok(e) => e,
            Err(err) => {
                d.in_expr(&p.holds, err.pos, err.message, err.help);
                continue;
            }
        };
        let mut scope = Scope { locals, pack: Some(pc.name.clone()), locator: d.locator(&p.holds) };
        match compile::compile(&e, &mut scope, g) {
            Ok((c, Type::Bool)) => out.push(crate::ruleset::Property {
                name: p.name.text.clone(),
                location: format!("{}:{}", d.file, p.name.pos.line),
                vars,
                holds: c,
                holds_text: p.holds.text.clone(),
                as_of,
                cases,
                seed: p.seed.unwrap_or(1),
            }),
            Ok((_, t)) => d.at(p.holds.pos, format!("`holds` must be true or false, and this gives {t}"), None),
            Err(err) => d.in_expr(&p.holds, err.pos, err.message, err.help),
        }
    }
    out
}

/// The most values one case of a property's inputs may hold (list elements
/// and record fields counted one by one), so that a generator cannot ask
/// for more memory or time than a test should take.
pub(super) const MAX_GENERATED_VALUES: u64 = 100_000;

/// The longest a generated list may be, and how deep generators may nest.
pub(super) const MAX_GENERATED_LENGTH: i64 = 10_000;

pub(super) const MAX_GENERATOR_NESTING: u32 = 8;

/// One input's generator, read and typed: a range, a choice, or a list or
/// record of generators.
pub(super) fn read_generator(
    d: &mut Diags,
    name: &str,
    node: &Node,
    depth: u32,
) -> Option<(crate::ruleset::Generator, Type)> {
    use crate::ruleset::Generator;
    let NodeKind::Map(m) = &node.kind else {
        d.at(node.pos, format!("the generator of `{name}` is not a mapping"), Some(GENERATOR_HELP.into()));
        return None;
    };
    if depth > MAX_GENERATOR_NESTING {
        d.at(node.pos, format!("the generator of `{name}` nests more than {MAX_GENERATOR_NESTING} deep"), None);
        return None;
    }
    let get = |k: &str| m.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    // the keys each kind takes; any other key is a mistake, not ignored
    let kinds: [(&str, &[&str]); 7] = [
        ("integer", &["integer"]),
        ("number", &["number", "places"]),
        ("date", &["date"]),
        ("one_of", &["one_of"]),
        ("bool", &["bool"]),
        ("list", &["list", "length"]),
        ("record", &["record"]),
    ];
    if let Some((kind, keys)) = kinds.iter().find(|(k, _)| get(k).is_some()) {
        for (key, v) in m {
            if !keys.contains(&key.as_str()) {
                let help = match suggest(key, keys.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("a `{kind}` generator takes {}", keys.join(", ")),
                };
                d.at(v.pos, format!("the `{kind}` generator of `{name}` has no key `{key}`"), Some(help));
                return None;
            }
        }
    }
    let pair = |d: &mut Diags, n: &Node, ty: &Type| -> Option<(Value, Value)> {
        match &n.kind {
            NodeKind::Seq(items) if items.len() == 2 => {
                let lo = literal(d, items.first()?, ty, name)?;
                let hi = literal(d, items.get(1)?, ty, name)?;
                if hi < lo {
                    d.at(n.pos, format!("the range of `{name}` ends before it starts"), None);
                    return None;
                }
                Some((lo, hi))
            }
            _ => {
                d.at(n.pos, format!("the range of `{name}` is `[low, high]`"), None);
                None
            }
        }
    };
    if let Some(n) = get("integer") {
        let Some((Value::Number(lo), Value::Number(hi))) = pair(d, n, &Type::Integer) else { return None };
        let (Some(lo), Some(hi)) = (lo.to_i64(), hi.to_i64()) else { return None };
        Some((Generator::Integer(lo, hi), Type::Integer))
    } else if let Some(n) = get("number") {
        let Some((Value::Number(lo), Value::Number(hi))) = pair(d, n, &Type::Number) else { return None };
        let places = match get("places").map(|n| literal(d, n, &Type::Integer, name)) {
            None => 2,
            Some(Some(Value::Number(k))) => match k.to_i64().and_then(|k| u32::try_from(k).ok()).filter(|k| *k <= 12) {
                Some(k) => k,
                None => {
                    d.at(node.pos, format!("`places` of `{name}` is 0 to 12"), None);
                    return None;
                }
            },
            Some(_) => return None,
        };
        Some((Generator::Number(lo, hi, places), Type::Number))
    } else if let Some(n) = get("date") {
        let Some((Value::Date(lo), Value::Date(hi))) = pair(d, n, &Type::Date) else { return None };
        Some((Generator::Date(lo, hi), Type::Date))
    } else if let Some(n) = get("one_of") {
        let NodeKind::Seq(items) = &n.kind else {
            d.at(n.pos, format!("`one_of` of `{name}` is a list of values"), None);
            return None;
        };
        let j = serde_json::Value::Array(items.iter().map(Node::to_json).collect());
        let ty = crate::values::value::infer_type(&j);
        let Ok(Value::List(vs)) = from_json(&j, &ty, name) else { return None };
        if vs.is_empty() {
            d.at(n.pos, format!("`one_of` of `{name}` lists no value"), None);
            return None;
        }
        let Type::List(elem) = ty else { return None };
        Some((Generator::OneOf(vs.to_vec()), *elem))
    } else if get("bool").is_some() {
        Some((Generator::Bool, Type::Bool))
    } else if let Some(items) = get("list") {
        let (lo, hi) = match get("length") {
            None => (0, 10),
            Some(n) => {
                let (Value::Number(lo), Value::Number(hi)) = pair(d, n, &Type::Integer)? else { return None };
                (lo.to_i64()?, hi.to_i64()?)
            }
        };
        if lo < 0 || hi > MAX_GENERATED_LENGTH {
            d.at(node.pos, format!("the `length` of `{name}` is 0 to {MAX_GENERATED_LENGTH}, not {lo} to {hi}"), None);
            return None;
        }
        let (each, ty) = read_generator(d, &format!("{name}[]"), items, depth + 1)?;
        Some((Generator::List(Box::new(each), lo as usize, hi as usize), Type::List(Box::new(ty))))
    } else if let Some(fields) = get("record") {
        let NodeKind::Map(fs) = &fields.kind else {
            d.at(fields.pos, format!("`record` of `{name}` maps each field to its generator"), None);
            return None;
        };
        let mut names = Vec::with_capacity(fs.len());
        let mut gens = Vec::with_capacity(fs.len());
        let mut types = IndexMap::new();
        for (field, g) in fs {
            let (gen, ty) = read_generator(d, &format!("{name}.{field}"), g, depth + 1)?;
            names.push(Arc::<str>::from(field.as_str()));
            gens.push(gen);
            types.insert(field.clone(), ty);
        }
        Some((Generator::Record(names.into(), gens), Type::Record(Arc::new(types))))
    } else {
        d.at(node.pos, format!("unknown generator for `{name}`"), Some(GENERATOR_HELP.into()));
        None
    }
}

pub(super) const GENERATOR_HELP: &str =
    "write `{integer: [lo, hi]}`, `{number: [lo, hi], places: 2}`, `{date: [from, to]}`, `{one_of: [a, b]}`, `{bool: true}`, `{list: <generator>, length: [lo, hi]}` or `{record: {field: <generator>, …}}`";

pub(crate) fn compile_claims(d: &mut Diags, pc: &PackCtx, defs: &[ClaimDef], scope: &Scope, g: &Globals) -> Vec<Claim> {
    let mut out = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for c in defs {
        if ids.contains(&c.id.text) {
            d.at(c.id.pos, format!("claim `{}` is defined twice", c.id.text), None);
        }
        ids.push(c.id.text.clone());
        let citation = cite(d, pc, &c.cite);
        let printed = match c.printed.to_json() {
            serde_json::Value::Null => {
                d.at(c.printed.pos, "a claim needs the printed value", None);
                continue;
            }
            serde_json::Value::String(s) if Number::parse(&s).is_ok() => match Number::parse(&s) {
                // a printed figure written as text: "1/3", "17.2%", "0.4"
                Ok(n) => Value::Number(n),
                Err(_) => continue,
            },
            j => {
                let t = crate::values::value::infer_type(&j);
                match from_json(&j, &t, "printed") {
                    Ok(v) => v,
                    Err(p) => {
                        d.at(c.printed.pos, p.message, None);
                        continue;
                    }
                }
            }
        };
        let mut compile_one = |src: &Located| -> Option<(String, CExpr)> {
            let e = match syntax::parse(&src.text) {
                Ok(e) => e,
                Err(err) => {
                    d.in_expr(src, err.pos, err.message, err.help);
                    return None;
                }
            };
            // a claim on a rule that failed to compile would only repeat its error
            let mut calls = Vec::new();
            called_rules(&e, g.builtins, &mut calls);
            let callee_failed = calls.iter().any(|(name, _)| {
                let q = match (name.as_slice(), &scope.pack) {
                    ([single], Some(p)) => format!("{p}.{single}"),
                    _ => name.join("."),
                };
                g.rules.get(&q).is_some_and(|&i| g.sigs.get(i).is_some_and(Option::is_none))
            });
            if callee_failed {
                return None;
            }
            let mut sc = scope.clone();
            sc.locator = d.locator(src);
            match compile::compile(&e, &mut sc, g) {
                Ok((c, _)) => Some((src.text.clone(), c)),
                Err(err) => {
                    d.in_expr(src, err.pos, err.message, err.help);
                    None
                }
            }
        };
        let printed_formula = c.printed_formula.as_ref().and_then(&mut compile_one);
        let engine = c.engine.as_ref().and_then(&mut compile_one);
        if c.printed_formula.is_none() && c.engine.is_none() {
            d.at(
                c.id.pos,
                format!("claim `{}` has nothing to check", c.id.text),
                Some("add `engine:` (and `printed_formula:` when the text prints its arithmetic)".into()),
            );
        }
        out.push(Claim {
            id: c.id.text.clone(),
            cite: citation,
            printed_places: c.printed.scalar_text().as_deref().and_then(printed_places),
            printed,
            printed_formula,
            engine,
            note: c.note.clone(),
            note_zh: c.note_zh.clone(),
            kind: c.kind,
            also_at: c.also_at.iter().map(|a| cite(d, pc, a)).collect(),
            location: format!("{}:{}", d.file, c.id.pos.line),
        });
    }
    out
}
