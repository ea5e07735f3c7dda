#!/usr/bin/env bash
# The service under load while its rules reload: wrk (Debian's) drives 64
# connections for 30 s against POST /v1/rules/energy_safety.inspection_frequency/evaluate
# on a loopback port, while the rules are reloaded every second (alternately
# by POST /v1/reload and by an edit of the served folder that the watcher
# picks up). It fails unless every request succeeded (no socket error, no
# non-2xx answer) and every reload did; it prints the p50/p99 latencies and
# the throughput, which docs/performance.md records.
#
#   bash tests/load/run.sh [SECONDS]                          # default 30; the debug build the test command has
#   ORDINANCE_LOAD_RELEASE=1 bash tests/load/run.sh           # the release build, for the figures in docs/performance.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$(pwd)"
. "$ROOT/scripts/lib/common.sh"
SECONDS_TO_RUN="${1:-30}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ordinance-load.XXXXXX")"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
install_debian_packages "the load test" "${need[@]}"

if [ "${ORDINANCE_LOAD_RELEASE:-0}" = 1 ]; then
    cargo build --quiet --release -p ordinance-cli
    BIN="$ROOT/target/release/ordinance"
else
    cargo build --quiet -p ordinance-cli
    BIN="$ROOT/target/debug/ordinance"
fi

# a copy of the rules the test may edit
mkdir -p "$TMP/rules"
cp -r rules/. "$TMP/rules/"
TOKEN="load-test-$$"
start_server "$TMP/server.log" "$BIN" --rules "$TMP/rules" --token "$TOKEN" --watch 1
curl -sf "$ADDR/healthz" >/dev/null || { cat "$TMP/server.log"; echo "error: the service does not answer /healthz" >&2; exit 1; }

cat >"$TMP/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"inputs": {"class": "D"}, "as_of": "2024-06-30", "trace": false}'
wrk.headers["Content-Type"] = "application/json"
LUA

# reload every second while wrk runs: by the endpoint, and by an edit the watcher sees
reloader() {
    local i=0 failed=0
    while [ "$i" -lt "$SECONDS_TO_RUN" ]; do
        if [ $((i % 2)) -eq 0 ]; then
            curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$ADDR/v1/reload" >/dev/null || failed=$((failed + 1))
        else
            printf '\n# load-test edit %s\n' "$i" >>"$TMP/rules/walking_contest.yaml"
        fi
        i=$((i + 1))
        sleep 1
    done
    echo "$failed" >"$TMP/reload-failures"
}
reloader &
RELOADER=$!

wrk -t2 -c64 -d"${SECONDS_TO_RUN}s" --latency -s "$TMP/post.lua" \
    "$ADDR/v1/rules/energy_safety.inspection_frequency/evaluate" | tee "$TMP/wrk.out"
wait "$RELOADER"

health="$(curl -sf "$ADDR/healthz")"
metrics="$(curl -sf "$ADDR/metrics")"
reloads="$(printf '%s\n' "$metrics" | sed -n 's/^ordinance_reloads_total \([0-9]*\)$/\1/p')"
reload_failures="$(printf '%s\n' "$metrics" | sed -n 's/^ordinance_reload_failures_total \([0-9]*\)$/\1/p')"
non2xx="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$TMP/wrk.out")"
socket_errors="$(grep -c 'Socket errors' "$TMP/wrk.out" || true)"
requests="$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$TMP/wrk.out")"
p50="$(awk '$1 == "50%" {print $2}' "$TMP/wrk.out")"
p99="$(awk '$1 == "99%" {print $2}' "$TMP/wrk.out")"
rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk.out")"

echo
echo "load: ${requests:-0} requests in ${SECONDS_TO_RUN} s at 64 connections: ${rps:-?} req/s, p50 ${p50:-?}, p99 ${p99:-?}"
echo "load: reloads ${reloads:-0} (failed ${reload_failures:-?}), health: $health"
ok=1
[ -n "$requests" ] && [ "$requests" -gt 0 ] || { echo "FAIL: no request completed"; ok=0; }
[ -z "$non2xx" ] || { echo "FAIL: $non2xx requests were not answered 2xx"; ok=0; }
[ "$socket_errors" -eq 0 ] || { echo "FAIL: socket errors: $(grep 'Socket errors' "$TMP/wrk.out")"; ok=0; }
[ "$(cat "$TMP/reload-failures")" -eq 0 ] || { echo "FAIL: a reload request failed"; ok=0; }
[ "${reload_failures:-1}" -eq 0 ] || { echo "FAIL: a reload did not load"; ok=0; }
[ "${reloads:-0}" -ge $((SECONDS_TO_RUN / 2)) ] || { echo "FAIL: only ${reloads:-0} reloads in ${SECONDS_TO_RUN} s"; ok=0; }
if [ "$ok" = 1 ]; then
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
    exit 1
fi
