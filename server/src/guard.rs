//! What stands between a hostile client and the engine: the Host
//! allowlist, Arrow IPC streams checked before they are read, and the
//! cancellation of work whose request has ended.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use ordinance_core::Cancel;

use crate::{own_error, AppState};

/// Raises its flag when dropped: held by a handler while its evaluation
/// runs on a blocking thread, so that a request that times out (its future
/// is dropped by the timeout layer) or whose client goes away (hyper drops
/// it) stops the evaluation at its next look at the flag.
pub(crate) struct CancelOnDrop(pub(crate) Cancel);

impl CancelOnDrop {
    pub(crate) fn new() -> Self {
        CancelOnDrop(Cancel::new())
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// How long a client may take to send a request's headers: a connection
/// that opens and then trickles (or never sends) its headers is closed.
pub(crate) const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepts connections and serves each over HTTP/1.1 with a timer, so that
/// the header read timeout holds (axum's own `serve` sets none), until
/// `stopped`; then waits for the requests in flight.
pub(crate) async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // out of descriptors, say: breathe, then accept again
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let io = hyper_util::rt::TokioIo::new(stream);
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                let conn = graceful.watch(builder.serve_connection(io, service));
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The host part of a `Host` header, without its port, lower-case.
fn host_name(value: &str) -> String {
    let v = value.trim();
    let name = if let Some(rest) = v.strip_prefix('[') {
        // [::1]:8080
        rest.split(']').next().map(|h| format!("[{h}]")).unwrap_or_default()
    } else {
        v.rsplit_once(':')
            .map_or(v, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { v })
            .to_string()
    };
    name.to_ascii_lowercase()
}

/// The host names a request may name: loopback names, the address the
/// service listens on, and those given with `--allow-host`.
pub(crate) fn allowed_hosts(config: &crate::Config) -> Vec<String> {
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].iter().map(|h| h.to_string()).collect();
    let ip = config.listen.ip();
    if !ip.is_unspecified() {
        hosts.push(match ip {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        });
    }
    hosts.extend(config.allow_hosts.iter().map(|h| host_name(h)));
    hosts
}

/// Refuses a request whose `Host` names a host the service does not answer
/// for: a web page on another site that points its own name at 127.0.0.1
/// (DNS rebinding) reaches the service with its own name in `Host`.
pub(crate) async fn check_host(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(h) = req.headers().get(header::HOST) {
        let name = h.to_str().map(host_name).unwrap_or_default();
        if !s.allowed_hosts.contains(&name) {
            return own_error(
                StatusCode::MISDIRECTED_REQUEST,
                "host_not_allowed",
                "this service does not answer for the host this request names; start it with --allow-host NAME to add one",
            );
        }
    }
    next.run(req).await
}

/// Why an Arrow IPC stream was refused before it was read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StreamProblem {
    /// Not a well-formed stream.
    Malformed(String),
    /// Well-formed, but more rows than the service takes.
    TooManyRows(u64),
}

/// Walks the messages of an Arrow IPC stream without reading their data:
/// each message's metadata must be a valid flatbuffer, each body must lie
/// within the bytes received, and each record batch (also inside a
/// dictionary batch) may declare at most `max_rows` rows in all, and no
/// array longer than its body could hold (an array of a type without
/// buffers, such as null, counts against `max_rows`). Only then is the
/// stream handed to the Arrow reader, whose allocations follow the lengths
/// checked here.
pub(crate) fn check_stream(bytes: &[u8], max_rows: u64) -> Result<(), StreamProblem> {
    let bad = |m: &str| Err(StreamProblem::Malformed(m.to_string()));
    let mut at = 0usize;
    let mut rows: u64 = 0;
    loop {
        let Some(mut word) = read_u32(bytes, at) else {
            // a stream may end without its end-of-stream marker
            return if at == bytes.len() { Ok(()) } else { bad("the stream ends inside a message header") };
        };
        at += 4;
        if word == 0xFFFF_FFFF {
            let Some(w) = read_u32(bytes, at) else { return bad("the stream ends inside a message header") };
            word = w;
            at += 4;
        }
        if word == 0 {
            return Ok(());
        }
        let meta_len = word as usize;
        let Some(meta) = at.checked_add(meta_len).and_then(|end| bytes.get(at..end)) else {
            return bad("a message's metadata runs past the end of the body");
        };
        at += meta_len;
        let message = arrow_ipc::root_as_message(meta)
            .map_err(|e| StreamProblem::Malformed(format!("a message's metadata is not valid: {e}")))?;
        let body_len = message.bodyLength();
        let Ok(body) = usize::try_from(body_len) else { return bad("a message declares a negative body length") };
        if body > bytes.len().saturating_sub(at) {
            return Err(StreamProblem::Malformed(format!(
                "a message declares a body of {body_len} bytes, but only {} bytes follow",
                bytes.len().saturating_sub(at)
            )));
        }
        let batch =
            message.header_as_record_batch().or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
        if let Some(b) = batch {
            let Ok(n) = u64::try_from(b.length()) else { return bad("a record batch declares a negative length") };
            rows = rows.saturating_add(n);
            if rows > max_rows {
                return Err(StreamProblem::TooManyRows(rows));
            }
            // an array cannot hold more values than its body has bits for,
            // unless its type has no buffers (null), bounded by the rows
            let most = max_rows.max((body as u64).saturating_mul(8).saturating_add(64));
            for node in b.nodes().into_iter().flatten() {
                if u64::try_from(node.length()).map_or(true, |l| l > most)
                    || u64::try_from(node.null_count()).map_or(true, |l| l > most)
                {
                    return bad("an array declares more values than the message can hold");
                }
            }
            for buf in b.buffers().into_iter().flatten() {
                let end = buf.offset().checked_add(buf.length());
                if buf.offset() < 0 || buf.length() < 0 || end.is_none_or(|e| e > body_len) {
                    return bad("a buffer lies outside its message's body");
                }
            }
        }
        at += body;
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([*b.first()?, *b.get(1)?, *b.get(2)?, *b.get(3)?]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn host_names_drop_their_port() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("LOCALHOST"), "localhost");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("evil.example:80"), "evil.example");
    }

    #[test]
    fn truncated_and_lying_streams_are_refused() {
        assert_eq!(check_stream(&[], 10), Ok(()));
        assert!(matches!(check_stream(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10], 10), Err(StreamProblem::Malformed(_))));
        assert!(matches!(
            check_stream(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 2], 10),
            Err(StreamProblem::Malformed(_))
        ));
    }
}
