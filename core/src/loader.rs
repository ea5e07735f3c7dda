//! Loading rule packs: reading YAML strictly, resolving types, parameters and
//! citations, compiling every expression once, and validating tables
//! (overlaps under `unique`, uncovered enum values), references and cycles.
//! Every problem becomes a located diagnostic; loading reports all of them.

use crate::date::Date;
use crate::error::{Diagnostic, LoadError};
use crate::expr::compile::{self, called_rules, suggest, CExpr, Globals, RuleSig, Scope, BUILTIN_NAMES};
use crate::expr::syntax;
use crate::files;
use crate::model::{CalendarDef, CalendarUse, CiteDef, ClaimDef, PackFile, RowDef, RuleDef, TableDef};
use crate::number::{Number, RoundingMode};
use crate::ruleset::{
    Aggregate, Body, Bound, Calendar, Citation, Claim, Cond, HitPolicy, InputDef, Pack, Param, ParamVersion, Row, Rule,
    Ruleset, SourceInfo, Table, TestCase,
};
use crate::sourcetext::SourceText;
use crate::value::{from_json, Type, Value};
use crate::yaml::{self, offset_to_pos, Located, Node, NodeKind, Pos};
use indexmap::IndexMap;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest source text a pack may cite.
pub const MAX_SOURCE_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// The most value combinations the coverage check enumerates.
const MAX_COVERAGE_COMBINATIONS: usize = 4096;
/// The most overlapping pairs of rows reported for one table.
const MAX_OVERLAP_REPORTS: usize = 20;

/// A file handed to the loader: its name for messages, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path or name, used in diagnostics and to resolve relative paths.
    pub path: PathBuf,
    /// The YAML text.
    pub text: String,
}

/// Collects diagnostics for one file.
pub(crate) struct Diags<'a> {
    pub file: String,
    pub text: &'a str,
    pub out: Vec<Diagnostic>,
    /// Byte offsets where the text's lines start, found on first use.
    pub line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> Diags<'a> {
    /// Diagnostics of one file.
    pub fn new(file: String, text: &'a str) -> Self {
        Diags { file, text, out: Vec::new(), line_starts: std::cell::OnceCell::new() }
    }

    /// The file positions of an expression scalar's characters.
    pub fn locator(&self, scalar: &Located) -> compile::Locator {
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
        self.out.push(Diagnostic {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            message: one_line(&message.into()),
            help: help.map(|h| one_line(&h)),
        });
    }

    /// A diagnostic inside an expression scalar, at a character offset.
    pub fn in_expr(&mut self, scalar: &Located, offset: usize, message: impl Into<String>, help: Option<String>) {
        let (line, column) = offset_to_pos(self.text, scalar, offset);
        self.out.push(Diagnostic {
            file: self.file.clone(),
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

/// Reads a YAML file (pack or scenario): a regular file, at most
/// [`yaml::MAX_YAML_BYTES`], UTF-8. The limit is enforced while reading.
///
/// # Errors
/// A load error naming the file (and, for bytes that are not UTF-8, the
/// line and column of the first).
pub fn read_limited(path: &Path) -> Result<String, LoadError> {
    let name = path.display().to_string();
    files::read_text(path, &name, "file", yaml::MAX_YAML_BYTES).map_err(|e| file_error(&name, e))
}

fn file_error(file: &str, e: files::FileError) -> LoadError {
    let (line, column) = e.at.unwrap_or((0, 0));
    LoadError::single(file, line, column, one_line(&e.message), e.help)
}

/// The YAML files of a rules directory, sorted by name. A file that is a
/// symlink must resolve inside the directory.
///
/// # Errors
/// A load error when the directory cannot be read or holds no pack.
pub fn pack_files(dir: &Path) -> Result<Vec<SourceFile>, LoadError> {
    let name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        LoadError::single(
            &name,
            0,
            0,
            format!("cannot read the rules directory: {e}"),
            Some("pass --rules DIR or set ORDINANCE_RULES".into()),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .filter(|p| !p.is_dir())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::single(&name, 0, 0, "the rules directory holds no .yaml pack", None));
    }
    let confine = files::Confinement::new(dir, &[]);
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for p in paths {
        let shown = p.display().to_string();
        let file_name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let read = confine
            .resolve(dir, &file_name, "pack file")
            .and_then(|canon| confine.read_text(&canon, &file_name, "pack file", yaml::MAX_YAML_BYTES));
        match read {
            Ok(text) => out.push(SourceFile { path: p, text }),
            Err(e) => diags.extend(file_error(&shown, e).diagnostics),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(LoadError { diagnostics: diags })
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

/// The most decimal places a `decimal(n)` type may keep.
pub const MAX_DECIMAL_PLACES: u8 = 18;

/// Reads `decimal(n)`.
fn decimal_type(d: &mut Diags, n: &Node, text: &str) -> Option<Type> {
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

fn parse_record(d: &mut Diags, fields: &[(String, Node)], named: &IndexMap<String, Type>) -> Option<Type> {
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

fn infer_literal_type(n: &Node) -> Option<Type> {
    match &n.kind {
        NodeKind::Number(s) => Some(if s.contains(['.', 'e', 'E']) { Type::Number } else { Type::Integer }),
        NodeKind::Bool(_) => Some(Type::Bool),
        _ => None,
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

/// Reads a rounding mode's name.
fn rounding_mode(d: &mut Diags, l: &Located) -> Option<RoundingMode> {
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

fn line_range(d: &mut Diags, l: &Located) -> Option<(u32, u32)> {
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

/// A rule's signature (its inputs with their types and defaults, its
/// declared outputs, its citation) and its parsed expressions, before
/// anything is compiled.
fn rule_signature<'a>(
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
    if BUILTIN_NAMES.contains(&rname) {
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
        let Some(mut ty) = tnode.and_then(|t| parse_type(d, t, types)) else { continue };
        match onode.map(|o| &o.kind) {
            None | Some(NodeKind::Bool(false)) => {}
            Some(NodeKind::Bool(true)) => {
                if let Some(dn) = dnode {
                    d.at(
                        dn.pos,
                        format!("the input `{iname}` is optional and has a default"),
                        Some(
                            "a default fills in a value left out; `optional: true` lets it be absent. Keep one".into(),
                        ),
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
        // an optional input left out is absent
        let default = match dnode {
            Some(dn) => literal(d, dn, &ty, iname),
            None if matches!(ty, Type::Optional(_)) => Some(Value::Absent),
            None => None,
        };
        inputs.push(InputDef { name: iname.clone(), ty, default });
    }
    let mut declared_outputs = IndexMap::new();
    let mut rounding = Vec::new();
    for (oname, spec) in &rdef.outputs {
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
        let Some(t) = tnode.and_then(|t| parse_type(d, t, types)) else { continue };
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
        if t.has_decimal() {
            rounding.push((declared_outputs.len(), mode));
        }
        declared_outputs.insert(oname.clone(), t);
    }
    // a rule whose signature is broken is not compiled: its body would
    // only repeat the same mistake as unknown names
    let signature_ok = d.out.len() == before_inputs;
    let parsed_lets = parse_exprs(d, &rdef.lets);
    let parsed_outputs = match (&rdef.formula, &rdef.table) {
        (Some(f), None) => parse_exprs(d, f),
        (None, Some(_)) => {
            if !rdef.lets.is_empty() {
                d.at(rdef.cite.quote.pos, format!("rule `{rname}` is a table and cannot have `let` steps"), None);
            }
            Vec::new()
        }
        (Some(_), Some(_)) => {
            d.at(
                rdef.cite.quote.pos,
                format!("rule `{rname}` has both `formula` and `table`"),
                Some("a rule has one body".into()),
            );
            Vec::new()
        }
        (None, None) => {
            d.at(rdef.cite.quote.pos, format!("rule `{rname}` has no body"), Some("add `formula:` or `table:`".into()));
            Vec::new()
        }
    };
    Pending {
        pack: pi,
        file: fi,
        name: rname.to_string(),
        def: rdef,
        inputs,
        declared_outputs,
        rounding,
        parsed_lets,
        parsed_outputs,
        cite: rcite,
        signature_ok,
    }
}

/// A pack's parameters: each typed (declared or inferred from its value),
/// with one value or dated versions, each version with its citation.
fn compile_params(
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
                            if versions.iter().any(|x: &ParamVersion| x.from == vf) {
                                d.at(ver.from.pos, format!("two versions of `{qualified}` start on {vf}"), None);
                            }
                            versions.push(ParamVersion { from: vf, value: val, cite: vcite });
                        }
                    }
                }
                versions.sort_by_key(|v| v.from);
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
fn parse_scale(
    d: &mut Diags,
    pc: &PackCtx,
    name: &str,
    def: &crate::model::ScaleDef,
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
    let dated: Vec<(Option<&Located>, &[crate::model::BracketDef], Option<&CiteDef>)> =
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
fn scale_brackets(
    d: &mut Diags,
    pc: &PackCtx,
    qualified: &str,
    def_brackets: &[crate::model::BracketDef],
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

/// The longest period a working-day calendar may cover.
const MAX_CALENDAR_DAYS: i64 = 100 * 366;

/// Reads a working-day calendar: its period, holidays (single days or runs
/// `a..b`) and make-up working days, each inside the period; a make-up day
/// must fall on a weekend, and no day may be both.
fn parse_calendar(d: &mut Diags, pc: &PackCtx, pack: &str, def: &CalendarDef) -> Option<Calendar> {
    let cite = cite(d, pc, &def.cite);
    let first = date_at(d, &def.covers.from)?;
    let Some(until) = &def.covers.until else {
        d.at(
            def.covers.from.pos,
            "a calendar's `covers` needs an `until:` date",
            Some("a calendar speaks for a known period, e.g. one year".into()),
        );
        return None;
    };
    let last = date_at(d, until)?;
    if last < first || first.days_until(last) > MAX_CALENDAR_DAYS {
        d.at(until.pos, format!("the calendar must cover 1 to {MAX_CALENDAR_DAYS} days, from {first} to {last}"), None);
        return None;
    }
    let inside = |d: &mut Diags, l: &Located, day: Date| {
        let ok = day >= first && day <= last;
        if !ok {
            d.at(l.pos, format!("{day} lies outside the period the calendar covers ({first} to {last})"), None);
        }
        ok
    };
    // runs are kept as runs until they are merged: a pack may repeat a long
    // run thousands of times, and expanding each before merging would cost
    // days × runs; merged, the days are at most the period's
    let mut runs: Vec<(Date, Date)> = Vec::new();
    for l in &def.holidays {
        let (a, z) = match l.text.split_once("..") {
            Some((a, z)) => {
                let a = Located { text: a.trim().to_string(), pos: l.pos };
                let z = Located { text: z.trim().to_string(), pos: l.pos };
                (date_at(d, &a), date_at(d, &z))
            }
            None => {
                let x = date_at(d, l);
                (x, x)
            }
        };
        let (Some(a), Some(z)) = (a, z) else { continue };
        if z < a {
            d.at(l.pos, format!("the run `{}` ends before it starts", l.text), None);
            continue;
        }
        if !inside(d, l, a) || !inside(d, l, z) {
            continue;
        }
        runs.push((a, z));
    }
    let holidays = merged_days(runs);
    let mut workdays = Vec::new();
    for l in &def.workdays {
        let Some(day) = date_at(d, l) else { continue };
        if !inside(d, l, day) {
            continue;
        }
        if day.weekday() <= 5 {
            d.at(
                l.pos,
                format!("{day} is a weekday: a make-up working day (调休上班) is a Saturday or a Sunday"),
                Some("list only the weekend days that are worked".into()),
            );
            continue;
        }
        if holidays.binary_search(&day).is_ok() {
            d.at(l.pos, format!("{day} is listed both as a holiday and as a working day"), None);
            continue;
        }
        workdays.push(day);
    }
    workdays.sort();
    workdays.dedup();
    Some(Calendar { pack: pack.to_string(), first, last, holidays, workdays, cite })
}

/// The days of runs `a..=b`, sorted and each once: the runs are sorted and
/// merged first, so the work is O(r log r) for the runs and one step per
/// day of the merged runs (at most the calendar's period).
fn merged_days(mut runs: Vec<(Date, Date)>) -> Vec<Date> {
    runs.sort();
    let mut merged: Vec<(Date, Date)> = Vec::with_capacity(runs.len());
    for (a, z) in runs {
        match merged.last_mut() {
            Some((_, end)) if a <= end.add_days(1).unwrap_or(*end) => {
                if z > *end {
                    *end = z;
                }
            }
            _ => merged.push((a, z)),
        }
    }
    let mut days = Vec::new();
    for (a, z) in merged {
        let mut day = a;
        while day <= z {
            days.push(day);
            match day.add_days(1) {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
    }
    days
}

fn cite(d: &mut Diags, pc: &PackCtx, c: &CiteDef) -> Arc<Citation> {
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

/// One parsed but not yet compiled rule.
struct Pending<'f> {
    pack: usize,
    file: usize,
    name: String,
    def: &'f RuleDef,
    inputs: Vec<InputDef>,
    declared_outputs: IndexMap<String, Type>,
    rounding: Vec<(usize, RoundingMode)>,
    parsed_lets: Vec<(String, &'f Located, Option<syntax::Expr>)>,
    parsed_outputs: Vec<(String, &'f Located, Option<syntax::Expr>)>,
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
    pub bundle: Option<Arc<crate::bundle::BundleFiles>>,
}

/// Loads packs, reading source texts only inside the folders `options`
/// allows.
///
/// # Errors
/// Every problem in every pack, located.
pub fn load_with(files: &[SourceFile], options: &SourceFolders) -> Result<Ruleset, LoadError> {
    // packs citing one source text share it: it is read and prepared once
    let mut source_texts: HashMap<PathBuf, Arc<SourceText>> = HashMap::new();
    let mut confinements: HashMap<PathBuf, files::Confinement> = HashMap::new();
    let mut all_diags: Vec<Diagnostic> = Vec::new();
    let mut parsed: Vec<(usize, PackFile)> = Vec::new();
    let mut diag_sets: Vec<Diags> = Vec::new();
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
                Err(e) => d.out.push(yaml_error(&name, &e)),
            }
        }
        diag_sets.push(d);
    }

    let mut rs = Ruleset::default();
    let mut g = Globals::default();
    // packs that use another pack's calendar: (file, pack index, id, the id named)
    let mut calendar_uses: Vec<(usize, usize, String, Located)> = Vec::new();
    let mut pack_ctx: Vec<PackCtx> = Vec::new();
    let mut named_types: Vec<IndexMap<String, Type>> = Vec::new();
    let mut pack_file: Vec<usize> = Vec::new();

    // packs, types and parameters
    for (fi, pf) in &parsed {
        let Some(f) = files.get(*fi) else { continue };
        let Some(d) = diag_sets.get_mut(*fi) else { continue };
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
        if g.packs.contains(&pname) {
            d.at(
                pf.pack.pos,
                format!("pack `{pname}` is defined twice"),
                Some("pack ids must be unique in a rules directory".into()),
            );
            continue;
        }
        let issue_date = date_at(d, &pf.source.date);
        let from = date_at(d, &pf.valid.from);
        let until = pf.valid.until.as_ref().and_then(|u| date_at(d, u));
        if let (Some(a), Some(b)) = (from, until) {
            if b < a {
                if let Some(u) = &pf.valid.until {
                    d.at(u.pos, format!("the validity ends ({b}) before it starts ({a})"), None);
                }
            }
        }
        let mut source = None;
        if let Some(t) = &pf.source.text {
            let base = f.path.parent().unwrap_or(Path::new("."));
            let root = options.root.as_deref().unwrap_or(base);
            let confine = confinements
                .entry(root.to_path_buf())
                .or_insert_with(|| files::Confinement::new(root, &options.shared_sources));
            let from_bundle = options.bundle.as_ref().map(|b| {
                b.source_text(&t.text).map(|(shown, text)| {
                    source_texts.entry(shown).or_insert_with(|| Arc::new(SourceText::new(text))).clone()
                })
            });
            let read = if let Some(r) = from_bundle {
                r
            } else {
                confine.resolve(base, &t.text, "source text").and_then(|canon| match source_texts.get(&canon) {
                    Some(text) => Ok(text.clone()),
                    None => {
                        let s = confine.read_text(&canon, &t.text, "source text", MAX_SOURCE_TEXT_BYTES)?;
                        let text = Arc::new(SourceText::new(&s));
                        source_texts.insert(canon, text.clone());
                        Ok(text)
                    }
                })
            };
            match read {
                Ok(text) => source = Some(text),
                Err(e) => d.at(t.pos, e.message, e.help),
            }
        }
        let range = pf.source.lines.as_ref().and_then(|l| line_range(d, l));
        let documents: Vec<(String, (u32, u32))> =
            pf.source.documents.iter().filter_map(|(doc, l)| Some((doc.clone(), line_range(d, l)?))).collect();
        let pack_index = rs.packs.len();
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
        // parameters
        compile_params(d, &pc, pf, &types, from, &mut rs, &mut g);
        // rate schedules
        for (sname, sdef) in &pf.scales {
            // a broken scale is still known by name, so its uses are not
            // reported as unknown (the pack does not load either way)
            let scale =
                parse_scale(d, &pc, sname, sdef, from.or_else(|| Date::from_ymd(1, 1, 1).ok())).unwrap_or_else(|| {
                    crate::ruleset::Scale {
                        qualified: format!("{pname}.{sname}"),
                        versions: Vec::new(),
                        cite: Arc::new(Citation::default()),
                    }
                });
            g.scales.insert((pname.clone(), sname.clone()), rs.scales.len());
            rs.scales.push(scale);
        }
        // the working-day calendar: defined here, or another pack's
        let mut calendar = None;
        match pf.calendar.as_ref().map(|c| (&c.value, Pos::of(c))) {
            Some((CalendarUse::Define(def), _)) => {
                if let Some(cal) = parse_calendar(d, &pc, &pname, def) {
                    calendar = Some(rs.calendars.len());
                    g.calendars.insert(pname.clone(), rs.calendars.len());
                    rs.calendars.push(cal);
                }
            }
            Some((CalendarUse::Of(other), pos)) => {
                calendar_uses.push((*fi, rs.packs.len(), pname.clone(), Located { text: other.clone(), pos }));
            }
            None => {}
        }
        g.packs.push(pname.clone());
        rs.packs.push(Pack {
            calendar,
            name: pname.clone(),
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
        pack_ctx.push(pc);
        named_types.push(types);
        pack_file.push(*fi);
        debug_assert_eq!(pack_index + 1, rs.packs.len());
    }

    let defined = g.calendars.clone();
    for (fi, pi, pname, other) in &calendar_uses {
        match defined.get(&other.text) {
            Some(&c) => {
                g.calendars.insert(pname.clone(), c);
                if let Some(p) = rs.packs.get_mut(*pi) {
                    p.calendar = Some(c);
                }
            }
            None => {
                if let Some(d) = diag_sets.get_mut(*fi) {
                    let help = suggest(&other.text, defined.keys().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| "name a pack whose `calendar:` defines holidays and working days".into());
                    d.at(other.pos, format!("no pack `{}` defines a working-day calendar", other.text), Some(help));
                }
            }
        }
    }

    // rules: signatures of inputs, parse expressions
    let mut pending: Vec<Pending> = Vec::new();
    let parsed_by_pack: Vec<&PackFile> = parsed
        .iter()
        .filter(|(fi, pf)| pack_file.contains(fi) && g.packs.contains(&pf.pack.text))
        .map(|(_, pf)| pf)
        .collect();
    for (pi, pf) in parsed_by_pack.iter().enumerate() {
        let (Some(&fi), Some(pc), Some(types)) = (pack_file.get(pi), pack_ctx.get(pi), named_types.get(pi)) else {
            continue;
        };
        let Some(d) = diag_sets.get_mut(fi) else { continue };
        for (rname, rdef) in &pf.rules {
            let qualified = format!("{}.{rname}", pc.name);
            let p = rule_signature(d, pc, &g, types, (pi, fi), rname, rdef);
            g.rules.insert(qualified, pending.len());
            pending.push(p);
        }
    }
    g.sigs = vec![None; pending.len()];

    // dependency order (and cycles)
    let deps = call_graph(&pending, &pack_ctx, &g);
    let order = topo_order(&deps);
    let in_cycle: Vec<bool> = (0..pending.len()).map(|i| !order.contains(&i)).collect();
    for (i, p) in pending.iter().enumerate() {
        if in_cycle.get(i).copied().unwrap_or(false) {
            let pack_name = pack_ctx.get(p.pack).map(|c| c.name.as_str()).unwrap_or("");
            let others: Vec<String> = deps
                .get(i)
                .map(|ds| {
                    ds.iter()
                        .filter(|j| in_cycle.get(**j).copied().unwrap_or(false))
                        .filter_map(|j| pending.get(*j).map(|q| q.name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(d) = diag_sets.get_mut(p.file) {
                d.at(
                    p.def.cite.quote.pos,
                    format!("rule `{pack_name}.{}` is part of a cycle (it calls {})", p.name, others.join(", ")),
                    Some("rules may not call each other in a circle".into()),
                );
            }
        }
    }

    // compile in dependency order
    let mut compiled: Vec<Option<Rule>> = vec![None; pending.len()];
    for i in order {
        let Some(p) = pending.get(i) else { continue };
        let Some(pc) = pack_ctx.get(p.pack) else { continue };
        let Some(d) = diag_sets.get_mut(p.file) else { continue };
        if !p.signature_ok {
            continue;
        }
        // a rule calling a rule that failed to compile is not compiled either:
        // its errors would only repeat the callee's
        if deps.get(i).is_some_and(|ds| ds.iter().any(|j| g.sigs.get(*j).is_some_and(Option::is_none))) {
            continue;
        }
        let qualified = format!("{}.{}", pc.name, p.name);
        let Some((outputs, body)) = compile_body(d, pc, &g, p, &qualified) else { continue };
        if let Some(slot) = g.sigs.get_mut(i) {
            *slot = Some(RuleSig {
                qualified: qualified.clone(),
                inputs: p.inputs.iter().map(|x| (x.name.clone(), x.ty.clone(), x.default.is_some())).collect(),
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
                body,
            });
        }
    }

    // tests and claims
    for (pi, pf) in parsed_by_pack.iter().enumerate() {
        let (Some(&fi), Some(pc)) = (pack_file.get(pi), pack_ctx.get(pi)) else { continue };
        let Some(d) = diag_sets.get_mut(fi) else { continue };
        let default_date = rs.packs.get(pi).map(|p| p.valid_from).unwrap_or(Date::today_shanghai());
        let mut tests = Vec::new();
        for (ti, t) in pf.tests.iter().enumerate() {
            let q =
                if t.rule.text.contains('.') { t.rule.text.clone() } else { format!("{}.{}", pc.name, t.rule.text) };
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
                if let Some(exp) = &t.expect {
                    for (k, v) in exp {
                        if !sig.outputs.contains_key(k) {
                            let help = suggest(k, sig.outputs.keys().map(String::as_str))
                                .map(|s| format!("did you mean `{s}`?"));
                            d.at(v.pos, format!("rule `{q}` has no output `{k}`"), help);
                        }
                    }
                }
            }
            if t.expect.is_none() == t.error.is_none() {
                d.at(t.rule.pos, "a test needs exactly one of `expect` and `error`", None);
            }
            tests.push(TestCase {
                name: t.name.clone().unwrap_or_else(|| format!("{} #{}", q, ti + 1)),
                rule: q,
                as_of,
                given: serde_json::Value::Object(t.given.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
                expect: t.expect.as_ref().map(|e| e.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
                error: t.error.clone(),
                location: format!("{}:{}", d.file, t.rule.pos.line),
            });
        }
        let scope = Scope { locals: Vec::new(), pack: Some(pc.name.clone()), locator: Default::default() };
        let claims = compile_claims(d, pc, &pf.claims, &scope, &g);
        let properties = compile_properties(d, pc, &pf.properties, default_date, &g);
        if let Some(p) = rs.packs.get_mut(pi) {
            p.tests = tests;
            p.claims = claims;
            p.properties = properties;
        }
    }

    for mut d in diag_sets {
        // in file order, whatever order the checks ran in
        d.out.sort_by_key(|x| (x.line, x.column));
        all_diags.extend(d.out);
    }
    if !all_diags.is_empty() {
        return Err(LoadError { diagnostics: all_diags });
    }
    for (i, r) in compiled.into_iter().enumerate() {
        match r {
            Some(rule) => {
                rs.rule_index.insert(rule.qualified.clone(), i);
                rs.rules.push(Arc::new(rule));
            }
            None => {
                return Err(LoadError::single("<rules>", 0, 0, "a rule failed to compile without a diagnostic", None));
            }
        }
    }
    rs.hash = content_hash(files);
    Ok(rs)
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
        for n in r.inputs.values_mut().chain(r.outputs.values_mut()) {
            n.restore_exact_numbers(src);
        }
        if let Some(t) = &mut r.table {
            for row in &mut t.rows {
                row.when.values_mut().for_each(|n| n.restore_exact_numbers(src));
                row.then.values_mut().for_each(|n| n.restore_exact_numbers(src));
            }
            if let Some(dft) = &mut t.default {
                dft.values_mut().for_each(|n| n.restore_exact_numbers(src));
            }
        }
    }
    for t in &mut p.tests {
        t.given.values_mut().for_each(|n| n.restore_exact_numbers(src));
        if let Some(e) = &mut t.expect {
            e.values_mut().for_each(|n| n.restore_exact_numbers(src));
        }
    }
    for c in &mut p.claims {
        c.printed.restore_exact_numbers(src);
    }
}

/// The decimal places a figure was printed with: `253.8` → 1, `"70%"` → 2
/// (0.70), `"17.2%"` → 3; none for integers and fractions, which are
/// compared exactly.
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

/// Whether an expression uses one of the names (as a bare or dotted name's
/// first part), so that a step depending on a failed step can be skipped.
fn mentions(e: &syntax::Expr, names: &[String]) -> bool {
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
fn compile_body(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    p: &Pending,
    qualified: &str,
) -> Option<(Vec<(String, Type)>, Body)> {
    match (&p.def.table, &p.def.formula) {
        (Some(t), None) => {
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
        (None, Some(_)) => {
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
            for (name, src, e) in &p.parsed_lets {
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
            for (name, src, e) in &p.parsed_outputs {
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
                if !p.parsed_outputs.iter().any(|(n, _, _)| n == name) {
                    d.at(p.def.cite.quote.pos, format!("output `{name}` of `{}` has no formula", p.name), None);
                    ok = false;
                }
            }
            if !ok {
                return None;
            }
            Some((outs, formula_body(p.inputs.len(), lets, out_exprs)))
        }
        _ => None,
    }
}

/// The rule-set version: the first 8 bytes of a SHA-256 over every file's
/// name and text, in name order, as hex.
/// SHA-256 of bytes, as lowercase hex.
pub(crate) fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

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

/// For each pending rule, the rules it calls (indices, sorted, once each).
fn call_graph(pending: &[Pending], pack_ctx: &[PackCtx], g: &Globals) -> Vec<Vec<usize>> {
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(pending.len());
    for p in pending {
        let pack_name = pack_ctx.get(p.pack).map(|c| c.name.clone()).unwrap_or_default();
        let mut calls = Vec::new();
        for (_, _, e) in p.parsed_lets.iter().chain(p.parsed_outputs.iter()) {
            if let Some(e) = e {
                called_rules(e, &mut calls);
            }
        }
        for src in p.def.table.iter().flat_map(table_sources) {
            if let Ok(e) = syntax::parse(&src.text) {
                called_rules(&e, &mut calls);
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
/// ([`crate::expr::fuse`]); the steps as compiled are kept for the reference
/// interpreter when fusing changed them.
fn formula_body(n_inputs: usize, lets: Vec<(String, CExpr)>, outputs: Vec<CExpr>) -> Body {
    let original = crate::ruleset::FormulaSteps { lets: lets.clone(), outputs: outputs.clone() };
    let (mut lets, mut outputs) = (lets, outputs);
    let (passes, changed) = {
        let mut steps: Vec<&mut CExpr> = lets.iter_mut().map(|(_, e)| e).chain(outputs.iter_mut()).collect();
        crate::expr::fuse::fuse_steps(n_inputs, &mut steps)
    };
    Body::Formula { lets, outputs, passes, original: changed.then(|| Arc::new(original)) }
}

/// Kahn's algorithm; rules left out of the order are on or behind a cycle.
fn topo_order(deps: &[Vec<usize>]) -> Vec<usize> {
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

/// Compiles claims (of a pack or a scenario) in a scope.
/// The most cases a property may ask for.
const MAX_PROPERTY_CASES: u32 = 10_000;

/// A pack's properties: each input's generator read and typed, the
/// assertion compiled over them as a bool.
fn compile_properties(
    d: &mut Diags,
    pc: &PackCtx,
    defs: &[crate::model::PropertyDef],
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
const MAX_GENERATED_VALUES: u64 = 100_000;

/// The longest a generated list may be, and how deep generators may nest.
const MAX_GENERATED_LENGTH: i64 = 10_000;
const MAX_GENERATOR_NESTING: u32 = 8;

/// One input's generator, read and typed: a range, a choice, or a list or
/// record of generators.
fn read_generator(d: &mut Diags, name: &str, node: &Node, depth: u32) -> Option<(crate::ruleset::Generator, Type)> {
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
        let ty = crate::value::infer_type(&j);
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

const GENERATOR_HELP: &str =
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
                let t = crate::value::infer_type(&j);
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
            called_rules(&e, &mut calls);
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

fn compile_table(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    qualified: &str,
    t: &TableDef,
    inputs: &[InputDef],
    outputs: &[(String, Type)],
) -> Option<Table> {
    let names: Vec<&str> = HitPolicy::ALL.iter().map(|h| h.name()).collect();
    let Some(hit) = HitPolicy::ALL.iter().copied().find(|h| h.name() == t.hit.text) else {
        let help = suggest(&t.hit.text, names.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("use one of {}", names.join(", ")));
        d.at(t.hit.pos, format!("unknown hit policy `{}`", t.hit.text), Some(help));
        return None;
    };
    let aggregate = match &t.aggregate {
        None => None,
        Some(a) if hit != HitPolicy::Collect => {
            d.at(a.pos, format!("`aggregate` goes with `hit: collect`, not `hit: {}`", hit.name()), None);
            return None;
        }
        Some(a) => match Aggregate::ALL.iter().copied().find(|x| x.name() == a.text) {
            Some(x) => Some(x),
            None => {
                d.at(a.pos, format!("unknown aggregator `{}`", a.text), Some("use sum, min, max or count".into()));
                return None;
            }
        },
    };
    // what each aggregator can combine
    if let Some(agg) = aggregate {
        for (name, ty) in outputs {
            let ok = match agg {
                Aggregate::Count => true,
                Aggregate::Sum => ty.is_numeric(),
                Aggregate::Min | Aggregate::Max => ty.is_numeric() || matches!(ty, Type::Date | Type::DateTime),
            };
            if !ok {
                d.at(
                    t.aggregate.as_ref().map_or(t.hit.pos, |a| a.pos),
                    format!("`aggregate: {}` cannot combine output `{name}` of type {ty}", agg.name()),
                    Some("sum takes numbers; min and max numbers or dates".into()),
                );
                return None;
            }
        }
    }
    // a default means something only where no match gives nothing
    let default_means_nothing = hit.lists(aggregate) || matches!(aggregate, Some(Aggregate::Sum | Aggregate::Count));
    if let (Some(dm), true) = (&t.default, default_means_nothing) {
        let pos = dm.values().next().map_or(t.hit.pos, |n| n.pos);
        let what = match aggregate {
            Some(a) => format!(
                "`collect` with `aggregate: {}` gives {} when no row matches",
                a.name(),
                if a == Aggregate::Sum { "0" } else { "a count of 0" }
            ),
            None => format!("`hit: {}` gives empty lists when no row matches", hit.name()),
        };
        d.at(pos, format!("the table's `default` is never used: {what}"), Some("remove the `default:`".into()));
        return None;
    }
    // the output that ranks rows, for priority and output_order
    let priority = if hit.ranks() {
        match outputs.iter().enumerate().find_map(|(k, (_, ty))| match ty {
            Type::Enum(vs) => Some((k, vs.iter().map(|v| Value::text(v)).collect::<Vec<_>>())),
            _ => None,
        }) {
            Some(p) => Some(p),
            None => {
                d.at(
                    t.hit.pos,
                    format!(
                        "`hit: {}` ranks rows by an output's enum values, and `{qualified}` has no enum output",
                        hit.name()
                    ),
                    Some("declare the ranking output as `{enum: [highest, …, lowest]}`".into()),
                );
                return None;
            }
        }
    } else {
        None
    };
    let before = d.out.len();
    let mut rows = Vec::new();
    for row in &t.rows {
        if let Some(r) = compile_row(d, pc, g, row, inputs, outputs) {
            rows.push(r);
        }
    }
    let default = t.default.as_ref().and_then(|dm| {
        let mut vals = Vec::new();
        for (name, ty) in outputs {
            match dm.get(name) {
                Some(n) => vals.push(literal(d, n, ty, name)?),
                None => {
                    d.at(t.hit.pos, format!("the table's `default` lacks output `{name}`"), None);
                    return None;
                }
            }
        }
        for (k, n) in dm {
            if !outputs.iter().any(|(o, _)| o == k) {
                d.at(n.pos, format!("`default` names unknown output `{k}`"), None);
            }
        }
        Some(vals)
    });
    // the output that ranks rows is read before any row's cells are
    // computed, so it is a value in every row
    if let Some((k, _)) = &priority {
        if let Some(row) = rows.iter().find(|r| r.computed.iter().any(|(c, _)| c == k)) {
            let name = outputs.get(*k).map(|(n, _)| n.as_str()).unwrap_or("?");
            d.at(
                Pos { line: row.line, column: 1, ..Pos::default() },
                format!("output `{name}` ranks the rows of `hit: {}`, so it cannot be computed", hit.name()),
                Some(format!("give `{name}` a value in every row; compute the other outputs")),
            );
        }
    }
    if d.out.len() > before {
        return None;
    }
    for (i, row) in rows.iter().enumerate() {
        for (k, c) in &row.conds {
            let Some(input) = inputs.get(*k) else { continue };
            if !crate::overlap::conds_intersect(c, c, &input.ty) {
                d.at(
                    Pos { line: row.line, column: 1, ..Pos::default() },
                    format!(
                        "row {} of `{qualified}` can never match: `{} {}` leaves no value",
                        i + 1,
                        input.name,
                        c.describe()
                    ),
                    Some("check the direction of the bounds".into()),
                );
            }
        }
    }
    if d.out.len() > before {
        return None;
    }
    if matches!(hit, HitPolicy::Unique | HitPolicy::Any) {
        // computed outputs are compared when the rows match
        let keep = |i: usize, j: usize| {
            let (Some(a), Some(b)) = (rows.get(i), rows.get(j)) else { return false };
            let computed = !a.computed.is_empty() || !b.computed.is_empty();
            !(hit == HitPolicy::Any && (a.outputs == b.outputs || computed))
        };
        for (i, j) in crate::overlap::overlapping_pairs(&rows, inputs, keep, MAX_OVERLAP_REPORTS) {
            let line = rows.get(j).map_or(0, |r| r.line);
            let pos = Pos { line, column: 1, ..Pos::default() };
            if hit == HitPolicy::Any {
                d.at(
                    pos,
                    format!(
                        "rows {} and {} of `{qualified}` overlap with different outputs, but the hit policy is any",
                        i + 1,
                        j + 1
                    ),
                    Some("give overlapping rows the same outputs, or narrow one row's conditions".into()),
                );
            } else {
                d.at(
                    pos,
                    format!("rows {} and {} of `{qualified}` overlap, but the hit policy is unique", i + 1, j + 1),
                    Some(
                        "narrow one row's conditions (check inclusive and exclusive bounds) or use `hit: first`".into(),
                    ),
                );
            }
        }
    }
    let must_cover = !hit.lists(aggregate) && !matches!(aggregate, Some(Aggregate::Sum | Aggregate::Count));
    if t.default.is_none() && must_cover {
        // a row with `if:` may not match where its `when` does: only rows
        // without one count towards covering every input
        let plain: Vec<Row> = rows.iter().filter(|r| r.guard.is_none()).cloned().collect();
        if let Some(missing) = uncovered(&plain, inputs) {
            let help = if plain.len() < rows.len() {
                "add a row for it, or a `default:` (rows with `if:` do not count: their condition is not known at load)"
            } else {
                "add a row for it, or a `default:`"
            };
            d.at(t.hit.pos, format!("no row of `{qualified}` covers {missing}"), Some(help.into()));
        }
    }
    let mut table = Table::new(hit, rows, default, inputs);
    table.aggregate = aggregate;
    table.priority = priority;
    Some(table)
}

/// The text of a computed table cell, `{expr: "…"}`, if the node is one.
fn cell_expr(n: &Node) -> Option<Located> {
    match &n.kind {
        NodeKind::Map(m) => match m.as_slice() {
            [(k, v)] if k == "expr" => match &v.kind {
                NodeKind::Str(s) | NodeKind::Number(s) => Some(Located { text: s.clone(), pos: v.pos }),
                NodeKind::Bool(b) => Some(Located { text: b.to_string(), pos: v.pos }),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Every expression of a table (the rows' `if:` and computed cells), for
/// finding the rules it calls.
fn table_sources(t: &TableDef) -> Vec<Located> {
    t.rows.iter().flat_map(|r| r.guard.iter().cloned().chain(r.then.values().filter_map(cell_expr))).collect()
}

/// Parses and compiles one expression of a table row over the rule's inputs.
fn row_expr(d: &mut Diags, pc: &PackCtx, g: &Globals, src: &Located, inputs: &[InputDef]) -> Option<(CExpr, Type)> {
    let e = match syntax::parse(&src.text) {
        Ok(e) => e,
        Err(err) => {
            d.in_expr(src, err.pos, err.message, err.help);
            return None;
        }
    };
    let mut scope = Scope {
        locals: inputs.iter().map(|i| (i.name.clone(), i.ty.clone())).collect(),
        pack: Some(pc.name.clone()),
        locator: d.locator(src),
    };
    match compile::compile(&e, &mut scope, g) {
        Ok(c) => Some(c),
        Err(err) => {
            d.in_expr(src, err.pos, err.message, err.help);
            None
        }
    }
}

fn compile_row(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    row: &RowDef,
    inputs: &[InputDef],
    outputs: &[(String, Type)],
) -> Option<Row> {
    let mut conds = Vec::new();
    let mut line = u32::MAX;
    let mut ok = true;
    for (name, node) in &row.when {
        line = line.min(node.pos.line);
        let Some(idx) = inputs.iter().position(|i| i.name == *name) else {
            let help = suggest(name, inputs.iter().map(|i| i.name.as_str())).map(|s| format!("did you mean `{s}`?"));
            d.at(node.pos, format!("`when` names unknown input `{name}`"), help);
            ok = false;
            continue;
        };
        let Some(input) = inputs.get(idx) else { continue };
        if matches!(input.ty, Type::Optional(_)) {
            d.at(
                node.pos,
                format!("a table cannot test the optional input `{name}`: it may have no value"),
                Some(format!(
                    "give `{name}` a `default:` instead of `optional: true`, or decide in a formula with `is_missing({name})` and pass the result to the table"
                )),
            );
            ok = false;
            continue;
        }
        match cond(d, node, &input.ty, name) {
            Some(c) => conds.push((idx, c)),
            None => ok = false,
        }
    }
    // unknown output names first: a misspelt one explains the missing one
    let mut misspelt: Vec<String> = Vec::new();
    for (k, n) in &row.then {
        if !outputs.iter().any(|(o, _)| o == k) {
            let meant = suggest(k, outputs.iter().map(|(o, _)| o.as_str()));
            let help = meant.as_ref().map(|s| format!("did you mean `{s}`?"));
            misspelt.extend(meant);
            d.at(n.pos, format!("`then` names unknown output `{k}`"), help);
            ok = false;
        }
    }
    let guard = match &row.guard {
        Some(src) => {
            line = line.min(src.pos.line);
            match row_expr(d, pc, g, src, inputs) {
                Some((c, Type::Bool)) => Some((c, src.text.clone())),
                Some((_, t)) => {
                    d.at(src.pos, format!("a row's `if:` needs true or false, found {t}"), None);
                    ok = false;
                    None
                }
                None => {
                    ok = false;
                    None
                }
            }
        }
        None => None,
    };
    let mut vals = Vec::new();
    let mut computed = Vec::new();
    for (k, (name, ty)) in outputs.iter().enumerate() {
        match row.then.get(name) {
            Some(n) => {
                line = line.min(n.pos.line);
                if let Some(src) = cell_expr(n) {
                    match row_expr(d, pc, g, &src, inputs) {
                        Some((c, t)) if t.fits(ty) => {
                            computed.push((k, c));
                            vals.push(Value::Absent);
                        }
                        Some((_, t)) => {
                            d.in_expr(&src, 0, format!("output `{name}` is {ty}, but the cell computes {t}"), None);
                            ok = false;
                        }
                        None => ok = false,
                    }
                    continue;
                }
                // `{exprr: …}`: a computed cell misspelt, not a record value
                if let (NodeKind::Map(m), false) = (&n.kind, matches!(ty, Type::Record(_) | Type::Optional(_))) {
                    if let [(key, _)] = m.as_slice() {
                        let help = match suggest(key, ["expr"]) {
                            Some(_) => "did you mean `expr`? A computed cell is written `{expr: …}`".to_string(),
                            None => format!("give output `{name}` a {ty} value, or compute it with `{{expr: …}}`"),
                        };
                        d.at(
                            n.pos,
                            format!("output `{name}`: a cell takes a value or `{{expr: …}}`, not `{key}`"),
                            Some(help),
                        );
                        ok = false;
                        continue;
                    }
                }
                match literal(d, n, ty, name) {
                    Some(v) => vals.push(v),
                    None => ok = false,
                }
            }
            None if misspelt.contains(name) => ok = false,
            None => {
                let pos = row.then.values().next().map(|n| n.pos).unwrap_or_default();
                d.at(
                    pos,
                    format!("the row gives no value for output `{name}`"),
                    Some("every row sets every output".into()),
                );
                ok = false;
            }
        }
    }
    let cite = row.cite.as_ref().map(|c| cite(d, pc, c));
    ok.then_some(Row { conds, outputs: vals, computed, guard, cite, line: if line == u32::MAX { 0 } else { line } })
}

fn cond(d: &mut Diags, n: &Node, ty: &Type, input: &str) -> Option<Cond> {
    match &n.kind {
        NodeKind::Map(entries) => {
            if !(ty.is_numeric() || matches!(ty, Type::Date | Type::DateTime | Type::Time | Type::Duration)) {
                d.at(
                    n.pos,
                    format!("a range needs a number, date, datetime, time or duration input; `{input}` is {ty}"),
                    None,
                );
                return None;
            }
            let mut lo: Option<Bound> = None;
            let mut hi: Option<Bound> = None;
            for (k, v) in entries {
                let val = literal(d, v, ty, input)?;
                let (slot, inclusive) = match k.as_str() {
                    ">=" => (&mut lo, true),
                    ">" => (&mut lo, false),
                    "<=" => (&mut hi, true),
                    "<" => (&mut hi, false),
                    other => {
                        d.at(
                            v.pos,
                            format!("`{other}` is not a bound"),
                            Some("use `>=` (以上, 不少于), `>` (超过), `<=` (以下, 不超过) or `<` (不满, 低于)".into()),
                        );
                        return None;
                    }
                };
                if slot.is_some() {
                    d.at(v.pos, "a range has two lower or two upper bounds", None);
                    return None;
                }
                *slot = Some(Bound { value: val, inclusive });
            }
            if lo.is_none() && hi.is_none() {
                d.at(n.pos, "an empty range", Some("write e.g. `{\">=\": 3}`".into()));
                return None;
            }
            Some(Cond::Range { lo, hi })
        }
        NodeKind::Seq(items) => {
            let mut vs = Vec::new();
            for it in items {
                vs.push(literal(d, it, ty, input)?);
            }
            if vs.is_empty() {
                d.at(n.pos, "an empty list matches nothing", None);
                return None;
            }
            Some(Cond::OneOf(vs))
        }
        _ => Some(Cond::OneOf(vec![literal(d, n, ty, input)?])),
    }
}

/// The first combination of enum/bool input values that no row can match,
/// described for a message.
/// The first combination of input values no row covers, found exactly: an
/// enum or bool input contributes each of its values; a number, integer,
/// date or datetime input, one value of each piece its rows' bounds cut the
/// line into (every bound itself, one value strictly between two
/// neighbouring bounds when the type has one there, one below the lowest and
/// one above the highest). Every row's condition is constant on each piece,
/// so testing one value per piece decides coverage over all values. Text
/// inputs are not enumerated. More than [`MAX_COVERAGE_COMBINATIONS`]
/// combinations are not tried.
fn uncovered(rows: &[Row], inputs: &[InputDef]) -> Option<String> {
    let finite: Vec<(usize, Vec<Value>)> = inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| rows.iter().any(|r| r.conds.iter().any(|(k, _)| k == i)))
        .filter_map(|(i, inp)| match &inp.ty {
            Type::Enum(vs) => Some((i, vs.iter().map(|v| Value::text(v)).collect())),
            Type::Bool => Some((i, vec![Value::Bool(false), Value::Bool(true)])),
            Type::Integer
            | Type::Number
            | Type::Decimal(_)
            | Type::Date
            | Type::DateTime
            | Type::Time
            | Type::Duration => Some((i, pieces(rows, i, &inp.ty))),
            _ => None,
        })
        .collect();
    if finite.is_empty() {
        return None;
    }
    let total: usize =
        finite.iter().map(|(_, vs)| vs.len()).try_fold(1usize, |a, b| a.checked_mul(b)).unwrap_or(usize::MAX);
    if total > MAX_COVERAGE_COMBINATIONS {
        return None;
    }
    let mut idx = vec![0usize; finite.len()];
    for _ in 0..total {
        let combo: Vec<(usize, &Value)> =
            finite.iter().zip(&idx).filter_map(|((i, vs), k)| vs.get(*k).map(|v| (*i, v))).collect();
        let covered = rows.iter().any(|r| {
            r.conds.iter().all(|(k, c)| match combo.iter().find(|(i, _)| i == k) {
                Some((_, v)) => c.matches(v),
                None => true,
            })
        });
        if !covered {
            return Some(
                combo
                    .iter()
                    .map(|(i, v)| format!("{} = {v}", inputs.get(*i).map(|x| x.name.as_str()).unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        // next combination
        for (k, (_, vs)) in idx.iter_mut().zip(&finite) {
            *k += 1;
            if *k < vs.len() {
                break;
            }
            *k = 0;
        }
    }
    None
}

/// One value of each piece the rows' bounds on input `i` cut its line into
/// (see [`uncovered`]).
fn pieces(rows: &[Row], i: usize, ty: &Type) -> Vec<Value> {
    let mut points: Vec<Value> = Vec::new();
    for r in rows {
        for (k, c) in &r.conds {
            if *k != i {
                continue;
            }
            match c {
                Cond::OneOf(vs) => points.extend(vs.iter().cloned()),
                Cond::Range { lo, hi } => points.extend(lo.iter().chain(hi.iter()).map(|b| b.value.clone())),
            }
        }
    }
    points.sort();
    points.dedup();
    let mut out = Vec::with_capacity(points.len() * 2 + 2);
    if let Some(below) = points.first().and_then(|p| step(p, ty, false)) {
        out.push(below);
    }
    for (k, p) in points.iter().enumerate() {
        out.push(p.clone());
        if let Some(q) = points.get(k + 1) {
            if let Some(between) = between(p, q, ty) {
                out.push(between);
            }
        }
    }
    if let Some(above) = points.last().and_then(|p| step(p, ty, true)) {
        out.push(above);
    }
    out
}

/// A value of the type just above (or below) `p`, outside it.
fn step(p: &Value, ty: &Type, up: bool) -> Option<Value> {
    let one = Number::from_int(if up { 1 } else { -1 });
    match (p, ty) {
        (Value::Number(n), Type::Integer) => {
            let mode = if up { crate::number::RoundingMode::Floor } else { crate::number::RoundingMode::Ceil };
            n.round(0, mode).ok()?.add(&one).ok().map(Value::Number)
        }
        (Value::Number(n), Type::Decimal(places)) => {
            let mode = if up { crate::number::RoundingMode::Floor } else { crate::number::RoundingMode::Ceil };
            let unit = Number::from_int(10).pow(-i64::from(*places), |_| Ok(())).ok()?;
            let unit = if up { unit } else { unit.neg() };
            n.round(i64::from(*places), mode).ok()?.add(&unit).ok().map(Value::Number)
        }
        (Value::Number(n), _) => n.add(&one).ok().map(Value::Number),
        (Value::Date(d), _) => d.add_days(if up { 1 } else { -1 }).ok().map(Value::Date),
        // date-times, times of day and durations are to the second
        (Value::DateTime(t), _) => crate::date::Duration::from_secs(if up { 1 } else { -1 })
            .and_then(|d| t.add_duration(d))
            .ok()
            .map(Value::DateTime),
        (Value::Time(t), _) => {
            crate::date::TimeOfDay::from_secs(i64::from(t.seconds()) + if up { 1 } else { -1 }).ok().map(Value::Time)
        }
        (Value::Duration(d), _) => {
            crate::date::Duration::from_secs(d.seconds() + if up { 1 } else { -1 }).ok().map(Value::Duration)
        }
        _ => None,
    }
}

/// A value of the type strictly between `p` and `q` (`p < q`), if any.
fn between(p: &Value, q: &Value, ty: &Type) -> Option<Value> {
    let candidate = match (p, ty) {
        (Value::Number(a), Type::Number) => {
            let Value::Number(b) = q else { return None };
            Value::Number(a.add(b).ok()?.div(&Number::from_int(2)).ok()?)
        }
        (Value::Number(a), Type::Decimal(places)) => {
            let Value::Number(b) = q else { return None };
            let mid = a.add(b).ok()?.div(&Number::from_int(2)).ok()?;
            Value::Number(mid.round(i64::from(*places), crate::number::RoundingMode::Floor).ok()?)
        }
        _ => step(p, ty, true)?,
    };
    (candidate > *p && candidate < *q).then_some(candidate)
}

/// Context for compiling scenario expressions: the globals of a ruleset.
pub(crate) fn globals_of(rs: &Ruleset) -> Globals {
    let mut g = Globals { packs: rs.packs.iter().map(|p| p.name.clone()).collect(), ..Globals::default() };
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
            inputs: r.inputs.iter().map(|x| (x.name.clone(), x.ty.clone(), x.default.is_some())).collect(),
            outputs: r.outputs.iter().cloned().collect(),
        }));
    }
    g
}

/// Whether a name is a pack file's plain name in a rules folder
/// (`energy_safety.yaml`): no folder, no `..`, ending `.yaml` or `.yml`.
pub fn is_pack_file_name(file: &str) -> bool {
    !file.is_empty()
        && !file.contains(['/', '\\'])
        && !file.chars().any(char::is_control)
        && !file.starts_with('.')
        && (file.ends_with(".yaml") || file.ends_with(".yml"))
}

/// Checks a pack's text as it would load in a rules folder (or bundle),
/// beside the folder's other packs as they are: `file` (a name such as
/// `energy_safety.yaml`) replaces the pack of that name, or is added. Returns
/// the rule-set hash the folder would have; nothing is written.
///
/// # Errors
/// A file name that is not a plain `.yaml` name, or every load error,
/// located in `file` (or in the other packs it breaks).
pub fn check_replacing(dir: &Path, shared_sources: &[PathBuf], file: &str, text: &str) -> Result<String, LoadError> {
    if !is_pack_file_name(file) {
        return Err(LoadError::single(
            file,
            0,
            0,
            format!("`{file}` is not the name of a pack in the rules folder"),
            Some("give a file name such as energy_safety.yaml, without a folder".into()),
        ));
    }
    let (mut files, folders) = if crate::bundle::is_bundle_path(dir) {
        let b = crate::bundle::Bundle::read(dir)?;
        let bf = crate::bundle::BundleFiles { origin: dir.to_path_buf(), files: b.files };
        let packs = bf.pack_files()?;
        (packs, SourceFolders { root: None, shared_sources: Vec::new(), bundle: Some(Arc::new(bf)) })
    } else {
        (
            pack_files(dir)?,
            SourceFolders { root: Some(dir.to_path_buf()), shared_sources: shared_sources.to_vec(), bundle: None },
        )
    };
    let path = dir.join(file);
    files.retain(|f| f.path.file_name().is_none_or(|n| n.to_string_lossy() != file));
    files.push(SourceFile { path, text: text.to_string() });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    load_with(&files, &folders).map(|rs| rs.hash)
}

/// What [`save_replacing`] did.
#[derive(Clone, Debug)]
pub struct Saved {
    /// The rule-set hash the folder has now.
    pub ruleset: String,
    /// The previous text's file (`energy_safety.yaml.previous`), when there
    /// was one.
    pub previous: Option<String>,
}

/// Writes a pack's text into a rules folder only if it loads there beside
/// the other packs ([`check_replacing`]): the text goes to a temporary file
/// in the folder, the old file is kept as `<file>.previous` (which no load
/// reads), and the temporary file is renamed over the pack, so a reader
/// sees the old text or the new, never part of one.
///
/// # Errors
/// The text does not load (nothing is written), the folder is a bundle, or
/// a file cannot be written.
pub fn save_replacing(dir: &Path, shared_sources: &[PathBuf], file: &str, text: &str) -> Result<Saved, LoadError> {
    save_replacing_if(dir, shared_sources, file, text, &|| true)
}

/// [`save_replacing`], asking `proceed` once everything is written beside
/// the pack and only the renames that make it take effect are left: when
/// it answers false (the caller's time ran out), the files written are
/// removed and nothing has changed.
///
/// # Errors
/// As [`save_replacing`], and `proceed` answering false.
pub fn save_replacing_if(
    dir: &Path,
    shared_sources: &[PathBuf],
    file: &str,
    text: &str,
    proceed: &dyn Fn() -> bool,
) -> Result<Saved, LoadError> {
    if crate::bundle::is_bundle_path(dir) || !dir.is_dir() {
        return Err(LoadError::single(
            file,
            0,
            0,
            "the rules are served from a bundle, which is not edited in place".to_string(),
            Some("edit the packs' folder and build the bundle again with `ordinance bundle`".into()),
        ));
    }
    let ruleset = check_replacing(dir, shared_sources, file, text)?;
    let io = |what: &str, e: std::io::Error| {
        LoadError::single(
            file,
            0,
            0,
            format!("cannot {what}: {e}"),
            Some("check the rules folder's permissions".into()),
        )
    };
    let target = dir.join(file);
    // the pack itself must be a plain file: a symlink planted in its place
    // would have the old text read (and kept) from wherever it points
    let old_text = match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() || !m.is_file() => {
            return Err(LoadError::single(
                file,
                0,
                0,
                format!(
                "`{file}` in the rules folder is not a plain file (a symbolic link or a folder); nothing was written"
            ),
                Some("replace it with the pack's own file, then save again".into()),
            ))
        }
        Ok(_) => Some(read_no_follow(&target).map_err(|e| io("read the previous text", e))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io("look at the pack file", e)),
    };
    // new files are created, never opened: `create_new` (O_CREAT | O_EXCL)
    // refuses a name that exists, a planted symlink included
    let tmp = write_new_temporary(dir, file, text.as_bytes()).map_err(|e| io("write the new text", e))?;
    let kept_tmp = match &old_text {
        Some(old) => Some(write_new_temporary(dir, &format!("{file}.previous"), old).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io("keep the previous text", e)
        })?),
        None => None,
    };
    if !proceed() {
        let _ = std::fs::remove_file(&tmp);
        if let Some(k) = &kept_tmp {
            let _ = std::fs::remove_file(k);
        }
        return Err(LoadError::single(
            file,
            0,
            0,
            "the save ran out of time before it took effect; nothing was written".to_string(),
            Some("save again".into()),
        ));
    }
    let previous = match kept_tmp {
        Some(kept_tmp) => {
            let kept = format!("{file}.previous");
            // written beside, then renamed over `.previous`: a rename
            // replaces a symlink there, it never writes through it
            std::fs::rename(&kept_tmp, dir.join(&kept)).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                let _ = std::fs::remove_file(&kept_tmp);
                io("keep the previous text", e)
            })?;
            Some(kept)
        }
        None => None,
    };
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io("replace the pack", e)
    })?;
    Ok(Saved { ruleset, previous })
}

/// Reads a file without following a symlink in its last component.
fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a plain file"));
    }
    let mut out = Vec::new();
    f.read_to_end(&mut out)?;
    Ok(out)
}

/// Writes `bytes` to a new hidden file beside `name` in `dir`, created
/// exclusively (O_CREAT | O_EXCL | O_NOFOLLOW: an existing name, symlink or
/// not, is refused, never opened) and synced; returns its path.
fn write_new_temporary(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let path = dir.join(format!(".{name}.saving-{}-{n}-{nanos}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)?;
    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// The text of a pack file (`energy_safety.yaml`) of a rules folder or
/// bundle, as an editor opens it.
///
/// # Errors
/// No such pack file, or it cannot be read.
pub fn pack_text(dir: &Path, file: &str) -> Result<String, LoadError> {
    let files = if crate::bundle::is_bundle_path(dir) {
        let b = crate::bundle::Bundle::read(dir)?;
        crate::bundle::BundleFiles { origin: dir.to_path_buf(), files: b.files }.pack_files()?
    } else {
        pack_files(dir)?
    };
    files
        .into_iter()
        .find(|f| f.path.file_name().is_some_and(|n| n.to_string_lossy() == file))
        .map(|f| f.text)
        .ok_or_else(|| {
            LoadError::single(
                file,
                0,
                0,
                format!("`{file}` is not a pack of the rules folder"),
                Some("GET /v1/packs lists the packs and their files".into()),
            )
        })
}
