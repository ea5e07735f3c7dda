//! The rule-pack and scenario file formats, version 1, as Rust types. These
//! types are what the loader deserializes (strictly: unknown keys are errors)
//! and what `rules/schema.json` is generated from, so the schema cannot drift
//! from the loader. `docs/rule-format.md` describes each field for authors.

use crate::source::yaml::{Located, Node};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// One rule pack: the computable rules of one source document.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ordinance rule pack, format 1")]
pub struct PackFile {
    /// The format version; `1`.
    #[schemars(schema_with = "format_schema")]
    pub format: u32,
    /// The pack id: lowercase ASCII, digits and `_`; rules are referred to as
    /// `pack.rule`.
    pub pack: Located,
    /// A short title for people.
    #[serde(default)]
    pub title: Option<String>,
    /// The source document.
    pub source: SourceDef,
    /// The period in which the document is in force.
    pub valid: ValidityDef,
    /// Named types (enums, record shapes) used by inputs and outputs.
    #[serde(default)]
    pub types: IndexMap<String, Node>,
    /// How outputs declared `money` or `decimal(n)` are rounded to their
    /// places: `half_up` (四舍五入, the default), `half_even`, `floor` or
    /// `ceil`. An output may say otherwise with its own `rounding:`.
    #[serde(default)]
    #[schemars(schema_with = "rounding_schema")]
    pub rounding: Option<Located>,
    /// Named values with citations, possibly changing over time.
    #[serde(default)]
    pub parameters: IndexMap<String, ParameterDef>,
    /// The rules, by id.
    #[serde(default)]
    pub rules: IndexMap<String, RuleDef>,
    /// Test cases that `ordinance test` runs.
    #[serde(default)]
    pub tests: Vec<TestDef>,
    /// Figures the source text states, with the expression that should
    /// reproduce them.
    #[serde(default)]
    pub claims: Vec<ClaimDef>,
    /// What must always hold: generated inputs, an assertion, a seed and a
    /// count; `ordinance test` runs them with the tests.
    #[serde(default)]
    pub properties: Vec<PropertyDef>,
    /// Rate schedules (税率表): brackets with rates and quick deductions,
    /// applied by `progressive`, `scale_rate` and `quick_deduction`.
    #[serde(default)]
    pub scales: IndexMap<String, ScaleDef>,
    /// The working-day calendar `is_workday`, `workdays_between` and
    /// `add_workdays` use: defined here, or the id of the pack that defines
    /// it.
    #[serde(default)]
    #[schemars(with = "Option<CalendarUseSchema>")]
    pub calendar: Option<serde_saphyr::Spanned<CalendarUse>>,
}

/// A property: for every value of the generated inputs, `holds` is true.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyDef {
    /// A name for reports.
    pub name: Located,
    /// The inputs, each with its generator: `{integer: [lo, hi]}`,
    /// `{number: [lo, hi], places: 2}`, `{date: [from, to]}`, `{one_of:
    /// [a, b, …]}`, `{bool: true}`, `{list: <generator>, length: [lo, hi]}`
    /// or `{record: {field: <generator>, …}}`.
    #[serde(rename = "for")]
    #[schemars(with = "IndexMap<String, GeneratorSchema>")]
    pub vars: IndexMap<String, Node>,
    /// The assertion: a bool expression over the inputs, calling rules.
    pub holds: Located,
    /// The as-of date; defaults to the pack's first day in force.
    #[serde(default)]
    #[schemars(schema_with = "date_or_null_schema")]
    pub as_of: Option<Located>,
    /// How many cases to try (default 100, at most 10,000).
    #[serde(default)]
    pub cases: Option<u32>,
    /// The seed of the generator (default 1): the same seed, the same cases.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// A rate schedule: brackets in ascending order, each up to a bound (the
/// next starts where it ends), the last one open.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleDef {
    /// A title for people.
    #[serde(default)]
    pub title: Option<String>,
    /// The brackets, lowest first (a schedule that never changed).
    #[serde(default)]
    pub brackets: Option<Vec<BracketDef>>,
    /// Or dated versions, earliest first: each in force from its `from`
    /// date until the next one's.
    #[serde(default)]
    pub versions: Vec<ScaleVersionDef>,
    /// Where the schedule stands in the text.
    pub cite: CiteDef,
}

/// One dated version of a schedule.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleVersionDef {
    /// The first day it is in force.
    #[schemars(schema_with = "date_schema")]
    pub from: Located,
    /// Its brackets, lowest first.
    pub brackets: Vec<BracketDef>,
    /// The citation of this version, when it differs from the schedule's.
    #[serde(default)]
    pub cite: Option<CiteDef>,
}

/// One bracket: its upper bound as the text words it — `upto` includes the
/// number (不超过36000元 / 超过36000元至144000元), `below` excludes it (不满) —
/// or neither for the open top (超过960000元的); its rate; and the quick
/// deduction the text prints, if it prints one (checked against the one the
/// brackets imply).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BracketDef {
    /// The upper bound, included.
    #[serde(default)]
    pub upto: Option<Node>,
    /// The upper bound, excluded.
    #[serde(default)]
    pub below: Option<Node>,
    /// The rate, e.g. `3%`.
    pub rate: Node,
    /// The quick deduction (速算扣除数) as printed.
    #[serde(default)]
    pub quick_deduction: Option<Node>,
    /// The bracket's own citation.
    #[serde(default)]
    pub cite: Option<CiteDef>,
}

/// A pack's working-day calendar: its own, or another pack's by id.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // one per pack file
pub enum CalendarUse {
    /// The id of the pack whose calendar to use.
    Of(String),
    /// A calendar defined here.
    Define(CalendarDef),
}

// By hand rather than `untagged`: an untagged enum buffers its content and
// loses the source positions of everything inside it.
impl<'de> Deserialize<'de> for CalendarUse {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CalendarUse;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a pack id, or a calendar {covers, holidays, workdays, cite}")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<CalendarUse, E> {
                Ok(CalendarUse::Of(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<CalendarUse, A::Error> {
                CalendarDef::deserialize(serde::de::value::MapAccessDeserializer::new(m)).map(CalendarUse::Define)
            }
        }
        d.deserialize_any(V)
    }
}

/// The schema of a property input's generator (the loader reads it from
/// the YAML node, with located errors): a range, a choice, or a list or
/// record of generators.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum GeneratorSchema {
    /// `{integer: [lo, hi]}`.
    Integer(IntegerGen),
    /// `{number: [lo, hi], places: 2}`.
    Number(NumberGen),
    /// `{date: [from, to]}`.
    Date(DateGen),
    /// `{one_of: [a, b, …]}`.
    OneOf(OneOfGen),
    /// `{bool: true}`.
    Bool(BoolGen),
    /// `{list: <generator>, length: [lo, hi]}`.
    List(ListGen),
    /// `{record: {field: <generator>, …}}`.
    Record(RecordGen),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct IntegerGen {
    integer: [i64; 2],
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NumberGen {
    #[schemars(schema_with = "scalar_pair_schema")]
    number: (),
    places: Option<u32>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DateGen {
    #[schemars(schema_with = "date_pair_schema")]
    date: (),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct OneOfGen {
    one_of: Vec<serde_json::Value>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct BoolGen {
    bool: bool,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ListGen {
    list: Box<GeneratorSchema>,
    length: Option<[i64; 2]>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RecordGen {
    record: IndexMap<String, GeneratorSchema>,
}

fn scalar_pair_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": {"type": ["string", "number"]}, "minItems": 2, "maxItems": 2})
}

fn date_pair_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": {"type": "string", "pattern": DATE_PATTERN}, "minItems": 2, "maxItems": 2})
}

/// The schema of [`CalendarUse`]: a pack id or a calendar.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
enum CalendarUseSchema {
    /// The id of the pack whose calendar to use.
    Of(String),
    /// A calendar defined here.
    Define(CalendarDef),
}

/// A working-day calendar: Monday to Friday work, Saturday and Sunday rest,
/// except the listed holidays (rest on a weekday) and make-up working days
/// (work on a weekend, 调休上班), within the period it covers.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDef {
    /// The period the calendar speaks for: a date outside it is an
    /// evaluation error, never taken to be an ordinary weekday.
    pub covers: ValidityDef,
    /// Days of rest: `YYYY-MM-DD`, or a run `YYYY-MM-DD..YYYY-MM-DD` (both
    /// ends included).
    pub holidays: Vec<Located>,
    /// Weekend days that are working days (调休上班).
    #[serde(default)]
    pub workdays: Vec<Located>,
    /// Where the calendar comes from.
    pub cite: CiteDef,
}

/// The source document of a pack.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceDef {
    /// Document number, e.g. `东政发〔2024〕2号`.
    pub document: String,
    /// Title of the document.
    pub title: String,
    /// Issuing authority.
    pub issued_by: String,
    /// Date of issue, `YYYY-MM-DD`.
    #[schemars(schema_with = "date_schema")]
    pub date: Located,
    /// Path (relative to the pack file) of the source text. When given, every
    /// citation's quote must appear in it verbatim (whitespace aside) and its
    /// line number is found automatically.
    #[serde(default)]
    pub text: Option<Located>,
    /// Line range of this document inside the source text, `from-to`; its
    /// quotes must be found there.
    #[serde(default)]
    #[schemars(schema_with = "lines_or_null_schema")]
    pub lines: Option<Located>,
    /// For a pack drawing on several documents of one source text: each
    /// document number with its own line range. A citation that names one of
    /// them in `document:` is checked against that document's lines.
    #[serde(default)]
    #[schemars(schema_with = "documents_schema")]
    pub documents: IndexMap<String, Located>,
}

/// A validity period, both ends inclusive.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidityDef {
    /// First day in force, `YYYY-MM-DD`.
    #[schemars(schema_with = "date_schema")]
    pub from: Located,
    /// Last day in force, `YYYY-MM-DD`; omit for open-ended documents.
    #[serde(default)]
    #[schemars(schema_with = "date_or_null_schema")]
    pub until: Option<Located>,
}

/// A citation: where in the source document a rule, row or figure comes from.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CiteDef {
    /// The document number, when it is not the pack's own (scenarios cite
    /// the documents of the packs they use).
    #[serde(default)]
    pub document: Option<String>,
    /// The clause, as numbered in the document, e.g. `三(四)1`.
    #[schemars(schema_with = "scalar_schema")]
    pub clause: String,
    /// The words of the document, quoted exactly; `…` joins non-adjacent
    /// parts.
    pub quote: Located,
    /// A note on how the words are read (e.g. the boundary convention).
    #[serde(default)]
    pub note: Option<String>,
}

/// A parameter: one value, or dated versions of it.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterDef {
    /// The type; inferred from the value when omitted (integer, number, bool).
    #[serde(default, rename = "type")]
    pub ty: Option<Node>,
    /// The value, when it never changes within the pack's validity.
    #[serde(default)]
    pub value: Option<Node>,
    /// Dated versions: each applies from its date until the next one.
    #[serde(default)]
    pub versions: Vec<ParameterVersionDef>,
    /// Unit, for people (`人`, `天`, `tce`).
    #[serde(default)]
    pub unit: Option<String>,
    /// Where the value comes from.
    pub cite: CiteDef,
}

/// One dated version of a parameter.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterVersionDef {
    /// First day this value applies, `YYYY-MM-DD`.
    #[schemars(schema_with = "date_schema")]
    pub from: Located,
    /// The value.
    pub value: Node,
    /// Citation of this version, when it differs from the parameter's.
    #[serde(default)]
    pub cite: Option<CiteDef>,
}

/// A rule: typed inputs and outputs, a citation, and a body (a decision table
/// or formulas).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// A short title for people.
    #[serde(default)]
    pub title: Option<String>,
    /// The citation of the rule as a whole.
    pub cite: CiteDef,
    /// Inputs: name → type, or name → `{type, default, optional, description}`
    /// (`optional: true`: the input may be left out, and is then absent).
    #[serde(default)]
    pub inputs: IndexMap<String, Node>,
    /// Outputs: name → type. Required for tables; for formulas, checked
    /// against the formula's type when given.
    #[serde(default)]
    pub outputs: IndexMap<String, Node>,
    /// Named intermediate values (expressions), computed in order before the
    /// outputs and shown in the trace.
    #[serde(default, rename = "let")]
    pub lets: IndexMap<String, Located>,
    /// Formula body: output name → expression.
    #[serde(default)]
    pub formula: Option<IndexMap<String, Located>>,
    /// Decision-table body.
    #[serde(default)]
    pub table: Option<TableDef>,
    /// Dated versions, each with its own body (`formula` with its `let`
    /// steps, or `table`): the one in force on the as-of date applies. A
    /// rule has either a body or versions; every version gives the same
    /// outputs from the same inputs.
    #[serde(default)]
    pub versions: Vec<RuleVersionDef>,
    /// Conditions the inputs must meet (`lower <= upper`): a call whose
    /// inputs break one is an error, and a table's proofs set aside the
    /// orders of its computed bounds they exclude.
    #[serde(default)]
    pub constraints: Vec<Located>,
}

/// One dated version of a rule.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleVersionDef {
    /// First day this version applies, `YYYY-MM-DD`.
    #[schemars(schema_with = "date_schema")]
    pub from: Located,
    /// Last day it applies (inclusive); without it, until the next
    /// version starts (or for good, for the last).
    #[serde(default)]
    #[schemars(schema_with = "date_or_null_schema")]
    pub until: Option<Located>,
    /// Citation of this version (the text that brought it in), when it
    /// differs from the rule's.
    #[serde(default)]
    pub cite: Option<CiteDef>,
    /// Named intermediate values of a formula version.
    #[serde(default, rename = "let")]
    pub lets: IndexMap<String, Located>,
    /// Formula body: output name → expression.
    #[serde(default)]
    pub formula: Option<IndexMap<String, Located>>,
    /// Decision-table body.
    #[serde(default)]
    pub table: Option<TableDef>,
}

/// A decision table.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    /// `unique` (rows may not overlap; checked at load), `first` (the first
    /// matching row wins), `priority` (the matching row whose output comes
    /// first in the declared order of its enum values), `any` (matching rows
    /// must agree), `collect` (every matching row; outputs become lists, or
    /// one value with `aggregate`), `rule_order` (lists in row order) or
    /// `output_order` (lists in priority order).
    #[schemars(schema_with = "hit_policy_schema")]
    pub hit: Located,
    /// With `hit: collect`: `sum`, `min`, `max` or `count` of the matching
    /// rows' values of each output.
    #[serde(default)]
    #[schemars(schema_with = "aggregate_schema")]
    pub aggregate: Option<Located>,
    /// The rows, in order.
    pub rows: Vec<RowDef>,
    /// Outputs when no row matches; without it, no match is an error (and
    /// enum inputs must be covered completely).
    #[serde(default)]
    pub default: Option<IndexMap<String, Node>>,
}

/// One row: conditions on inputs → output values.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowDef {
    /// Conditions: input → value, list of values, or range
    /// `{">=": a, "<": b}`. A bound of a range may be an expression over
    /// the parameters and inputs (`{">": allowance}`). An input not named
    /// matches anything.
    #[serde(default)]
    pub when: IndexMap<String, Node>,
    /// A further condition: an expression over the inputs and parameters
    /// that must be true for the row to match (tried only when the `when`
    /// conditions hold).
    #[serde(default, rename = "if")]
    pub guard: Option<Located>,
    /// Output values: a value, or `{expr: "…"}` computed from the inputs
    /// and parameters.
    pub then: IndexMap<String, Node>,
    /// Citation of this row.
    #[serde(default)]
    pub cite: Option<CiteDef>,
}

/// A test case.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestDef {
    /// A name for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// The rule tested (`rule` in this pack, or `pack.rule`).
    pub rule: Located,
    /// The as-of date; defaults to the pack's first day in force.
    #[serde(default)]
    #[schemars(schema_with = "date_or_null_schema")]
    pub as_of: Option<Located>,
    /// The inputs.
    #[serde(default)]
    pub given: IndexMap<String, Node>,
    /// Expected outputs (only those named are compared): a value, or
    /// `{expr: …}` computed over the test's inputs and the parameters.
    #[serde(default)]
    pub expect: Option<IndexMap<String, Node>>,
    /// How far a number may be from the one expected and still pass
    /// (inclusive): `within: 0.01`.
    #[serde(default)]
    pub within: Option<Node>,
    /// An expected error: a piece of its message.
    #[serde(default)]
    pub error: Option<String>,
}

/// A figure the source text states, reconciled against the engine.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimDef {
    /// An id, unique in the file.
    pub id: Located,
    /// Where the text states it.
    pub cite: CiteDef,
    /// The value as printed (a number, text, list …).
    pub printed: Node,
    /// The arithmetic as printed, e.g. `68×5×3`; checked against `printed`.
    #[serde(default)]
    pub printed_formula: Option<Located>,
    /// The expression that computes the figure from rules and data.
    #[serde(default)]
    pub engine: Option<Located>,
    /// What a disagreement means, for the report.
    #[serde(default)]
    pub note: Option<String>,
    /// The note in Chinese, for `--lang zh` (the English `note` is used when
    /// this is absent).
    #[serde(default)]
    pub note_zh: Option<String>,
    /// What kind of claim this is: `figure` (a number, date or count the
    /// text prints; the default), `fact` (a name, title or list the text
    /// prints) or `check` (a consistency the scenario asserts about the
    /// text, which the text does not print as a figure). The report counts
    /// each kind apart.
    #[serde(default)]
    pub kind: ClaimKind,
    /// Further places the text prints the same figure; each quote is checked
    /// like `cite`'s, and the figure is counted once.
    #[serde(default)]
    pub also_at: Vec<CiteDef>,
}

/// What a claim checks.
#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    /// A number, date or count printed in the text.
    #[default]
    Figure,
    /// A name, title, list or other text fact printed in the text.
    Fact,
    /// A consistency the scenario asserts about the text (not printed).
    Check,
}

impl ClaimKind {
    /// The keyword, as written in a pack.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Figure => "figure",
            ClaimKind::Fact => "fact",
            ClaimKind::Check => "check",
        }
    }
}

/// A scenario: data, rules to evaluate on it, and claims to reconcile.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ordinance scenario, format 1")]
pub struct ScenarioFile {
    /// The format version; `1`.
    #[schemars(schema_with = "format_schema")]
    pub format: u32,
    /// The scenario id.
    pub scenario: String,
    /// A title for the report.
    #[serde(default)]
    pub title: Option<String>,
    /// The as-of date of every evaluation.
    #[schemars(schema_with = "date_schema")]
    pub as_of: Located,
    /// Rules directory relative to this file; the command's rules directory
    /// when omitted.
    #[serde(default)]
    pub rules: Option<Located>,
    /// Packs whose own claims are reconciled in this report.
    #[serde(default)]
    pub packs: Vec<Located>,
    /// Other scenarios (paths relative to this file) whose reports are
    /// included.
    #[serde(default)]
    pub include: Vec<Located>,
    /// Named data: rosters, tables, figures.
    #[serde(default)]
    pub data: IndexMap<String, Node>,
    /// Evaluations, in order; each result is available to later steps and
    /// claims under its id.
    #[serde(default)]
    pub evaluate: Vec<StepDef>,
    /// Claims of the source text about this data.
    #[serde(default)]
    pub claims: Vec<ClaimDef>,
}

/// One evaluation in a scenario.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// The name the result is known by.
    pub id: Located,
    /// A heading for the report.
    #[serde(default)]
    pub title: Option<String>,
    /// The rule, `pack.rule`.
    pub rule: Located,
    /// Inputs: name → expression over the data and earlier results.
    #[serde(default, rename = "with")]
    pub with_inputs: IndexMap<String, Located>,
}

fn hit_policy_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "enum": ["unique", "first", "priority", "any", "collect", "rule_order", "output_order"]
    })
}

fn scalar_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "number"]})
}

fn format_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"const": 1})
}

/// A reform: changes to a rule set written apart from its packs (a draft
/// notice, a proposal), applied in order to the packs as loaded. Every load
/// check runs on the result; what the reform wrote is reported in the
/// reform.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReformFile {
    /// The format version of reforms; `1`.
    #[schemars(schema_with = "format_schema")]
    pub format: u32,
    /// The reform's id: lowercase ASCII, digits and `_`.
    pub reform: Located,
    /// A short title for people.
    #[serde(default)]
    pub title: Option<String>,
    /// The document that proposes the change; every citation the reform
    /// writes is checked against its text, as a pack's are.
    pub source: SourceDef,
    /// The changes, applied in order.
    pub changes: Vec<ChangeDef>,
}

/// One change of a reform: what it changes (exactly one of `parameter`,
/// `scale` and `rule`), how, from when, and why.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDef {
    /// A parameter, `pack.name`: its value is set (from `from` on, or
    /// throughout).
    #[serde(default)]
    pub parameter: Option<Located>,
    /// A rate schedule, `pack.name`: its brackets are set.
    #[serde(default)]
    pub scale: Option<Located>,
    /// A rule, `pack.rule`: its rows, cells, formula or outputs are changed,
    /// it is added (`define`) or neutralised.
    #[serde(default)]
    pub rule: Option<Located>,
    /// The first day the change applies, `YYYY-MM-DD`; without it the
    /// change applies throughout. A rule changed from a date keeps its
    /// body until the day before, as a dated version.
    #[serde(default)]
    #[schemars(schema_with = "date_or_null_schema")]
    pub from: Option<Located>,
    /// The parameter's new value.
    #[serde(default)]
    pub value: Option<Node>,
    /// The schedule's new brackets, lowest first.
    #[serde(default)]
    pub brackets: Option<Vec<BracketDef>>,
    /// Table rows: `replace` (row number from 1 → the new row), `remove`
    /// (row numbers) and `add` (rows appended), applied in that order.
    #[serde(default)]
    pub rows: Option<RowsChangeDef>,
    /// One cell of a table row: `{row: 2, output: visits, value: 3}`.
    #[serde(default)]
    pub cell: Option<CellChangeDef>,
    /// A new formula (output → expression) and its `let` steps.
    #[serde(default)]
    pub formula: Option<IndexMap<String, Located>>,
    /// `let` steps of the new formula.
    #[serde(default, rename = "let")]
    pub lets: Option<IndexMap<String, Located>>,
    /// A new table.
    #[serde(default)]
    pub table: Option<TableDef>,
    /// New declared outputs.
    #[serde(default)]
    pub outputs: Option<IndexMap<String, Node>>,
    /// A rule the reform adds, whole.
    #[serde(default)]
    pub define: Option<Box<RuleDef>>,
    /// `true`: the rule gives zero for every number, `false` for every bool,
    /// an empty list for every list and nothing for an optional output; a
    /// rule with an output of another type cannot be neutralised.
    #[serde(default)]
    pub neutralise: Option<bool>,
    /// Where the change stands in the reform's source.
    pub cite: CiteDef,
}

/// Changes to a table's rows.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowsChangeDef {
    /// Row number (from 1, as the table prints them) → the row that
    /// replaces it.
    #[serde(default)]
    pub replace: IndexMap<String, RowDef>,
    /// Row numbers to remove.
    #[serde(default)]
    pub remove: Vec<Node>,
    /// Rows appended after the others.
    #[serde(default)]
    pub add: Vec<RowDef>,
}

/// A change of one cell.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CellChangeDef {
    /// The row number, from 1.
    pub row: Node,
    /// The output whose cell changes.
    pub output: Located,
    /// Its new value.
    pub value: Node,
}

/// `YYYY-MM-DD`, as the loader reads dates (the day itself is checked there).
const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn date_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "pattern": DATE_PATTERN})
}

fn date_or_null_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [{"type": "string", "pattern": DATE_PATTERN}, {"type": "null"}]})
}

fn lines_or_null_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [{"type": "string", "pattern": "^[0-9]+-[0-9]+$"}, {"type": "null"}]})
}

fn documents_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9]+-[0-9]+$"}})
}

fn rounding_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [{"type": "string", "enum": ["half_up", "half_even", "floor", "ceil"]}, {"type": "null"}]})
}

fn aggregate_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["sum", "min", "max", "count"]})
}
