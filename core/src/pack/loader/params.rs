//! Parameters with their dated versions, and rate scales with their brackets and quick deductions.

#[allow(unused_imports)]
use super::*;

/// A pack's parameters: each typed (declared or inferred from its value),
/// with one value or dated versions, each version with its citation.
pub(super) fn compile_params(
    d: &mut Diags,
    pc: &PackCtx,
    pf: &PackFile,
    types: &IndexMap<String, Type>,
    from: Option<Date>,
    rs: &mut Ruleset,
    g: &mut Globals,
) {
    let pname = &pc.name;
    for (pname2, pdef) in &pf.parameters {
        let qualified = format!("{pname}.{pname2}");
        let base_cite = cite(d, pc, &pdef.cite);
        if !is_ident(pname2) {
            d.at(
                pdef.cite.quote.pos,
                format!("parameter name `{pname2}` is not a valid name"),
                Some("use lowercase ASCII letters, digits and `_`".into()),
            );
        }
        let first_value = pdef.value.as_ref().or(pdef.versions.first().map(|v| &v.value));
        let ty = match (&pdef.ty, first_value) {
            (Some(t), _) => parse_type(d, t, types),
            (None, Some(v)) => {
                let t = infer_literal_type(v);
                if t.is_none() {
                    d.at(v.pos, format!("cannot tell the type of parameter `{pname2}`"), Some("add `type: …`".into()));
                }
                t
            }
            (None, None) => None,
        };
        let mut versions = Vec::new();
        match (&pdef.value, pdef.versions.is_empty()) {
            (Some(v), true) => {
                if let (Some(t), Some(from)) = (&ty, from) {
                    if let Some(val) = literal(d, v, t, &qualified) {
                        versions.push(ParamVersion { from, value: val, cite: base_cite.clone() });
                    }
                }
            }
            (None, false) => {
                for ver in &pdef.versions {
                    let vfrom = date_at(d, &ver.from);
                    let vcite = ver.cite.as_ref().map(|c| cite(d, pc, c)).unwrap_or_else(|| base_cite.clone());
                    if let (Some(t), Some(vf)) = (&ty, vfrom) {
                        if let Some(val) = literal(d, &ver.value, t, &qualified) {
                            // as for scales and rules: earliest first, each later
                            match versions.last() {
                                Some(prev) if prev.from == vf => {
                                    d.at(ver.from.pos, format!("two versions of `{qualified}` start on {vf}"), None)
                                }
                                Some(prev) if prev.from > vf => d.at(
                                    ver.from.pos,
                                    format!(
                                        "the version of `{qualified}` from {vf} does not start after the one before ({})",
                                        prev.from
                                    ),
                                    Some("list versions from the earliest, each starting later".into()),
                                ),
                                _ => {}
                            }
                            versions.push(ParamVersion { from: vf, value: val, cite: vcite });
                        }
                    }
                }
            }
            (Some(v), false) => {
                d.at(v.pos, format!("parameter `{pname2}` has both `value` and `versions`"), Some("keep one".into()))
            }
            (None, true) => d.at(
                pdef.cite.quote.pos,
                format!("parameter `{pname2}` has no value"),
                Some("add `value: …` or `versions: [...]`".into()),
            ),
        }
        if let Some(t) = ty {
            g.params.insert((pname.clone(), pname2.clone()), (rs.params.len(), t.clone()));
            rs.params.push(Param { qualified, ty: t, unit: pdef.unit.clone(), versions });
        }
    }
}

/// Reads a rate schedule and proves it well formed: ascending bounds, one
/// open top bracket and only the last, rates of 0 to 100%, and each printed
/// quick deduction equal to the one the brackets imply (the deduction of a
/// bracket is the previous one plus the previous bound times the rise in
/// rate).
pub(super) fn parse_scale(
    d: &mut Diags,
    pc: &PackCtx,
    name: &str,
    def: &crate::source::model::ScaleDef,
    valid_from: Option<Date>,
) -> Option<crate::ruleset::Scale> {
    let before = d.out.len();
    let scite = cite(d, pc, &def.cite);
    let qualified = format!("{}.{name}", pc.name);
    if !is_ident(name) {
        d.at(
            def.cite.quote.pos,
            format!("scale name `{name}` is not a valid name"),
            Some("use lowercase ASCII letters, digits and `_`".into()),
        );
    }
    // one schedule, or dated versions of it
    let dated: Vec<(Option<&Located>, &[crate::source::model::BracketDef], Option<&CiteDef>)> =
        match (&def.brackets, def.versions.as_slice()) {
            (Some(b), []) => vec![(None, b.as_slice(), None)],
            (None, vs) if !vs.is_empty() => {
                vs.iter().map(|v| (Some(&v.from), v.brackets.as_slice(), v.cite.as_ref())).collect()
            }
            (Some(_), _) => {
                d.at(
                    def.cite.quote.pos,
                    format!("scale `{qualified}` has both `brackets` and `versions`"),
                    Some("give the brackets once, or each dated version with its own".into()),
                );
                return None;
            }
            (None, _) => {
                d.at(
                    def.cite.quote.pos,
                    format!("scale `{qualified}` has no brackets"),
                    Some("add `brackets:` or `versions:`".into()),
                );
                return None;
            }
        };
    let mut versions: Vec<crate::ruleset::ScaleVersion> = Vec::new();
    for (from, brackets, vcite) in dated {
        let from_date = match from {
            Some(f) => match date_at(d, f) {
                Some(x) => x,
                None => continue,
            },
            None => match valid_from {
                Some(x) => x,
                None => continue,
            },
        };
        if let (Some(f), Some(prev)) = (from, versions.last()) {
            if from_date <= prev.from {
                d.at(
                    f.pos,
                    format!(
                        "the version of `{qualified}` from {from_date} does not start after the one before ({})",
                        prev.from
                    ),
                    Some("list versions from the earliest, each starting later".into()),
                );
                continue;
            }
        }
        let vcite = vcite.map(|c| cite(d, pc, c)).unwrap_or_else(|| scite.clone());
        let what = match from {
            Some(_) => format!("`{qualified}` from {from_date}"),
            None => format!("`{qualified}`"),
        };
        if let Some(bs) = scale_brackets(d, pc, &what, brackets, &vcite, def.cite.quote.pos) {
            versions.push(crate::ruleset::ScaleVersion { from: from_date, brackets: bs, cite: vcite });
        }
    }
    (d.out.len() == before).then_some(crate::ruleset::Scale { qualified, versions, cite: scite })
}

/// The brackets of one version of a schedule, proved well formed.
pub(super) fn scale_brackets(
    d: &mut Diags,
    pc: &PackCtx,
    qualified: &str,
    def_brackets: &[crate::source::model::BracketDef],
    scite: &Arc<Citation>,
    at_pos: Pos,
) -> Option<Vec<crate::ruleset::Bracket>> {
    let before = d.out.len();
    let number = |d: &mut Diags, n: &Node, what: &str| match literal(d, n, &Type::Number, what) {
        Some(Value::Number(x)) => Some(x),
        _ => None,
    };
    let mut brackets: Vec<crate::ruleset::Bracket> = Vec::new();
    let mut prev_upper: Option<Number> = None;
    let mut prev_rate = Number::zero();
    let mut implied = Number::zero();
    let count = def_brackets.len();
    if count == 0 {
        d.at(at_pos, format!("scale {qualified} has no brackets"), None);
        return None;
    }
    for (k, b) in def_brackets.iter().enumerate() {
        let at = b.rate.pos;
        let what = format!("bracket {} of {qualified}", k + 1);
        let upper = match (&b.upto, &b.below) {
            (Some(_), Some(n)) => {
                d.at(
                    n.pos,
                    format!("{what} has both `upto` and `below`"),
                    Some("`upto` includes the bound (不超过, 至), `below` excludes it (不满)".into()),
                );
                None
            }
            (Some(n), None) => number(d, n, &what).map(|u| Some((u, true, n.pos))),
            (None, Some(n)) => number(d, n, &what).map(|u| Some((u, false, n.pos))),
            (None, None) => Some(None),
        };
        let Some(upper) = upper else { continue };
        let last = k + 1 == count;
        match (&upper, last) {
            (None, false) => d.at(
                at,
                format!("{what} has no upper bound, but it is not the last"),
                Some("only the top bracket is open (超过…的)".into()),
            ),
            (Some((_, _, pos)), true) => d.at(
                *pos,
                format!("the top bracket of {qualified} has an upper bound"),
                Some("leave `upto` out of the last bracket: amounts above every bound must fall somewhere".into()),
            ),
            _ => {}
        }
        if let (Some((u, _, pos)), Some(p)) = (&upper, &prev_upper) {
            if u <= p {
                d.at(
                    *pos,
                    format!("{what} ends at {u}, not above the previous bound {p}"),
                    Some("list brackets from the lowest up".into()),
                );
            }
        }
        if let (Some((u, _, pos)), None) = (&upper, &prev_upper) {
            if *u <= Number::zero() {
                d.at(*pos, format!("{what} ends at {u}: the first bracket starts at 0"), None);
            }
        }
        let Some(rate) = number(d, &b.rate, &what) else { continue };
        if rate < Number::zero() || rate > Number::one() {
            d.at(at, format!("{what} has the rate {rate}, outside 0 to 100%"), None);
        }
        // the deduction the brackets imply
        if let Some(p) = &prev_upper {
            if let Ok(x) = rate.sub(&prev_rate).and_then(|rise| p.mul(&rise)).and_then(|x| implied.add(&x)) {
                implied = x;
            }
        }
        if let Some(n) = &b.quick_deduction {
            if let Some(printed) = number(d, n, &what) {
                if printed != implied {
                    d.at(
                        n.pos,
                        format!("the quick deduction of {what} is printed as {printed}, but the brackets imply {implied}"),
                        Some("the deduction of a bracket is the previous one plus the previous bound times the rise in rate".into()),
                    );
                }
            }
        }
        let bcite = b.cite.as_ref().map(|c| cite(d, pc, c)).unwrap_or_else(|| scite.clone());
        prev_upper = upper.as_ref().map(|(u, _, _)| u.clone());
        prev_rate = rate.clone();
        brackets.push(crate::ruleset::Bracket {
            upper: upper.map(|(u, inc, _)| (u, inc)),
            rate,
            quick_deduction: implied.clone(),
            cite: bcite,
        });
    }
    (d.out.len() == before).then_some(brackets)
}
