//! Rules: signatures, bodies, the call graph and the order rules are compiled in.

#[allow(unused_imports)]
use super::*;

/// A rule's signature (its inputs with their types and defaults, its
/// declared outputs, its citation) and its parsed expressions, before
/// anything is compiled.
pub(super) fn rule_signature<'a>(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    types: &IndexMap<String, Type>,
    (pi, fi): (usize, usize),
    rname: &str,
    rdef: &'a RuleDef,
) -> Pending<'a> {
    if !is_ident(rname) {
        d.at(
            rdef.cite.quote.pos,
            format!("rule id `{rname}` is not a valid id"),
            Some("use lowercase ASCII letters, digits and `_`".into()),
        );
    }
    if crate::run::builtins::is_reserved(rname) {
        d.at(
            rdef.cite.quote.pos,
            format!("rule id `{rname}` is the name of a built-in function"),
            Some("choose another id".into()),
        );
    }
    if g.params.contains_key(&(pc.name.clone(), rname.to_string())) {
        d.at(
            rdef.cite.quote.pos,
            format!("`{rname}` is both a rule and a parameter"),
            Some("ids must be unique in a pack".into()),
        );
    }
    let rcite = cite(d, pc, &rdef.cite);
    let mut inputs = Vec::new();
    let before_inputs = d.out.len();
    for (iname, spec) in &rdef.inputs {
        inputs.extend(input_def(d, (pc, g), types, iname, spec));
    }
    let mut declared_outputs = IndexMap::new();
    let mut rounding = Vec::new();
    for (oname, spec) in &rdef.outputs {
        let Some((t, mode)) = output_def(d, pc, types, oname, spec) else { continue };
        if t.has_decimal() {
            rounding.push((declared_outputs.len(), mode));
        }
        declared_outputs.insert(oname.clone(), t);
    }
    // a rule whose signature is broken is not compiled: its body would
    // only repeat the same mistake as unknown names
    let signature_ok = d.out.len() == before_inputs;
    let bodies = if rdef.versions.is_empty() {
        let body = (&rdef.lets, &rdef.formula, &rdef.table);
        body_src(d, rname, rdef.cite.quote.pos, body, None).into_iter().collect()
    } else {
        versions_src(d, pc, rname, rdef)
    };
    Pending {
        pack: pi,
        file: fi,
        name: rname.to_string(),
        def: rdef,
        inputs,
        declared_outputs,
        rounding,
        bodies,
        cite: rcite,
        signature_ok,
    }
}

/// The parts a body is written in: `let`, `formula`, `table`.
type BodyParts<'f> = (&'f IndexMap<String, Located>, &'f Option<IndexMap<String, Located>>, &'f Option<TableDef>);

/// A body as written: `formula` (with its `let` steps) or `table`, parsed.
fn body_src<'f>(
    d: &mut Diags,
    rname: &str,
    at: Pos,
    (lets, formula, table): BodyParts<'f>,
    dated: Option<(Date, Option<Date>, Arc<Citation>)>,
) -> Option<BodySrc<'f>> {
    let parsed_lets = parse_exprs(d, lets);
    let parsed_outputs = match (formula, table) {
        (Some(f), None) => parse_exprs(d, f),
        (None, Some(_)) => {
            if !lets.is_empty() {
                d.at(at, format!("rule `{rname}` is a table and cannot have `let` steps"), None);
            }
            Vec::new()
        }
        (Some(_), Some(_)) => {
            d.at(at, format!("rule `{rname}` has both `formula` and `table`"), Some("a rule has one body".into()));
            return None;
        }
        (None, None) => {
            d.at(at, format!("rule `{rname}` has no body"), Some("add `formula:` or `table:`".into()));
            return None;
        }
    };
    Some(BodySrc { dated, at, table: table.as_ref(), parsed_lets, parsed_outputs })
}

/// The dated versions of a rule, each with its body: they start one after
/// another, and a version that ends (`until`) ends before the next starts.
fn versions_src<'f>(d: &mut Diags, pc: &PackCtx, rname: &str, rdef: &'f RuleDef) -> Vec<BodySrc<'f>> {
    if rdef.formula.is_some() || rdef.table.is_some() || !rdef.lets.is_empty() {
        d.at(
            rdef.cite.quote.pos,
            format!("rule `{rname}` has `versions` and a body of its own"),
            Some("put every body in a version: `versions: [{from: …, table: …}, …]`".into()),
        );
    }
    let mut out: Vec<BodySrc<'f>> = Vec::new();
    let mut previous: Option<(Date, Option<Date>)> = None;
    for v in &rdef.versions {
        let Some(from) = date_at(d, &v.from) else { continue };
        let until = v.until.as_ref().and_then(|u| date_at(d, u));
        if let (Some(u), Some(l)) = (until, &v.until) {
            if u < from {
                d.at(l.pos, format!("the version ends ({u}) before it starts ({from})"), None);
            }
        }
        match previous {
            Some((p, _)) if from <= p => d.at(
                v.from.pos,
                format!("this version starts on {from}, not after the one before it ({p})"),
                Some("list versions in the order they start".into()),
            ),
            Some((_, Some(pu))) if from <= pu => d.at(
                v.from.pos,
                format!("this version starts on {from}, while the one before it runs until {pu}"),
                Some("end the earlier version before this one starts".into()),
            ),
            _ => {}
        }
        previous = Some((from, until));
        let cite = match &v.cite {
            Some(c) => cite(d, pc, c),
            None => cite(d, pc, &rdef.cite),
        };
        let body = (&v.lets, &v.formula, &v.table);
        out.extend(body_src(d, rname, v.from.pos, body, Some((from, until, cite))));
    }
    out
}

/// An input of a rule: a type, or `{type, default, optional,
/// description}`; an optional input left out is absent.
fn input_def(
    d: &mut Diags,
    (pc, g): (&PackCtx, &Globals),
    types: &IndexMap<String, Type>,
    iname: &String,
    spec: &Node,
) -> Option<InputDef> {
    let (tnode, dnode, onode) = match &spec.kind {
        NodeKind::Map(m) if m.iter().any(|(k, _)| k == "type") => {
            for (k, v) in m {
                if !matches!(k.as_str(), "type" | "default" | "description" | "optional") {
                    d.at(
                        v.pos,
                        format!("unknown key `{k}` in the input `{iname}`"),
                        Some("an input is `{type, default, optional, description}`".into()),
                    );
                }
            }
            (
                m.iter().find(|(k, _)| k == "type").map(|(_, v)| v),
                m.iter().find(|(k, _)| k == "default").map(|(_, v)| v),
                m.iter().find(|(k, _)| k == "optional").map(|(_, v)| v),
            )
        }
        _ => (Some(spec), None, None),
    };
    let mut ty = tnode.and_then(|t| parse_type(d, t, types))?;
    match onode.map(|o| &o.kind) {
        None | Some(NodeKind::Bool(false)) => {}
        Some(NodeKind::Bool(true)) => {
            if let Some(dn) = dnode {
                d.at(
                    dn.pos,
                    format!("the input `{iname}` is optional and has a default"),
                    Some("a default fills in a value left out; `optional: true` lets it be absent. Keep one".into()),
                );
            }
            if !matches!(ty, Type::Optional(_)) {
                ty = Type::Optional(Box::new(ty));
            }
        }
        Some(_) => {
            if let Some(o) = onode {
                d.at(o.pos, "`optional` is `true` or `false`", None);
            }
        }
    }
    // a default that is a parameter, as of the date: `{parameter: name}`
    if let Some(NodeKind::Map(m)) = dnode.map(|n| &n.kind) {
        if let [(k, v)] = m.as_slice() {
            if k == "parameter" {
                let name = v.scalar_text().unwrap_or_default();
                let (pack, pname) = match name.split_once('.') {
                    Some((p, n)) => (p.to_string(), n.to_string()),
                    None => (pc.name.clone(), name.clone()),
                };
                let Some((idx, pty)) = g.params.get(&(pack, pname)) else {
                    d.at(v.pos, format!("the default of `{iname}` names no parameter `{name}`"), None);
                    return None;
                };
                if !(pty.fits(&ty) || (pty.is_numeric() && ty.is_numeric())) {
                    d.at(v.pos, format!("the input `{iname}` is {ty}, but parameter `{name}` is {pty}"), None);
                    return None;
                }
                return Some(InputDef { name: iname.clone(), ty, default: None, default_param: Some(*idx) });
            }
        }
    }
    // an optional input left out is absent
    let default = match dnode {
        Some(dn) => literal(d, dn, &ty, iname),
        None if matches!(ty, Type::Optional(_)) => Some(Value::Absent),
        None => None,
    };
    Some(InputDef { name: iname.clone(), ty, default, default_param: None })
}

/// An output of a rule: a type, or `{type, rounding, description}`; its
/// type and how its decimals are rounded (the pack's way unless it says).
fn output_def(
    d: &mut Diags,
    pc: &PackCtx,
    types: &IndexMap<String, Type>,
    oname: &str,
    spec: &Node,
) -> Option<(Type, RoundingMode)> {
    let (tnode, rnode) = match &spec.kind {
        NodeKind::Map(m) if m.iter().any(|(k, _)| k == "type") => {
            for (k, v) in m {
                if !matches!(k.as_str(), "type" | "rounding" | "description") {
                    d.at(
                        v.pos,
                        format!("unknown key `{k}` in the output `{oname}`"),
                        Some("an output is a type, or `{type, rounding, description}`".into()),
                    );
                }
            }
            (
                m.iter().find(|(k, _)| k == "type").map(|(_, v)| v),
                m.iter().find(|(k, _)| k == "rounding").map(|(_, v)| v),
            )
        }
        _ => (Some(spec), None),
    };
    let t = tnode.and_then(|t| parse_type(d, t, types))?;
    let mode = match rnode {
        Some(r) => {
            let l = Located { text: r.scalar_text().unwrap_or_default(), pos: r.pos };
            if !t.has_decimal() {
                d.at(
                    r.pos,
                    format!("output `{oname}` is {t}, so `rounding` has nothing to round"),
                    Some("`rounding` belongs to `money` and `decimal(n)` outputs; round a number with round_half_up(x, n)".into()),
                );
            }
            rounding_mode(d, &l).unwrap_or(pc.rounding)
        }
        None => pc.rounding,
    };
    Some((t, mode))
}

/// Whether an expression uses one of the names (as a bare or dotted name's
/// first part), so that a step depending on a failed step can be skipped.
pub(super) fn mentions(e: &syntax::Expr, names: &[String]) -> bool {
    use syntax::ExprKind as K;
    if names.is_empty() {
        return false;
    }
    match &e.kind {
        K::Path(p) => p.first().is_some_and(|f| names.contains(f)),
        K::Field(a, _) | K::Neg(a) | K::Not(a) => mentions(a, names),
        K::Binary(_, a, b) => mentions(a, names) || mentions(b, names),
        K::Chain(first, rest) => mentions(first, names) || rest.iter().any(|(_, e)| mentions(e, names)),
        K::If(a, b, c) => mentions(a, names) || mentions(b, names) || mentions(c, names),
        K::Call { args, named, .. } => {
            args.iter().any(|a| mentions(a, names)) || named.iter().any(|(_, a)| mentions(a, names))
        }
        K::Aggregate { body, list, filter, init, .. } => {
            mentions(list, names)
                || init.as_ref().is_some_and(|(_, i)| mentions(i, names))
                || body.as_ref().is_some_and(|b| mentions(b, names))
                || filter.as_ref().is_some_and(|f| mentions(f, names))
        }
        K::List(items) => items.iter().any(|a| mentions(a, names)),
        K::Record(fields) => fields.iter().any(|(_, a)| mentions(a, names)),
        K::Number(_) | K::Text(_) | K::Date(_) | K::DateTime(_) | K::Bool(_) => false,
    }
}

/// Compiles one rule's body — its table, or its `let` steps and output
/// formulas — once every rule it calls is compiled: the outputs (with their
/// types) and the body, or `None` when a diagnostic was reported.
pub(super) fn compile_body(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    p: &Pending,
    qualified: &str,
) -> Option<(Vec<(String, Type)>, Body)> {
    match p.bodies.as_slice() {
        [single] if single.dated.is_none() => compile_one_body(d, pc, g, p, single, qualified),
        _ => compile_versions(d, pc, g, p, qualified),
    }
}

/// The versions of a rule compiled, each to the same outputs.
fn compile_versions(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    p: &Pending,
    qualified: &str,
) -> Option<(Vec<(String, Type)>, Body)> {
    let mut versions = Vec::new();
    let mut outputs: Option<Vec<(String, Type)>> = None;
    let mut ok = true;
    for b in &p.bodies {
        let (Some((from, until, cite)), Some((outs, body))) =
            (b.dated.clone(), compile_one_body(d, pc, g, p, b, qualified))
        else {
            ok = false;
            continue;
        };
        match &outputs {
            Some(first) if *first != outs => {
                let show =
                    |o: &[(String, Type)]| o.iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>().join(", ");
                d.at(
                    b.at,
                    format!("this version gives {{{}}}, the first gives {{{}}}", show(&outs), show(first)),
                    Some("every version of a rule gives the same outputs".into()),
                );
                ok = false;
            }
            Some(_) => {}
            None => outputs = Some(outs),
        }
        versions.push(crate::ruleset::Version { from, until, cite, body });
    }
    // no body at all was reported where it was parsed
    match (ok, outputs) {
        (true, Some(outputs)) => Some((outputs, Body::Versions(versions))),
        _ => None,
    }
}

/// One body compiled against the rule's signature: its outputs as typed and
/// the compiled body.
fn compile_one_body(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    p: &Pending,
    b: &BodySrc,
    qualified: &str,
) -> Option<(Vec<(String, Type)>, Body)> {
    match (b.table, b.parsed_outputs.is_empty()) {
        (Some(t), _) => {
            if p.declared_outputs.is_empty() {
                d.at(
                    t.hit.pos,
                    format!("table rule `{}` declares no outputs", p.name),
                    Some("add `outputs: {name: type}`".into()),
                );
                return None;
            }
            let outputs: Vec<(String, Type)> = p.declared_outputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let table = compile_table(d, pc, g, qualified, t, &p.inputs, &outputs)?;
            let outputs = if table.hit.lists(table.aggregate) {
                outputs.into_iter().map(|(n, t)| (n, Type::List(Box::new(t)))).collect()
            } else if table.aggregate == Some(Aggregate::Count) {
                outputs.into_iter().map(|(n, _)| (n, Type::Integer)).collect()
            } else {
                outputs
            };
            Some((outputs, Body::Table(table)))
        }
        (None, _) => {
            let mut scope = Scope {
                locals: p.inputs.iter().map(|i| (i.name.clone(), i.ty.clone())).collect(),
                pack: Some(pc.name.clone()),
                locator: Default::default(),
            };
            let mut lets = Vec::new();
            let mut ok = true;
            // names whose step failed: a later step that uses one is not
            // checked (it would only report the name as unknown), but
            // independent steps still are
            let mut failed: Vec<String> = Vec::new();
            for (name, src, e) in &b.parsed_lets {
                let Some(e) = e.as_ref().filter(|e| !mentions(e, &failed)) else {
                    failed.push(name.clone());
                    ok = false;
                    continue;
                };
                scope.locator = d.locator(src);
                match compile::compile(e, &mut scope, g) {
                    Ok((c, t)) => {
                        scope.locals.push((name.clone(), t));
                        lets.push((name.clone(), c));
                    }
                    Err(err) => {
                        d.in_expr(src, err.pos, err.message, err.help);
                        failed.push(name.clone());
                        ok = false;
                        // keep the slots of later steps where evaluation expects them
                        scope.locals.push((name.clone(), Type::Unknown));
                    }
                }
            }
            let mut outs = Vec::new();
            let mut out_exprs = Vec::new();
            for (name, src, e) in &b.parsed_outputs {
                let Some(e) = e.as_ref().filter(|e| !mentions(e, &failed)) else {
                    failed.push(name.clone());
                    ok = false;
                    continue;
                };
                scope.locator = d.locator(src);
                // an output declared optional may be absent
                let compiled = if matches!(p.declared_outputs.get(name), Some(Type::Optional(_))) {
                    compile::compile_raw(e, &mut scope, g)
                } else {
                    compile::compile(e, &mut scope, g)
                };
                match compiled {
                    Ok((c, t)) => {
                        let final_t = match p.declared_outputs.get(name) {
                            Some(decl) => {
                                if !t.fits(decl) {
                                    d.in_expr(
                                        src,
                                        0,
                                        format!("output `{name}` is declared {decl}, but the formula gives {t}"),
                                        if *decl == Type::Integer && t == Type::Number {
                                            Some(
                                                "round explicitly: `ceil(x)`, `floor(x)` or `round_half_up(x, 0)`"
                                                    .into(),
                                            )
                                        } else {
                                            None
                                        },
                                    );
                                    ok = false;
                                }
                                decl.clone()
                            }
                            None => t,
                        };
                        scope.locals.push((name.clone(), final_t.clone()));
                        outs.push((name.clone(), final_t));
                        out_exprs.push(c);
                    }
                    Err(err) => {
                        d.in_expr(src, err.pos, err.message, err.help);
                        failed.push(name.clone());
                        ok = false;
                        scope.locals.push((name.clone(), Type::Unknown));
                    }
                }
            }
            for name in p.declared_outputs.keys() {
                if !b.parsed_outputs.iter().any(|(n, _, _)| n == name) {
                    d.at(b.at, format!("output `{name}` of `{}` has no formula", p.name), None);
                    ok = false;
                }
            }
            if !ok {
                return None;
            }
            Some((outs, formula_body(p.inputs.len(), lets, out_exprs)))
        }
    }
}

/// For each pending rule, the rules it calls (indices, sorted, once each).
pub(super) fn call_graph(pending: &[Pending], pack_names: &[&str], g: &Globals) -> Vec<Vec<usize>> {
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(pending.len());
    for p in pending {
        let pack_name = pack_names.get(p.pack).copied().unwrap_or_default();
        let mut calls = Vec::new();
        for b in &p.bodies {
            for (_, _, e) in b.parsed_lets.iter().chain(b.parsed_outputs.iter()) {
                if let Some(e) = e {
                    called_rules(e, g.builtins, &mut calls);
                }
            }
        }
        for src in p.bodies.iter().filter_map(|b| b.table).flat_map(table_sources) {
            if let Ok(e) = syntax::parse(&src.text) {
                called_rules(&e, g.builtins, &mut calls);
            }
        }
        let mut ds: Vec<usize> = calls
            .iter()
            .filter_map(|(name, _)| {
                let q = if name.len() == 1 { format!("{pack_name}.{}", name.join(".")) } else { name.join(".") };
                g.rules.get(&q).copied()
            })
            .collect();
        ds.sort_unstable();
        ds.dedup();
        deps.push(ds);
    }
    deps
}

/// A formula body with its aggregates fused into one pass per list
/// ([`crate::lang::expr::fuse`]); the steps as compiled are kept for the reference
/// interpreter when fusing changed them.
pub(super) fn formula_body(n_inputs: usize, lets: Vec<(String, CExpr)>, outputs: Vec<CExpr>) -> Body {
    let original = crate::ruleset::FormulaSteps { lets: lets.clone(), outputs: outputs.clone() };
    let (mut lets, mut outputs) = (lets, outputs);
    let (passes, changed) = {
        let mut steps: Vec<&mut CExpr> = lets.iter_mut().map(|(_, e)| e).chain(outputs.iter_mut()).collect();
        crate::lang::expr::fuse::fuse_steps(n_inputs, &mut steps)
    };
    Body::Formula { lets, outputs, passes, original: changed.then(|| Arc::new(original)) }
}

/// Kahn's algorithm; rules left out of the order are on or behind a cycle.
pub(super) fn topo_order(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut indeg = vec![0usize; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &j in ds {
            if let Some(x) = indeg.get_mut(i) {
                *x += 1;
            }
            if let Some(u) = users.get_mut(j) {
                u.push(i);
            }
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|i| indeg.get(*i) == Some(&0)).collect();
    ready.reverse();
    let mut out = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        out.push(i);
        for &u in users.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(x) = indeg.get_mut(u) {
                *x -= 1;
                if *x == 0 {
                    ready.push(u);
                }
            }
        }
    }
    out
}
