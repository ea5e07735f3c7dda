//! Calls: built-in functions by name, their type rules, and calls of rules.

#[allow(unused_imports)]
use super::*;

pub(super) fn compile_call(
    name: &[String],
    args: &[Expr],
    named: &[(String, Expr)],
    pos: usize,
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    let joined = name.join(".");
    if let ("is_missing", [_]) = (joined.as_str(), name) {
        let ([a], true) = (args, named.is_empty()) else {
            return Err(cerr(pos, format!("`is_missing` takes 1 argument, found {}", args.len() + named.len())));
        };
        let (c, t) = compile_raw(a, scope, g)?;
        if !matches!(t, Type::Optional(_) | Type::Unknown) {
            return Err(cerr_help(
                a.pos,
                format!("`{a}` is {t} and always has a value"),
                "`is_missing` tests an optional input or field (`optional: true`, or `{optional: T}`)",
            ));
        }
        return Ok((CExpr::IsMissing(Box::new(c)), Type::Bool));
    }
    if let (Some((b, sig)), [_]) = ((g.builtins.0)(&joined), name) {
        return compile_builtin(b, sig, args, named, pos, scope, g);
    }
    // a rule: `rule` in the current pack, or `pack.rule`
    let qualified = match (name, &scope.pack) {
        ([single], Some(p)) => format!("{p}.{single}"),
        _ => joined.clone(),
    };
    let Some(&rid) = g.rules.get(&qualified) else {
        let help = match suggest(&qualified, g.rules.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "call a rule as `rule(input: value)` or `pack.rule(input: value)`".into(),
        };
        return Err(cerr_help(pos, format!("unknown rule or function `{joined}`"), help));
    };
    let Some(Some(sig)) = g.sigs.get(rid) else {
        return Err(cerr(
            pos,
            format!("rule `{qualified}` has errors of its own (reported with it), so this call cannot be checked"),
        ));
    };
    if !args.is_empty() {
        return Err(cerr_help(
            pos,
            format!("rule `{qualified}` takes named arguments"),
            format!("write `{joined}({}: …)`", sig.inputs.first().map(|(n, _, _)| n.as_str()).unwrap_or("input")),
        ));
    }
    let mut out: Vec<Option<CExpr>> = Vec::with_capacity(sig.inputs.len());
    let mut check = Vec::with_capacity(sig.inputs.len());
    for (iname, ity, has_default) in &sig.inputs {
        match named.iter().find(|(n, _)| n == iname) {
            Some((_, a)) => {
                // an optional input takes a value that may be absent as it is
                let (c, t) =
                    if matches!(ity, Type::Optional(_)) { compile_raw(a, scope, g)? } else { compile(a, scope, g)? };
                if !t.fits(ity) {
                    return Err(cerr(a.pos, format!("input `{iname}` of `{qualified}` is {ity}, found {t}")));
                }
                if let CExpr::Const(v) = &c {
                    if let Err(p) = crate::values::value::conform(v, ity, iname) {
                        return Err(cerr(a.pos, format!("input `{iname}` of `{qualified}`: {}", p.message)));
                    }
                }
                check.push(t.needs_check(ity));
                out.push(Some(c));
            }
            None if *has_default => {
                check.push(false);
                out.push(None);
            }
            None => {
                return Err(cerr_help(
                    pos,
                    format!("missing input `{iname}` in the call of `{qualified}`"),
                    format!("add `{iname}: …`"),
                ))
            }
        }
    }
    for (n, a) in named {
        if !sig.inputs.iter().any(|(i, _, _)| i == n) {
            let help = match suggest(n, sig.inputs.iter().map(|(i, _, _)| i.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "its inputs are: {}",
                    sig.inputs.iter().map(|(i, _, _)| i.as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            return Err(cerr_help(a.pos, format!("rule `{qualified}` has no input `{n}`"), help));
        }
    }
    Ok((CExpr::CallRule { rule: rid, args: out, check, output: None }, Type::Record(Arc::new(sig.outputs.clone()))))
}

/// A call of a built-in function: the scale or calendar it reads found,
/// the arguments counted and compiled, and the type its rule gives.
fn compile_builtin(
    b: Builtin,
    sig: &Signature,
    args: &[Expr],
    named: &[(String, Expr)],
    pos: usize,
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    let name = sig.name;
    if !named.is_empty() {
        return Err(cerr(pos, format!("`{name}` takes positional arguments, not named ones")));
    }
    let (b, args) = match sig.needs {
        Needs::Nothing => (b, args),
        Needs::Calendar => match scope.pack.as_ref().and_then(|p| g.calendars.get(p)) {
            Some(&c) => (Builtin { index: c, ..b }, args),
            None => {
                return Err(cerr_help(
                    pos,
                    format!("`{name}` needs a working-day calendar, and this pack has none"),
                    "add `calendar: <pack id>` to the pack, naming the pack that defines the calendar, or define one under `calendar:`",
                ))
            }
        },
        // a schedule function names its scale first: `progressive(iit, x)`
        Needs::Scale => {
            let c = scale_named(name, args, pos, scope, g)?;
            (Builtin { index: c, ..b }, args.get(1..).unwrap_or_default())
        }
    };
    let (lo, hi) = sig.args;
    if args.len() < lo || args.len() > hi {
        let want = if lo == hi { lo.to_string() } else { format!("{lo} to {hi}") };
        return Err(cerr(pos, format!("`{name}` takes {want} argument(s), found {}", args.len())));
    }
    let mut cs = Vec::with_capacity(args.len());
    let mut ts = Vec::with_capacity(args.len());
    for a in args {
        let (c, t) = compile(a, scope, g)?;
        cs.push(c);
        ts.push((t, a.pos));
    }
    let t = (sig.type_of)(&ArgTypes { name, types: &ts, compiled: &cs, pos })?;
    Ok((CExpr::Builtin(b, cs, scope.locator.at(pos)), t))
}

/// The scale a schedule function names first, as an index into the rule
/// set's scales.
fn scale_named(name: &str, args: &[Expr], pos: usize, scope: &Scope, g: &Globals) -> Result<usize, CompileError> {
    let (Some(first), 2) = (args.first(), args.len()) else {
        return Err(cerr(pos, format!("`{name}` takes 2 argument(s): a scale and an amount, found {}", args.len())));
    };
    let ExprKind::Path(path) = &first.kind else {
        return Err(cerr_help(
            first.pos,
            format!("`{name}` needs the name of a scale first"),
            "write the scale's id, e.g. `progressive(iit_annual, taxable)`",
        ));
    };
    let key = match (path.as_slice(), &scope.pack) {
        ([one], Some(p)) => (p.clone(), one.clone()),
        ([p, one], _) => (p.clone(), one.clone()),
        _ => (String::new(), path.join(".")),
    };
    match g.scales.get(&key) {
        Some(&c) => Ok(c),
        None => {
            let known: Vec<&str> = g.scales.keys().filter(|(p, _)| *p == key.0).map(|(_, n)| n.as_str()).collect();
            let help = suggest(&key.1, known.iter().copied())
                .map(|x| format!("did you mean `{x}`?"))
                .unwrap_or_else(|| "declare it under `scales:`".into());
            Err(cerr_help(first.pos, format!("unknown scale `{}`", path.join(".")), help))
        }
    }
}
