#!/usr/bin/env bash
# The workbench end to end in headless Chromium: Debian's chromium (and
# fonts-noto-cjk, so Chinese renders in screenshots), playwright-core from
# npm (tests/e2e/package-lock.json) driving it, against `ordinance serve`
# started by the test on a free loopback port over a copy of the rules.
#
#   bash tests/e2e/run.sh
#   ORDINANCE_SCREENSHOT=docs/workbench.png bash tests/e2e/run.sh   # also the docs' screenshot
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$(cd ../.. && pwd)"
. "$ROOT/scripts/lib/common.sh"

need=()
command -v chromium >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v node >/dev/null || need+=(nodejs npm)
install_debian_packages "the browser tests" "${need[@]}"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
(cd "$ROOT" && cargo build --quiet -p ordinance-cli)

if [ -n "${ORDINANCE_SCREENSHOT:-}" ]; then
    case "$ORDINANCE_SCREENSHOT" in /*) ;; *) export ORDINANCE_SCREENSHOT="$ROOT/$ORDINANCE_SCREENSHOT" ;; esac
fi
set +e
ORDINANCE_BIN="$ROOT/target/debug/ordinance" node --test --test-reporter=tap workbench.test.mjs | tee "${TMPDIR:-/tmp}/ordinance-e2e.log"
rc=${PIPESTATUS[0]}
set -e
pass=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "${TMPDIR:-/tmp}/ordinance-e2e.log" | tail -n 1)
fail=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "${TMPDIR:-/tmp}/ordinance-e2e.log" | tail -n 1)
if [ "$rc" != 0 ] && [ "${fail:-0}" = 0 ]; then fail=1; fi
echo "browser: ${pass:-0} passed, ${fail:-0} failed"
exit "$rc"
