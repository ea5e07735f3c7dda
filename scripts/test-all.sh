#!/usr/bin/env bash
# Runs every test there is, from a fresh clone on a fresh machine:
# formatting and lints, the Rust tests (unit, property, golden, CLI, schema and
# header drift), the packs' own YAML tests, every shipped scenario, the C ABI
# tests (plain and under valgrind) with the .NET client, and the Python
# package with its notebook. Installs what it needs (Debian packages when
# root, Python packages into a venv). The last line is `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
passed=0
failed=0
failures=()

step() {
    local name="$1"
    shift
    echo
    echo "=== $name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "--- ok: $name ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "--- FAILED: $name ($((SECONDS - start)) s)"
    fi
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
step "ordinance run (every scenario in examples/)" run_scenarios
step "benchmarks build" cargo build --quiet --release -p ordinance-core --benches
step "C ABI, valgrind and the .NET client" bash tests/c/run.sh
step "Python package, stubs and notebook" bash python/run_tests.sh

echo
if [ ${#failures[@]} -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
