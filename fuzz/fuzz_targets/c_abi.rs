//! Any bytes through the C ABI's JSON entry points, as a C caller would pass
//! them (NUL-terminated, perhaps not UTF-8): `ord_evaluate_json` and
//! `ord_evaluate_many_json` never crash; they return a status with either
//! an output string (freed here) or a last-error message and JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ordinance::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::sync::OnceLock;

struct Shared(*mut OrdEngine);
// SAFETY: the engine is Send + Sync by the ABI's contract (thread-safe calls).
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn engine() -> *mut OrdEngine {
    static ENGINE: OnceLock<Shared> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir = CString::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")).unwrap_or_default();
            let mut e: *mut OrdEngine = std::ptr::null_mut();
            // SAFETY: valid string and out-pointer.
            let st = unsafe { ord_engine_load_dir(dir.as_ptr(), &mut e) };
            assert_eq!(st, OrdStatus::Ok);
            Shared(e)
        })
        .0
}

fn c_string(bytes: &[u8]) -> CString {
    let cut = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..cut]).unwrap_or_default()
}

fn check(st: OrdStatus, out: *mut c_char) {
    if st == OrdStatus::Ok {
        assert!(!out.is_null());
        // SAFETY: a string from the library, freed once.
        let text = unsafe { CStr::from_ptr(out) }.to_bytes().to_vec();
        assert!(serde_json::from_slice::<serde_json::Value>(&text).is_ok(), "output is JSON");
        unsafe { ord_string_free(out) };
    } else {
        assert!(out.is_null(), "no output on failure");
        // SAFETY: the library's own thread-local strings.
        let msg = unsafe { CStr::from_ptr(ord_last_error_message()) };
        assert!(!msg.to_bytes().is_empty(), "a failure with no message");
        let json = unsafe { CStr::from_ptr(ord_last_error_json()) };
        assert!(serde_json::from_slice::<serde_json::Value>(json.to_bytes()).is_ok());
    }
}

fuzz_target!(|data: &[u8]| {
    let e = engine();
    // rule id | input | options, split at the first two 0xFF bytes
    let mut parts = data.splitn(3, |&b| b == 0xFF);
    let rule = parts.next().unwrap_or_default();
    let input = parts.next().unwrap_or(b"{}");
    let options = parts.next();
    let known = ["energy_safety.inspection_frequency", "energy_safety.planned_inspections", "walking_contest.team"];
    let rule = if rule.len() == 1 {
        CString::new(known[usize::from(rule[0]) % known.len()]).unwrap_or_default()
    } else {
        c_string(rule)
    };
    let input = c_string(input);
    let options = options.map(c_string);
    let opt_ptr = options.as_ref().map_or(std::ptr::null(), |o| o.as_ptr());
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: live engine, NUL-terminated strings, valid out-pointer.
    let st = unsafe { ord_evaluate_json(e, rule.as_ptr(), input.as_ptr(), opt_ptr, &mut out) };
    check(st, out);
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: as above.
    let st = unsafe { ord_evaluate_many_json(e, rule.as_ptr(), input.as_ptr(), opt_ptr, &mut out) };
    check(st, out);
});
