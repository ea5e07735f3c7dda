#!/usr/bin/env bash
# Runs every test there is, from a fresh clone on a fresh machine:
# formatting and lints, the Rust tests (unit, property, golden, CLI, schema and
# header drift), the packs' own YAML tests (rules/ and the language examples
# in examples/language/), every shipped scenario, the C ABI
# tests (plain and under valgrind) with the .NET client, the Python
# package with its notebook, Spark, the service under load, schemathesis
# against its OpenAPI document, the workbench in headless Chromium, and the
# fuzz targets. Installs what it needs (Debian packages when
# root, Python packages into a venv). The last line is `N passed, M failed`,
# counting the tests every step ran (cargo's, the packs', the C suite's
# checks, pytest's; a step with no tests of its own, such as clippy, counts
# as one).
set -uo pipefail
cd "$(dirname "$0")/.."
QUICK=0
case "${1:-}" in
    --quick) QUICK=1 ;;
    "") ;;
    *)
        echo "usage: scripts/test-all.sh [--quick]"
        exit 2
        ;;
esac
# seconds each fuzz target runs in the full test command
FUZZ_SECONDS="${ORDINANCE_FUZZ_SECONDS:-10}"

export CARGO_TERM_COLOR=never
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/ordinance-tests.XXXXXX")"
trap 'rm -rf "$LOGS"' EXIT
passed=0
failed=0
steps=0
failures=()
# one row per step for the closing table: name, passed, failed, seconds
suite_rows=()

# The tests a step ran, from its output: cargo's `test result:` lines added
# up, else the last `N passed, M failed` line (ordinance test, the C suite),
# else pytest's `N passed`; a step that prints no count is one test.
count_tests() {
    local log="$1" ok="$2"
    local counts
    counts=$(grep -E '^test result: ' "$log" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' |
        awk '{p+=$1; f+=$2} END {if (NR) print p, f}')
    if [ -z "$counts" ]; then
        counts=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 |
            sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/')
    fi
    if [ -z "$counts" ]; then
        counts=$(grep -E '=+ .*[0-9]+ passed' "$log" | tail -n 1 |
            sed -E 's/.* ([0-9]+) passed.*/\1/; s/$/ 0/')
        if grep -qE '=+ .*[0-9]+ failed' "$log"; then
            counts="${counts%% *} $(grep -E '=+ .*[0-9]+ failed' "$log" | tail -n 1 | sed -E 's/.* ([0-9]+) failed.*/\1/')"
        fi
    fi
    if [ -z "$counts" ]; then
        if [ "$ok" = 1 ]; then counts="1 0"; else counts="0 1"; fi
    fi
    set -- $counts
    local p="$1" f="$2"
    # a step that failed without a failing test still counts as a failure
    if [ "$ok" = 0 ] && [ "$f" = 0 ]; then
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    step_passed=$p
    step_failed=$f
}

step() {
    local name="$1"
    shift
    echo
    echo "=== $name"
    steps=$((steps + 1))
    local start=$SECONDS log="$LOGS/step-$steps.log" rc
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 0 ]; then
        count_tests "$log" 1
        echo "--- ok: $name ($((SECONDS - start)) s)"
    else
        count_tests "$log" 0
        failures+=("$name")
        echo "--- FAILED: $name ($((SECONDS - start)) s)"
    fi
    suite_rows+=("$(printf '%-60s %7s %7s %6s' "$name" "$step_passed" "$step_failed" "$((SECONDS - start))")")
}

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (https://rustup.rs)"
    exit 1
fi

run_scenarios() {
    local ok=0
    for s in examples/*.yaml; do
        echo "--- $s"
        ./target/debug/ordinance run "$s" >/dev/null || ok=1
    done
    return $ok
}

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy (warnings are errors)" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test --workspace" cargo test --workspace --quiet
step "ordinance check" ./target/debug/ordinance check
step "ordinance test (every pack's YAML tests)" ./target/debug/ordinance test
step "ordinance test (the language examples, examples/language)" ./target/debug/ordinance test --rules examples/language
step "ordinance run (every scenario in examples/)" run_scenarios
if [ "$QUICK" = 0 ]; then
    step "benchmarks build" cargo build --quiet --release -p ordinance-core -p ordinance-arrow --benches
    step "C ABI, valgrind and the .NET client" bash tests/c/run.sh
    step "Python package, stubs and notebook" bash python/run_tests.sh
    step "Spark (local[2], 1M rows)" bash python/run_spark_tests.sh
    step "load test (64 connections, 30 s, reloads every second)" bash tests/load/run.sh 30
    step "schemathesis against /openapi.json" bash tests/api/run.sh
    step "workbench in headless Chromium (playwright-core)" bash tests/e2e/run.sh
    step "fuzz targets (${FUZZ_SECONDS} s each)" bash fuzz/run.sh "$FUZZ_SECONDS"
fi

echo
printf '%-60s %7s %7s %6s\n' "suite" "passed" "failed" "s"
printf '%s\n' "${suite_rows[@]}"
echo
if [ ${#failures[@]} -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
