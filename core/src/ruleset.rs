//! The loaded, compiled form of the rule packs: what evaluation reads. A
//! `Ruleset` is immutable once built; the engine swaps whole rulesets on
//! reload.

use crate::lang::expr::compile::CExpr;
use crate::values::date::Date;
use crate::values::number::Number;
use crate::values::value::{Type, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a rule, row, parameter or figure comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Citation {
    /// Document number, e.g. `东政发〔2024〕2号`.
    pub document: String,
    /// Clause, e.g. `三(四)1`.
    pub clause: String,
    /// The words quoted.
    pub quote: String,
    /// Line of the quote in the source text, when the pack names one.
    pub line: Option<u32>,
    /// A note on the reading.
    pub note: Option<String>,
}

impl Citation {
    /// The JSON form used in traces and metadata.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("document".into(), self.document.clone().into());
        m.insert("clause".into(), self.clause.clone().into());
        m.insert("quote".into(), self.quote.clone().into());
        if let Some(l) = self.line {
            m.insert("line".into(), l.into());
        }
        if let Some(n) = &self.note {
            m.insert("note".into(), n.clone().into());
        }
        serde_json::Value::Object(m)
    }
}

/// The source document of a pack.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    /// Document number.
    pub document: String,
    /// Title.
    pub title: String,
    /// Issuing authority.
    pub issued_by: String,
    /// Date of issue.
    pub date: Date,
}

/// A loaded pack.
#[derive(Clone, Debug)]
pub struct Pack {
    /// The pack id.
    pub name: String,
    /// Title for people.
    pub title: Option<String>,
    /// The file it was loaded from.
    pub file: String,
    /// SHA-256 (hex) of the pack file and of the source text it cites: a
    /// reload compares these to report the packs that changed.
    pub digest: String,
    /// The source document.
    pub source: SourceInfo,
    /// First day in force.
    pub valid_from: Date,
    /// Last day in force, if any.
    pub valid_until: Option<Date>,
    /// The pack's test cases.
    pub tests: Vec<TestCase>,
    /// The pack's claims.
    pub claims: Vec<Claim>,
    /// The pack's properties.
    pub properties: Vec<Property>,
    /// The source text its citations are checked against.
    pub source_text: Option<Arc<crate::source::sourcetext::SourceText>>,
    /// The document's line range in the source text.
    pub source_range: Option<(u32, u32)>,
    /// Line ranges of further documents the pack cites.
    pub source_documents: Vec<(String, (u32, u32))>,
    /// The working-day calendar its rules use (an index into
    /// [`Ruleset::calendars`]).
    pub calendar: Option<usize>,
}

/// One dated version of a parameter.
#[derive(Clone, Debug)]
pub struct ParamVersion {
    /// First day it applies.
    pub from: Date,
    /// The value.
    pub value: Value,
    /// Its citation.
    pub cite: Arc<Citation>,
}

/// A parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// `pack.name`.
    pub qualified: String,
    /// Its type.
    pub ty: Type,
    /// Unit for people.
    pub unit: Option<String>,
    /// Versions, sorted by date.
    pub versions: Vec<ParamVersion>,
}

/// A declared rule input.
#[derive(Clone, Debug)]
pub struct InputDef {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Value used when the caller gives none.
    pub default: Option<Value>,
    /// A parameter whose value, as of the date, is used when the caller
    /// gives none (`default: {parameter: allowance}`).
    pub default_param: Option<usize>,
}

impl InputDef {
    /// Whether a caller may leave it out (a default value, a parameter, or
    /// an optional input that is then absent).
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.default_param.is_some()
    }

    /// What a caller that leaves it out passes: its default, or — for a
    /// default that is a parameter — no value yet, which the evaluation
    /// replaces by the parameter as of its date before the rule runs.
    pub fn default_value(&self) -> Option<Value> {
        match (&self.default, self.default_param) {
            (Some(v), _) => Some(v.clone()),
            (None, Some(_)) => Some(Value::Absent),
            (None, None) => None,
        }
    }
}

/// A decision-table hit policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitPolicy {
    /// At most one row matches (checked at load where decidable, and at run
    /// time always).
    Unique,
    /// The first matching row wins.
    First,
    /// Every matching row contributes; each output becomes a list (or,
    /// with an aggregator, the rows' sum, minimum, maximum or count).
    Collect,
    /// Of the matching rows, the one whose output value comes first in the
    /// declared order of the output's enum values (ties: the earlier row).
    Priority,
    /// Every matching row must give the same outputs (rows that overlap with
    /// different outputs are a load error, and a run-time error always).
    Any,
    /// Every matching row, in row order; each output becomes a list.
    RuleOrder,
    /// Every matching row, in priority order (as `priority`); each output
    /// becomes a list.
    OutputOrder,
}

impl HitPolicy {
    /// Every policy, by the name used in packs.
    pub const ALL: [HitPolicy; 7] = [
        HitPolicy::Unique,
        HitPolicy::First,
        HitPolicy::Priority,
        HitPolicy::Any,
        HitPolicy::Collect,
        HitPolicy::RuleOrder,
        HitPolicy::OutputOrder,
    ];

    /// The name used in packs.
    pub fn name(self) -> &'static str {
        match self {
            HitPolicy::Unique => "unique",
            HitPolicy::First => "first",
            HitPolicy::Collect => "collect",
            HitPolicy::Priority => "priority",
            HitPolicy::Any => "any",
            HitPolicy::RuleOrder => "rule_order",
            HitPolicy::OutputOrder => "output_order",
        }
    }

    /// The outputs are lists of every matching row's values.
    pub fn lists(self, aggregate: Option<Aggregate>) -> bool {
        matches!(self, HitPolicy::RuleOrder | HitPolicy::OutputOrder)
            || (self == HitPolicy::Collect && aggregate.is_none())
    }

    /// Rows are ranked by the priority of their outputs.
    pub fn ranks(self) -> bool {
        matches!(self, HitPolicy::Priority | HitPolicy::OutputOrder)
    }
}

/// How `collect` combines the matching rows' values of each output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// The sum (0 when no row matches).
    Sum,
    /// The least value (no match: the default, else an error).
    Min,
    /// The greatest value (no match: the default, else an error).
    Max,
    /// The number of matching rows (0 when none does).
    Count,
}

impl Aggregate {
    /// Every aggregator, by the name used in packs.
    pub const ALL: [Aggregate; 4] = [Aggregate::Sum, Aggregate::Min, Aggregate::Max, Aggregate::Count];

    /// The name used in packs.
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
            Aggregate::Count => "count",
        }
    }
}

/// One bound of a range condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The bound's value.
    pub value: Value,
    /// Whether the bound itself is included (以上/以下/不少于) or not
    /// (超过/不满/低于).
    pub inclusive: bool,
}

/// A bound of a row's range that is an expression, computed when the row
/// is tried: a parameter (`{">": allowance}`), another input, or any
/// expression of them. Bounds written as values are [`Bound`]s of a
/// [`Cond::Range`].
#[derive(Clone, Debug)]
pub struct ExprBound {
    /// The input the bound limits, by position.
    pub input: usize,
    /// A lower bound (`>=`, `>`) or an upper one (`<=`, `<`).
    pub lower: bool,
    /// Whether the bound itself is included (以上/以下) or not (超过/不满).
    pub inclusive: bool,
    /// The expression, over the rule's inputs.
    pub expr: CExpr,
    /// The expression as written.
    pub src: String,
    /// It reads no input and does not call a rule or `as_of()`: its value
    /// depends only on the parameters in force, so the load-time proofs can
    /// compute it for every dated version of them.
    pub at_load: bool,
}

impl ExprBound {
    /// The comparison as written: `> allowance`.
    pub fn describe(&self) -> String {
        let op = match (self.lower, self.inclusive) {
            (true, true) => ">=",
            (true, false) => ">",
            (false, true) => "<=",
            (false, false) => "<",
        };
        format!("{op} {}", self.src)
    }

    /// Whether `v` lies on the right side of the bound's value `b`.
    pub fn holds(&self, v: &Value, b: &Value) -> bool {
        match (self.lower, self.inclusive) {
            (true, true) => v >= b,
            (true, false) => v > b,
            (false, true) => v <= b,
            (false, false) => v < b,
        }
    }

    /// The bound with its value known, as a [`Cond::Range`] bound.
    pub fn at(&self, value: Value) -> Bound {
        Bound { value, inclusive: self.inclusive }
    }
}

/// A condition of a table row on one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// The input equals one of these values.
    OneOf(Vec<Value>),
    /// The input lies within the bounds.
    Range {
        /// Lower bound.
        lo: Option<Bound>,
        /// Upper bound.
        hi: Option<Bound>,
    },
}

impl Cond {
    /// Whether a value satisfies the condition.
    pub fn matches(&self, v: &Value) -> bool {
        match self {
            Cond::OneOf(vs) => vs.contains(v),
            Cond::Range { lo, hi } => {
                let lo_ok = lo.as_ref().is_none_or(|b| if b.inclusive { *v >= b.value } else { *v > b.value });
                let hi_ok = hi.as_ref().is_none_or(|b| if b.inclusive { *v <= b.value } else { *v < b.value });
                lo_ok && hi_ok
            }
        }
    }

    /// The condition as people read it, e.g. `>= 3`, `in [B, C]`.
    pub fn describe(&self) -> String {
        match self {
            Cond::OneOf(vs) if vs.len() == 1 => vs.first().map(|v| format!("= {v}")).unwrap_or_default(),
            Cond::OneOf(vs) => {
                format!("in [{}]", vs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            }
            Cond::Range { lo, hi } => {
                let mut parts = Vec::new();
                if let Some(b) = lo {
                    parts.push(format!("{} {}", if b.inclusive { ">=" } else { ">" }, b.value));
                }
                if let Some(b) = hi {
                    parts.push(format!("{} {}", if b.inclusive { "<=" } else { "<" }, b.value));
                }
                parts.join(" and ")
            }
        }
    }
}

/// A table row.
#[derive(Clone, Debug)]
pub struct Row {
    /// Conditions: (input index, condition).
    pub conds: Vec<(usize, Cond)>,
    /// Output values, in output order (for a computed output, a
    /// placeholder: see `computed`).
    pub outputs: Vec<Value>,
    /// Outputs computed from the inputs and parameters, `{expr: …}`:
    /// (output position, expression over the inputs).
    pub computed: Vec<(usize, CExpr)>,
    /// Bounds computed when the row is tried (an input tested here has
    /// either a condition in `conds` or bounds here, never both).
    pub bounds: Vec<ExprBound>,
    /// The row's `if:` condition and its source text.
    pub guard: Option<(CExpr, String)>,
    /// The row's `if:` as bounds, when it is nothing but comparisons of an
    /// input with a value or an expression (`income > allowance and age >=
    /// 60`): what the load-time proofs read of it. It is evaluated as the
    /// `if:` it is.
    pub guard_bounds: Option<Vec<ExprBound>>,
    /// The row's own citation, if any.
    pub cite: Option<Arc<Citation>>,
    /// Line of the row in the pack file.
    pub line: u32,
}

impl Row {
    /// The bounds the load-time proofs read: the row's computed bounds, then
    /// its `if:` as bounds.
    pub fn proof_bounds(&self) -> impl Iterator<Item = &ExprBound> {
        self.bounds.iter().chain(self.guard_bounds.iter().flatten())
    }

    /// The inputs the row tests, by position, in order.
    pub fn tested(&self) -> Vec<usize> {
        let mut ks: Vec<usize> =
            self.conds.iter().map(|(k, _)| *k).chain(self.bounds.iter().map(|b| b.input)).collect();
        ks.sort_unstable();
        ks.dedup();
        ks
    }

    /// The row's condition on input `k` as people read it (`>= 3`,
    /// `> allowance and <= 2 * allowance`), if it tests it.
    pub fn describe_input(&self, k: usize) -> Option<String> {
        let parts: Vec<String> = self
            .conds
            .iter()
            .filter(|(j, _)| *j == k)
            .map(|(_, c)| c.describe())
            .chain(self.bounds.iter().filter(|b| b.input == k).map(ExprBound::describe))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" and "))
    }
}

/// A decision table.
#[derive(Clone, Debug)]
pub struct Table {
    /// Hit policy.
    pub hit: HitPolicy,
    /// For `collect`: how the matching rows' values combine.
    pub aggregate: Option<Aggregate>,
    /// For `priority` and `output_order`: the output that ranks rows and
    /// its values from the highest priority to the lowest.
    pub priority: Option<(usize, Vec<Value>)>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Outputs when nothing matches.
    pub default: Option<Vec<Value>>,
    /// Per row, how the trace names it (`row 2`) and words its conditions
    /// (`class in [B, C]`): spelt out once, at load.
    pub trace_text: Vec<(String, String)>,
    /// Some row has an `if:`, a computed output or a computed bound: rows
    /// are then matched and read by evaluating expressions.
    pub dynamic: bool,
}

impl Table {
    /// A row's rank under `priority` and `output_order`: the position of
    /// its ranking output's value in the declared order (0 is the highest).
    pub fn rank(&self, row: &Row) -> usize {
        match &self.priority {
            Some((k, order)) => {
                row.outputs.get(*k).and_then(|v| order.iter().position(|o| o == v)).unwrap_or(usize::MAX)
            }
            None => 0,
        }
    }

    /// A table, with the trace's wording of each row.
    pub fn new(hit: HitPolicy, rows: Vec<Row>, default: Option<Vec<Value>>, inputs: &[InputDef]) -> Table {
        let trace_text = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let detail = row
                    .tested()
                    .into_iter()
                    .filter_map(|k| {
                        let name = inputs.get(k).map(|d| d.name.as_str()).unwrap_or("?");
                        Some(format!("{name} {}", row.describe_input(k)?))
                    })
                    .chain(row.guard.iter().map(|(_, src)| format!("if {src}")))
                    .collect::<Vec<_>>()
                    .join(", ");
                (format!("row {}", i + 1), if detail.is_empty() { "always".into() } else { detail })
            })
            .collect();
        let dynamic = rows.iter().any(|r| r.guard.is_some() || !r.computed.is_empty() || !r.bounds.is_empty());
        Table { hit, aggregate: None, priority: None, rows, default, trace_text, dynamic }
    }
}

/// The body of a rule.
#[derive(Clone, Debug)]
pub enum Body {
    /// A decision table.
    Table(Table),
    /// Dated versions, each with its own body (a table or a formula, never
    /// versions again), in order of their first day: the one in force on
    /// the as-of date applies.
    Versions(Vec<Version>),
    /// Formulas: intermediate values, then one expression per output.
    Formula {
        /// `let` steps.
        lets: Vec<(String, CExpr)>,
        /// Output expressions, in output order.
        outputs: Vec<CExpr>,
        /// The fused passes the steps' [`CExpr::Fused`] nodes refer to.
        passes: Vec<crate::lang::expr::fuse::Pass>,
        /// The steps as compiled, before unrolling and fusing, when those
        /// changed them: what the reference interpreter evaluates.
        original: Option<Arc<FormulaSteps>>,
    },
}

/// One dated version of a rule.
#[derive(Clone, Debug)]
pub struct Version {
    /// Its first day.
    pub from: Date,
    /// Its last day (inclusive); `None`: until the next version's first
    /// day, or for good.
    pub until: Option<Date>,
    /// The text that brought it in (the rule's citation when it names none).
    pub cite: Arc<Citation>,
    /// Its body.
    pub body: Body,
}

impl Version {
    /// `from 2024-07-01` or `2024-01-01 to 2024-06-30`, for the trace.
    pub fn describe(&self) -> String {
        match self.until {
            Some(u) => format!("the version in force from {} to {u}", self.from),
            None => format!("the version in force from {}", self.from),
        }
    }
}

impl Body {
    /// The body in force on `day`, and the version it belongs to (none for
    /// a rule without versions).
    ///
    /// # Errors
    /// No version is in force on that day: the message names the versions'
    /// periods.
    pub fn in_force(&self, day: Date) -> Result<(&Body, Option<&Version>), String> {
        let Body::Versions(versions) = self else { return Ok((self, None)) };
        let mut found = None;
        for (k, v) in versions.iter().enumerate() {
            let next = versions.get(k + 1).map(|n| n.from);
            let ends_before = |d: Date| v.until.is_some_and(|u| d > u) || next.is_some_and(|n| d >= n);
            if v.from <= day && !ends_before(day) {
                found = Some(v);
            }
        }
        match found {
            Some(v) => Ok((&v.body, Some(v))),
            None => {
                let periods: Vec<String> = versions
                    .iter()
                    .map(|v| match v.until {
                        Some(u) => format!("{} to {u}", v.from),
                        None => format!("from {}", v.from),
                    })
                    .collect();
                Err(format!("no version of the rule is in force on {day} (its versions: {})", periods.join("; ")))
            }
        }
    }
}

/// The `let` steps and output expressions of a formula.
#[derive(Clone, Debug)]
pub struct FormulaSteps {
    /// `let` steps.
    pub lets: Vec<(String, CExpr)>,
    /// Output expressions.
    pub outputs: Vec<CExpr>,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Index of its pack.
    pub pack: usize,
    /// `pack.rule`.
    pub qualified: String,
    /// Title for people.
    pub title: Option<String>,
    /// Citation.
    pub cite: Arc<Citation>,
    /// Inputs in declaration order.
    pub inputs: Vec<InputDef>,
    /// Outputs in declaration order.
    pub outputs: Vec<(String, Type)>,
    /// The output names, shared by every record of this rule's outputs.
    pub output_names: crate::values::value::FieldNames,
    /// The outputs that hold decimals (`money`, `decimal(n)`), by position,
    /// with the rounding each is settled by; empty for most rules.
    pub rounding: Vec<(usize, crate::values::number::RoundingMode)>,
    /// What its inputs must meet (`constraints:`), checked before the body.
    pub constraints: Vec<Constraint>,
    /// The body.
    pub body: Body,
}

/// A condition a rule's inputs must meet (`constraints: [lower <= upper]`):
/// a call whose inputs break it is an error. The comparisons it is made of
/// also let the load-time proofs of a table set aside orders of its
/// computed bounds that cannot occur.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// The condition, over the rule's inputs.
    pub expr: CExpr,
    /// As written.
    pub src: String,
    /// The inputs it reads, by position.
    pub reads: Vec<usize>,
    /// When it is a comparison or an `and` of comparisons: each one, its
    /// sides in canonical form (as a computed bound is keyed) with their
    /// expressions.
    pub comparisons: Vec<Comparison>,
}

/// One comparison of a [`Constraint`]: `left op right`.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The left side: canonical text and expression.
    pub left: (String, CExpr),
    /// `<`, `<=`, `>`, `>=`, `==` or `!=`.
    pub op: crate::lang::expr::syntax::BinOp,
    /// The right side.
    pub right: (String, CExpr),
}

impl Constraint {
    /// The message for inputs that break it: the condition and the values
    /// of the inputs it reads.
    pub fn broken(&self, inputs: &[InputDef], args: &[Value]) -> String {
        let values: Vec<String> =
            self.reads.iter().filter_map(|k| Some(format!("{} = {}", inputs.get(*k)?.name, args.get(*k)?))).collect();
        format!("the inputs break the rule's constraint `{}` ({})", self.src, values.join(", "))
    }
}

/// A test case of a pack.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// Display name.
    pub name: String,
    /// Rule id (qualified).
    pub rule: String,
    /// As-of date.
    pub as_of: Date,
    /// Inputs.
    pub given: serde_json::Value,
    /// Expected outputs.
    pub expect: Option<serde_json::Map<String, serde_json::Value>>,
    /// Expected outputs computed over the inputs and parameters
    /// (`{expr: …}`): output name, expression, and the text as written.
    pub computed: Vec<(String, CExpr, String)>,
    /// How far a number may be from the one expected (inclusive).
    pub within: Option<Number>,
    /// Expected error text.
    pub error: Option<String>,
    /// file:line of the test.
    pub location: String,
}

/// A claim of the source text.
#[derive(Clone, Debug)]
pub struct Claim {
    /// Id.
    pub id: String,
    /// Where the text states it.
    pub cite: Arc<Citation>,
    /// The printed value.
    pub printed: Value,
    /// For a figure printed with decimals, how many decimal places it was
    /// printed with (`"70%"` is 0.70, two places; `253.8` one); the engine's
    /// value agrees when it rounds to the printed figure at that precision.
    pub printed_places: Option<i64>,
    /// The printed arithmetic, as written, and its compiled form.
    pub printed_formula: Option<(String, CExpr)>,
    /// The engine's expression, as written, and its compiled form.
    pub engine: Option<(String, CExpr)>,
    /// Note for the report.
    pub note: Option<String>,
    /// The note in Chinese.
    pub note_zh: Option<String>,
    /// Figure, fact or scenario check.
    pub kind: crate::source::model::ClaimKind,
    /// Further places the text prints the same figure.
    pub also_at: Vec<Arc<Citation>>,
    /// file:line of the claim.
    pub location: String,
}

/// Everything loaded from a rules directory.
#[derive(Clone, Debug, Default)]
pub struct Ruleset {
    /// Packs.
    pub packs: Vec<Pack>,
    /// Parameters of all packs.
    pub params: Vec<Param>,
    /// Rules of all packs (shared, so that a prepared rule can hold one).
    pub rules: Vec<Arc<Rule>>,
    /// Rule index by qualified id.
    pub rule_index: HashMap<String, usize>,
    /// Content hash of the loaded files.
    pub hash: String,
    /// The reform files laid over the packs, in order: a position in the
    /// k-th (`Loc::file` k) is reported in it.
    pub reforms: Vec<String>,
    /// Working-day calendars, referred to by index from the rules that use
    /// them.
    pub calendars: Vec<Calendar>,
    /// Rate schedules, referred to by index.
    pub scales: Vec<Scale>,
}

/// A property of a pack (see [`crate::source::model::PropertyDef`]).
#[derive(Clone, Debug)]
pub struct Property {
    /// Name.
    pub name: String,
    /// file:line.
    pub location: String,
    /// The generated inputs, in order; the assertion reads them as locals.
    pub vars: Vec<(String, Generator)>,
    /// The assertion.
    pub holds: CExpr,
    /// Its text, for reports.
    pub holds_text: String,
    /// As-of date.
    pub as_of: Date,
    /// Cases to try.
    pub cases: u32,
    /// Generator seed.
    pub seed: u64,
}

/// How a property's input is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Integers from lo to hi, both included.
    Integer(i64, i64),
    /// Numbers from lo to hi with the given decimal places.
    Number(Number, Number, u32),
    /// Dates from the first to the last, both included.
    Date(Date, Date),
    /// One of the values.
    OneOf(Vec<Value>),
    /// `true` or `false`.
    Bool,
    /// Lists of `min` to `max` elements, each from the generator.
    List(Box<Generator>, usize, usize),
    /// Records whose fields are drawn from their generators, in order.
    Record(crate::values::value::FieldNames, Vec<Generator>),
}

impl Generator {
    /// The most values one draw can hold, each list element and record
    /// field counted (saturating).
    pub fn most_values(&self) -> u64 {
        match self {
            Generator::List(each, _, max) => (*max as u64).saturating_mul(each.most_values()).saturating_add(1),
            Generator::Record(_, fields) => fields.iter().fold(1u64, |n, g| n.saturating_add(g.most_values())),
            _ => 1,
        }
    }
}

/// A rate schedule (see [`crate::source::model::ScaleDef`]).
#[derive(Clone, Debug)]
pub struct Scale {
    /// `pack.name`.
    pub qualified: String,
    /// Its versions, earliest first; each is in force from its date until
    /// the next one's.
    pub versions: Vec<ScaleVersion>,
    /// Where it stands in the text.
    pub cite: Arc<Citation>,
}

/// The brackets of a [`Scale`] from one date on.
#[derive(Clone, Debug)]
pub struct ScaleVersion {
    /// The first day it is in force.
    pub from: Date,
    /// The brackets, lowest first; the last has no upper bound.
    pub brackets: Vec<Bracket>,
    /// The citation of this version.
    pub cite: Arc<Citation>,
}

/// One bracket of a [`Scale`].
#[derive(Clone, Debug)]
pub struct Bracket {
    /// The upper bound and whether it is included; `None` for the open top.
    pub upper: Option<(Number, bool)>,
    /// The rate.
    pub rate: Number,
    /// The quick deduction the brackets imply (equal to the printed one,
    /// when printed: the loader checks).
    pub quick_deduction: Number,
    /// The bracket's citation.
    pub cite: Arc<Citation>,
}

impl Scale {
    /// The version in force on `day`: the latest that has started.
    pub fn at(&self, day: Date) -> Option<&ScaleVersion> {
        self.versions.iter().rev().find(|v| v.from <= day)
    }

    /// The message for a day before the first version.
    pub fn not_yet(&self, day: Date) -> String {
        format!(
            "scale `{}` has no brackets as of {day}; its first version starts {}",
            self.qualified,
            self.versions.first().map(|v| v.from.to_string()).unwrap_or_else(|| "never".into())
        )
    }
}

impl ScaleVersion {
    /// The index of the bracket `x` falls in (amounts of 0 or less: the
    /// first).
    pub fn bracket_of(&self, x: &Number) -> usize {
        self.brackets
            .iter()
            .position(|b| match &b.upper {
                Some((u, true)) => x <= u,
                Some((u, false)) => x < u,
                None => true,
            })
            .unwrap_or(self.brackets.len().saturating_sub(1))
    }
}

/// A working-day calendar (see [`crate::source::model::CalendarDef`]).
#[derive(Clone, Debug)]
pub struct Calendar {
    /// The pack that defines it.
    pub pack: String,
    /// First day it covers.
    pub first: Date,
    /// Last day it covers.
    pub last: Date,
    /// Days of rest on what would be working days, sorted.
    pub holidays: Vec<Date>,
    /// Weekend days that are working days, sorted.
    pub workdays: Vec<Date>,
    /// Where it comes from.
    pub cite: Arc<Citation>,
}

impl Calendar {
    /// Whether `d` is a working day.
    ///
    /// # Errors
    /// `d` lies outside the period the calendar covers.
    pub fn is_workday(&self, d: Date) -> Result<bool, String> {
        if d < self.first || d > self.last {
            return Err(self.outside(d));
        }
        if self.workdays.binary_search(&d).is_ok() {
            return Ok(true);
        }
        if self.holidays.binary_search(&d).is_ok() {
            return Ok(false);
        }
        Ok(d.weekday() <= 5)
    }

    /// The message for a date the calendar does not cover.
    pub fn outside(&self, d: Date) -> String {
        format!(
            "{d} lies outside the working-day calendar of `{}`, which covers {} to {}",
            self.pack, self.first, self.last
        )
    }
}

impl Rule {
    /// The declared types of the outputs that hold decimals (`money`,
    /// `decimal(n)`, and lists or records of them), by name: what shows
    /// their places in JSON and in text.
    pub fn decimal_outputs(&self) -> indexmap::IndexMap<String, crate::values::value::Type> {
        self.rounding.iter().filter_map(|(k, _)| self.outputs.get(*k).cloned()).collect()
    }

    /// Rounds output `i` to its declared places, if it is a decimal: what
    /// both evaluators do to a value as the rule outputs it (and before a
    /// later formula output reads it).
    ///
    /// # Errors
    /// The rounding's own.
    pub fn settle(&self, i: usize, v: &mut Value) -> Result<(), crate::values::number::ArithmeticError> {
        match (self.rounding.iter().find(|(k, _)| *k == i), self.outputs.get(i)) {
            (Some((_, mode)), Some((_, ty))) => crate::values::value::settle(v, ty, *mode),
            _ => Ok(()),
        }
    }

    /// A computed table cell for output `k`, as the row gives it: rounded
    /// to the output's places if it is a decimal, and checked against the
    /// output's type (the element type, for a table that lists its rows).
    ///
    /// # Errors
    /// What is wrong with the value, for the evaluator to report.
    pub fn finish_cell(&self, table: &Table, k: usize, v: &mut Value) -> Result<(), String> {
        let Some((name, ty)) = self.outputs.get(k) else { return Err(format!("no output {k}")) };
        let ty = match ty {
            Type::List(t) if table.hit.lists(table.aggregate) => t,
            t => t,
        };
        if let Some((_, mode)) = self.rounding.iter().find(|(i, _)| *i == k) {
            crate::values::value::settle(v, ty, *mode).map_err(|e| format!("output `{name}`: {e}"))?;
        }
        crate::values::value::conform(v, ty, name).map_err(|p| format!("output {}", p.message))
    }

    /// How many locals an evaluation of the rule holds at most: its inputs,
    /// `let` steps and outputs.
    pub fn frame_size(&self) -> usize {
        fn steps(b: &Body) -> usize {
            match b {
                Body::Formula { lets, outputs, .. } => lets.len() + outputs.len(),
                Body::Table(_) => 0,
                Body::Versions(vs) => vs.iter().map(|v| steps(&v.body)).max().unwrap_or(0),
            }
        }
        self.inputs.len() + steps(&self.body)
    }
}

impl Ruleset {
    /// A rule by qualified id.
    pub fn rule(&self, id: &str) -> Option<(usize, &Rule)> {
        let i = *self.rule_index.get(id)?;
        self.rules.get(i).map(|r| (i, &**r))
    }

    /// The pack a rule belongs to.
    pub fn pack_of(&self, rule: &Rule) -> Option<&Pack> {
        self.packs.get(rule.pack)
    }
}
