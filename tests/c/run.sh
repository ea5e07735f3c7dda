#!/usr/bin/env bash
# tests/c/run.sh — the test command of the C ABI (libordinance), from a fresh
# Debian machine: builds the library, checks that include/ordinance.h is what
# cbindgen generates, compiles tests/c/test_ordinance.c against the header
# and the library and runs it plainly and under valgrind memcheck, installs
# with `make install` into a temporary prefix and builds a program with
# pkg-config, then compiles and runs the .NET client (examples/dotnet) with
# Mono. Missing tools (gcc, make, pkg-config, valgrind, mono-mcs) are
# installed with apt-get when running as root.
#
#   bash tests/c/run.sh            # from anywhere; uses <repo>/rules
#   ORDINANCE_RULES=DIR bash tests/c/run.sh
#
# Prints one line per check and closes with `N passed, M failed`; exits 1 if
# any check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/scripts/lib/common.sh"
RULES="${ORDINANCE_RULES:-$ROOT/rules}"
WORK="$ROOT/target/ctest"
LOGS="$WORK/logs"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ordinance-run.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
rm -rf "$WORK"
mkdir -p "$WORK/lib" "$LOGS"

passed=0
failed=0

# check NAME COMMAND...: runs COMMAND with its output in $LOGS/NAME.log and
# counts it; on failure shows the end of the log.
check() {
    local name="$1"
    shift
    local log="$LOGS/$name.log" rc
    # A subshell with its own `set -e`, run outside any `if`/`||` (where
    # bash would ignore errexit), so a failing step inside a helper fails it.
    set +e
    (
        set -e
        "$@"
    ) >"$log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name (log: ${log#"$ROOT"/})"
        tail -n 40 "$log" | sed 's/^/     | /'
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    if [ "$failed" -eq 0 ]; then
        exit 0
    fi
    exit 1
}

# ---- tools ------------------------------------------------------------------

# ensure COMMAND PACKAGE: installs PACKAGE with apt-get if COMMAND is missing
# and we are root; otherwise says what to install.
ensure() {
    command -v "$1" >/dev/null 2>&1 || install_debian_packages "\`$1\` (for the C tests)" "$2"
}

tools() {
    local missing=0
    command -v cargo >/dev/null 2>&1 || { echo "missing cargo (a Rust toolchain)"; missing=1; }
    ensure gcc gcc || missing=1
    ensure make make || missing=1
    ensure readelf binutils || missing=1
    ensure pkg-config pkg-config || missing=1
    ensure valgrind valgrind || missing=1
    ensure mcs mono-mcs || missing=1
    ensure mono mono-runtime || missing=1
    return "$missing"
}
check tools tools
if [ "$failed" -ne 0 ]; then
    finish
fi

ABI="$(sed -n 's/^pub const ORD_ABI_VERSION: u32 = \([0-9][0-9]*\);/\1/p' ffi/src/abi_version.rs)"

# ---- the library and its header ------------------------------------------------

check build cargo build -p ordinance-ffi --release
if [ ! -f target/release/libordinance.so ]; then
    finish
fi
# Stage the library as it is installed: the soname file and the dev link.
cp target/release/libordinance.so "$WORK/lib/libordinance.so.$ABI"
ln -sf "libordinance.so.$ABI" "$WORK/lib/libordinance.so"

# The dev profile, so that scripts/test-all.sh's `cargo test --workspace`
# has already built it.
check header-is-current cargo test -q -p ordinance-ffi --test header

soname() {
    readelf -d "$WORK/lib/libordinance.so.$ABI" | grep -F "Library soname: [libordinance.so.$ABI]"
}
check soname-carries-abi-major soname

# Every function the header declares is exported, and the C test calls it.
exports() {
    local fns missing=0
    fns="$(grep -oE '\bord_[a-z_]+\(' include/ordinance.h | tr -d '(' | sort -u)"
    [ -n "$fns" ] || { echo "no functions in include/ordinance.h"; return 1; }
    for f in $fns; do
        nm -D --defined-only "$WORK/lib/libordinance.so.$ABI" | grep -qE " T $f\$" \
            || { echo "$f is declared but not exported"; missing=1; }
        grep -qE "\b$f\(" tests/c/test_ordinance.c || { echo "$f is not exercised by tests/c/test_ordinance.c"; missing=1; }
    done
    echo "$(echo "$fns" | wc -l) functions: $(echo $fns)"
    return "$missing"
}
check every-export-exists-and-is-tested exports

# ---- the C tests -----------------------------------------------------------------

check c-compile gcc -std=c11 -Wall -Wextra -Werror -pthread -g -Iinclude tests/c/*.c \
    -L"$WORK/lib" -lordinance -o "$WORK/test_ordinance"

# the C benchmark is run by hand (docs/performance.md); it must keep compiling
check c-bench-compiles gcc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude benches/c/bench_ordinance.c \
    -L"$WORK/lib" -lordinance -o "$WORK/bench_ordinance"

if [ -x "$WORK/test_ordinance" ]; then
    check c-tests env LD_LIBRARY_PATH="$WORK/lib" "$WORK/test_ordinance" "$RULES"
    grep -E '^c: ' "$LOGS/c-tests.log" || true
    # Rust's thread-locals may remain "still reachable"; only definite and
    # indirect leaks, and any invalid access, count.
    check c-tests-valgrind env LD_LIBRARY_PATH="$WORK/lib" valgrind --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --error-exitcode=3 --fair-sched=yes "$WORK/test_ordinance" "$RULES"
    grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$LOGS/c-tests-valgrind.log" | sed 's/^==[0-9]*== /     /' || true
fi

# ---- make install + pkg-config ---------------------------------------------------

PREFIX="$TMP/prefix"
check make-install make install PREFIX="$PREFIX"

installed_layout() {
    test -f "$PREFIX/lib/libordinance.so.$ABI"
    test "$(readlink "$PREFIX/lib/libordinance.so")" = "libordinance.so.$ABI"
    test -f "$PREFIX/lib/libordinance.a"
    cmp include/ordinance.h "$PREFIX/include/ordinance.h"
    PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --exists --print-errors ordinance
    PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --modversion ordinance
}
check installed-layout installed_layout

pkgconfig_program() {
    export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
    # shellcheck disable=SC2046 # pkg-config prints several words on purpose
    gcc -std=c11 -Wall -Wextra -Werror tests/c/smoke/hello_ordinance.c \
        $(pkg-config --cflags --libs ordinance) -o "$TMP/hello_ordinance"
    readelf -d "$TMP/hello_ordinance" | grep -F "Shared library: [libordinance.so.$ABI]"
    LD_LIBRARY_PATH="$PREFIX/lib" "$TMP/hello_ordinance" "$RULES" | tee "$TMP/hello.out"
    grep -qF '"visits_per_year":12' "$TMP/hello.out"
    grep -qF 'expected one of A, B, C, D' "$TMP/hello.out"
}
check pkg-config-shared pkgconfig_program

# the same program given a rule-set bundle instead of the folder
bundle_program() {
    cargo build --quiet -p ordinance-cli
    ./target/debug/ordinance --rules "$RULES" bundle -o "$TMP/rules.ordinance"
    LD_LIBRARY_PATH="$PREFIX/lib" "$TMP/hello_ordinance" "$TMP/rules.ordinance" | tee "$TMP/hello-bundle.out"
    grep -qF '"visits_per_year":12' "$TMP/hello-bundle.out"
}
check c-opens-a-bundle bundle_program

pkgconfig_static() {
    export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
    # shellcheck disable=SC2046
    gcc -std=c11 -Wall -Wextra -Werror tests/c/smoke/hello_ordinance.c $(pkg-config --cflags ordinance) \
        -L"$PREFIX/lib" -Wl,-Bstatic -lordinance -Wl,-Bdynamic \
        $(pkg-config --static --libs-only-l ordinance | sed 's/-lordinance//') -o "$TMP/hello_static"
    if readelf -d "$TMP/hello_static" | grep -F libordinance; then
        return 1
    fi
    "$TMP/hello_static" "$RULES" | grep -F '"visits_per_year":12'
}
check pkg-config-static pkgconfig_static

# ---- the .NET package and its client ---------------------------------------------------

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
check dotnet-pack bash dotnet/pack.sh "$WORK/feed"

# the example is built against the package as a consumer gets it: installed
# from the feed, compiled against lib/net45/Ordinance.dll, with the native
# library from runtimes/linux-x64/native beside the program (what the
# package's build/Ordinance.targets does for an MSBuild project)
dotnet_consume() {
    export HOME="$WORK/dotnet-home"
    mkdir -p "$HOME"
    rm -rf "$WORK/packages" "$WORK/app"
    nuget install Ordinance -Version "$VERSION" -Source "$WORK/feed" -OutputDirectory "$WORK/packages" -NonInteractive
    local pkg="$WORK/packages/Ordinance.$VERSION"
    test -f "$pkg/lib/net45/Ordinance.dll"
    test -f "$pkg/runtimes/linux-x64/native/libordinance.so"
    test -f "$pkg/build/Ordinance.targets"
    mkdir -p "$WORK/app"
    mcs -langversion:7.2 -warnaserror -r:"$pkg/lib/net45/Ordinance.dll" -out:"$WORK/app/Program.exe" examples/dotnet/Program.cs
    cp "$pkg/lib/net45/Ordinance.dll" "$pkg/runtimes/linux-x64/native/libordinance.so" "$WORK/app/"
}
check dotnet-consume-package dotnet_consume

if [ -f "$WORK/app/Program.exe" ]; then
    # no LD_LIBRARY_PATH: the library beside the program is found
    check dotnet-run env -u LD_LIBRARY_PATH mono "$WORK/app/Program.exe" "$RULES" examples/dotnet/roster_2024.tsv
    cat "$LOGS/dotnet-run.log" | sed 's/^/     | /'
    # The figures the plan prints (三(四)1), each as the engine computed it.
    for figure in coal_mine:232 coal_business:252 power:40 oil_gas_pipeline:20 new_energy:24 total:568; do
        check "dotnet-figure-${figure%%:*}-${figure##*:}" \
            grep -qE "^${figure%%:*} +${figure##*:}( |\$)" "$LOGS/dotnet-run.log"
    done
    # money arrives as a C# decimal equal to the document's "x.yz" string
    check dotnet-money-decimal grep -qE '^income tax on 36001\.50: ([0-9]+\.[0-9]{2}) \(\1, Decimal\)$' "$LOGS/dotnet-run.log"
    # one .NET type per output, whatever the value (3% and 10% alike)
    check dotnet-one-type-per-output grep -qxF 'rate types: Decimal Decimal' "$LOGS/dotnet-run.log"
    check dotnet-structured-error grep -qF 'code input, field class, allowed A/B/C/D' "$LOGS/dotnet-run.log"
    dotnet_load_error() {
        local rc=0
        env -u LD_LIBRARY_PATH mono "$WORK/app/Program.exe" "$TMP/no-such-rules" examples/dotnet/roster_2024.tsv \
            >"$TMP/dotnet-err.out" 2>&1 || rc=$?
        cat "$TMP/dotnet-err.out"
        [ "$rc" -eq 1 ] && grep -qF 'ordinance error [LoadError, code load]' "$TMP/dotnet-err.out"
    }
    check dotnet-load-error dotnet_load_error
    # without the native library: a clear message, not a bare DllNotFoundException
    dotnet_missing_library() {
        local rc=0
        mkdir -p "$TMP/app-nolib"
        cp "$WORK/app/Program.exe" "$WORK/app/Ordinance.dll" "$TMP/app-nolib/"
        env -u LD_LIBRARY_PATH mono "$TMP/app-nolib/Program.exe" "$RULES" examples/dotnet/roster_2024.tsv \
            >"$TMP/dotnet-nolib.out" 2>&1 || rc=$?
        cat "$TMP/dotnet-nolib.out"
        [ "$rc" -eq 1 ] && grep -qF 'could not be loaded' "$TMP/dotnet-nolib.out" \
            && grep -qF 'Looked in:' "$TMP/dotnet-nolib.out" && grep -qF 'runtimes/linux-x64/native/libordinance.so' "$TMP/dotnet-nolib.out" \
            && ! grep -qF 'at Ordinance.' "$TMP/dotnet-nolib.out"
    }
    check dotnet-missing-library-is-explained dotnet_missing_library
fi

finish
