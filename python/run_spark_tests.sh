#!/usr/bin/env bash
# ordinance.spark's tests, in Spark's local mode (local[2]) on this machine.
# From the repository root, after python/run_tests.sh (which makes the
# virtualenv and installs the ordinance wheel into it):
#
#   bash python/run_spark_tests.sh
#
# Installs pyspark into the same virtualenv and Java 17 with apt-get when
# it is missing and we are root. Spark binds to 127.0.0.1 only. pytest runs
# last, so its summary line is the closing line.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
. "$ROOT/scripts/lib/common.sh"
VENV="${ORDINANCE_PY_VENV:-$ROOT/target/py-venv}"
VPY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export SPARK_LOCAL_IP=127.0.0.1

step() { printf '\n== %s\n' "$*"; }

[ -x "$VPY" ] || { echo "error: run python/run_tests.sh first (it makes $VENV with the ordinance wheel)" >&2; exit 1; }
"$VPY" -c 'import ordinance' || { echo "error: the ordinance wheel is not installed in $VENV; run python/run_tests.sh" >&2; exit 1; }

if ! command -v java >/dev/null; then
    step "Java 17"
    install_debian_packages "pyspark" openjdk-17-jre-headless
fi

step "pyspark"
"$VPY" -m pip install -q "pyspark>=4.0,<4.4"

# the bundle the tests ship to the executors is made by the CLI
cargo build --quiet -p ordinance-cli

step "pytest (Spark local[2], 1,000,000 rows)"
cd "$ROOT/target"
"$VPY" -m pytest "$ROOT/python/spark_tests" -p no:cacheprovider -ra
