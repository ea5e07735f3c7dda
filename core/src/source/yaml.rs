//! Reading YAML with source positions: the budgeted deserializer options, a
//! generic position-carrying node for the parts of a pack whose shape depends
//! on their content (conditions, literal values, type specs, test data), and
//! the mapping from a character inside an expression back to file:line:col.

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::fmt;
use std::sync::Arc;

/// The largest YAML file (rule pack or scenario) the loader reads.
pub const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;

/// Deserializer options: duplicate keys rejected, and budgets on aliases,
/// anchors, nesting and node count so that a hostile file cannot make the
/// loader hang or exhaust memory.
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ANCHORS,
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
        },
    }
}

/// Says in an author's words which budget of [`options`] a file broke (the
/// deserializer names it `Events { events: 1000001 }` and the like), and
/// what to do.
pub fn budget_words(raw: &str) -> (String, String) {
    let kind = raw.split([' ', '{']).next().unwrap_or("");
    match kind {
        "Events" | "Nodes" => (
            format!("the file expands to more than {MAX_NODES} YAML nodes (an alias counts its anchor's nodes each time it is used)"),
            "write the data out, or split it into several files; deeply nested aliases multiply".into(),
        ),
        "Aliases" => (format!("the file uses more than {MAX_ALIASES} aliases"), "write the values out instead of `*alias`".into()),
        "Anchors" => (format!("the file defines more than {MAX_ANCHORS} anchors"), "remove unused `&anchors`".into()),
        "Depth" => (format!("the file nests more than {MAX_DEPTH} levels deep"), "flatten the structure".into()),
        _ => (
            format!("the file breaks a YAML budget ({})", raw.split(" at line ").next().unwrap_or(raw)),
            "make the file smaller or simpler".into(),
        ),
    }
}

/// The most YAML nodes a file may expand to.
pub const MAX_NODES: usize = 1_000_000;
/// The most aliases a file may use.
pub const MAX_ALIASES: usize = 1_000;
/// The most anchors a file may define.
pub const MAX_ANCHORS: usize = 1_000;
/// The deepest nesting of a file.
pub const MAX_DEPTH: usize = 64;

/// A 1-based line and column in a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// Byte offset of the node's first character, when known.
    pub byte: Option<usize>,
    /// Length in bytes of the node's text, when known.
    pub byte_len: Option<usize>,
    /// Which file: 0 for the file being loaded, k for the k-th document laid
    /// over it (a reform), so that what came from a reform is reported in
    /// the reform.
    pub file: u16,
}

thread_local! {
    /// The file id positions read now are stamped with (see [`Pos::file`]).
    static READING: std::cell::Cell<u16> = const { std::cell::Cell::new(0) };
}

/// Runs `f` with every position it reads stamped as file `id`.
pub fn reading_file<T>(id: u16, f: impl FnOnce() -> T) -> T {
    let before = READING.with(|r| r.replace(id));
    let out = f();
    READING.with(|r| r.set(before));
    out
}

impl Pos {
    /// The position of a spanned value.
    pub fn of<T>(s: &Spanned<T>) -> Pos {
        let loc = s.referenced;
        Pos {
            line: loc.line() as u32,
            column: loc.column() as u32,
            byte: loc.span().byte_offset().map(|b| b as usize),
            byte_len: loc.span().byte_len().map(|b| b as usize),
            file: READING.with(std::cell::Cell::get),
        }
    }
}

/// A YAML node whose shape is decided by the loader, with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The content.
    pub kind: NodeKind,
    /// Where the node starts.
    pub pos: Pos,
}

/// The content of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A plain number, kept as written (`568`, `0.40`) so that it is read
    /// exactly.
    Number(String),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in file order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A short description for messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Null => "nothing".into(),
            NodeKind::Bool(b) => format!("`{b}`"),
            NodeKind::Number(n) => format!("`{n}`"),
            NodeKind::Str(s) => format!("`{s}`"),
            NodeKind::Seq(_) => "a list".into(),
            NodeKind::Map(_) => "a mapping".into(),
        }
    }

    /// The scalar's text (strings, numbers, booleans).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) | NodeKind::Number(s) => Some(s.clone()),
            NodeKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Converts the node to JSON; numbers keep their exact digits.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            NodeKind::Null => serde_json::Value::Null,
            NodeKind::Bool(b) => serde_json::Value::Bool(*b),
            NodeKind::Number(n) => serde_json::from_str::<serde_json::Value>(n)
                .ok()
                .filter(|v| v.is_number())
                .unwrap_or_else(|| serde_json::Value::String(n.clone())),
            NodeKind::Str(s) => serde_json::Value::String(s.clone()),
            NodeKind::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Replaces floats (which the deserializer hands over as binary
    /// floating point) by their exact text from the source, and reads the
    /// YAML 1.1 booleans `y`, `yes`, `on`, … as the text they are (YAML 1.2:
    /// only `true` and `false` are booleans).
    pub fn restore_exact_numbers(&mut self, src: &str) {
        if let NodeKind::Bool(_) = &self.kind {
            if let (Some(b), Some(len)) = (self.pos.byte, self.pos.byte_len) {
                if let Some(raw) = src.get(b..b + len) {
                    let raw = raw.trim();
                    if !matches!(raw, "true" | "false" | "True" | "False" | "TRUE" | "FALSE") {
                        self.kind = NodeKind::Str(raw.to_string());
                    }
                }
            }
            return;
        }
        match &mut self.kind {
            NodeKind::Number(text) if text.starts_with('\u{0}') => {
                if let (Some(b), Some(len)) = (self.pos.byte, self.pos.byte_len) {
                    if let Some(raw) = src.get(b..b + len) {
                        *text = raw.trim().to_string();
                    }
                }
                // without a source slice the marker stays: no number parses
                // from it, so the value is reported rather than approximated
            }
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| n.restore_exact_numbers(src)),
            NodeKind::Map(m) => {
                for (k, n) in m.iter_mut() {
                    if let Some(marked) = k.strip_prefix('\u{1}') {
                        let mut parts = marked.splitn(3, ':');
                        let (b, l, fallback) = (parts.next(), parts.next(), parts.next().unwrap_or_default());
                        let raw = b
                            .zip(l)
                            .and_then(|(b, l)| Some((b.parse::<usize>().ok()?, l.parse::<usize>().ok()?)))
                            .and_then(|(b, l)| src.get(b..b + l))
                            .map(|r| r.trim().trim_end_matches(':').trim().to_string());
                        *k = raw.unwrap_or_else(|| fallback.to_string());
                    }
                    n.restore_exact_numbers(src);
                }
            }
            _ => {}
        }
    }
}

struct InnerVisitor;

impl<'de> Visitor<'de> for InnerVisitor {
    type Value = NodeKind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeKind, E> {
        Ok(NodeKind::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeKind, E> {
        Ok(NodeKind::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeKind, E> {
        Ok(NodeKind::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeKind, E> {
        Ok(NodeKind::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeKind, E> {
        Ok(NodeKind::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<NodeKind, E> {
        // The binary value is dropped unread: `restore_exact_numbers` puts
        // back the digits as written in the source, so nothing inexact ever
        // enters a rule. The marker alone is not a number, so a value whose
        // digits cannot be found is refused rather than approximated.
        Ok(NodeKind::Number("\u{0}".to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeKind, D::Error> {
        d.deserialize_any(InnerVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeKind, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(NodeKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeKind, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let v = map.next_value::<Node>()?;
            let text = match (key.value.1, key.referenced.span().byte_offset(), key.referenced.span().byte_len()) {
                // a YAML 1.1 boolean key (`on:`, `y:`): remember where it stands
                // so that `restore_exact_numbers` can put back the text as written
                (true, Some(b), Some(l)) => format!("\u{1}{b}:{l}:{}", key.value.0),
                _ => key.value.0,
            };
            entries.push((text, v));
        }
        Ok(NodeKind::Map(entries))
    }
}

/// A mapping key read as text whatever its YAML type (`1:` and `"1":` alike);
/// the flag marks keys the parser took for booleans or floats, whose text is
/// read back from the source.
struct KeyText(String, bool);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(InnerVisitor)? {
            // a key the parser read as a float: its digits come from the source
            NodeKind::Number(s) if s.starts_with('\u{0}') => Ok(KeyText(String::new(), true)),
            NodeKind::Str(s) | NodeKind::Number(s) => Ok(KeyText(s, false)),
            NodeKind::Bool(b) => Ok(KeyText(b.to_string(), true)),
            _ => Err(de::Error::custom("a mapping key must be a plain name or number")),
        }
    }
}

struct Inner(NodeKind);

impl<'de> Deserialize<'de> for Inner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(InnerVisitor).map(Inner)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Inner>::deserialize(d)?;
        let pos = Pos::of(&s);
        Ok(Node { kind: s.value.0, pos })
    }
}

impl JsonSchema for Node {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Value".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "description": "any YAML value; its meaning depends on where it stands" })
    }
}

/// A string with its position: expressions, names and quotes whose errors
/// must point into the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// The text as the YAML parser read it.
    pub text: String,
    /// Where it stands.
    pub pos: Pos,
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<String>::deserialize(d)?;
        Ok(Located { pos: Pos::of(&s), text: s.value })
    }
}

impl JsonSchema for Located {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scalar".into()
    }
    fn inline_schema() -> bool {
        true
    }
    /// A YAML scalar: text, or a plain number or bool the loader reads as
    /// written (`formula: {y: 7}`, `clause: 2`).
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": ["string", "number", "boolean"]})
    }
}

/// The file position of every character offset of an expression scalar (and
/// one past its end), computed in one pass; the same positions
/// [`offset_to_pos`] gives one at a time.
pub fn locator(file_text: &str, line_starts: &[usize], scalar: &Located) -> Locator {
    let from = line_starts.get(scalar.pos.line.saturating_sub(1) as usize).copied().unwrap_or(file_text.len());
    Locator::new(
        align(file_text.get(from..).unwrap_or(""), scalar)
            .into_iter()
            .map(|(line, column)| Loc { line, column, file: scalar.pos.file })
            .collect(),
    )
}

/// The most source characters skipped between two characters of a
/// scalar's value (indentation, a line break, an escape's backslash):
/// beyond it the value's character is taken to have no source of its own
/// (an escape such as `\n`) and keeps the position reached.
const MAX_SKIP: usize = 512;

/// Aligns a scalar's value with its source text, character by character.
/// `from_line` is the file from the scalar's first line on. The value's
/// characters appear in the source in order — a block scalar (`|`, `>`)
/// adds indentation and line breaks, a folded or plain multi-line scalar
/// turns line breaks into spaces, a quoted one adds quotes and escapes — so
/// each is found by scanning forward: a space of the value matches any
/// white space, another character itself.
fn align(from_line: &str, scalar: &Located) -> Vec<(u32, u32)> {
    let start = scalar.pos;
    let mut line = start.line.max(1);
    let mut column = 1u32;
    let mut src = from_line.char_indices().peekable();
    // to the scalar's first character
    while column < start.column {
        match src.peek() {
            Some((_, c)) if *c != '\n' => {
                src.next();
                column += 1;
            }
            _ => break,
        }
    }
    if matches!(src.peek(), Some((_, '"' | '\''))) {
        src.next();
        column += 1;
    }
    // each character of the value is found at most MAX_SKIP + 1 characters
    // past the one before: the value needs no more of the file than this,
    // and reading the whole rest of the file for every value would make
    // loading quadratic in the file's length
    let window = (scalar.text.chars().count() + 1).saturating_mul(MAX_SKIP + 2);
    let rest: Vec<char> = src.map(|(_, c)| c).take(window).collect();
    let mut at = 0usize;
    let mut out = Vec::with_capacity(scalar.text.len() + 1);
    for ch in scalar.text.chars() {
        // scan ahead for the character, without moving if it is not there
        let (mut l, mut c, mut k) = (line, column, at);
        let mut found = false;
        while let Some(&s) = rest.get(k) {
            if k - at > MAX_SKIP {
                break;
            }
            let matches = if ch.is_whitespace() { s.is_whitespace() } else { s == ch };
            if matches {
                found = true;
                break;
            }
            if s == '\n' {
                l += 1;
                c = 1;
            } else {
                c += 1;
            }
            k += 1;
        }
        if found {
            out.push((l, c));
            // past the matched character
            if rest.get(k) == Some(&'\n') {
                line = l + 1;
                column = 1;
            } else {
                line = l;
                column = c + 1;
            }
            at = k + 1;
        } else {
            out.push((line, column));
        }
    }
    out.push((line, column));
    out
}

/// Maps a character offset inside a scalar back to a line and column of the
/// file, for every style of scalar (plain, quoted, `|` and `>` blocks, on
/// one line or several). See [`align`].
pub fn offset_to_pos(file_text: &str, scalar: &Located, char_offset: usize) -> (u32, u32) {
    let from =
        file_text.split_inclusive('\n').take(scalar.pos.line.saturating_sub(1) as usize).map(str::len).sum::<usize>();
    let positions = align(file_text.get(from..).unwrap_or(""), scalar);
    positions.get(char_offset).or(positions.last()).copied().unwrap_or((scalar.pos.line, scalar.pos.column))
}

/// Where a compiled node came from in its pack file (1-based; `0:0` when
/// the expression has no file, as in a scenario given on the command line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// Line.
    pub line: u32,
    /// Column, in characters.
    pub column: u32,
    /// The file: 0 for the rule's own pack, k for the k-th reform laid over
    /// it (see [`Pos::file`]).
    pub file: u16,
}

/// Maps character offsets of one expression to file positions. Built once
/// per expression by the loader; compilation stamps each node that can fail
/// at run time with its position, so a run-time error names file:line:col.
#[derive(Clone, Debug, Default)]
pub struct Locator(Option<Arc<[Loc]>>);

impl Locator {
    /// A locator from the position of every character offset (and one past
    /// the end).
    pub fn new(positions: Vec<Loc>) -> Locator {
        Locator(Some(positions.into()))
    }

    /// The position of a character offset.
    pub fn at(&self, offset: usize) -> Loc {
        match &self.0 {
            Some(p) => p.get(offset).or_else(|| p.last()).copied().unwrap_or_default(),
            None => Loc::default(),
        }
    }
}
