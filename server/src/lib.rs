//! `ordinance serve`: the HTTP decision service.
//!
//! A thin layer over the core's JSON façade ([`ordinance_core::facade`]):
//! every response body is the document the C ABI, Python and the CLI give,
//! and every error the same JSON error document with the same `code`. The
//! service listens on loopback unless told otherwise, limits request
//! bodies and time, needs a token for the endpoints that change anything,
//! and watches its rules folder: a change is loaded and swapped in
//! atomically, and a change that does not load leaves the old rules serving
//! and shows in `/healthz` with its located errors.

use axum::body::Bytes;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ordinance_core::{facade, Engine, Error, EvalError, LoadOptions};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

mod guard;
use guard::CancelOnDrop;

/// The largest request body `--max-body` may allow.
pub const MAX_BODY_CEILING: usize = 256 * 1024 * 1024;

/// How the service runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The rules folder or bundle.
    pub rules: PathBuf,
    /// Where to listen (loopback by default).
    pub listen: SocketAddr,
    /// The token the changing endpoints (`/v1/reload`) need, as
    /// `Authorization: Bearer <token>`; without one they are refused.
    pub token: Option<String>,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// The longest a request may take.
    pub timeout: Duration,
    /// How often the rules folder is looked at for changes (`None`: never).
    pub watch: Option<Duration>,
    /// Folders packs may read shared source texts from.
    pub shared_sources: Vec<PathBuf>,
    /// The folder `/v1/scenarios/run` may run scenarios from (none: the
    /// endpoint refuses).
    pub scenarios: Option<PathBuf>,
    /// Origins whose pages may call the service from a browser (CORS); none
    /// by default, so only same-origin pages (the workbench) can.
    pub cors: Vec<String>,
    /// Host names requests may name in `Host` besides the loopback names
    /// and the listening address (`--allow-host`).
    pub allow_hosts: Vec<String>,
    /// The most rows one batch request may hold (JSON, NDJSON or Arrow).
    pub max_rows: u64,
    /// The largest answer one request may get, in bytes.
    pub max_answer: usize,
    /// Reforms laid over the rules (`--reform`): the service answers by the
    /// rule set they make, and reapplies them on every reload.
    pub reforms: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rules: PathBuf::from("rules"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            max_body: 16 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            watch: Some(Duration::from_secs(1)),
            shared_sources: Vec::new(),
            scenarios: None,
            cors: Vec::new(),
            allow_hosts: Vec::new(),
            max_rows: 1_000_000,
            max_answer: 256 * 1024 * 1024,
            reforms: Vec::new(),
        }
    }
}

impl Config {
    /// Checks the settings before anything starts.
    ///
    /// # Errors
    /// A setting that cannot be honoured, said with what to give instead.
    pub fn validate(&self) -> Result<(), String> {
        if self.cors.iter().any(|o| o.trim() == "*") {
            return Err("--cors '*' would let every web page call the service with the officer's browser; name each origin, e.g. --cors https://portal.example.gov.cn".into());
        }
        for o in &self.cors {
            if o.parse::<header::HeaderValue>().is_err() || !(o.starts_with("http://") || o.starts_with("https://")) {
                return Err(format!("--cors `{o}` is not an origin such as https://portal.example.gov.cn"));
            }
        }
        if self.max_body > MAX_BODY_CEILING {
            return Err(format!("--max-body {} is above the ceiling of {MAX_BODY_CEILING} bytes", self.max_body));
        }
        Ok(())
    }
}

/// Counters for `/metrics`.
#[derive(Default)]
struct Metrics {
    /// (route, status) → count.
    requests: BTreeMap<(String, u16), u64>,
    /// route → (count, total seconds, bucket counts).
    latency: BTreeMap<String, (u64, f64, [u64; BUCKETS.len()])>,
    reloads: u64,
    reload_failures: u64,
}

const BUCKETS: [f64; 8] = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0];

/// What the handlers share.
struct Shared {
    engine: Engine,
    config: Config,
    metrics: Mutex<Metrics>,
    /// The last reload that failed, as its JSON error, until one succeeds.
    reload_error: Mutex<Option<serde_json::Value>>,
    started: Instant,
    /// One save at a time: check, write and reload as one step; held by
    /// the blocking task until the write is done or rolled back.
    saving: Arc<tokio::sync::Mutex<()>>,
    /// The host names requests may name.
    allowed_hosts: Vec<String>,
}

pub(crate) type AppState = Arc<Shared>;

/// A JSON response with a status.
fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The HTTP status of an error: the caller's fault (4xx) or not.
fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Load(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Eval(EvalError::UnknownRule { .. }) => StatusCode::NOT_FOUND,
        Error::Eval(_) => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn error_response(e: &Error) -> Response {
    json(status_of(e), facade::error_json(e))
}

/// An error document of the service's own (bad request body, no token).
pub(crate) fn own_error(status: StatusCode, code: &str, message: &str) -> Response {
    json(status, serde_json::json!({"code": code, "message": message}).to_string())
}

/// The body of `POST /v1/rules/{id}/evaluate`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Input name → value, as in `ordinance eval` (exact numbers as JSON
    /// numbers or strings such as "0.4" and "1/3").
    #[serde(default)]
    #[schema(value_type = Object)]
    pub inputs: serde_json::Map<String, serde_json::Value>,
    /// The date the rules apply as of, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2024-06-30")]
    pub as_of: Option<String>,
    /// Collect the trace (on by default).
    #[serde(default)]
    pub trace: Option<bool>,
}

fn options_text(as_of: &Option<String>, trace: Option<bool>) -> String {
    let mut m = serde_json::Map::new();
    if let Some(a) = as_of {
        m.insert("as_of".into(), a.clone().into());
    }
    if let Some(t) = trace {
        m.insert("trace".into(), t.into());
    }
    serde_json::Value::Object(m).to_string()
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Box::new(own_error(StatusCode::BAD_REQUEST, "invalid_utf8", "the request body is not UTF-8")))?;
    serde_json::from_str(text).map_err(|e| {
        Box::new(own_error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            &format!("the request body is not what this endpoint takes: {e}"),
        ))
    })
}

/// Evaluates one rule: the decision document `ordinance eval --format json` prints.
#[utoipa::path(post, path = "/v1/rules/{id}/evaluate", request_body = EvaluateRequest,
    params(("id" = String, Path, description = "the rule, pack.rule", example = "energy_safety.inspection_frequency")),
    responses((status = 200, description = "the decision document", body = Object),
              (status = 400, description = "the body is not JSON of this shape", body = Object),
              (status = 404, description = "no such rule", body = Object),
              (status = 422, description = "bad inputs or as-of date", body = Object)))]
async fn evaluate(State(s): State<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    let req: EvaluateRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let input = serde_json::Value::Object(req.inputs).to_string();
    let mut opts = match facade::parse_options(Some(&options_text(&req.as_of, req.trace))) {
        Ok(o) => o,
        Err(e) => return error_response(&e),
    };
    let cancel = CancelOnDrop::new();
    opts.cancel = Some(cancel.0.clone());
    let state = s.clone();
    let max_answer = s.config.max_answer;
    let done =
        tokio::task::spawn_blocking(move || facade::evaluate_json_with(&state.engine, &id, &input, &opts, max_answer))
            .await;
    drop(cancel);
    match done {
        Ok(Ok(doc)) => json(StatusCode::OK, doc),
        Ok(Err(e)) => error_response(&e),
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the evaluation stopped unexpectedly"),
    }
}

/// Evaluates one rule over many inputs: a JSON array of input objects, or
/// NDJSON (one object per line, `Content-Type: application/x-ndjson`);
/// the answer is a JSON array of `{"ok": decision}` or `{"error": error}`.
/// Or an Arrow IPC stream (`Content-Type:
/// application/vnd.apache.arrow.stream`) with one column per input; the
/// answer is an Arrow IPC stream of the same rows with one column per
/// output (`prefix` + name) and an `error` column (null where the row
/// succeeded), typed as the Python binding's Arrow tables are.
#[utoipa::path(post, path = "/v1/rules/{id}/evaluate-batch",
    request_body(description = "a JSON array of input objects, NDJSON, or an Arrow IPC stream",
        content((Object = "application/json"), (String = "application/x-ndjson"), (String = "application/vnd.apache.arrow.stream"))),
    params(("id" = String, Path, description = "the rule, pack.rule", example = "energy_safety.inspection_frequency"),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD"),
           ("trace" = Option<bool>, Query, description = "collect each trace (off by default; JSON only)"),
           ("prefix" = Option<String>, Query, description = "put before each output column's name (Arrow only)")),
    responses((status = 200, description = "one result per input, in order",
               content(([Object] = "application/json"), (String = "application/vnd.apache.arrow.stream"))),
              (status = 400, description = "the body is not UTF-8", body = Object),
              (status = 413, description = "more rows than the service takes (--max-rows)", body = Object),
              (status = 422, description = "the body is not a JSON array (or NDJSON) of input objects, a bad as-of date, or an answer over --max-answer", body = Object),
              (status = 404, description = "no such rule", body = Object)))]
async fn evaluate_batch(
    State(s): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<BatchQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if kind.starts_with(ARROW_STREAM) {
        return evaluate_arrow(s, id, q, body).await;
    }
    let ndjson = kind.starts_with("application/x-ndjson");
    let Ok(text) = std::str::from_utf8(&body) else {
        return own_error(StatusCode::BAD_REQUEST, "invalid_utf8", "the request body is not UTF-8");
    };
    let array = if ndjson {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() as u64 > s.config.max_rows {
            return too_many_rows(lines.len() as u64, s.config.max_rows);
        }
        format!("[{}]", lines.join(","))
    } else {
        text.to_string()
    };
    let mut opts = match facade::parse_options(Some(&options_text(&q.as_of, Some(q.trace.unwrap_or(false))))) {
        Ok(o) => o,
        Err(e) => return error_response(&e),
    };
    let cancel = CancelOnDrop::new();
    opts.cancel = Some(cancel.0.clone());
    let state = s.clone();
    let max_answer = s.config.max_answer;
    let done = tokio::task::spawn_blocking(move || {
        facade::evaluate_many_json_with(&state.engine, &id, &array, &opts, max_answer)
    })
    .await;
    drop(cancel);
    match done {
        Ok(Ok(doc)) => json(StatusCode::OK, doc),
        Ok(Err(e)) => error_response(&e),
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the evaluation stopped unexpectedly"),
    }
}

/// Query of the batch endpoint.
#[derive(serde::Deserialize)]
struct BatchQuery {
    as_of: Option<String>,
    trace: Option<bool>,
    prefix: Option<String>,
}

const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

fn too_many_rows(rows: u64, max: u64) -> Response {
    own_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_rows",
        &format!("the request holds {rows} rows or more, above this service's limit of {max}; send them in parts"),
    )
}

/// The batch endpoint over an Arrow IPC stream: read, evaluate and written
/// back by the columnar path (ordinance-arrow).
async fn evaluate_arrow(s: AppState, id: String, q: BatchQuery, body: Bytes) -> Response {
    let options = options_text(&q.as_of, Some(false));
    match guard::check_stream(&body, s.config.max_rows) {
        Ok(()) => {}
        Err(guard::StreamProblem::TooManyRows(n)) => return too_many_rows(n, s.config.max_rows),
        Err(guard::StreamProblem::Malformed(m)) => {
            return own_error(
                StatusCode::BAD_REQUEST,
                "invalid_arrow",
                &format!("the request body is not a valid Arrow IPC stream: {m}"),
            )
        }
    }
    let cancel = CancelOnDrop::new();
    let flag = cancel.0.clone();
    let max_answer = s.config.max_answer;
    let done = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, Box<Response>> {
        // the stream's framing is checked; a reader that still trips on
        // what lies inside a message answers 400, never takes the service
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            arrow_batch(&s, &id, q, body, &options, flag, max_answer)
        }))
        .unwrap_or_else(|_| {
            Err(Box::new(own_error(
                StatusCode::BAD_REQUEST,
                "invalid_arrow",
                "the request body is not a valid Arrow IPC stream: its data contradicts its metadata",
            )))
        })
    })
    .await;
    drop(cancel);
    match done {
        Ok(Ok(bytes)) => (StatusCode::OK, [(header::CONTENT_TYPE, ARROW_STREAM)], bytes).into_response(),
        Ok(Err(r)) => *r,
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the evaluation stopped unexpectedly"),
    }
}

/// Reads, evaluates and writes back one Arrow batch request.
fn arrow_batch(
    s: &Shared,
    id: &str,
    q: BatchQuery,
    body: Bytes,
    options: &str,
    cancel: ordinance_core::Cancel,
    max_answer: usize,
) -> Result<Vec<u8>, Box<Response>> {
    {
        let mut opts = facade::parse_options(Some(options)).map_err(|e| Box::new(error_response(&e)))?;
        opts.cancel = Some(cancel);
        let prepared = s.engine.prepare(id, &opts).map_err(|e| Box::new(error_response(&Error::Eval(e))))?;
        let bad = |m: String| Box::new(own_error(StatusCode::BAD_REQUEST, "invalid_arrow", &m));
        let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(body), None)
            .map_err(|e| bad(format!("the request body is not an Arrow IPC stream: {e}")))?;
        let schema = reader.schema();
        let mut names = std::collections::HashSet::new();
        if let Some(f) = schema.fields().iter().find(|f| !names.insert(f.name().as_str())) {
            return Err(bad(format!("the stream has two columns named `{}`; give each input one column", f.name())));
        }
        let arrow_opts = ordinance_arrow::Options {
            prefix: q.prefix.unwrap_or_default(),
            error_column: Some("error".into()),
            ..ordinance_arrow::Options::default()
        };
        let out = match ordinance_arrow::evaluate(&prepared, &schema, reader, &arrow_opts) {
            Ok(out) => out,
            Err(ordinance_arrow::Error::Eval(e)) => return Err(Box::new(error_response(&Error::Eval(e)))),
            Err(ordinance_arrow::Error::Arrow(m)) => return Err(bad(format!("the Arrow stream failed: {m}"))),
            Err(e) => {
                return Err(Box::new(own_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_argument", &e.to_string())))
            }
        };
        let size: usize = out.batches.iter().map(arrow_array::RecordBatch::get_array_memory_size).sum();
        if size > max_answer {
            return Err(Box::new(error_response(&Error::Eval(EvalError::Limit {
                rule: id.to_string(),
                message: format!("the answer would be larger than {max_answer} bytes; send fewer rows at a time"),
            }))));
        }
        let written = (|| {
            let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &out.schema)?;
            for b in &out.batches {
                w.write(b)?;
            }
            w.finish()?;
            w.into_inner()
        })();
        written.map_err(|e| Box::new(own_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string())))
    }
}

/// Every rule: id, title, kind, inputs, outputs, citation, validity.
#[utoipa::path(get, path = "/v1/rules", responses((status = 200, description = "the rules", body = [Object])))]
async fn rules(State(s): State<AppState>) -> Response {
    json(StatusCode::OK, facade::rules_json(&s.engine))
}

/// One rule's metadata.
#[utoipa::path(get, path = "/v1/rules/{id}", params(("id" = String, Path, description = "the rule, pack.rule", example = "energy_safety.inspection_frequency")),
    responses((status = 200, description = "the rule", body = Object), (status = 404, description = "no such rule", body = Object)))]
async fn rule(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match s.engine.rule(&id) {
        Some(r) => json(StatusCode::OK, r.to_json().to_string()),
        None => {
            let names: Vec<String> = s.engine.rules().into_iter().map(|r| r.id).collect();
            let suggestion = ordinance_core::expr::compile::suggest(&id, names.iter().map(String::as_str));
            error_response(&Error::Eval(EvalError::UnknownRule { rule: id, suggestion }))
        }
    }
}

/// The body of `POST /v1/check`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The pack's file name in the rules folder (`energy_safety.yaml`); a
    /// new name checks a new pack beside the others.
    #[schema(pattern = r"^[^/\\]+\.ya?ml$", example = "energy_safety.yaml")]
    pub file: String,
    /// The pack's text.
    pub text: String,
}

/// Checks a pack's text against the served rules folder (the other packs as
/// they are): `{"ok": true, "ruleset": …}` or `{"ok": false, "diagnostics":
/// [{file, line, column, message, help}]}`. Nothing is written.
#[utoipa::path(post, path = "/v1/check", request_body = CheckRequest,
    responses((status = 200, description = "the diagnostics (an empty list when the pack loads)", body = Object),
              (status = 400, description = "the body is not JSON of this shape", body = Object),
              (status = 415, description = "the body is not sent as application/json", body = Object),
              (status = 422, description = "the file is not a pack file's plain name", body = Object)))]
async fn check(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    // JSON only: a page on another site can post text/plain without asking,
    // but must ask (a preflight this service never grants) to post JSON
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !kind.starts_with("application/json") {
        return own_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the check as `Content-Type: application/json`",
        );
    }
    let req: CheckRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if !ordinance_core::loader::is_pack_file_name(&req.file) {
        return own_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_argument",
            &format!(
                "`{}` is not the name of a pack file; give a name such as energy_safety.yaml, without a folder",
                req.file
            ),
        );
    }
    let dir = s.config.rules.clone();
    let shared = s.config.shared_sources.clone();
    let done = tokio::task::spawn_blocking(move || {
        ordinance_core::loader::check_replacing(&dir, &shared, &req.file, &req.text)
    })
    .await;
    match done {
        Ok(Ok(hash)) => {
            json(StatusCode::OK, serde_json::json!({"ok": true, "ruleset": hash, "diagnostics": []}).to_string())
        }
        Ok(Err(e)) => json(
            StatusCode::OK,
            serde_json::json!({
                "ok": false,
                "diagnostics": diagnostics_json(&s, &e),
            })
            .to_string(),
        ),
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the check stopped unexpectedly"),
    }
}

/// Runs every pack's own tests.
#[utoipa::path(post, path = "/v1/tests", responses((status = 200, description = "passed, failed and each test", body = Object)))]
async fn tests(State(s): State<AppState>) -> Response {
    let state = s.clone();
    match tokio::task::spawn_blocking(move || facade::run_tests_json(&state.engine)).await {
        Ok(doc) => json(StatusCode::OK, doc),
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the tests stopped unexpectedly"),
    }
}

/// The body of `POST /v1/scenarios/run`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRequest {
    /// The scenario file, relative to the service's scenarios folder
    /// (`energy_safety_2024.yaml`).
    #[schema(example = "energy_safety_2024.yaml")]
    pub scenario: String,
    /// The language of the report text: `zh` (default) or `en`.
    #[serde(default)]
    #[schema(pattern = "^(zh|en)$")]
    pub lang: Option<String>,
}

/// Runs a scenario of the service's scenarios folder against the served
/// rules: the JSON report of `ordinance run --format json`, with the
/// report's text under `text`.
#[utoipa::path(post, path = "/v1/scenarios/run", request_body = ScenarioRequest,
    responses((status = 200, description = "the report", body = Object),
              (status = 400, description = "the body is not JSON of this shape, or an unknown language", body = Object),
              (status = 403, description = "the service was started without --scenarios", body = Object),
              (status = 404, description = "no such scenario", body = Object),
              (status = 422, description = "the scenario does not load or a step fails", body = Object)))]
async fn run_scenario(State(s): State<AppState>, body: Bytes) -> Response {
    let req: ScenarioRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(folder) = s.config.scenarios.clone() else {
        return own_error(StatusCode::FORBIDDEN, "forbidden", "this service was started without --scenarios DIR");
    };
    let lang = match req.lang.as_deref().map(ordinance_core::report::Lang::parse).transpose() {
        Ok(l) => l.unwrap_or(ordinance_core::report::Lang::Zh),
        Err(m) => return own_error(StatusCode::BAD_REQUEST, "invalid_argument", &m),
    };
    let confine = ordinance_core::files::Confinement::new(&folder, &[]);
    // one answer for missing, unreadable and outside: the caller learns
    // nothing of the host's files beyond the scenarios it may run
    let Ok(path) = confine.resolve(&folder, &req.scenario, "scenario") else {
        return own_error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!(
                "no scenario `{}` in the service's scenarios folder; GET /v1/scenarios lists them",
                req.scenario.replace(|c: char| c.is_control(), " ")
            ),
        );
    };
    let rules = s.config.rules.clone();
    let options = s.engine.options().clone();
    let done = tokio::task::spawn_blocking(move || {
        ordinance_core::scenario::run_file_with(&path, &rules, &options).map(|report| {
            let text = ordinance_core::report::render_text_with(
                &report,
                &ordinance_core::report::RenderOptions { lang, only_findings: false },
            );
            let mut doc = report.to_json();
            if let Some(m) = doc.as_object_mut() {
                m.insert("text".into(), text.into());
            }
            doc
        })
    })
    .await;
    match done {
        Ok(Ok(doc)) => json(StatusCode::OK, doc.to_string()),
        Ok(Err(e)) => json(status_of(&e), hide_folder(&s, e.to_json()).to_string()),
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the scenario stopped unexpectedly"),
    }
}

/// A document sent with a comparison: a plain file name and its text.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SentFile {
    /// A plain file name, without a folder (`class_b.yaml`, `draft.txt`).
    #[schema(pattern = r"^[^/\\]+$", example = "class_b.yaml")]
    pub file: String,
    /// Its text.
    pub text: String,
}

/// The body of `POST /v1/compare`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// The reform (`docs/rule-format.md` §19).
    pub reform: SentFile,
    /// The texts the reform cites (its `source.text` names one of them).
    #[serde(default)]
    pub sources: Vec<SentFile>,
    /// A scenario of the service's scenarios folder to run before and after.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Or a rule, `pack.rule`, to evaluate over `rows` before and after.
    #[serde(default)]
    pub rule: Option<String>,
    /// The rows: objects of the rule's inputs.
    #[serde(default)]
    pub rows: Option<Vec<serde_json::Value>>,
    /// The as-of date of a rule comparison, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub as_of: Option<String>,
    /// The language of a scenario comparison's text: `zh` (default) or `en`.
    #[serde(default)]
    #[schema(pattern = "^(zh|en)$")]
    pub lang: Option<String>,
}

/// The effect of a reform on the served rules: for `rule` and `rows`, the
/// changed rows with their cause, the transitions and the totals; for
/// `scenario`, every figure that moved, the claims that flip and the pack
/// tests the change breaks (with `text`). Nothing is written to the rules
/// folder; the reform and its texts live in a private temporary folder for
/// the request.
#[utoipa::path(post, path = "/v1/compare", request_body = CompareRequest,
    responses((status = 200, description = "the comparison", body = Object),
              (status = 400, description = "the body is not JSON of this shape", body = Object),
              (status = 403, description = "a scenario was asked of a service started without --scenarios", body = Object),
              (status = 404, description = "no such scenario or rule", body = Object),
              (status = 415, description = "the body is not sent as application/json", body = Object),
              (status = 422, description = "the reform does not apply, or neither a scenario nor a rule and rows was given", body = Object)))]
async fn compare(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !kind.starts_with("application/json") {
        return own_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the comparison as `Content-Type: application/json`",
        );
    }
    let req: CompareRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let plain = |n: &str| !n.is_empty() && !n.contains(['/', '\\', '\0']) && n != "." && n != "..";
    if let Some(f) = std::iter::once(&req.reform).chain(&req.sources).find(|f| !plain(&f.file)) {
        return own_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_argument",
            &format!(
                "`{}` is not a plain file name; give a name such as class_b.yaml, without a folder",
                f.file.replace(|c: char| c.is_control(), " ")
            ),
        );
    }
    let scenario = match (&req.scenario, &req.rule, &req.rows) {
        (Some(sc), None, None) => {
            let Some(folder) = s.config.scenarios.clone() else {
                return own_error(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this service was started without --scenarios DIR",
                );
            };
            let confine = ordinance_core::files::Confinement::new(&folder, &[]);
            let Ok(path) = confine.resolve(&folder, sc, "scenario") else {
                return own_error(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no such scenario in the service's scenarios folder; GET /v1/scenarios lists them",
                );
            };
            Some(path)
        }
        (None, Some(_), Some(_)) => None,
        _ => {
            return own_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_argument",
                "give `scenario`, or `rule` and `rows`, to compare",
            )
        }
    };
    let lang = match req.lang.as_deref().map(ordinance_core::report::Lang::parse).transpose() {
        Ok(l) => l.unwrap_or(ordinance_core::report::Lang::Zh),
        Err(m) => return own_error(StatusCode::BAD_REQUEST, "invalid_argument", &m),
    };
    let state = s.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<serde_json::Value, Box<Response>> {
        // the reform and its texts, in a folder of the request's own
        let dir = tempfile::tempdir()
            .map_err(|_| Box::new(own_error(StatusCode::INTERNAL_SERVER_ERROR, "io", "no temporary folder")))?;
        for f in std::iter::once(&req.reform).chain(&req.sources) {
            std::fs::write(dir.path().join(&f.file), &f.text).map_err(|_| {
                Box::new(own_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_argument",
                    "a file name of the request cannot be used (too long?); give a short plain name",
                ))
            })?;
        }
        let shown = |v: serde_json::Value| {
            let text = v.to_string().replace(&format!("{}/", dir.path().display()), "");
            serde_json::from_str::<serde_json::Value>(&text).unwrap_or(v)
        };
        let after = state.engine.with_reforms(&[dir.path().join(&req.reform.file)]).map_err(|e| {
            Box::new(json(
                StatusCode::UNPROCESSABLE_ENTITY,
                shown(serde_json::json!({"ok": false, "diagnostics": diagnostics_json(&state, &e)})).to_string(),
            ))
        })?;
        let fail = |e: Error| Box::new(json(status_of(&e), hide_folder(&state, e.to_json()).to_string()));
        match (scenario, req.rule, req.rows) {
            (Some(path), _, _) => {
                let rules = state.config.rules.clone();
                let before_opts = state.engine.options().clone();
                let after_opts = after.options().clone();
                let cmp = ordinance_core::compare::compare_scenario_runs(
                    &path,
                    (&rules, &before_opts),
                    (&rules, &after_opts),
                )
                .map_err(fail)?;
                let mut doc = cmp.to_json();
                if let Some(m) = doc.as_object_mut() {
                    m.insert("text".into(), cmp.to_text(lang).into());
                }
                Ok(shown(doc))
            }
            (None, Some(rule), Some(rows)) => {
                let options = serde_json::json!({ "as_of": req.as_of }).to_string();
                let opts = facade::parse_options(Some(&options)).map_err(fail)?;
                let cmp = ordinance_core::compare::compare_rows(&state.engine, &after, &rule, &rows, &opts)
                    .map_err(|e| fail(Error::Eval(e)))?;
                Ok(shown(cmp.to_json()))
            }
            _ => Err(Box::new(own_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_argument",
                "give `scenario`, or `rule` and `rows`, to compare",
            ))),
        }
    })
    .await;
    match done {
        Ok(Ok(doc)) => json(StatusCode::OK, doc.to_string()),
        Ok(Err(r)) => *r,
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the comparison stopped unexpectedly"),
    }
}

fn diagnostics_json(s: &Shared, e: &ordinance_core::LoadError) -> Vec<serde_json::Value> {
    e.diagnostics
        .iter()
        .map(|d| {
            hide_folder(
                s,
                serde_json::json!({
                    "file": d.file, "line": d.line, "column": d.column, "message": d.message, "help": d.help
                }),
            )
        })
        .collect()
}

/// The folders whose absolute paths an answer must not show: the rules
/// folder as given and as the system resolves it.
fn hidden_prefixes(s: &Shared) -> Vec<String> {
    let mut out = Vec::new();
    let folders = [Some(&s.config.rules), s.config.scenarios.as_ref()];
    let given = folders.iter().flatten().map(|p| (*p).clone());
    let resolved = folders.iter().flatten().filter_map(|p| p.canonicalize().ok());
    for p in given.chain(resolved).chain(s.config.shared_sources.iter().cloned()) {
        let t = p.display().to_string();
        if !t.is_empty() && t != "." {
            out.push(format!("{}/", t.trim_end_matches('/')));
        }
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.len()));
    out
}

/// A JSON answer with every path inside the rules folder made relative to
/// it: what an unauthenticated caller learns of the host is the pack's name.
fn hide_folder(s: &Shared, v: serde_json::Value) -> serde_json::Value {
    fn walk(v: serde_json::Value, prefixes: &[String]) -> serde_json::Value {
        match v {
            serde_json::Value::String(t) => {
                let mut t = t;
                for p in prefixes {
                    t = t.replace(p.as_str(), "");
                }
                serde_json::Value::String(t)
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(|x| walk(x, prefixes)).collect()),
            serde_json::Value::Object(m) => {
                serde_json::Value::Object(m.into_iter().map(|(k, x)| (k, walk(x, prefixes))).collect())
            }
            other => other,
        }
    }
    walk(v, &hidden_prefixes(s))
}

/// Every pack: id, title, file, document, and its rules.
#[utoipa::path(get, path = "/v1/packs", responses((status = 200, description = "the packs", body = [Object])))]
async fn packs(State(s): State<AppState>) -> Response {
    json(StatusCode::OK, ordinance_core::view::packs_json(&s.engine.snapshot()).to_string())
}

/// One pack as the workbench shows it: each rule with its inputs, outputs
/// and table as a grid, every citation located as the lines it quotes, the
/// document's lines of the source text, the tests and properties, and the
/// pack file's text (`text`; `editable` says whether `/v1/save` may write
/// it).
#[utoipa::path(get, path = "/v1/packs/{pack}", params(("pack" = String, Path, description = "the pack id", example = "energy_safety")),
    responses((status = 200, description = "the pack", body = Object), (status = 404, description = "no such pack", body = Object)))]
async fn pack(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    let rs = s.engine.snapshot();
    let Some(mut doc) = ordinance_core::view::pack_json(&rs, &name) else {
        return own_error(StatusCode::NOT_FOUND, "not_found", &format!("no pack `{name}`; GET /v1/packs lists them"));
    };
    let file = doc.get("file").and_then(|f| f.as_str()).unwrap_or_default().to_string();
    let text = ordinance_core::loader::pack_text(&s.config.rules, &file).ok();
    let editable = s.config.rules.is_dir() && s.config.token.is_some();
    if let Some(m) = doc.as_object_mut() {
        m.insert("text".into(), text.into());
        m.insert("editable".into(), editable.into());
    }
    json(StatusCode::OK, doc.to_string())
}

/// The body of `POST /v1/save`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// The pack's file name in the rules folder (`energy_safety.yaml`).
    #[schema(pattern = r"^[^/\\]+\.ya?ml$", example = "energy_safety.yaml")]
    pub file: String,
    /// The pack's new text.
    pub text: String,
}

/// Saves a pack's text if it loads beside the other packs, atomically,
/// keeping the previous text as `<file>.previous`, and serves the new rules
/// at once (needs the token). A text that does not load is not written: the
/// answer is 422 with its diagnostics, as `/v1/check` gives them.
#[utoipa::path(post, path = "/v1/save", request_body = SaveRequest, security(("token" = [])),
    responses((status = 200, description = "saved and serving: ok, ruleset, previous, reload", body = Object),
              (status = 400, description = "the body is not JSON of this shape", body = Object),
              (status = 403, description = "the service was started without a token", body = Object),
              (status = 401, description = "no or wrong token", body = Object),
              (status = 408, description = "the save ran out of time before it took effect; nothing was written", body = Object),
              (status = 422, description = "the text does not load; nothing was written", body = Object)))]
async fn save(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authorised(&s, &headers) {
        return *r;
    }
    let req: SaveRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    // the lock goes with the blocking task: it is released when the write
    // is done or rolled back, never while a write goes on. The save is not
    // under the timeout layer (which would answer while the write goes
    // on): it keeps its own time, asked before the write takes effect, so
    // its answer always says what happened.
    let deadline = Instant::now() + s.config.timeout;
    let Ok(one) = tokio::time::timeout_at(deadline.into(), s.saving.clone().lock_owned()).await else {
        return own_error(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "another save held the rules folder for the whole time limit; nothing was written",
        );
    };
    let state = s.clone();
    let late = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let was_late = late.clone();
    let done = tokio::task::spawn_blocking(move || {
        let _one = one;
        let proceed = || {
            let on_time = Instant::now() < deadline;
            late.store(!on_time, std::sync::atomic::Ordering::Relaxed);
            on_time
        };
        let saved = ordinance_core::loader::save_replacing_if(
            &state.config.rules,
            &state.config.shared_sources,
            &req.file,
            &req.text,
            &proceed,
        )?;
        let reload = do_reload(&state)?;
        Ok::<_, ordinance_core::LoadError>((saved, reload))
    })
    .await;
    if was_late.load(std::sync::atomic::Ordering::Relaxed) {
        return own_error(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the save ran out of time before it took effect; nothing was written",
        );
    }
    match done {
        Ok(Ok((saved, reload))) => json(
            StatusCode::OK,
            serde_json::json!({"ok": true, "ruleset": saved.ruleset, "previous": saved.previous, "reload": reload})
                .to_string(),
        ),
        Ok(Err(e)) => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            hide_folder(&s, serde_json::json!({"ok": false, "code": "load", "message": e.to_string(), "diagnostics": diagnostics_json(&s, &e)}))
                .to_string(),
        ),
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the save stopped unexpectedly"),
    }
}

/// The scenario files `/v1/scenarios/run` can run (empty without
/// `--scenarios DIR`).
#[utoipa::path(get, path = "/v1/scenarios", responses((status = 200, description = "scenario file names", body = [String])))]
async fn scenarios(State(s): State<AppState>) -> Response {
    let mut names: Vec<String> = s
        .config
        .scenarios
        .as_ref()
        .and_then(|d| std::fs::read_dir(d).ok())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    json(StatusCode::OK, serde_json::json!(names).to_string())
}

/// The workbench's files, embedded in the binary (the page works offline).
const WORKBENCH: [(&str, &str, &str); 3] = [
    ("index.html", "text/html; charset=utf-8", include_str!("../workbench/index.html")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../workbench/app.js")),
    ("app.css", "text/css; charset=utf-8", include_str!("../workbench/app.css")),
];

fn asset(name: &str) -> Response {
    match WORKBENCH.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
                ),
            ],
            *body,
        )
            .into_response(),
        None => own_error(StatusCode::NOT_FOUND, "not_found", "no such workbench file"),
    }
}

async fn workbench_index() -> Response {
    asset("index.html")
}

async fn workbench_asset(Path(name): Path<String>) -> Response {
    asset(&name)
}

/// Loads the rules again and swaps them in (needs the token).
#[utoipa::path(post, path = "/v1/reload", security(("token" = [])),
    responses((status = 200, description = "what changed", body = Object),
              (status = 401, description = "no or wrong token", body = Object),
              (status = 403, description = "the service was started without a token", body = Object),
              (status = 422, description = "the rules do not load; the old ones keep serving", body = Object)))]
async fn reload(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authorised(&s, &headers) {
        return *r;
    }
    let state = s.clone();
    match tokio::task::spawn_blocking(move || do_reload(&state)).await {
        Ok(Ok(report)) => json(StatusCode::OK, report.to_string()),
        Ok(Err(e)) => {
            let e = Error::Load(e);
            json(status_of(&e), hide_folder(&s, e.to_json()).to_string())
        }
        Err(_) => own_error(StatusCode::INTERNAL_SERVER_ERROR, "panic", "the reload stopped unexpectedly"),
    }
}

fn do_reload(s: &Shared) -> Result<serde_json::Value, ordinance_core::LoadError> {
    let result = s.engine.reload();
    let mut m = s.metrics.lock().unwrap_or_else(PoisonError::into_inner);
    m.reloads += 1;
    match result {
        Ok(report) => {
            *s.reload_error.lock().unwrap_or_else(PoisonError::into_inner) = None;
            Ok(report.to_json())
        }
        Err(e) => {
            m.reload_failures += 1;
            *s.reload_error.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(hide_folder(s, Error::Load(e.clone()).to_json()));
            Err(e)
        }
    }
}

fn authorised(s: &Shared, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let Some(token) = &s.config.token else {
        return Err(Box::new(own_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this service was started without --token, so it changes nothing over HTTP",
        )));
    };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    // compare in constant time for equal lengths
    let ok = given.is_some_and(|g| {
        g.len() == token.len() && g.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    if ok {
        Ok(())
    } else {
        Err(Box::new(own_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "give the service's token as `Authorization: Bearer <token>`",
        )))
    }
}

/// Whether the service is serving, the rule set it serves, and the last
/// reload's errors when it failed (the old rules keep serving).
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "serving", body = Object)))]
async fn healthz(State(s): State<AppState>) -> Response {
    let error = s.reload_error.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let body = serde_json::json!({
        "status": if error.is_some() { "degraded" } else { "ok" },
        "ruleset": s.engine.ruleset_hash(),
        "rules": s.engine.rules().len(),
        "uptime_seconds": s.started.elapsed().as_secs(),
        "reload_error": error,
    });
    json(StatusCode::OK, body.to_string())
}

/// Prometheus text: requests by route and status, latencies, reloads, and
/// the rule set served.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(s): State<AppState>) -> Response {
    let m = s.metrics.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = String::new();
    out.push_str(
        "# HELP ordinance_requests_total HTTP requests by route and status.\n# TYPE ordinance_requests_total counter\n",
    );
    for ((route, status), n) in &m.requests {
        out.push_str(&format!("ordinance_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n"));
    }
    out.push_str(
        "# HELP ordinance_request_seconds Request latency by route.\n# TYPE ordinance_request_seconds histogram\n",
    );
    for (route, (count, sum, buckets)) in &m.latency {
        for (le, n) in BUCKETS.iter().zip(buckets) {
            out.push_str(&format!("ordinance_request_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {n}\n"));
        }
        out.push_str(&format!("ordinance_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}\n"));
        out.push_str(&format!("ordinance_request_seconds_sum{{route=\"{route}\"}} {sum}\n"));
        out.push_str(&format!("ordinance_request_seconds_count{{route=\"{route}\"}} {count}\n"));
    }
    out.push_str(&format!(
        "# HELP ordinance_reloads_total Reloads of the rules.\n# TYPE ordinance_reloads_total counter\nordinance_reloads_total {}\n",
        m.reloads
    ));
    out.push_str(&format!(
        "# HELP ordinance_reload_failures_total Reloads that did not load (the old rules kept serving).\n# TYPE ordinance_reload_failures_total counter\nordinance_reload_failures_total {}\n",
        m.reload_failures
    ));
    out.push_str(&format!(
        "# HELP ordinance_ruleset_info The rule set served.\n# TYPE ordinance_ruleset_info gauge\nordinance_ruleset_info{{ruleset=\"{}\"}} 1\n",
        s.engine.ruleset_hash()
    ));
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// The OpenAPI document of this service.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "ordinance", description = "Regulations as code: evaluate rule packs over HTTP, with each decision's citation."),
    paths(evaluate, evaluate_batch, rules, rule, check, tests, run_scenario, compare, reload, healthz, metrics, packs, pack, save, scenarios),
    components(schemas(EvaluateRequest, CheckRequest, ScenarioRequest, SaveRequest, CompareRequest, SentFile)),
    modifiers(&TokenScheme)
)]
pub struct ApiDoc;

struct TokenScheme;

impl utoipa::Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document as JSON text (committed as `server/openapi.json`).
pub fn openapi_json() -> String {
    use utoipa::OpenApi as _;
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    json(StatusCode::OK, openapi_json())
}

/// Every error answered as a JSON error document, also those axum and
/// tower give (a path or query that does not parse, a body over the limit,
/// a request over the time limit), which come as plain text.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024).await.unwrap_or_default();
    let said = String::from_utf8_lossy(&bytes).trim().to_string();
    let message = if said.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { said };
    own_error(status, code, &message)
}

async fn count(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let start = Instant::now();
    let resp = next.run(req).await;
    let took = start.elapsed().as_secs_f64();
    let mut m = s.metrics.lock().unwrap_or_else(PoisonError::into_inner);
    *m.requests.entry((route.clone(), resp.status().as_u16())).or_insert(0) += 1;
    let e = m.latency.entry(route).or_insert((0, 0.0, [0; BUCKETS.len()]));
    e.0 += 1;
    e.1 += took;
    for (le, n) in BUCKETS.iter().zip(e.2.iter_mut()) {
        if took <= *le {
            *n += 1;
        }
    }
    resp
}

/// The service's routes over an engine.
fn router(state: AppState) -> Router {
    let max_body = state.config.max_body;
    let timeout = state.config.timeout;
    let cors = state.config.cors.clone();
    let router = Router::new()
        .route("/v1/rules", get(rules))
        .route("/v1/rules/{id}", get(rule))
        .route("/v1/rules/{id}/evaluate", post(evaluate))
        .route("/v1/rules/{id}/evaluate-batch", post(evaluate_batch))
        .route("/v1/check", post(check))
        .route("/v1/tests", post(tests))
        .route("/v1/scenarios/run", post(run_scenario))
        .route("/v1/compare", post(compare))
        .route("/v1/reload", post(reload))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/packs", get(packs))
        .route("/v1/packs/{pack}", get(pack))
        .route("/v1/scenarios", get(scenarios))
        .route("/", get(workbench_index))
        .route("/workbench/{file}", get(workbench_asset))
        .fallback(|| async { own_error(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see /openapi.json") })
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        // the save keeps its own time (see `save`)
        .route("/v1/save", post(save))
        // counted outside the timeout, so that 408s are counted too
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), guard::check_host));
    let router = if cors.is_empty() {
        router
    } else {
        let origins: Vec<header::HeaderValue> = cors.iter().filter_map(|o| o.parse().ok()).collect();
        router.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        )
    };
    router.with_state(state)
}

/// One file's part of a [`fingerprint`]: its name, length, modification
/// time and, for a file of at most [`HASHED_BYTES`], a hash of its content.
type FilePrint = (PathBuf, u64, Option<SystemTime>, Option<u64>);

/// Files up to this size (packs, most source texts) are hashed whole on each
/// look: an edit that keeps the length within one tick of the file system's
/// clock leaves length and time as they were.
const HASHED_BYTES: u64 = 1 << 20;

/// A fingerprint of the rules folder, to notice edits.
fn fingerprint(path: &FsPath) -> Vec<FilePrint> {
    fn print(p: PathBuf, meta: &std::fs::Metadata) -> FilePrint {
        let hash = (meta.len() <= HASHED_BYTES).then(|| std::fs::read(&p).ok()).flatten().map(|bytes| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            h.finish()
        });
        (p, meta.len(), meta.modified().ok(), hash)
    }
    fn walk(dir: &FsPath, out: &mut Vec<FilePrint>, depth: usize) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() && depth < 4 {
                walk(&p, out, depth + 1);
            } else if meta.is_file() {
                out.push(print(p, &meta));
            }
        }
    }
    let mut out = Vec::new();
    if path.is_file() {
        if let Ok(meta) = std::fs::metadata(path) {
            out.push(print(path.to_path_buf(), &meta));
        }
    } else {
        walk(path, &mut out, 0);
    }
    out.sort();
    out
}

/// A running service: its address, and a handle to stop it.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops the service and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

/// The service's state: the settings checked, the rules loaded.
fn shared(config: &Config) -> Result<AppState, String> {
    config.validate()?;
    let options = LoadOptions {
        shared_sources: config.shared_sources.clone(),
        forbid_removal: false,
        reforms: config.reforms.clone(),
    };
    let engine = Engine::load_dir_with(&config.rules, options).map_err(|e| e.to_string())?;
    Ok(Arc::new(Shared {
        engine,
        config: config.clone(),
        metrics: Mutex::new(Metrics::default()),
        reload_error: Mutex::new(None),
        started: Instant::now(),
        saving: Arc::new(tokio::sync::Mutex::new(())),
        allowed_hosts: guard::allowed_hosts(config),
    }))
}

/// The service's routes over the rules `config` names, without a listener:
/// for serving on a transport of the host's own, and for fuzzing the
/// handlers in process. Nothing is watched.
///
/// # Errors
/// The settings are refused, or the rules do not load.
pub fn app(config: &Config) -> Result<Router, String> {
    Ok(router(shared(config)?))
}

/// Loads the rules and starts serving on a tokio runtime already running.
///
/// # Errors
/// The rules do not load, or the address cannot be bound.
pub async fn start(config: Config) -> Result<Running, String> {
    // the folder as it was before the rules were read: an edit made at any
    // time after is noticed (taken later, in the watcher's own task, an edit
    // made before the task first ran would pass unseen)
    let first = config.watch.map(|_| fingerprint(&config.rules));
    let state = shared(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if let (Some(every), Some(first)) = (config.watch, first) {
        let watched = state.clone();
        tokio::spawn(async move {
            let mut last = first;
            loop {
                tokio::time::sleep(every).await;
                let now = fingerprint(&watched.config.rules);
                if now != last {
                    last = now;
                    let s = watched.clone();
                    let _ = tokio::task::spawn_blocking(move || do_reload(&s)).await;
                }
            }
        });
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state);
    let task = tokio::spawn(guard::serve_connections(listener, app, stopped));
    Ok(Running { addr, stop: Some(stop), task })
}

/// Runs the service until Ctrl-C (the CLI's `ordinance serve`).
///
/// # Errors
/// The rules do not load, or the address cannot be bound.
pub fn serve(config: Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let running = start(config).await?;
        eprintln!("ordinance: serving on http://{} (Ctrl-C stops)", running.addr);
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await;
        Ok(())
    })
}
