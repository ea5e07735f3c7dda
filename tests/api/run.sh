#!/usr/bin/env bash
# schemathesis (PyPI) against the service's own OpenAPI document: it starts
# `ordinance serve` on a free loopback port over a copy of the rules (with a
# token, so the changing endpoints are tested too), generates requests from
# /openapi.json — examples, coverage, fuzzing and stateful sequences — and
# fails on any answer the document does not describe (status, content type,
# schema), any 5xx, any schema-violating request accepted. Bounded: each
# operation gets $ORDINANCE_ST_EXAMPLES examples (default 25).
#
#   bash tests/api/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$(pwd)"
. "$ROOT/scripts/lib/common.sh"
VENV="$ROOT/target/st-venv"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ordinance-st.XXXXXX")"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
cargo build --quiet -p ordinance-cli

cp -r rules "$TMP/rules"
TOKEN="st-$$"
start_server "$TMP/serve.log" "$ROOT/target/debug/ordinance" --rules "$TMP/rules" --token "$TOKEN" \
    --scenarios "$ROOT/examples" --watch 0

set +e
(cd "$TMP" && "$VENV/bin/schemathesis" --config-file "$ROOT/tests/api/schemathesis.toml" run "$ADDR/openapi.json" \
    --checks all --max-examples "${ORDINANCE_ST_EXAMPLES:-25}" --seed 20241 \
    -H "Authorization: Bearer $TOKEN" --no-color) | tee "$TMP/st.log"
rc=${PIPESTATUS[0]}
set -e
# the summary's operation count and failures, as the test command counts them
ops=$(sed -nE 's/^ *Tested: ([0-9]+).*/\1/p' "$TMP/st.log" | tail -n 1)
bad=$(grep -cE '^ *❌ ST[0-9]+' "$TMP/st.log" || true)
kill -0 "$SERVER_PID" 2>/dev/null || { echo "error: the service stopped under schemathesis" >&2; rc=1; }
if [ "$rc" != 0 ] && [ "${bad:-0}" = 0 ]; then bad=1; fi
echo "schemathesis: $(( ${ops:-0} - ${bad:-0} < 0 ? 0 : ${ops:-0} - ${bad:-0} )) passed, ${bad:-0} failed (operations of /openapi.json)"
exit "$rc"
