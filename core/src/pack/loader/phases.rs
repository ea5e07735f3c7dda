//! The load, phase by phase: parse every file; declare each pack (header,
//! source text, types, parameters, scales, calendar); resolve calendars
//! named from other packs; read every rule's signature; order the rules by
//! their calls (and report cycles); compile them in that order; compile
//! tests, claims and properties; and hand over the rule set, or every
//! problem found, located and in file order.

#[allow(unused_imports)]
use super::*;
use crate::source::model::ReformFile;

/// Loads packs, reading source texts only inside the folders `options`
/// allows.
///
/// # Errors
/// Every problem in every pack, located.
pub fn load_with(files: &[SourceFile], options: &SourceFolders) -> Result<Ruleset, LoadError> {
    load_reformed(files, &[], options)
}

/// Loads packs with reforms laid over them, in order (see
/// [`super::reform`]): the rule set the reforms make, checked as a whole,
/// or every problem, those in what a reform wrote reported in the reform.
///
/// # Errors
/// Every problem in every pack and reform, located.
pub fn load_reformed(
    files: &[SourceFile],
    reforms: &[SourceFile],
    options: &SourceFolders,
) -> Result<Ruleset, LoadError> {
    let (mut parsed, mut diags) = parse_files(files);
    let mut reform_diags = Vec::new();
    let mut neutralised = Neutralised::new();
    // the reforms that change something: an empty one leaves the rule set
    // as it was, hash included
    let mut effective: Vec<SourceFile> = Vec::new();
    if !reforms.is_empty() {
        let read = parse_reforms(reforms);
        let overlays: Vec<Overlay> = reforms
            .iter()
            .zip(&read)
            .map(|(f, (_, r))| Overlay {
                name: f.path.display().to_string(),
                text: &f.text,
                ctx: reform_ctx(f, r.as_ref()),
            })
            .collect();
        let overlays: std::rc::Rc<[Overlay]> = overlays.into();
        for d in &mut diags {
            d.overlays = overlays.clone();
        }
        for (f, (mut d, r)) in reforms.iter().zip(read) {
            d.overlays = overlays.clone();
            if let Some(r) = &r {
                reform_source_errors(&mut d, f, r);
                apply(&mut d, r, &mut parsed, &mut neutralised);
                if !r.changes.is_empty() {
                    effective.push(f.clone());
                }
            }
            reform_diags.push(d);
        }
    }
    let mut l = Load {
        files,
        options,
        diags,
        rs: Ruleset::default(),
        g: Globals { builtins: Builtins(crate::run::builtins::lookup), ..Globals::default() },
        calendar_uses: Vec::new(),
        packs: Vec::new(),
        source_texts: HashMap::new(),
        confinements: HashMap::new(),
        reform_diags,
        neutralised,
    };
    for (fi, pf) in &parsed {
        l.declare_pack(*fi, pf);
    }
    l.resolve_calendar_uses();
    // the packs declared, with their files, in pack order
    let declared: Vec<&PackFile> = parsed
        .iter()
        .filter(|(fi, pf)| l.packs.iter().any(|p| p.file == *fi) && l.g.packs.contains(&pf.pack.text))
        .map(|(_, pf)| pf)
        .collect();
    let pending = l.signatures(&declared);
    let deps = call_graph(&pending, &l.names(), &l.g);
    let order = topo_order(&deps);
    l.report_cycles(&pending, &deps, &order);
    let compiled = l.compile_rules(&pending, &deps, order);
    for (pi, pf) in declared.iter().enumerate() {
        l.compile_checks(pi, pf);
    }
    l.finish(compiled, &effective)
}

/// What a reform's citations are checked against: its own source text,
/// read beside it (none when it names none, or it cannot be read: that is
/// reported by [`reform_source_errors`]).
fn reform_ctx(f: &SourceFile, r: Option<&ReformFile>) -> PackCtx {
    let source = r.and_then(|r| read_reform_source(f, r).ok().flatten());
    PackCtx {
        name: r.map(|r| r.reform.text.clone()).unwrap_or_default(),
        document: r.map(|r| r.source.document.clone()).unwrap_or_default(),
        source,
        range: None,
        documents: Vec::new(),
        rounding: RoundingMode::HalfUp,
    }
}

/// A reform's source text, read beneath the reform's own folder.
fn read_reform_source(f: &SourceFile, r: &ReformFile) -> Result<Option<Arc<SourceText>>, files::FileError> {
    let Some(t) = &r.source.text else { return Ok(None) };
    let base = f.path.parent().unwrap_or(Path::new("."));
    let confine = files::Confinement::new(base, &[]);
    let canon = confine.resolve(base, &t.text, "source text")?;
    let s = confine.read_text(&canon, &t.text, "source text", MAX_SOURCE_TEXT_BYTES)?;
    Ok(Some(Arc::new(SourceText::new(&s))))
}

/// The error of a reform's source text that cannot be read, at its `text:`.
fn reform_source_errors(d: &mut Diags, f: &SourceFile, r: &ReformFile) {
    if let (Err(e), Some(t)) = (read_reform_source(f, r), &r.source.text) {
        d.at(t.pos, e.message, e.help);
    }
}

/// A pack declared: its file, what its citations are checked against, and
/// its named types.
struct Declared {
    file: usize,
    ctx: PackCtx,
    types: IndexMap<String, Type>,
}

/// The state of one load, shared by its phases.
struct Load<'f> {
    files: &'f [SourceFile],
    options: &'f SourceFolders,
    /// Per file, its diagnostics.
    diags: Vec<Diags<'f>>,
    rs: Ruleset,
    g: Globals,
    /// Packs that use another pack's calendar: (file, pack index, id, the
    /// id named).
    calendar_uses: Vec<(usize, usize, String, Located)>,
    packs: Vec<Declared>,
    /// Packs citing one source text share it: it is read and prepared once.
    source_texts: HashMap<PathBuf, Arc<SourceText>>,
    confinements: HashMap<PathBuf, files::Confinement>,
    /// Per reform, its diagnostics.
    reform_diags: Vec<Diags<'f>>,
    /// The rules reforms neutralised.
    neutralised: Neutralised,
}

/// Every file parsed into the file model (those within the size limit and
/// valid YAML), and a diagnostics collector per file.
fn parse_files(files: &[SourceFile]) -> (Vec<(usize, PackFile)>, Vec<Diags<'_>>) {
    let mut parsed = Vec::new();
    let mut diags = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        let name = f.path.display().to_string();
        let mut d = Diags::new(name.clone(), &f.text);
        if f.text.len() > yaml::MAX_YAML_BYTES {
            d.at(
                Pos { line: 0, column: 0, ..Pos::default() },
                format!("the file has {} bytes, more than the limit of {}", f.text.len(), yaml::MAX_YAML_BYTES),
                Some("split it into several packs".into()),
            );
        } else {
            match serde_saphyr::from_str_with_options::<PackFile>(&f.text, yaml::options()) {
                Ok(mut p) => {
                    restore_numbers(&mut p, &f.text);
                    parsed.push((fi, p));
                }
                Err(e) => {
                    let mut diag = yaml_error(&name, &e);
                    if f.text.lines().any(|l| l.starts_with("reform:")) {
                        diag.help = Some(
                            "this is a reform, not a pack: keep it outside the rules folder and lay it over the rules with `--reform FILE`".into(),
                        );
                    }
                    d.out.push(diag);
                }
            }
        }
        diags.push(d);
    }
    (parsed, diags)
}

impl<'f> Load<'f> {
    /// The ids of the packs declared, in pack order.
    fn names(&self) -> Vec<&str> {
        self.packs.iter().map(|p| p.ctx.name.as_str()).collect()
    }

    /// A pack's header, source text, types, parameters, scales and calendar.
    fn declare_pack(&mut self, fi: usize, pf: &PackFile) {
        let (Some(f), Some(d)) = (self.files.get(fi), self.diags.get_mut(fi)) else { return };
        if pf.format != 1 {
            d.at(
                Pos { line: 1, column: 1, ..Pos::default() },
                format!("format {} is not supported", pf.format),
                Some("this version of ordinance reads `format: 1`".into()),
            );
        }
        let pname = pf.pack.text.clone();
        if !is_ident(&pname) {
            d.at(
                pf.pack.pos,
                format!("pack id `{pname}` is not a valid id"),
                Some("use lowercase ASCII letters, digits and `_`".into()),
            );
        }
        if self.g.packs.contains(&pname) {
            d.at(
                pf.pack.pos,
                format!("pack `{pname}` is defined twice"),
                Some("pack ids must be unique in a rules directory".into()),
            );
            return;
        }
        let issue_date = date_at(d, &pf.source.date);
        let from = date_at(d, &pf.valid.from);
        let until = pf.valid.until.as_ref().and_then(|u| date_at(d, u));
        if let (Some(a), Some(b), Some(u)) = (from, until, &pf.valid.until) {
            if b < a {
                d.at(u.pos, format!("the validity ends ({b}) before it starts ({a})"), None);
            }
        }
        let source = self.source_text(fi, f, pf);
        let Some(d) = self.diags.get_mut(fi) else { return };
        let range = pf.source.lines.as_ref().and_then(|l| line_range(d, l));
        let documents: Vec<(String, (u32, u32))> =
            pf.source.documents.iter().filter_map(|(doc, l)| Some((doc.clone(), line_range(d, l)?))).collect();
        let rounding = pf.rounding.as_ref().and_then(|l| rounding_mode(d, l)).unwrap_or(RoundingMode::HalfUp);
        let pc = PackCtx {
            name: pname.clone(),
            document: pf.source.document.clone(),
            source: source.clone(),
            range,
            documents,
            rounding,
        };
        // named types, in order
        let mut types: IndexMap<String, Type> = IndexMap::new();
        for (tname, node) in &pf.types {
            if let Some(t) = parse_type(d, node, &types) {
                types.insert(tname.clone(), t);
            }
        }
        compile_params(d, &pc, pf, &types, from, &mut self.rs, &mut self.g);
        self.declare_scales(fi, &pc, pf, from);
        let calendar = self.declare_calendar(fi, &pc, pf);
        self.g.packs.push(pname.clone());
        self.rs.packs.push(Pack {
            calendar,
            name: pname,
            title: pf.title.clone(),
            file: f.path.display().to_string(),
            digest: {
                let mut bytes = f.text.as_bytes().to_vec();
                bytes.push(0);
                bytes.extend_from_slice(source.as_ref().map_or("", |s| s.digest()).as_bytes());
                hex_digest(&bytes)
            },
            source: SourceInfo {
                document: pf.source.document.clone(),
                title: pf.source.title.clone(),
                issued_by: pf.source.issued_by.clone(),
                date: issue_date.unwrap_or_else(|| from.unwrap_or(Date::today_shanghai())),
            },
            valid_from: from.unwrap_or(Date::today_shanghai()),
            valid_until: until,
            tests: Vec::new(),
            claims: Vec::new(),
            properties: Vec::new(),
            source_text: source,
            source_range: range,
            source_documents: pc.documents.clone(),
        });
        self.packs.push(Declared { file: fi, ctx: pc, types });
    }

    /// The source text a pack cites, read beneath the rules folder (or from
    /// the bundle) once for every pack that cites it.
    fn source_text(&mut self, fi: usize, f: &SourceFile, pf: &PackFile) -> Option<Arc<SourceText>> {
        let t = pf.source.text.as_ref()?;
        let base = f.path.parent().unwrap_or(Path::new("."));
        let root = self.options.root.as_deref().unwrap_or(base);
        let shared = &self.options.shared_sources;
        let confine =
            self.confinements.entry(root.to_path_buf()).or_insert_with(|| files::Confinement::new(root, shared));
        let texts = &mut self.source_texts;
        let from_bundle = self.options.bundle.as_ref().map(|b| {
            b.source_text(&t.text)
                .map(|(shown, text)| texts.entry(shown).or_insert_with(|| Arc::new(SourceText::new(text))).clone())
        });
        let read = if let Some(r) = from_bundle {
            r
        } else {
            confine.resolve(base, &t.text, "source text").and_then(|canon| match texts.get(&canon) {
                Some(text) => Ok(text.clone()),
                None => {
                    let s = confine.read_text(&canon, &t.text, "source text", MAX_SOURCE_TEXT_BYTES)?;
                    let text = Arc::new(SourceText::new(&s));
                    texts.insert(canon, text.clone());
                    Ok(text)
                }
            })
        };
        match read {
            Ok(text) => Some(text),
            Err(e) => {
                if let Some(d) = self.diags.get_mut(fi) {
                    d.at(t.pos, e.message, e.help);
                }
                None
            }
        }
    }

    /// A pack's rate schedules. A broken scale is still known by name, so
    /// its uses are not reported as unknown (the pack does not load either
    /// way).
    fn declare_scales(&mut self, fi: usize, pc: &PackCtx, pf: &PackFile, from: Option<Date>) {
        let Some(d) = self.diags.get_mut(fi) else { return };
        for (sname, sdef) in &pf.scales {
            let scale =
                parse_scale(d, pc, sname, sdef, from.or_else(|| Date::from_ymd(1, 1, 1).ok())).unwrap_or_else(|| {
                    crate::ruleset::Scale {
                        qualified: format!("{}.{sname}", pc.name),
                        versions: Vec::new(),
                        cite: Arc::new(Citation::default()),
                    }
                });
            self.g.scales.insert((pc.name.clone(), sname.clone()), self.rs.scales.len());
            self.rs.scales.push(scale);
        }
    }

    /// A pack's working-day calendar: defined here (its index), or another
    /// pack's (resolved once every pack is declared).
    fn declare_calendar(&mut self, fi: usize, pc: &PackCtx, pf: &PackFile) -> Option<usize> {
        let d = self.diags.get_mut(fi)?;
        match pf.calendar.as_ref().map(|c| (&c.value, Pos::of(c))) {
            Some((CalendarUse::Define(def), _)) => {
                let cal = parse_calendar(d, pc, &pc.name, def)?;
                let c = self.rs.calendars.len();
                self.g.calendars.insert(pc.name.clone(), c);
                self.rs.calendars.push(cal);
                Some(c)
            }
            Some((CalendarUse::Of(other), pos)) => {
                let use_ = (fi, self.rs.packs.len(), pc.name.clone(), Located { text: other.clone(), pos });
                self.calendar_uses.push(use_);
                None
            }
            None => None,
        }
    }

    /// The calendars packs name from other packs, found now that every pack
    /// is declared.
    fn resolve_calendar_uses(&mut self) {
        let defined = self.g.calendars.clone();
        for (fi, pi, pname, other) in &self.calendar_uses {
            match defined.get(&other.text) {
                Some(&c) => {
                    self.g.calendars.insert(pname.clone(), c);
                    if let Some(p) = self.rs.packs.get_mut(*pi) {
                        p.calendar = Some(c);
                    }
                }
                None => {
                    if let Some(d) = self.diags.get_mut(*fi) {
                        let help = suggest(&other.text, defined.keys().map(String::as_str))
                            .map(|s| format!("did you mean `{s}`?"))
                            .unwrap_or_else(|| {
                                "name a pack whose `calendar:` defines holidays and working days".into()
                            });
                        d.at(other.pos, format!("no pack `{}` defines a working-day calendar", other.text), Some(help));
                    }
                }
            }
        }
    }

    /// Every rule's signature (inputs, outputs, citation) and parsed
    /// expressions, indexed by its qualified id.
    fn signatures<'p>(&mut self, declared: &[&'p PackFile]) -> Vec<Pending<'p>> {
        let mut pending: Vec<Pending> = Vec::new();
        for (pi, pf) in declared.iter().enumerate() {
            let Some(dp) = self.packs.get(pi) else { continue };
            let Some(d) = self.diags.get_mut(dp.file) else { continue };
            for (rname, rdef) in &pf.rules {
                let qualified = format!("{}.{rname}", dp.ctx.name);
                let p = rule_signature(d, &dp.ctx, &self.g, &dp.types, (pi, dp.file), rname, rdef);
                self.g.rules.insert(qualified, pending.len());
                pending.push(p);
            }
        }
        self.g.sigs = vec![None; pending.len()];
        pending
    }

    /// A located error for every rule in a cycle of calls.
    fn report_cycles(&mut self, pending: &[Pending], deps: &[Vec<usize>], order: &[usize]) {
        let in_cycle: Vec<bool> = (0..pending.len()).map(|i| !order.contains(&i)).collect();
        let cycles = |i: usize| in_cycle.get(i).copied().unwrap_or(false);
        for (i, p) in pending.iter().enumerate().filter(|(i, _)| cycles(*i)) {
            let pack_name = self.packs.get(p.pack).map(|c| c.ctx.name.as_str()).unwrap_or("");
            let others: Vec<String> = deps
                .get(i)
                .map(|ds| {
                    ds.iter().filter(|j| cycles(**j)).filter_map(|j| pending.get(*j).map(|q| q.name.clone())).collect()
                })
                .unwrap_or_default();
            if let Some(d) = self.diags.get_mut(p.file) {
                d.at(
                    p.def.cite.quote.pos,
                    format!("rule `{pack_name}.{}` is part of a cycle (it calls {})", p.name, others.join(", ")),
                    Some("rules may not call each other in a circle".into()),
                );
            }
        }
    }

    /// The rules compiled in dependency order, so a call is checked against
    /// its callee's outputs. A rule calling a rule that failed to compile is
    /// not compiled either: its errors would only repeat the callee's.
    fn compile_rules(&mut self, pending: &[Pending], deps: &[Vec<usize>], order: Vec<usize>) -> Vec<Option<Rule>> {
        let mut compiled: Vec<Option<Rule>> = vec![None; pending.len()];
        for i in order {
            let Some(p) = pending.get(i) else { continue };
            let Some(pc) = self.packs.get(p.pack).map(|x| &x.ctx) else { continue };
            let Some(d) = self.diags.get_mut(p.file) else { continue };
            let callee_failed =
                deps.get(i).is_some_and(|ds| ds.iter().any(|j| self.g.sigs.get(*j).is_some_and(Option::is_none)));
            if !p.signature_ok || callee_failed {
                continue;
            }
            let qualified = format!("{}.{}", pc.name, p.name);
            let Some((outputs, mut body)) = compile_body(d, pc, &self.g, p, &qualified) else { continue };
            let Some(constraints) = compile_constraints(d, pc, &self.g, &p.def.constraints, &p.inputs) else {
                continue;
            };
            if let Some(&at) = self.neutralised.get(&qualified) {
                let Some(neutral) = neutral_body(d, at, &qualified, p.inputs.len(), &outputs) else { continue };
                body = neutral;
            }
            if let Some(slot) = self.g.sigs.get_mut(i) {
                *slot = Some(RuleSig {
                    qualified: qualified.clone(),
                    inputs: p.inputs.iter().map(|x| (x.name.clone(), x.ty.clone(), x.has_default())).collect(),
                    outputs: outputs.iter().cloned().collect(),
                });
            }
            if let Some(slot) = compiled.get_mut(i) {
                *slot = Some(Rule {
                    pack: p.pack,
                    qualified,
                    title: p.def.title.clone(),
                    cite: p.cite.clone(),
                    inputs: p.inputs.clone(),
                    output_names: outputs.iter().map(|(n, _)| Arc::from(n.as_str())).collect(),
                    // by position among the outputs as computed (a formula may
                    // compute them in another order than `outputs:` declares)
                    rounding: p
                        .rounding
                        .iter()
                        .filter_map(|(k, mode)| {
                            let (name, _) = p.declared_outputs.get_index(*k)?;
                            Some((outputs.iter().position(|(n, _)| n == name)?, *mode))
                        })
                        .collect(),
                    outputs,
                    constraints,
                    body,
                });
            }
            if let Some(Some(rule)) = compiled.get(i) {
                let start = self.rs.packs.get(p.pack).map_or(Date::today_shanghai(), |x| x.valid_from);
                prove_computed_bounds(d, &self.rs, rule, start);
            }
        }
        compiled
    }

    /// A pack's tests, claims and properties, checked against the compiled
    /// rules.
    fn compile_checks(&mut self, pi: usize, pf: &PackFile) {
        let Some(dp) = self.packs.get(pi) else { return };
        let Some(d) = self.diags.get_mut(dp.file) else { return };
        let pc = &dp.ctx;
        let default_date = self.rs.packs.get(pi).map(|p| p.valid_from).unwrap_or(Date::today_shanghai());
        let tests = compile_tests(d, pc, pf, &self.g, default_date);
        let scope = Scope { locals: Vec::new(), pack: Some(pc.name.clone()), locator: Default::default() };
        let claims = compile_claims(d, pc, &pf.claims, &scope, &self.g);
        let properties = compile_properties(d, pc, &pf.properties, default_date, &self.g);
        if let Some(p) = self.rs.packs.get_mut(pi) {
            p.tests = tests;
            p.claims = claims;
            p.properties = properties;
        }
    }

    /// The rule set, or every diagnostic in file order.
    fn finish(mut self, compiled: Vec<Option<Rule>>, reforms: &[SourceFile]) -> Result<Ruleset, LoadError> {
        let reform_names: Vec<String> = self.reform_diags.iter().map(|d| d.file.clone()).collect();
        let mut all = Vec::new();
        for mut d in self.diags.into_iter().chain(self.reform_diags) {
            // in file order, whatever order the checks ran in
            d.out.sort_by_key(|x| (x.line, x.column));
            all.extend(d.out);
        }
        if !all.is_empty() {
            return Err(LoadError { diagnostics: all });
        }
        for (i, r) in compiled.into_iter().enumerate() {
            let Some(rule) = r else {
                return Err(LoadError::single("<rules>", 0, 0, "a rule failed to compile without a diagnostic", None));
            };
            self.rs.rule_index.insert(rule.qualified.clone(), i);
            self.rs.rules.push(Arc::new(rule));
        }
        self.rs.hash = content_hash(self.files);
        self.rs.reforms = reform_names;
        if !reforms.is_empty() {
            // a reformed rule set is another rule set: its hash says which
            // packs and which reforms, in order
            let mut bytes = self.rs.hash.clone().into_bytes();
            for r in reforms {
                bytes.push(0);
                bytes.extend_from_slice(r.text.as_bytes());
            }
            self.rs.hash = hex_digest(&bytes).chars().take(self.rs.hash.len()).collect();
        }
        Ok(self.rs)
    }
}

/// A pack's tests: each names a known rule, its inputs and outputs, and
/// exactly one of `expect` and `error`.
fn compile_tests(d: &mut Diags, pc: &PackCtx, pf: &PackFile, g: &Globals, default_date: Date) -> Vec<TestCase> {
    let mut tests = Vec::new();
    for (ti, t) in pf.tests.iter().enumerate() {
        let q = if t.rule.text.contains('.') { t.rule.text.clone() } else { format!("{}.{}", pc.name, t.rule.text) };
        let Some(&rid) = g.rules.get(&q) else {
            let help = suggest(&q, g.rules.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
            d.at(t.rule.pos, format!("test names unknown rule `{}`", t.rule.text), help);
            continue;
        };
        let as_of = match &t.as_of {
            Some(a) => match date_at(d, a) {
                Some(x) => x,
                None => continue,
            },
            None => default_date,
        };
        if let Some(Some(sig)) = g.sigs.get(rid) {
            for (k, v) in &t.given {
                if !sig.inputs.iter().any(|(n, _, _)| n == k) {
                    let help = suggest(k, sig.inputs.iter().map(|(n, _, _)| n.as_str()))
                        .map(|s| format!("did you mean `{s}`?"));
                    d.at(v.pos, format!("rule `{q}` has no input `{k}`"), help);
                }
            }
            for (k, v) in t.expect.iter().flatten() {
                if !sig.outputs.contains_key(k) {
                    let help =
                        suggest(k, sig.outputs.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
                    d.at(v.pos, format!("rule `{q}` has no output `{k}`"), help);
                }
            }
        }
        if t.expect.is_none() == t.error.is_none() {
            d.at(t.rule.pos, "a test needs exactly one of `expect` and `error`", None);
        }
        let computed = expected_by_expression(d, pc, g, t, rid);
        let within = t.within.as_ref().and_then(|w| match literal(d, w, &Type::Number, "within")? {
            Value::Number(n) if !n.is_negative() => Some(n),
            _ => {
                d.at(w.pos, "`within` is how far a number may be from the one expected: 0 or more", None);
                None
            }
        });
        tests.push(TestCase {
            name: t.name.clone().unwrap_or_else(|| format!("{} #{}", q, ti + 1)),
            rule: q,
            as_of,
            given: serde_json::Value::Object(t.given.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            expect: t.expect.as_ref().map(|e| {
                e.iter().filter(|(_, v)| cell_expr(v).is_none()).map(|(k, v)| (k.clone(), v.to_json())).collect()
            }),
            computed,
            within,
            error: t.error.clone(),
            location: format!("{}:{}", d.file, t.rule.pos.line),
        });
    }
    tests
}

/// A test's expected outputs written `{expr: …}`: each compiled over the
/// rule's inputs (the test's `given`) and the parameters, of the output's
/// type.
fn expected_by_expression(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    t: &crate::source::model::TestDef,
    rid: usize,
) -> Vec<(String, CExpr, String)> {
    let Some(Some(sig)) = g.sigs.get(rid) else { return Vec::new() };
    let inputs: Vec<InputDef> = sig
        .inputs
        .iter()
        .map(|(n, ty, _)| InputDef { name: n.clone(), ty: ty.clone(), default: None, default_param: None })
        .collect();
    let mut out = Vec::new();
    for (k, v) in t.expect.iter().flatten() {
        let (Some(src), Some(want)) = (cell_expr(v), sig.outputs.get(k)) else { continue };
        match row_expr(d, pc, g, &src, &inputs) {
            Some((c, ty)) if ty.fits(want) || (ty.is_numeric() && want.is_numeric()) => {
                out.push((k.clone(), c, src.text.clone()))
            }
            Some((_, ty)) => {
                d.in_expr(&src, 0, format!("output `{k}` is {want}, but the expectation computes {ty}"), None)
            }
            None => {}
        }
    }
    out
}

/// The body of a neutralised rule: zero for every number, `false` for every
/// bool, an empty list for every list, nothing for an optional output.
fn neutral_body(d: &mut Diags, at: Pos, rule: &str, n_inputs: usize, outputs: &[(String, Type)]) -> Option<Body> {
    let mut values = Vec::new();
    for (name, t) in outputs {
        let v = match t {
            Type::Optional(_) => Value::Absent,
            Type::List(_) => Value::List(Arc::new(Vec::new())),
            Type::Bool => Value::Bool(false),
            t if t.is_numeric() => Value::int(0),
            other => {
                d.at(
                    at,
                    format!("rule `{rule}` cannot be neutralised: its output `{name}` is {other}, which has no zero"),
                    Some("change the rule's formula or rows instead".into()),
                );
                return None;
            }
        };
        values.push(CExpr::Const(v));
    }
    Some(formula_body(n_inputs, Vec::new(), values))
}
