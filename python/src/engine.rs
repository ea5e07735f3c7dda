//! `ordinance._native.Engine`: the core's engine behind a Python class.
//!
//! Each method extracts everything it needs from Python first, releases the
//! GIL (`py.detach`) while the core loads or evaluates, and converts the
//! result back. Results are plain `dict`s and `list`s; the pure-Python
//! package wraps them in `Decision`, `TestReport` and `RuleInfo`.

use crate::convert::{
    self, citation_to_py, date_to_py, json_to_py, trace_entry_to_py, typed_value_to_py, value_to_py, ConvertError,
    NumberMode,
};
use crate::errors::{eval_error, input_problem, load_error};
use ordinance_core::{Decision, Engine, EvalOptions, LoadOptions, RuleInfo, TestReport, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyType};
use std::path::PathBuf;

static MAPPING: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The steps and claims of a scenario report and of the reports it
/// includes, flattened: a step's outputs typed by its rule when the
/// engine's rules are the ones the scenario ran, money as `Decimal` with
/// its places in any case (the step carries those types), and every claim with its printed value, the result of the
/// text's own arithmetic and the engine's result.
fn scenario_parts<'py>(
    py: Python<'py>,
    report: &ordinance_core::scenario::Report,
    prefix: &str,
    rules: &ordinance_core::ruleset::Ruleset,
    steps: &Bound<'py, PyList>,
    claims: &Bound<'py, PyList>,
) -> PyResult<()> {
    let same_rules = rules.hash == report.ruleset;
    for step in &report.steps {
        let types = if same_rules { rules.rule(&step.rule).map(|(_, r)| &r.outputs) } else { None };
        let outputs = PyDict::new(py);
        for (name, v) in &step.outputs {
            // the step carries its money outputs' types, whatever rules the
            // engine holds now
            let ty = types.and_then(|ts| ts.iter().find(|(n, _)| n == name)).map(|(_, t)| t);
            match ty.or_else(|| step.decimals.get(name)) {
                Some(ty) => outputs.set_item(name, typed_value_to_py(py, v, ty, NumberMode::Exact)?)?,
                None => outputs.set_item(name, value_to_py(py, v, NumberMode::Exact)?)?,
            }
        }
        let d = PyDict::new(py);
        d.set_item("id", format!("{prefix}{}", step.id))?;
        d.set_item("rule", &step.rule)?;
        d.set_item("title", step.title.as_deref())?;
        d.set_item("outputs", outputs)?;
        steps.append(d)?;
    }
    let result = |r: &Option<(String, Result<Value, String>)>| -> PyResult<Bound<'py, PyAny>> {
        match r {
            None => Ok(py.None().into_bound(py)),
            Some((_, Ok(v))) => value_to_py(py, v, NumberMode::Exact),
            Some((_, Err(e))) => Ok(PyString::new(py, &format!("error: {e}")).into_any()),
        }
    };
    for c in &report.claims {
        let d = PyDict::new(py);
        d.set_item("scenario", &report.scenario)?;
        d.set_item("id", &c.id)?;
        d.set_item("kind", c.kind.as_str())?;
        d.set_item("document", &c.cite.document)?;
        d.set_item("clause", &c.cite.clause)?;
        d.set_item("line", c.cite.line)?;
        d.set_item("quote", &c.cite.quote)?;
        d.set_item("printed", value_to_py(py, &c.printed, NumberMode::Exact)?)?;
        d.set_item("arithmetic", result(&c.printed_formula)?)?;
        d.set_item("computed", result(&c.engine)?)?;
        d.set_item("agrees", c.status == ordinance_core::scenario::ClaimStatus::Agrees)?;
        d.set_item("finding", c.findings.join("; "))?;
        d.set_item("finding_zh", c.findings_zh.join("；"))?;
        let also = PyList::empty(py);
        for a in &c.also_at {
            also.append(match a.line {
                Some(l) => format!("{} L{l}", a.clause),
                None => a.clause.clone(),
            })?;
        }
        d.set_item("also_at", also)?;
        d.set_item("location", &c.location)?;
        claims.append(d)?;
    }
    for inc in &report.includes {
        scenario_parts(py, inc, &format!("{prefix}{}/", inc.scenario), rules, steps, claims)?;
    }
    Ok(())
}

/// A rules engine over a directory of YAML rule packs.
///
/// One engine may be used from many threads at once; `reload()` swaps the
/// packs atomically, and an evaluation in flight keeps the packs it began
/// with.
#[pyclass(frozen, module = "ordinance._native", name = "Engine")]
pub struct PyEngine {
    inner: Engine,
    rules_dir: PathBuf,
}

fn convert_error(py: Python<'_>, rule: &str, e: ConvertError) -> PyErr {
    match e {
        ConvertError::Problem(p) => input_problem(py, rule, &p),
        ConvertError::Python(e) => e,
    }
}

/// The inputs of one evaluation as a JSON object; `None` is no inputs.
fn inputs_to_json(inputs: Option<&Bound<'_, PyAny>>, allow_float: bool) -> Result<serde_json::Value, ConvertError> {
    let Some(inputs) = inputs.filter(|i| !i.is_none()) else {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    };
    let py = inputs.py();
    if !(inputs.is_instance_of::<PyDict>()
        || inputs.is_instance(MAPPING.import(py, "collections.abc", "Mapping")?)?)
    {
        let kind = inputs.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(ConvertError::Problem(convert::Problem {
            field: String::new(),
            message: format!("inputs must be a mapping of input name to value, found `{kind}`"),
        }));
    }
    convert::to_json(inputs, "", allow_float, 0)
}

/// The core's decision, kept beside its Python form so that the text and
/// JSON renderings come from the core (the same as the CLI's and the C
/// ABI's) rather than being re-implemented in Python.
#[pyclass(frozen, module = "ordinance._native", name = "NativeDecision")]
pub struct NativeDecision {
    decision: Decision,
}

#[pymethods]
impl NativeDecision {
    /// The decision as text: outputs, then the trace with each citation
    /// (the core's rendering, as `ordinance eval` prints it).
    fn text(&self) -> String {
        ordinance_core::report::render_decision(&self.decision)
    }

    /// The decision as the JSON document every client sees:
    /// `{"rule", "outputs", "trace", "ruleset", "as_of", "as_of_reason"}`,
    /// exact numbers as JSON integers or strings such as `"1/3"`.
    fn json(&self) -> String {
        self.decision.to_json().to_string()
    }
}

fn decision_to_py<'py>(py: Python<'py>, d: Decision, mode: NumberMode) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("rule", &d.rule)?;
    let outputs = PyDict::new(py);
    for (name, v) in &d.outputs {
        match d.decimals.get(name) {
            Some(t) => outputs.set_item(name, typed_value_to_py(py, v, t, mode)?)?,
            None => outputs.set_item(name, value_to_py(py, v, mode)?)?,
        }
    }
    dict.set_item("outputs", outputs)?;
    let trace = PyList::empty(py);
    for e in &d.trace {
        trace.append(trace_entry_to_py(py, e, mode)?)?;
    }
    dict.set_item("trace", trace)?;
    dict.set_item("trace_omitted", d.trace_omitted)?;
    dict.set_item("ruleset", &d.ruleset)?;
    dict.set_item("as_of", date_to_py(py, d.as_of)?)?;
    dict.set_item("as_of_reason", &d.as_of_reason)?;
    dict.set_item("native", Bound::new(py, NativeDecision { decision: d })?)?;
    Ok(dict)
}

fn report_to_py<'py>(py: Python<'py>, r: &TestReport) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("passed", r.passed())?;
    dict.set_item("failed", r.failed())?;
    let tests = PyList::empty(py);
    for o in &r.outcomes {
        let t = PyDict::new(py);
        t.set_item("name", &o.name)?;
        t.set_item("rule", &o.rule)?;
        t.set_item("location", &o.location)?;
        t.set_item("passed", o.passed)?;
        t.set_item("message", o.message.as_deref())?;
        tests.append(t)?;
    }
    dict.set_item("tests", tests)?;
    Ok(dict)
}

fn rule_info_to_py<'py>(py: Python<'py>, r: &RuleInfo) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("id", &r.id)?;
    dict.set_item("title", r.title.as_deref())?;
    dict.set_item("kind", r.kind)?;
    let inputs = PyList::empty(py);
    for (name, ty, default) in &r.inputs {
        let i = PyDict::new(py);
        i.set_item("name", name)?;
        i.set_item("type", json_to_py(py, &ty.to_json())?)?;
        match default {
            Some(v) => i.set_item("default", value_to_py(py, v, NumberMode::Exact)?)?,
            None => i.set_item("default", py.None())?,
        }
        i.set_item("required", default.is_none())?;
        inputs.append(i)?;
    }
    dict.set_item("inputs", inputs)?;
    let outputs = PyList::empty(py);
    for (name, ty) in &r.outputs {
        let o = PyDict::new(py);
        o.set_item("name", name)?;
        o.set_item("type", json_to_py(py, &ty.to_json())?)?;
        outputs.append(o)?;
    }
    dict.set_item("outputs", outputs)?;
    dict.set_item("cite", citation_to_py(py, &r.cite)?)?;
    dict.set_item("document_title", &r.document_title)?;
    dict.set_item("valid_from", date_to_py(py, r.valid_from)?)?;
    match r.valid_until {
        Some(u) => dict.set_item("valid_until", date_to_py(py, u)?)?,
        None => dict.set_item("valid_until", py.None())?,
    }
    Ok(dict)
}

#[pymethods]
impl PyEngine {
    /// Loads every `.yaml` rule pack in `rules_dir`.
    #[new]
    #[pyo3(signature = (rules_dir, *, shared_sources = Vec::new(), forbid_removal = false))]
    fn new(py: Python<'_>, rules_dir: PathBuf, shared_sources: Vec<PathBuf>, forbid_removal: bool) -> PyResult<Self> {
        let dir = rules_dir.clone();
        let options = LoadOptions { shared_sources, forbid_removal, ..LoadOptions::default() };
        match py.detach(move || Engine::load_dir_with(dir, options)) {
            Ok(inner) => Ok(PyEngine { inner, rules_dir }),
            Err(e) => Err(load_error(py, &e)),
        }
    }

    /// The directory the packs are loaded from.
    #[getter]
    fn rules_dir(&self) -> PathBuf {
        self.rules_dir.clone()
    }

    /// The rule-set version: a content hash of the loaded packs.
    #[getter]
    fn ruleset(&self) -> String {
        self.inner.ruleset_hash()
    }

    /// Evaluates one rule; returns the decision as a `dict`.
    #[pyo3(signature = (rule, inputs = None, *, as_of = None, trace = true, numbers = "exact", allow_float = false, max_steps = None, max_digits = None, max_bytes = None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        rule: &str,
        inputs: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        numbers: &str,
        allow_float: bool,
        max_steps: Option<u64>,
        max_digits: Option<u64>,
        max_bytes: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mode = NumberMode::parse(numbers)?;
        let as_of = convert::as_of_date(as_of).map_err(|e| convert_error(py, rule, e))?;
        let input = inputs_to_json(inputs, allow_float).map_err(|e| convert_error(py, rule, e))?;
        let opts = EvalOptions { as_of, trace, max_steps, max_digits, max_bytes, cancel: None };
        let rule_id = rule.to_string();
        match py.detach(|| self.inner.evaluate(&rule_id, &input, &opts)) {
            Ok(d) => decision_to_py(py, d, mode),
            Err(e) => Err(eval_error(py, &e)),
        }
    }

    /// Evaluates one rule over a sequence of input mappings. Returns a list
    /// in the same order holding, for each record, the decision `dict` or
    /// the exception (an `OrdinanceError` whose `.index` is the record's
    /// position) — one bad record does not hide the others.
    #[pyo3(signature = (rule, records, *, as_of = None, trace = false, numbers = "exact", allow_float = false, max_steps = None, max_digits = None, max_bytes = None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_many<'py>(
        &self,
        py: Python<'py>,
        rule: &str,
        records: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        numbers: &str,
        allow_float: bool,
        max_steps: Option<u64>,
        max_digits: Option<u64>,
        max_bytes: Option<u64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mode = NumberMode::parse(numbers)?;
        let as_of = convert::as_of_date(as_of).map_err(|e| convert_error(py, rule, e))?;
        if records.is_instance_of::<PyString>()
            || records.is_instance_of::<PyDict>()
            || records.is_instance(MAPPING.import(py, "collections.abc", "Mapping")?)?
        {
            return Err(input_problem(
                py,
                rule,
                &convert::Problem {
                    field: String::new(),
                    message: "records must be a sequence of mappings (a list of dicts)".into(),
                },
            ));
        }
        // Convert every record first; a record that cannot be converted gets
        // its error in place and is not sent to the core.
        let mut converted: Vec<Result<serde_json::Value, PyErr>> = Vec::new();
        for record in records.try_iter()? {
            let record = record?;
            converted.push(match inputs_to_json(Some(&record), allow_float) {
                Ok(j) => Ok(j),
                Err(ConvertError::Problem(p)) => Err(input_problem(py, rule, &p)),
                Err(ConvertError::Python(e)) => return Err(e),
            });
        }
        let good: Vec<serde_json::Value> = converted.iter().filter_map(|c| c.as_ref().ok().cloned()).collect();
        let opts = EvalOptions { as_of, trace, max_steps, max_digits, max_bytes, cancel: None };
        let rule_id = rule.to_string();
        let results = py.detach(|| self.inner.evaluate_many(&rule_id, &good, &opts));
        let mut results = results.into_iter();
        let out = PyList::empty(py);
        for (index, c) in converted.into_iter().enumerate() {
            let err = match c {
                Ok(_) => match results.next() {
                    Some(Ok(d)) => {
                        out.append(decision_to_py(py, d, mode)?)?;
                        continue;
                    }
                    Some(Err(e)) => eval_error(py, &e),
                    None => {
                        return Err(pyo3::exceptions::PyRuntimeError::new_err(
                            "the engine returned fewer results than records",
                        ))
                    }
                },
                Err(e) => e,
            };
            let value = err.into_value(py).into_bound(py);
            value.setattr("index", index)?;
            out.append(value)?;
        }
        Ok(out)
    }

    /// Evaluates one rule over columns: `columns` maps input names to
    /// sequences of equal length (one cell per row; `None` leaves the input
    /// out, so its default applies or the row fails as missing). The rule
    /// and its as-of date are resolved once; rows go to the core as values,
    /// with no per-row dict or JSON document. Returns `{"outputs": [names],
    /// "values": {name: list}, "errors": list}`: each list has one entry per
    /// row, `None` in the output lists where the row failed and in the error
    /// list where it succeeded (else the `OrdinanceError`, `.index` set).
    #[pyo3(signature = (rule, columns, *, as_of = None, numbers = "exact", allow_float = false, max_steps = None, max_digits = None, max_bytes = None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_columns<'py>(
        &self,
        py: Python<'py>,
        rule: &str,
        columns: &Bound<'py, PyDict>,
        as_of: Option<&Bound<'py, PyAny>>,
        numbers: &str,
        allow_float: bool,
        max_steps: Option<u64>,
        max_digits: Option<u64>,
        max_bytes: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mode = NumberMode::parse(numbers)?;
        let as_of = convert::as_of_date(as_of).map_err(|e| convert_error(py, rule, e))?;
        let opts = EvalOptions { as_of, trace: false, max_steps, max_digits, max_bytes, cancel: None };
        let rule_id = rule.to_string();
        let prepared = py.detach(|| self.inner.prepare(&rule_id, &opts)).map_err(|e| eval_error(py, &e))?;
        let r = prepared.rule();
        // cells to values, column by column
        let mut names: Vec<String> = Vec::with_capacity(columns.len());
        let mut cols: Vec<Vec<Option<Value>>> = Vec::with_capacity(columns.len());
        let mut row_problem: Vec<Option<ordinance_core::EvalError>> = Vec::new();
        for (key, column) in columns.iter() {
            let name: String = key.extract()?;
            let ty = r.inputs.iter().find(|i| i.name == name).map(|i| i.ty.clone());
            let mut values = Vec::new();
            for (row, cell) in column.try_iter()?.enumerate() {
                let cell = cell?;
                if row_problem.len() <= row {
                    row_problem.resize_with(row + 1, || None);
                }
                // a cell that cannot be read fails its row (its first such problem)
                let read = match (&ty, cell.is_none()) {
                    (_, true) | (None, _) => Ok(None),
                    (Some(ty), false) => match convert::to_json(&cell, &name, allow_float, 0) {
                        Ok(j) => ordinance_core::value::from_json(&j, ty, &name)
                            .map(Some)
                            .map_err(|p| (p.field, p.message, p.allowed)),
                        Err(ConvertError::Problem(p)) => Err((p.field, p.message, None)),
                        Err(ConvertError::Python(e)) => return Err(e),
                    },
                };
                let value = match read {
                    Ok(v) => v,
                    Err((field, message, allowed)) => {
                        if let Some(slot @ None) = row_problem.get_mut(row) {
                            *slot = Some(ordinance_core::EvalError::Input {
                                rule: r.qualified.clone(),
                                field,
                                message,
                                allowed,
                            });
                        }
                        None
                    }
                };
                values.push(value);
            }
            names.push(name);
            cols.push(values);
        }
        // the core evaluates; a row whose cell could not be read keeps that
        // problem as its error
        let named: Vec<(&str, &[Option<Value>])> =
            names.iter().map(String::as_str).zip(cols.iter().map(Vec::as_slice)).collect();
        let mut result = py.detach(|| prepared.evaluate_sparse_columns(&named)).map_err(|e| eval_error(py, &e))?;
        for (row, problem) in row_problem.into_iter().enumerate() {
            if let Some(p) = problem {
                if let Some(slot) = result.errors.get_mut(row) {
                    *slot = Some(Box::new(p));
                }
                for col in result.values.iter_mut() {
                    if let Some(v) = col.get_mut(row) {
                        *v = None;
                    }
                }
            }
        }
        let dict = PyDict::new(py);
        let values = PyDict::new(py);
        let output_names = PyList::empty(py);
        for ((name, ty), col) in result.outputs.iter().zip(&result.values) {
            output_names.append(name)?;
            let list = PyList::empty(py);
            let numbers = convert::column_mode(col, mode);
            for v in col {
                match v {
                    Some(v) => list.append(convert::column_value_to_py(py, v, ty, numbers)?)?,
                    None => list.append(py.None())?,
                }
            }
            values.set_item(name, list)?;
        }
        let errors = PyList::empty(py);
        for (index, e) in result.errors.iter().enumerate() {
            match e {
                None => errors.append(py.None())?,
                Some(e) => {
                    let value = eval_error(py, e).into_value(py).into_bound(py);
                    value.setattr("index", index)?;
                    errors.append(value)?;
                }
            }
        }
        dict.set_item("outputs", output_names)?;
        dict.set_item("values", values)?;
        dict.set_item("errors", errors)?;
        Ok(dict)
    }

    /// Evaluates one rule over an Arrow table (any object with
    /// `__arrow_c_stream__` or `__arrow_c_array__`): the rule's input
    /// columns are read in Rust, batch by batch, and the table comes back
    /// as an `ArrowTable` with one column per output (`prefix + name`) and,
    /// when `error_column` is given, that column holding each failed row's
    /// message. Returns `{"table", "first_error" (the `OrdinanceError` of
    /// the first failed row, `.index` set, or `None`), "failed", "rows"}`.
    /// An output name that is already a column raises `ValueError`.
    /// `number_scale` gives outputs declared `number` the one type
    /// `decimal128(38, number_scale)` (a row whose value has no exact
    /// decimal of that many places fails).
    #[pyo3(signature = (rule, data, *, as_of = None, allow_float = false, max_steps = None, max_digits = None, max_bytes = None, prefix = "", error_column = None, number_scale = None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_arrow<'py>(
        &self,
        py: Python<'py>,
        rule: &str,
        data: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        allow_float: bool,
        max_steps: Option<u64>,
        max_digits: Option<u64>,
        max_bytes: Option<u64>,
        prefix: &str,
        error_column: Option<String>,
        number_scale: Option<u8>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let as_of = convert::as_of_date(as_of).map_err(|e| convert_error(py, rule, e))?;
        let opts = EvalOptions { as_of, trace: false, max_steps, max_digits, max_bytes, cancel: None };
        let rule_id = rule.to_string();
        let prepared = py.detach(|| self.inner.prepare(&rule_id, &opts)).map_err(|e| eval_error(py, &e))?;
        let imported = crate::arrow::import(data)?;
        let arrow_opts = ordinance_arrow::Options {
            allow_float,
            prefix: prefix.to_string(),
            error_column,
            number_scale,
            ..ordinance_arrow::Options::default()
        };
        let crate::arrow::Imported { schema, reader } = imported;
        // the producer's data is validated as it is read; should a reader
        // still trip on it, the panic is caught here and raised as an
        // `InputError`, not as pyo3's PanicException
        let result = py.detach(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ordinance_arrow::evaluate(&prepared, &schema, reader, &arrow_opts)
            }))
        });
        let arrow_problem = |field: &str, message: String| {
            crate::errors::input_problem(py, rule, &crate::convert::Problem { field: field.to_string(), message })
        };
        let evaluated = match result {
            Ok(Ok(e)) => e,
            Ok(Err(ordinance_arrow::Error::Eval(e))) => return Err(eval_error(py, &e)),
            Ok(Err(ordinance_arrow::Error::Duplicate(n))) => {
                return Err(arrow_problem(
                    &n,
                    format!("the table has more than one column named `{n}`; give each input one column"),
                ))
            }
            Ok(Err(ordinance_arrow::Error::Arrow(m))) => {
                return Err(arrow_problem("", format!("the Arrow data is not valid: {m}")))
            }
            Ok(Err(e)) => return Err(pyo3::exceptions::PyValueError::new_err(e.to_string())),
            Err(_) => {
                return Err(arrow_problem(
                    "",
                    "the Arrow data contradicts its own description (lengths or buffers)".into(),
                ))
            }
        };
        let out = PyDict::new(py);
        match &evaluated.first_error {
            Some((index, e)) => {
                let value = eval_error(py, e).into_value(py).into_bound(py);
                value.setattr("index", *index)?;
                out.set_item("first_error", value)?;
            }
            None => out.set_item("first_error", py.None())?,
        }
        out.set_item("failed", evaluated.failed)?;
        out.set_item("rows", evaluated.rows)?;
        out.set_item("table", crate::arrow::ArrowTable::new(evaluated.schema, evaluated.batches))?;
        Ok(out)
    }

    /// Runs every pack's tests; returns `{"passed", "failed", "tests": [...]}`.
    fn run_tests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let report = py.detach(|| self.inner.run_tests());
        report_to_py(py, &report)
    }

    /// Loads the packs again and swaps them in atomically; returns what
    /// changed as a `dict` (`previous`, `ruleset`, `added`, `removed` as
    /// `{"pack", "file"}`, `changed`, `unchanged`). On failure the engine
    /// keeps its packs and raises `LoadError`.
    fn reload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = py.detach(|| self.inner.reload()).map_err(|e| load_error(py, &e))?;
        json_to_py(py, &report.to_json())
    }

    /// Runs a scenario file (its steps and its claims against the text)
    /// with the packs of `rules_dir` (the engine's folder when not given)
    /// and the engine's load options. Returns `{"document": the JSON
    /// report as Python objects, "data": the scenario's data tables,
    /// "text": {"zh", "en", "zh_findings",
    /// "en_findings"}}`, the texts being the CLI's renderings. A scenario
    /// or pack that does not load raises `LoadError`; a step that fails to
    /// evaluate raises its `EvaluationError`. Claims never raise: a claim
    /// that disagrees is in the report.
    #[pyo3(signature = (path, *, rules_dir = None))]
    fn run_scenario<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        rules_dir: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyDict>> {
        use ordinance_core::report::{render_text_with, Lang, RenderOptions};
        let dir = rules_dir.unwrap_or_else(|| self.rules_dir.clone());
        let options = self.inner.options().clone();
        let report =
            py.detach(|| ordinance_core::scenario::run_file_with(&path, &dir, &options)).map_err(|e| match e {
                ordinance_core::Error::Load(l) => load_error(py, &l),
                ordinance_core::Error::Eval(e) => eval_error(py, &e),
            })?;
        let text = PyDict::new(py);
        for (key, lang, only_findings) in [
            ("zh", Lang::Zh, false),
            ("en", Lang::En, false),
            ("zh_findings", Lang::Zh, true),
            ("en_findings", Lang::En, true),
        ] {
            text.set_item(key, render_text_with(&report, &RenderOptions { lang, only_findings }))?;
        }
        let data = PyDict::new(py);
        for (name, value) in &report.data {
            data.set_item(name, value_to_py(py, value, NumberMode::Exact)?)?;
        }
        // figures and claims straight from the report, exact Python values
        // (the JSON document carries non-integers as text)
        let snapshot = self.inner.snapshot();
        let steps = PyList::empty(py);
        let claims = PyList::empty(py);
        scenario_parts(py, &report, "", &snapshot, &steps, &claims)?;
        let out = PyDict::new(py);
        out.set_item("document", json_to_py(py, &report.to_json())?)?;
        out.set_item("data", data)?;
        out.set_item("steps", steps)?;
        out.set_item("claims", claims)?;
        out.set_item("text", text)?;
        Ok(out)
    }

    /// The same packs with reforms laid over them, in order: a new engine
    /// answering by the rule set they make. A reform that does not apply
    /// raises `LoadError`, located in the reform.
    fn with_reforms(&self, py: Python<'_>, reforms: Vec<PathBuf>) -> PyResult<Self> {
        match py.detach(|| self.inner.with_reforms(&reforms)) {
            Ok(inner) => Ok(PyEngine { inner, rules_dir: self.rules_dir.clone() }),
            Err(e) => Err(load_error(py, &e)),
        }
    }

    /// `rule` over `records` under this engine's rules (before) and
    /// `other`'s (after): the comparison document as JSON (changed rows
    /// with their index, before, after and cause; transitions; totals).
    #[pyo3(signature = (other, rule, records, *, as_of = None, allow_float = false))]
    fn compare_rows_json<'py>(
        &self,
        py: Python<'py>,
        other: &PyEngine,
        rule: &str,
        records: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        allow_float: bool,
    ) -> PyResult<String> {
        let as_of = convert::as_of_date(as_of).map_err(|e| convert_error(py, rule, e))?;
        let mut rows = Vec::new();
        for record in records.try_iter()? {
            rows.push(inputs_to_json(Some(&record?), allow_float).map_err(|e| convert_error(py, rule, e))?);
        }
        let opts = EvalOptions { as_of, ..EvalOptions::default() };
        let cmp = py
            .detach(|| ordinance_core::compare::compare_rows(&self.inner, &other.inner, rule, &rows, &opts))
            .map_err(|e| eval_error(py, &e))?;
        Ok(cmp.to_json().to_string())
    }

    /// A scenario run under this engine's rules (before) and `other`'s
    /// (after), and both engines' tests: the comparison as JSON, and its
    /// text in Chinese and English.
    #[pyo3(signature = (other, path, *, rules_dir = None))]
    fn compare_scenario_json(
        &self,
        py: Python<'_>,
        other: &PyEngine,
        path: PathBuf,
        rules_dir: Option<PathBuf>,
    ) -> PyResult<(String, String, String)> {
        use ordinance_core::report::Lang;
        let before_dir = rules_dir.clone().unwrap_or_else(|| self.rules_dir.clone());
        let after_dir = rules_dir.unwrap_or_else(|| other.rules_dir.clone());
        let (bo, ao) = (self.inner.options().clone(), other.inner.options().clone());
        let run = || ordinance_core::compare::compare_scenario_runs(&path, (&before_dir, &bo), (&after_dir, &ao));
        let cmp = py.detach(run).map_err(|e| match e {
            ordinance_core::Error::Load(l) => load_error(py, &l),
            ordinance_core::Error::Eval(e) => eval_error(py, &e),
        })?;
        Ok((cmp.to_json().to_string(), cmp.to_text(Lang::Zh), cmp.to_text(Lang::En)))
    }

    /// Metadata of every rule, as a list of `dict`s.
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let infos = py.detach(|| self.inner.rules());
        let out = PyList::empty(py);
        for r in &infos {
            out.append(rule_info_to_py(py, r)?)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let hash = self.inner.ruleset_hash();
        format!(
            "<ordinance._native.Engine rules_dir={:?} ruleset={:?}>",
            self.rules_dir.display().to_string(),
            hash.chars().take(12).collect::<String>()
        )
    }
}
