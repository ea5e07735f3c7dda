#!/usr/bin/env bash
# The Python package's test command. From the repository root:
#
#   bash python/run_tests.sh
#
# 1. makes a virtualenv (target/py-venv; reused when it already exists,
#    ORDINANCE_PY_VENV overrides) and installs the pinned test tools;
# 2. builds the abi3 wheel with maturin (release) and installs it;
# 3. checks the hand-written stubs against the compiled module
#    (mypy.stubtest) and type-checks the installed package (mypy --strict);
# 4. runs pytest over python/tests, which also executes the example
#    notebook headless (nbclient, MPLBACKEND=Agg).
#
# pytest runs last, so its summary line ("N passed in …") is the closing
# line. Any failure exits non-zero. Needs cargo (rustc 1.85+) and CPython
# >= 3.10 with pip; network access to PyPI and crates.io.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
. "$ROOT/scripts/lib/common.sh"
PYTHON="${PYTHON:-python3}"
VENV="${ORDINANCE_PY_VENV:-$ROOT/target/py-venv}"
WHEELS="$ROOT/target/py-wheels"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export MPLBACKEND=Agg
export MYPY_CACHE_DIR="$ROOT/target/py-mypy-cache"

step() { printf '\n== %s\n' "$*"; }

command -v cargo >/dev/null || { echo "error: cargo is needed to build the extension module" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "error: $PYTHON is older than Python 3.10" >&2
    exit 1
}

if [ ! -x "$VENV/bin/python" ]; then
    step "virtualenv $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        # Debian ships venv separately (python3-venv); install it when we can.
        rm -rf "$VENV"
        install_debian_packages "a Python virtualenv" python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi
VPY="$VENV/bin/python"

step "test tools"
"$VPY" -m pip install -q --upgrade pip
"$VPY" -m pip install -q \
    "maturin>=1.16,<2" \
    "pytest>=8,<10" \
    "pandas>=2.2,<2.4" \
    "pandas-stubs>=2.2,<2.4" \
    "matplotlib>=3.8,<4" \
    "PyYAML>=6,<7" \
    "jsonschema>=4.20,<5" \
    "nbclient>=0.10,<1" \
    "nbformat>=5.10,<6" \
    "ipykernel>=6.29,<8" \
    "mypy>=1.11,<2" \
    "pyarrow>=18,<27" \
    "polars>=1.20,<3" \
    "dask[dataframe]>=2024.8,<2027"

step "build the wheel (maturin, release, abi3)"
rm -rf "$WHEELS"
(cd python && "$VENV/bin/maturin" build --release --interpreter "$VPY" --out "$WHEELS" --quiet)
"$VPY" -m pip install -q --force-reinstall --no-deps "$WHEELS"/ordinance-*.whl

# the CLI, which a test compares run_scenario's report with
step "the ordinance CLI (debug)"
cargo build --quiet -p ordinance-cli

# Everything below imports the installed wheel, never python/ordinance.
cd "$ROOT/target"

step "stubs match the compiled module (mypy.stubtest)"
"$VPY" -m mypy.stubtest ordinance._native

step "the installed package type-checks (mypy --strict)"
"$VPY" -m mypy --strict -p ordinance

step "pytest (includes executing examples/notebooks/energy_safety_2024.ipynb)"
"$VPY" -m pytest "$ROOT/python/tests" -p no:cacheprovider -ra
