//! Loading rule packs: reading YAML strictly, resolving types, parameters and
//! citations, compiling every expression once, and validating tables
//! (overlaps under `unique`, uncovered enum values), references and cycles.
//! Every problem becomes a located diagnostic; loading reports all of them.

use crate::error::{Diagnostic, LoadError};
use crate::lang::expr::compile::Builtins;
use crate::lang::expr::compile::{self, called_rules, suggest, CExpr, Globals, RuleSig, Scope};
use crate::lang::expr::syntax;
use crate::ruleset::{
    Aggregate, Body, Bound, Calendar, Citation, Claim, Cond, ExprBound, HitPolicy, InputDef, Pack, Param, ParamVersion,
    Row, Rule, Ruleset, SourceInfo, Table, TestCase,
};
use crate::source::files;
use crate::source::model::{CalendarDef, CalendarUse, CiteDef, ClaimDef, PackFile, RowDef, RuleDef, TableDef};
use crate::source::sourcetext::SourceText;
use crate::source::yaml::{self, offset_to_pos, Located, Node, NodeKind, Pos};
use crate::values::date::Date;
use crate::values::number::{Number, RoundingMode, DEFAULT_MAX_DIGITS};
use crate::values::value::{from_json, Type, Value};
use indexmap::IndexMap;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod folder;
pub use folder::*;

mod types;
pub use types::*;

mod params;
use params::*;

mod calendar;
use calendar::*;

mod tables;
use tables::*;

mod properties;
pub(crate) use properties::*;

mod rules;
use rules::*;

mod bounds;
use bounds::*;

mod reform;
use reform::*;

mod phases;
pub use phases::{load_reformed, load_with};

/// The largest source text a pack may cite.
pub const MAX_SOURCE_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// A file handed to the loader: its name for messages, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path or name, used in diagnostics and to resolve relative paths.
    pub path: PathBuf,
    /// The YAML text.
    pub text: String,
}

/// A document laid over the packs (a reform): its name and text, for the
/// diagnostics of what it wrote, and what its citations are checked
/// against.
pub(crate) struct Overlay<'a> {
    pub name: String,
    pub text: &'a str,
    pub ctx: PackCtx,
}

/// Collects diagnostics for one file.
pub(crate) struct Diags<'a> {
    pub file: String,
    pub text: &'a str,
    pub out: Vec<Diagnostic>,
    /// Byte offsets where the text's lines start, found on first use.
    pub line_starts: std::cell::OnceCell<Vec<usize>>,
    /// The documents laid over the packs: a position stamped with file k
    /// (see [`Pos::file`]) is in the k-th.
    pub overlays: std::rc::Rc<[Overlay<'a>]>,
}

impl<'a> Diags<'a> {
    /// Diagnostics of one file.
    pub fn new(file: String, text: &'a str) -> Self {
        Diags { file, text, out: Vec::new(), line_starts: std::cell::OnceCell::new(), overlays: std::rc::Rc::new([]) }
    }

    /// The overlay a position lies in, if it is not in this file.
    pub fn overlay(&self, pos: Pos) -> Option<&Overlay<'a>> {
        let k = usize::from(pos.file).checked_sub(1)?;
        self.overlays.get(k)
    }

    /// The name and text of the file a position lies in.
    fn file_of(&self, pos: Pos) -> (&str, &'a str) {
        match self.overlay(pos) {
            Some(o) => (&o.name, o.text),
            None => (&self.file, self.text),
        }
    }

    /// The file positions of an expression scalar's characters.
    pub fn locator(&self, scalar: &Located) -> compile::Locator {
        if let Some(o) = self.overlay(scalar.pos) {
            let starts: Vec<usize> = std::iter::once(0).chain(o.text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            return yaml::locator(o.text, &starts, scalar);
        }
        let starts = self
            .line_starts
            .get_or_init(|| std::iter::once(0).chain(self.text.match_indices('\n').map(|(i, _)| i + 1)).collect());
        yaml::locator(self.text, starts, scalar)
    }
}

/// Keeps a message on one line, however much of the author's text it quotes:
/// line breaks become spaces and a very long message is cut.
/// The longest diagnostic message, in characters; a longer one (a parser's
/// message quoting a long line) is cut after its last whole word.
const MAX_MESSAGE_CHARS: usize = 400;

pub(crate) fn one_line(message: &str) -> String {
    let flat = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX_MESSAGE_CHARS {
        return flat;
    }
    let mut out = String::new();
    for word in flat.split(' ') {
        if out.chars().count() + 1 + word.chars().count() > MAX_MESSAGE_CHARS - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        // one enormous word: cut it, saying so
        out = flat.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    }
    out.push('…');
    out
}

impl Diags<'_> {
    pub fn at(&mut self, pos: Pos, message: impl Into<String>, help: Option<String>) {
        let file = self.file_of(pos).0.to_string();
        self.out.push(Diagnostic {
            file,
            line: pos.line,
            column: pos.column,
            message: one_line(&message.into()),
            help: help.map(|h| one_line(&h)),
        });
    }

    /// A diagnostic inside an expression scalar, at a character offset.
    pub fn in_expr(&mut self, scalar: &Located, offset: usize, message: impl Into<String>, help: Option<String>) {
        let (file, text) = self.file_of(scalar.pos);
        let (line, column) = offset_to_pos(text, scalar, offset);
        let file = file.to_string();
        self.out.push(Diagnostic {
            file,
            line,
            column,
            message: one_line(&message.into()),
            help: help.map(|h| one_line(&h)),
        });
    }
}

/// Turns a deserializer error into a diagnostic.
pub(crate) fn yaml_error(file: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = e.location().map(|l| (l.line() as u32, l.column() as u32)).unwrap_or((1, 1));
    let full = e.without_snippet().to_string();
    let first = full.lines().next().unwrap_or("invalid YAML").to_string();
    // drop the deserializer's own "error: line N column M: " prefix
    let msg = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("error") && rest.starts_with("line ") => {
            rest.split_once(": ").map(|(_, m)| m.to_string()).unwrap_or(rest.to_string())
        }
        Some(("error", rest)) => rest.to_string(),
        _ => first,
    };
    // say it in the author's terms, not the deserializer's
    let mut msg = msg;
    let mut null_hint = None;
    if msg.starts_with("cannot deserialize null") {
        msg = "a value is missing here".to_string();
        null_hint = Some(
            "write a value after the colon; inside `{…}` a comma ends a value, so quote expressions that contain commas"
                .to_string(),
        );
    }
    if let Some(i) = msg.find("; use Option<") {
        msg.truncate(i);
    }
    let help = if null_hint.is_some() {
        null_hint
    } else if msg.contains("unknown field") {
        Some("check the spelling; docs/rule-format.md lists every key".to_string())
    } else if msg.contains("duplicate mapping key") {
        Some("each key may appear once in a mapping; remove or rename one".to_string())
    } else if msg.contains("missing field") {
        Some("add the missing key".to_string())
    } else {
        None
    };
    let mut msg = msg.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    let mut help = help;
    if let Some(budget) = msg.strip_prefix("budget breached: ") {
        let (what, fix) = yaml::budget_words(budget);
        msg = what;
        help = Some(fix);
    }
    // the parser's own "at line N, column M (defined at …) (used at …)"
    // tails: the diagnostic's position says where
    if let Some(i) = msg.find(" at line ") {
        if msg.get(i..).is_some_and(|tail| tail.contains("column")) {
            msg.truncate(i);
        }
    }
    Diagnostic { file: file.to_string(), line, column, message: one_line(&lowercase_first(&msg)), help }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_ascii_uppercase() => f.to_ascii_lowercase().to_string() + c.as_str(),
        Some(f) => f.to_string() + c.as_str(),
        None => String::new(),
    }
}

fn is_ident(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parses `YYYY-MM-DD` at a position.
fn date_at(d: &mut Diags, l: &Located) -> Option<Date> {
    match Date::parse(&l.text) {
        Ok(x) => Some(x),
        Err(m) => {
            d.at(l.pos, m, None);
            None
        }
    }
}

/// What citations of one pack (or a scenario citing it) are checked against.
pub(crate) struct PackCtx {
    pub name: String,
    pub document: String,
    pub source: Option<Arc<SourceText>>,
    pub range: Option<(u32, u32)>,
    /// Line ranges of the other documents the pack cites.
    pub documents: Vec<(String, (u32, u32))>,
    /// How the pack's decimal outputs are rounded unless they say.
    pub rounding: RoundingMode,
}

fn cite(d: &mut Diags, pc: &PackCtx, c: &CiteDef) -> Arc<Citation> {
    // a citation a reform wrote is checked against the reform's own source
    let overlays = d.overlays.clone();
    let pc = usize::from(c.quote.pos.file).checked_sub(1).and_then(|k| overlays.get(k)).map_or(pc, |o| &o.ctx);
    let mut line = None;
    if c.quote.text.trim().is_empty() {
        d.at(c.quote.pos, "a citation needs a quote of the source's words", None);
    }
    let mut range = pc.range;
    if let Some(doc) = &c.document {
        match pc.documents.iter().find(|(name, _)| name == doc) {
            Some((_, r)) => range = Some(*r),
            None if !pc.documents.is_empty() => {
                let help = suggest(doc, pc.documents.iter().map(|(n, _)| n.as_str()))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "list it under `source.documents` with its line range".into());
                d.at(
                    c.quote.pos,
                    format!("the citation names document `{doc}`, which the pack's source does not list"),
                    Some(help),
                );
            }
            None => {}
        }
    }
    if let Some(src) = &pc.source {
        match src.find(&c.quote.text, range) {
            Ok(l) => line = Some(l),
            Err(m) => d.at(
                c.quote.pos,
                m,
                Some("quote the document exactly (whitespace may differ); join separate parts with `…`".into()),
            ),
        }
    }
    Arc::new(Citation {
        document: c.document.clone().unwrap_or_else(|| pc.document.clone()),
        clause: c.clause.clone(),
        quote: c.quote.text.clone(),
        line,
        note: c.note.clone(),
    })
}

fn parse_exprs<'f>(
    d: &mut Diags,
    items: &'f IndexMap<String, Located>,
) -> Vec<(String, &'f Located, Option<syntax::Expr>)> {
    items
        .iter()
        .map(|(n, src)| {
            let e = match syntax::parse(&src.text) {
                Ok(e) => Some(e),
                Err(err) => {
                    d.in_expr(src, err.pos, err.message, err.help);
                    None
                }
            };
            (n.clone(), src, e)
        })
        .collect()
}

/// Parsed expressions: name, source and syntax tree (none when it did not
/// parse).
type Parsed<'f> = Vec<(String, &'f Located, Option<syntax::Expr>)>;

/// A rule's body as written, parsed but not compiled: a table, or a
/// formula's steps; for a dated version, its period and citation.
struct BodySrc<'f> {
    dated: Option<(Date, Option<Date>, Arc<Citation>)>,
    /// Where errors about the body as a whole are reported.
    at: Pos,
    table: Option<&'f TableDef>,
    parsed_lets: Parsed<'f>,
    parsed_outputs: Parsed<'f>,
}

/// One parsed but not yet compiled rule.
struct Pending<'f> {
    pack: usize,
    file: usize,
    name: String,
    def: &'f RuleDef,
    inputs: Vec<InputDef>,
    declared_outputs: IndexMap<String, Type>,
    rounding: Vec<(usize, RoundingMode)>,
    /// Its body, or the body of each of its dated versions.
    bodies: Vec<BodySrc<'f>>,
    cite: Arc<Citation>,
    signature_ok: bool,
}

/// Loads rule packs from files (already read) into a compiled ruleset.
///
/// # Errors
/// Every problem found, located.
pub fn load(files: &[SourceFile]) -> Result<Ruleset, LoadError> {
    load_with(files, &SourceFolders::default())
}

/// Where a pack's source texts may be read from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceFolders {
    /// The rules folder: every source text resolves inside it. Without one,
    /// inside the folder of the pack that names it.
    pub root: Option<PathBuf>,
    /// Further folders source texts may resolve into (a folder of texts
    /// shared by several rule folders). Empty by default.
    pub shared_sources: Vec<PathBuf>,
    /// The packs come from a rule-set bundle: source texts are read from it
    /// and nowhere else.
    pub bundle: Option<Arc<crate::pack::bundle::BundleFiles>>,
}

fn restore_numbers(p: &mut PackFile, src: &str) {
    for n in p.types.values_mut() {
        n.restore_exact_numbers(src);
    }
    for prop in &mut p.properties {
        for n in prop.vars.values_mut() {
            n.restore_exact_numbers(src);
        }
    }
    for sc in p.scales.values_mut() {
        let dated = sc.versions.iter_mut().flat_map(|v| v.brackets.iter_mut());
        for b in sc.brackets.iter_mut().flatten().chain(dated) {
            let nodes = [b.upto.as_mut(), b.below.as_mut(), Some(&mut b.rate), b.quick_deduction.as_mut()];
            for n in nodes.into_iter().flatten() {
                n.restore_exact_numbers(src);
            }
        }
    }
    for prm in p.parameters.values_mut() {
        if let Some(v) = &mut prm.value {
            v.restore_exact_numbers(src);
        }
        for v in &mut prm.versions {
            v.value.restore_exact_numbers(src);
        }
    }
    for prm in p.parameters.values_mut() {
        if let Some(t) = &mut prm.ty {
            t.restore_exact_numbers(src);
        }
    }
    for r in p.rules.values_mut() {
        restore_rule_numbers(r, src);
    }
    for t in &mut p.tests {
        t.given.values_mut().for_each(|n| n.restore_exact_numbers(src));
        if let Some(e) = &mut t.expect {
            e.values_mut().for_each(|n| n.restore_exact_numbers(src));
        }
        if let Some(w) = &mut t.within {
            w.restore_exact_numbers(src);
        }
    }
    for c in &mut p.claims {
        c.printed.restore_exact_numbers(src);
    }
}

/// The decimal places a figure was printed with: `253.8` → 1, `"70%"` → 2
/// (0.70), `"17.2%"` → 3; none for integers and fractions, which are
/// compared exactly.
/// A rule's numbers as written: its inputs' and outputs' declarations, and
/// every table's (its versions' too) conditions, cells and default.
fn restore_rule_numbers(r: &mut RuleDef, src: &str) {
    for n in r.inputs.values_mut().chain(r.outputs.values_mut()) {
        n.restore_exact_numbers(src);
    }
    let versions = r.versions.iter_mut().filter_map(|v| v.table.as_mut());
    for t in r.table.iter_mut().chain(versions) {
        restore_table_numbers(t, src);
    }
}

fn restore_table_numbers(t: &mut TableDef, src: &str) {
    restore_row_numbers(t.rows.iter_mut(), src);
    if let Some(dft) = &mut t.default {
        dft.values_mut().for_each(|n| n.restore_exact_numbers(src));
    }
}

fn restore_row_numbers<'r>(rows: impl Iterator<Item = &'r mut RowDef>, src: &str) {
    for row in rows {
        row.when.values_mut().for_each(|n| n.restore_exact_numbers(src));
        row.then.values_mut().for_each(|n| n.restore_exact_numbers(src));
    }
}

/// A reform's numbers as written (see [`restore_numbers`]).
fn restore_reform_numbers(r: &mut crate::source::model::ReformFile, src: &str) {
    for c in &mut r.changes {
        let mut nodes: Vec<&mut Node> = Vec::new();
        nodes.extend(c.value.as_mut());
        for b in c.brackets.iter_mut().flatten() {
            nodes.extend(
                [b.upto.as_mut(), b.below.as_mut(), Some(&mut b.rate), b.quick_deduction.as_mut()]
                    .into_iter()
                    .flatten(),
            );
        }
        if let Some(cell) = &mut c.cell {
            nodes.push(&mut cell.row);
            nodes.push(&mut cell.value);
        }
        nodes.extend(c.outputs.iter_mut().flat_map(|o| o.values_mut()));
        for n in nodes {
            n.restore_exact_numbers(src);
        }
        if let Some(rows) = &mut c.rows {
            rows.remove.iter_mut().for_each(|n| n.restore_exact_numbers(src));
            restore_row_numbers(rows.replace.values_mut().chain(rows.add.iter_mut()), src);
        }
        if let Some(t) = &mut c.table {
            restore_table_numbers(t, src);
        }
        if let Some(def) = &mut c.define {
            restore_rule_numbers(def, src);
        }
    }
}

fn printed_places(text: &str) -> Option<i64> {
    let t = text.trim();
    let (body, extra) = match t.strip_suffix('%') {
        Some(b) => (b, 2),
        None => (t, 0),
    };
    if body.contains('/') || Number::parse(body).is_err() {
        return None;
    }
    let decimals = body.split_once('.').map(|(_, f)| f.len() as i64).unwrap_or(0);
    (decimals + extra > 0).then_some(decimals + extra)
}

/// The rule-set version: the first 8 bytes of a SHA-256 over every file's
/// name and text, in name order, as hex.
/// SHA-256 of bytes, as lowercase hex.
pub(crate) use crate::source::sourcetext::hex_digest;

/// The rule-set hash of pack files: names and texts, in name order.
pub fn content_hash(files: &[SourceFile]) -> String {
    let mut h = Sha256::new();
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    for f in sorted {
        h.update(f.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default().as_bytes());
        h.update([0u8]);
        h.update(f.text.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Context for compiling scenario expressions: the globals of a ruleset.
pub(crate) fn globals_of(rs: &Ruleset) -> Globals {
    let mut g = Globals {
        packs: rs.packs.iter().map(|p| p.name.clone()).collect(),
        builtins: Builtins(crate::run::builtins::lookup),
        ..Globals::default()
    };
    for p in &rs.packs {
        if let Some(c) = p.calendar {
            g.calendars.insert(p.name.clone(), c);
        }
    }
    for (i, sc) in rs.scales.iter().enumerate() {
        if let Some((pack, name)) = sc.qualified.split_once('.') {
            g.scales.insert((pack.to_string(), name.to_string()), i);
        }
    }
    for (i, p) in rs.params.iter().enumerate() {
        if let Some((pack, name)) = p.qualified.split_once('.') {
            g.params.insert((pack.to_string(), name.to_string()), (i, p.ty.clone()));
        }
    }
    for (i, r) in rs.rules.iter().enumerate() {
        g.rules.insert(r.qualified.clone(), i);
        g.sigs.push(Some(RuleSig {
            qualified: r.qualified.clone(),
            inputs: r.inputs.iter().map(|x| (x.name.clone(), x.ty.clone(), x.has_default())).collect(),
            outputs: r.outputs.iter().cloned().collect(),
        }));
    }
    g
}
