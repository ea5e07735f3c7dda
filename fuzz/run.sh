#!/usr/bin/env bash
# Runs every cargo-fuzz target of ordinance for a bounded time each.
#
#   bash fuzz/run.sh            # 20 s per target (what the test command runs)
#   bash fuzz/run.sh 3600       # an hour per target
#   bash fuzz/run.sh 600 c_abi  # one target
#
# Installs cargo-fuzz when it is missing. The machine's toolchain is stable
# Rust; cargo-fuzz passes nightly flags (-Zsanitizer=address), which
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept. New corpus entries go to
# a scratch folder (the committed seeds in corpus/<target>/ stay as they
# are); a crash is saved under fuzz/artifacts/<target>/ and fails the run.
# The closing line is `fuzz: N passed, M failed`, one test per target.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SECONDS_PER_TARGET="${1:-20}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(expr_roundtrip load_pack evaluate_json scenario c_abi differential load_and_evaluate http_request table_and_calendar)
fi
export RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet || { echo "fuzz: 0 passed, 1 failed"; exit 1; }
fi
echo "== building the targets (release, AddressSanitizer)"
cargo fuzz build -O || { echo "fuzz: 0 passed, 1 failed"; exit 1; }

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/ordinance-fuzz.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
passed=0
failed=0
for t in "${TARGETS[@]}"; do
    mkdir -p "$SCRATCH/$t" "corpus/$t"
    case "$t" in
        differential) extra=(-max_len=256) ;;
        c_abi | evaluate_json | load_and_evaluate | http_request) extra=(-max_len=4096) ;;
        *) extra=(-max_len=65536) ;;
    esac
    echo "== $t (${SECONDS_PER_TARGET} s)"
    if cargo fuzz run -O "$t" "$SCRATCH/$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 "${extra[@]}" \
        >"$SCRATCH/$t.log" 2>&1; then
        runs=$(grep -E '^stat::number_of_executed_units' "$SCRATCH/$t.log" | awk '{print $2}')
        echo "ok   $t: ${runs:-?} runs, no crash"
        passed=$((passed + 1))
    else
        tail -n 40 "$SCRATCH/$t.log"
        echo "FAIL $t (the crashing input is under fuzz/artifacts/$t/)"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
