//! `libordinance`: the C ABI of ordinance, for C and .NET systems.
//!
//! Every function here only translates: C strings in, the core's JSON façade
//! ([`ordinance_core::facade`]) in the middle, C strings and a status code
//! out. All rule semantics stay in `ordinance-core`. `include/ordinance.h` is
//! generated from this file by cbindgen (`ffi/cbindgen.toml`), so the `///`
//! comments below are the C documentation: they state who owns what, how
//! long a pointer lives and which calls may run on several threads at once.
//!
//! Every export runs inside [`guard`], which turns a Rust panic into
//! `ORD_STATUS_PANIC` and a message instead of unwinding into C; the
//! workspace keeps the default `panic = "unwind"` so that this can work.

use ordinance_core::{facade, Engine, Error};
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

mod abi_version;
pub use abi_version::ORD_ABI_VERSION;

/// The outcome of a call. `ORD_STATUS_OK` (0) is success; every other value
/// is a failure whose details `ord_last_error_message` and
/// `ord_last_error_json` return on the same thread. Values are never reused:
/// a new kind of failure gets a new number.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrdStatus {
    /// The call succeeded.
    Ok = 0,
    /// A pointer argument that must not be NULL was NULL (error code
    /// `null_argument`; the JSON names the `argument`).
    NullArgument = 1,
    /// A string argument was not valid UTF-8 (error code `invalid_utf8`).
    InvalidUtf8 = 2,
    /// The input or options text was not well-formed JSON (error code
    /// `invalid_json`).
    InvalidJson = 3,
    /// The rule packs failed to load (error code `load`; the JSON carries
    /// `file`, `line`, `column`, `hint` and every problem under
    /// `diagnostics`).
    LoadError = 4,
    /// No rule has the given id (error code `unknown_rule`; `hint` may
    /// suggest the closest id).
    UnknownRule = 5,
    /// An input or option is missing, of the wrong type or not an allowed
    /// value (error code `input`; the JSON names the `field` and, for
    /// enumerations, the `allowed` values).
    InputError = 6,
    /// The as-of date lies outside the pack's validity (error code
    /// `validity`).
    ValidityError = 7,
    /// Evaluation failed: overflow, division by zero, no matching row
    /// (error code `evaluation`).
    EvaluationError = 8,
    /// A limit (evaluation steps, list length) was exceeded (error code
    /// `limit`).
    LimitExceeded = 9,
    /// The library hit an internal bug and recovered; the message says
    /// where (error code `panic`). Please report it.
    Panic = 10,
}

impl OrdStatus {
    /// The status for an error code of the structured error JSON. A code
    /// this version does not know is reported as an evaluation error.
    fn from_code(code: &str) -> OrdStatus {
        match code {
            "null_argument" => OrdStatus::NullArgument,
            "invalid_utf8" => OrdStatus::InvalidUtf8,
            "invalid_json" => OrdStatus::InvalidJson,
            "load" => OrdStatus::LoadError,
            "unknown_rule" => OrdStatus::UnknownRule,
            "input" => OrdStatus::InputError,
            "validity" => OrdStatus::ValidityError,
            "limit" => OrdStatus::LimitExceeded,
            "panic" => OrdStatus::Panic,
            _ => OrdStatus::EvaluationError,
        }
    }
}

/// A loaded rules engine: the rule packs of one directory, compiled.
///
/// Opaque: create it with `ord_engine_load_dir`, free it with
/// `ord_engine_free`. An `OrdEngine` may be used from many threads at once:
/// `ord_evaluate_json`, `ord_evaluate_many_json`, `ord_engine_ruleset`,
/// `ord_engine_rules_json`, `ord_engine_run_tests_json` and
/// `ord_engine_reload` may all run concurrently on the same engine. Only
/// `ord_engine_free` must not overlap any other call on it.
pub struct OrdEngine {
    engine: Engine,
}

/// Why a call failed: its status, a one-line (or, for load errors, a
/// few-line) message, and the structured error document.
struct Failure {
    status: OrdStatus,
    message: String,
    json: serde_json::Value,
}

impl Failure {
    /// A failure the core reported; the status follows its `code`.
    fn core(e: &Error) -> Failure {
        let json = e.to_json();
        let status = OrdStatus::from_code(json.get("code").and_then(|c| c.as_str()).unwrap_or(""));
        Failure { status, message: e.to_string(), json }
    }

    /// A failure detected here, at the boundary.
    fn boundary(code: &str, argument: &str, message: String) -> Failure {
        Failure {
            status: OrdStatus::from_code(code),
            json: serde_json::json!({ "code": code, "message": message, "argument": argument }),
            message,
        }
    }

    fn null(argument: &str) -> Failure {
        Failure::boundary("null_argument", argument, format!("argument `{argument}` is NULL"))
    }

    /// Malformed JSON: the core's own message (so it reads as the CLI's),
    /// with the more precise code `invalid_json`.
    fn invalid_json(e: &Error) -> Failure {
        let mut f = Failure::core(e);
        f.status = OrdStatus::InvalidJson;
        if let Some(m) = f.json.as_object_mut() {
            m.insert("code".into(), "invalid_json".into());
        }
        f
    }
}

/// The last error of this thread, kept as C strings so that the getters can
/// hand out borrowed pointers.
struct LastError {
    message: CString,
    json: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// A C string from Rust text; interior NUL bytes (which C cannot carry) are
/// dropped rather than truncating the text.
fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|&b| b != 0);
        CString::new(bytes).unwrap_or_default()
    })
}

fn set_last_error(f: Failure) {
    let last = LastError { message: c_string(f.message), json: c_string(f.json.to_string()) };
    // `try_with` fails only while the thread is being torn down; there is
    // then no one left to read the error.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(last));
}

fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = None);
}

/// The one guard every export runs in: a panic inside `body` is caught,
/// recorded as this thread's last error (code `panic`), and `on_panic()`
/// is returned instead of unwinding into C.
fn guard<T>(on_panic: impl FnOnce() -> T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            // Recording must not itself unwind: a second panic here would
            // cross into C.
            let _ = catch_unwind(AssertUnwindSafe(|| {
                set_last_error(Failure::boundary(
                    "panic",
                    "",
                    format!("internal error in libordinance: {what}; please report it"),
                ))
            }));
            on_panic()
        }
    }
}

/// Runs an export that returns a status: clears this thread's last error,
/// runs `body` in [`guard`], and records the failure if there is one.
fn call(body: impl FnOnce() -> Result<(), Failure>) -> OrdStatus {
    clear_last_error();
    guard(
        || OrdStatus::Panic,
        || match body() {
            Ok(()) => OrdStatus::Ok,
            Err(f) => {
                let status = f.status;
                set_last_error(f);
                status
            }
        },
    )
}

/// Reads a required string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
unsafe fn arg_str<'a>(p: *const c_char, argument: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(argument));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map_err(|e| {
        Failure::boundary(
            "invalid_utf8",
            argument,
            format!("argument `{argument}` is not valid UTF-8 (bad byte at offset {})", e.valid_up_to()),
        )
    })
}

/// Reads an optional string argument (NULL means absent).
///
/// # Safety
/// As [`arg_str`].
unsafe fn opt_str<'a>(p: *const c_char, argument: &str) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { arg_str(p, argument) }.map(Some)
    }
}

/// Checks an out-parameter and sets `*out` to NULL, so that it is NULL on
/// every failure.
///
/// # Safety
/// `out` is NULL or valid for one pointer-sized write.
unsafe fn out_param<'a, T>(out: *mut *mut T, argument: &str) -> Result<&'a mut *mut T, Failure> {
    if out.is_null() {
        return Err(Failure::null(argument));
    }
    // SAFETY: non-NULL and writable by the caller's contract.
    let slot = unsafe { &mut *out };
    *slot = ptr::null_mut();
    Ok(slot)
}

/// Borrows the engine behind a handle.
///
/// # Safety
/// `engine` is NULL or a live handle from `ord_engine_load_dir`.
unsafe fn engine_ref<'a>(engine: *const OrdEngine) -> Result<&'a Engine, Failure> {
    // SAFETY: NULL or live by the caller's contract.
    match unsafe { engine.as_ref() } {
        Some(e) => Ok(&e.engine),
        None => Err(Failure::null("engine")),
    }
}

/// Rejects malformed input or options JSON (or a key given twice in one
/// object) with `ORD_STATUS_INVALID_JSON`, and JSON nested too deep with
/// `ORD_STATUS_LIMIT_EXCEEDED`, using the core's own strict parser to word
/// the error (validated without building it).
fn check_json(rule: &str, input: &str, options: Option<&str>) -> Result<(), Failure> {
    if let Some(o) = options.filter(|o| !o.trim().is_empty()) {
        if ordinance_core::json::check_strict(o).is_err() {
            if let Err(e) = facade::parse_options(Some(o)) {
                return Err(Failure::invalid_json(&e));
            }
        }
    }
    if let Err(j) = ordinance_core::json::check_strict(input) {
        let e = facade::input_json_error(rule, &j);
        return Err(if j.too_deep { Failure::core(&e) } else { Failure::invalid_json(&e) });
    }
    Ok(())
}

/// The body shared by `ord_evaluate_json` and `ord_evaluate_many_json`:
/// checks the arguments, calls the façade function, hands over its JSON.
///
/// # Safety
/// As `ord_evaluate_json`.
unsafe fn evaluate_with(
    engine: *const OrdEngine,
    rule_id: *const c_char,
    input_json: *const c_char,
    input_name: &'static str,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    evaluate: fn(&Engine, &str, &str, Option<&str>) -> Result<String, Error>,
) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract.
        let slot = unsafe { out_param(out_json, "out_json") }?;
        let engine = unsafe { engine_ref(engine) }?;
        let rule = unsafe { arg_str(rule_id, "rule_id") }?;
        let input = unsafe { arg_str(input_json, input_name) }?;
        let options = unsafe { opt_str(options_json, "options_json") }?;
        check_json(rule, input, options)?;
        give(slot, evaluate(engine, rule, input, options).map_err(|e| Failure::core(&e))?);
        Ok(())
    })
}

/// Hands a Rust string to C; the caller frees it with `ord_string_free`.
fn give(slot: &mut *mut c_char, text: String) {
    *slot = c_string(text).into_raw();
}

/// Loads every `.yaml` rule pack in the directory `dir` and compiles it into
/// a new engine.
///
/// On success returns `ORD_STATUS_OK` and stores in `*out` a new engine,
/// owned by the caller, to be freed with `ord_engine_free`. On failure
/// stores NULL in `*out` and returns a non-OK status; for broken packs it is
/// `ORD_STATUS_LOAD_ERROR`, and `ord_last_error_json` names the file, line
/// and column of the first problem (all problems are under `diagnostics`).
///
/// `dir` is a NUL-terminated UTF-8 path, borrowed for the call only.
/// Thread-safe: engines may be loaded on several threads at once.
///
/// # Safety
/// `dir` is NULL or a NUL-terminated string; `out` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_load_dir(dir: *const c_char, out: *mut *mut OrdEngine) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let slot = unsafe { out_param(out, "out") }?;
        let dir = unsafe { arg_str(dir, "dir") }?;
        let engine = Engine::load_dir(dir).map_err(|e| Failure::core(&Error::Load(e)))?;
        *slot = Box::into_raw(Box::new(OrdEngine { engine }));
        Ok(())
    })
}

/// Loads the engine's rule packs again from the directory it was loaded
/// from and swaps them in atomically.
///
/// If the new packs fail to load, returns `ORD_STATUS_LOAD_ERROR` (details
/// in the last error, as for `ord_engine_load_dir`) and the engine keeps
/// serving the rules it had: a failed reload never leaves it empty.
///
/// Thread-safe: may run while other threads evaluate on the same engine;
/// each evaluation sees either the old rules or the new ones, never a mix.
///
/// # Safety
/// `engine` is NULL or a live engine from `ord_engine_load_dir`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_reload(engine: *mut OrdEngine) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let engine = unsafe { engine_ref(engine) }?;
        engine.reload().map(|_| ()).map_err(|e| Failure::core(&Error::Load(e)))
    })
}

/// Reloads like `ord_engine_reload` and stores in `*out_json` what changed:
/// `{"previous": "<hash>", "ruleset": "<hash>", "added": [pack ids],
/// "removed": [{"pack", "file"}], "changed": [pack ids], "unchanged": [pack
/// ids]}`. A pack counts as changed when its file or the source text it
/// cites changed. A removed pack is reported, never silent; an engine
/// loaded by `ord_engine_load_dir_with` with `"forbid_removal": true`
/// refuses the reload instead (`ORD_STATUS_LOAD_ERROR`, keeping its rules).
///
/// On failure stores NULL and returns the status, as `ord_engine_reload`.
/// The string is owned by the caller: free it with `ord_string_free`.
///
/// # Safety
/// `engine` is NULL or a live engine; `out_json` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_reload_json(engine: *mut OrdEngine, out_json: *mut *mut c_char) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let slot = unsafe { out_param(out_json, "out_json") }?;
        let engine = unsafe { engine_ref(engine) }?;
        let report = engine.reload().map_err(|e| Failure::core(&Error::Load(e)))?;
        give(slot, report.to_json().to_string());
        Ok(())
    })
}

/// Loads like `ord_engine_load_dir`, with options: `options_json` is NULL,
/// `""` or a JSON object `{"shared_sources": ["DIR", ...], "reforms":
/// ["FILE", ...], "forbid_removal": bool}` (all optional). `shared_sources`
/// lists folders, besides the rules folder, that packs' source texts may be
/// read from; `reforms` lays reform files over the packs, in order (the
/// engine answers by the rule set they make); `forbid_removal` makes a
/// reload in which a pack has disappeared fail.
/// Bad options are `ORD_STATUS_INVALID_JSON` (malformed) or
/// `ORD_STATUS_INPUT_ERROR` (an unknown key or a wrong type).
///
/// # Safety
/// `dir` and `options_json` are NULL or NUL-terminated strings; `out` is
/// NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_load_dir_with(
    dir: *const c_char,
    options_json: *const c_char,
    out: *mut *mut OrdEngine,
) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let slot = unsafe { out_param(out, "out") }?;
        let dir = unsafe { arg_str(dir, "dir") }?;
        let options = unsafe { opt_str(options_json, "options_json") }?;
        let malformed = options.is_some_and(|o| !o.trim().is_empty() && ordinance_core::json::check_strict(o).is_err());
        let options = facade::parse_load_options(options).map_err(|e| {
            if malformed {
                Failure::invalid_json(&e)
            } else {
                Failure::core(&e)
            }
        })?;
        let engine = Engine::load_dir_with(dir, options).map_err(|e| Failure::core(&Error::Load(e)))?;
        *slot = Box::into_raw(Box::new(OrdEngine { engine }));
        Ok(())
    })
}

/// Frees an engine. NULL is accepted and ignored.
///
/// No other call may be using `engine` at the time, and it must not be used
/// afterwards. Strings the engine returned stay valid (they belong to the
/// caller until `ord_string_free`). Does not change the last error.
///
/// # Safety
/// `engine` is NULL or a live engine from `ord_engine_load_dir`, not yet
/// freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_free(engine: *mut OrdEngine) {
    guard(
        || (),
        || {
            if !engine.is_null() {
                // SAFETY: the pointer came from `Box::into_raw` in
                // `ord_engine_load_dir` and is freed once, by contract.
                drop(unsafe { Box::from_raw(engine) });
            }
        },
    )
}

/// Evaluates the rule `rule_id` (`pack.rule`, e.g.
/// `"energy_safety.inspection_frequency"`) on the JSON object `input_json`.
///
/// `options_json` may be NULL or `""` for the defaults, or a JSON object
/// `{"as_of": "YYYY-MM-DD", "trace": true|false, "max_steps": N,
/// "max_digits": N, "max_bytes": N}` (all keys optional; the budgets of
/// steps, of the digits of any number, and of bytes created). Without `as_of` the engine uses today (Asia/Shanghai) while
/// the pack is in force, else its last day in force, and says so in the
/// decision's `as_of_reason`.
///
/// On success returns `ORD_STATUS_OK` and stores in `*out_json` the
/// decision, `{"rule", "outputs", "trace", "ruleset", "as_of",
/// "as_of_reason"}` — the document `ordinance eval --format json` prints.
/// Integers are JSON integers; other exact numbers are strings holding the
/// exact value (`"1/3"`, `"0.4"`); dates are `"YYYY-MM-DD"` strings. The
/// string is owned by the caller: free it with `ord_string_free`. On failure
/// stores NULL in `*out_json` and returns the status of the error (for
/// example `ORD_STATUS_INPUT_ERROR` for `{"class": "E"}`, whose message
/// names the allowed values).
///
/// All string arguments are NUL-terminated UTF-8, borrowed for the call
/// only. Thread-safe: any number of threads may evaluate on one engine at
/// once, also while another reloads it.
///
/// # Safety
/// `engine` is NULL or a live engine; each string argument is NULL or
/// NUL-terminated; `out_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_evaluate_json(
    engine: *const OrdEngine,
    rule_id: *const c_char,
    input_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> OrdStatus {
    // SAFETY: the caller's contract above.
    unsafe { evaluate_with(engine, rule_id, input_json, "input_json", options_json, out_json, facade::evaluate_json) }
}

/// Evaluates one rule over many records in one call: `inputs_json` is a
/// JSON array of input objects; options as for `ord_evaluate_json`.
///
/// On success returns `ORD_STATUS_OK` and stores in `*out_json` a JSON array
/// with one item per record, in order: `{"ok": decision}` or
/// `{"error": error}` (the error document of `ord_last_error_json`), so one
/// bad record does not hide the others; `ORD_STATUS_OK` therefore does not
/// mean every record succeeded. The string is owned by the caller: free it
/// with `ord_string_free`. The call as a whole fails (NULL in `*out_json`)
/// only for bad arguments, malformed JSON, a document that is not an array,
/// or bad options.
///
/// Thread-safe as `ord_evaluate_json`; all records are evaluated against
/// the same rules even if a reload happens meanwhile.
///
/// # Safety
/// As `ord_evaluate_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_evaluate_many_json(
    engine: *const OrdEngine,
    rule_id: *const c_char,
    inputs_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> OrdStatus {
    // SAFETY: the caller's contract above.
    unsafe {
        evaluate_with(engine, rule_id, inputs_json, "inputs_json", options_json, out_json, facade::evaluate_many_json)
    }
}

/// Stores in `*out` the rule-set version of the rules the engine serves now:
/// a content hash of the loaded packs (it changes when a reload brings new
/// content). The string is owned by the caller: free it with
/// `ord_string_free`. Thread-safe.
///
/// # Safety
/// `engine` is NULL or a live engine; `out` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_ruleset(engine: *const OrdEngine, out: *mut *mut c_char) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let slot = unsafe { out_param(out, "out") }?;
        let engine = unsafe { engine_ref(engine) }?;
        give(slot, engine.ruleset_hash());
        Ok(())
    })
}

/// Stores in `*out_json` the metadata of every rule the engine serves, as a
/// JSON array (id, title, inputs and outputs with their types, citation) —
/// enough to build a form or a catalogue. The string is owned by the
/// caller: free it with `ord_string_free`. Thread-safe.
///
/// # Safety
/// `engine` is NULL or a live engine; `out_json` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_rules_json(engine: *const OrdEngine, out_json: *mut *mut c_char) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let slot = unsafe { out_param(out_json, "out_json") }?;
        let engine = unsafe { engine_ref(engine) }?;
        give(slot, facade::rules_json(engine));
        Ok(())
    })
}

/// Runs the tests written in the engine's rule packs and stores the results
/// in `*out_json`: `{"passed": n, "failed": m, "tests": [{"name", "rule",
/// "location", "passed", "message"}]}`. Failing pack tests are reported in
/// the document, not as a status: the call returns `ORD_STATUS_OK` when the
/// tests ran. The string is owned by the caller: free it with
/// `ord_string_free`. Thread-safe.
///
/// # Safety
/// `engine` is NULL or a live engine; `out_json` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_engine_run_tests_json(engine: *const OrdEngine, out_json: *mut *mut c_char) -> OrdStatus {
    call(|| {
        // SAFETY: the caller's contract above.
        let slot = unsafe { out_param(out_json, "out_json") }?;
        let engine = unsafe { engine_ref(engine) }?;
        give(slot, facade::run_tests_json(engine));
        Ok(())
    })
}

/// The message of the last failed call on this thread: UTF-8, one line for
/// evaluation errors, `file:line:col: error: …` lines (with `help:` lines)
/// for load errors. Returns `""` when the last call on this thread
/// succeeded (every call that returns an `OrdStatus` clears the last error
/// first).
///
/// Never NULL. The string belongs to the library: do not free it. It stays
/// valid until the next call that returns an `OrdStatus` on this thread;
/// copy it to keep it. Each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn ord_last_error_message() -> *const c_char {
    guard(
        || c"internal error in libordinance".as_ptr(),
        || {
            LAST_ERROR
                .try_with(|slot| slot.borrow().as_ref().map(|l| l.message.as_ptr()))
                .ok()
                .flatten()
                .unwrap_or(c"".as_ptr())
        },
    )
}

/// The last error on this thread as a JSON object:
/// `{"code", "message", ...}` with, where they apply, `file`, `line`,
/// `column`, `hint` and `diagnostics` (load errors), `rule`, `field` and
/// `allowed` (input errors), `argument` (NULL or non-UTF-8 arguments).
/// `code` is one of `null_argument`, `invalid_utf8`, `invalid_json`,
/// `load`, `unknown_rule`, `input`, `validity`, `evaluation`, `limit`,
/// `panic`, matching the `OrdStatus` returned. Returns `"null"` when the
/// last call on this thread succeeded.
///
/// Never NULL. Ownership and lifetime as `ord_last_error_message`: borrowed,
/// valid until the next status-returning call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn ord_last_error_json() -> *const c_char {
    guard(
        || c"{\"code\":\"panic\",\"message\":\"internal error in libordinance\"}".as_ptr(),
        || {
            LAST_ERROR
                .try_with(|slot| slot.borrow().as_ref().map(|l| l.json.as_ptr()))
                .ok()
                .flatten()
                .unwrap_or(c"null".as_ptr())
        },
    )
}

/// Frees a string that this library returned through an out-parameter
/// (`out_json`, `out`). NULL is accepted and ignored. Never pass a string
/// from `ord_last_error_message`, `ord_last_error_json` or `ord_version`,
/// nor one allocated by anyone else. Thread-safe; does not change the last
/// error.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ord_string_free(s: *mut c_char) {
    guard(
        || (),
        || {
            if !s.is_null() {
                // SAFETY: the string came from `CString::into_raw` in
                // `give` and is freed once, by contract.
                drop(unsafe { CString::from_raw(s) });
            }
        },
    )
}

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => c"unknown",
};

/// The version of the library, e.g. `"0.1.0"`. A static string: never NULL,
/// never freed, valid for the life of the process. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ord_version() -> *const c_char {
    guard(|| c"unknown".as_ptr(), || VERSION.as_ptr())
}

/// The major version of the C ABI this library implements, equal to
/// `ORD_ABI_VERSION` of the header it was built with. A program may compare
/// the two at start-up to detect a mismatched library. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ord_abi_version() -> u32 {
    guard(|| ORD_ABI_VERSION, || ORD_ABI_VERSION)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn last_json() -> serde_json::Value {
        let s = unsafe { CStr::from_ptr(ord_last_error_json()) }.to_str().unwrap();
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = call(|| panic!("boom"));
        assert_eq!(status, OrdStatus::Panic);
        let msg = unsafe { CStr::from_ptr(ord_last_error_message()) }.to_str().unwrap();
        assert!(msg.contains("boom"), "{msg}");
        assert_eq!(last_json()["code"], "panic");
        // The next call clears it.
        assert_eq!(call(|| Ok(())), OrdStatus::Ok);
        assert_eq!(unsafe { CStr::from_ptr(ord_last_error_message()) }.to_bytes(), b"");
        assert_eq!(last_json(), serde_json::Value::Null);
    }

    #[test]
    fn a_panic_in_a_value_export_returns_the_fallback() {
        let v: u32 = guard(|| 7, || panic!("boom"));
        assert_eq!(v, 7);
    }

    #[test]
    fn every_code_has_its_own_status() {
        let codes = [
            "null_argument",
            "invalid_utf8",
            "invalid_json",
            "load",
            "unknown_rule",
            "input",
            "validity",
            "evaluation",
            "limit",
            "panic",
        ];
        let mut seen: Vec<i32> = codes.iter().map(|c| OrdStatus::from_code(c) as i32).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), codes.len());
        assert!(!seen.contains(&(OrdStatus::Ok as i32)));
    }

    #[test]
    fn the_version_is_the_cores() {
        let v = unsafe { CStr::from_ptr(ord_version()) }.to_str().unwrap();
        assert_eq!(v, ordinance_core::VERSION);
    }

    #[test]
    fn nul_bytes_are_dropped_not_truncating() {
        assert_eq!(c_string("a\0b".into()).as_bytes(), b"ab");
    }
}
