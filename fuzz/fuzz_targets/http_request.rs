//! Any request to the service's handlers, in process: a route, a content
//! type, a query string and a body from the fuzzer's bytes — JSON, NDJSON,
//! packs for `/v1/check`, and Arrow IPC streams (a valid stream with the
//! fuzzer's bytes written over it, so that lengths and counts lie). No
//! request may be answered 500 (a panic caught, an internal error), and
//! every answer is a JSON document or an Arrow stream.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt as _;

#[derive(Arbitrary, Debug)]
struct Input {
    route: u8,
    kind: u8,
    query: String,
    /// (position, bytes) written over the valid Arrow stream
    patches: Vec<(u16, [u8; 8])>,
    body: Vec<u8>,
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
    arrow: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = ordinance_server::Config {
            rules: here.join("../rules"),
            scenarios: Some(here.join("../examples")),
            watch: None,
            max_rows: 10_000,
            max_answer: 16 << 20,
            ..ordinance_server::Config::default()
        };
        let app = ordinance_server::app(&config).expect("the shipped rules load");
        // arrow-ipc panics on some malformed schemas (a field of type NONE,
        // units it does not know); the service catches those around the
        // Arrow reader and answers 400, which this target checks. So a
        // panic is not a crash by itself here: one that escapes a handler
        // still is (libFuzzer aborts on it), and one caught elsewhere shows
        // as a 500, which the assertion below rejects.
        std::panic::set_hook(Box::new(|info| eprintln!("(caught) {info}")));
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for the handlers");
        let col: arrow_array::ArrayRef = Arc::new(arrow_array::StringArray::from(vec!["A", "B", "C", "D"]));
        let batch = arrow_array::RecordBatch::try_from_iter([("class", col)]).expect("a batch");
        let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema()).expect("a writer");
        w.write(&batch).expect("written");
        w.finish().expect("finished");
        let arrow = w.into_inner().expect("the stream");
        Fixture { runtime, app, arrow }
    })
}

const ROUTES: [&str; 5] = [
    "/v1/rules/energy_safety.inspection_frequency/evaluate",
    "/v1/rules/energy_safety.inspection_frequency/evaluate-batch",
    "/v1/rules/energy_safety.planned_inspections/evaluate-batch",
    "/v1/check",
    "/v1/scenarios/run",
];

const KINDS: [&str; 4] =
    ["application/json", "application/x-ndjson", "application/vnd.apache.arrow.stream", "text/plain"];

fuzz_target!(|input: Input| {
    let f = fixture();
    let route = ROUTES[usize::from(input.route) % ROUTES.len()];
    let kind = KINDS[usize::from(input.kind) % KINDS.len()];
    let body = if kind.contains("arrow") && !input.patches.is_empty() {
        let mut b = f.arrow.clone();
        for (at, bytes) in &input.patches {
            let at = usize::from(*at) % b.len();
            for (k, x) in bytes.iter().enumerate() {
                if let Some(slot) = b.get_mut(at + k) {
                    *slot = *x;
                }
            }
        }
        b
    } else {
        input.body
    };
    let query: String = input.query.chars().filter(|c| c.is_ascii_graphic() && *c != '#').take(200).collect();
    let uri = if query.is_empty() { route.to_string() } else { format!("{route}?{query}") };
    let Ok(req) = axum::http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", kind)
        .header("host", "127.0.0.1")
        .body(axum::body::Body::from(body))
    else {
        return;
    };
    let (status, answer_kind, answer) = f.runtime.block_on(async {
        let resp = f.app.clone().oneshot(req).await.expect("the router answers every request");
        let status = resp.status();
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20).await.expect("the body is read");
        (status, kind, bytes)
    });
    assert!(!status.is_server_error(), "{status} for {route} ({kind}): {}", String::from_utf8_lossy(&answer));
    if answer_kind.starts_with("application/json") {
        let _: serde_json::Value = serde_json::from_slice(&answer).expect("a JSON answer parses");
    } else {
        assert!(answer_kind.contains("arrow"), "an answer of kind {answer_kind}");
    }
});
