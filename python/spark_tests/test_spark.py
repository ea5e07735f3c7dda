"""ordinance.spark in Spark's local mode (local[2], Java 17): over 1,000,000
rows the executors' results equal the single-process call's, money stays
decimal, failing rows raise or are collected, and an executor with other
rules than the driver's refuses to evaluate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import ordinance
from ordinance import spark as ospark
from ordinance._distributed import worker_engine

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
FREQ = "energy_safety.inspection_frequency"
TAX = "individual_income_tax.annual_tax"
ROWS = 1_000_000


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "rules.ordinance"
    cli = REPO / "target" / "debug" / "ordinance"
    subprocess.run([str(cli), "--rules", str(RULES), "bundle", "-o", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # the executors' Python is this one, where the ordinance wheel is installed
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("ordinance-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "65536")
        .getOrCreate()
    )
    yield session
    session.stop()


def classes_frame(spark: SparkSession, rows: int) -> Any:
    letters = F.array(*[F.lit(c) for c in "ABCD"])
    return spark.range(rows, numPartitions=4).withColumn("class", F.element_at(letters, (F.col("id") % 4 + 1).cast("int")))


def test_a_million_rows_equal_the_single_process_call(spark: SparkSession, bundle: Path) -> None:
    df = classes_frame(spark, ROWS)
    start = time.perf_counter()
    out = ospark.evaluate(df, FREQ, rules=bundle, as_of="2024-06-30")
    got = out.orderBy("id").toArrow()
    seconds = time.perf_counter() - start
    assert got.num_rows == ROWS
    assert out.schema["visits_per_year"].dataType == T.LongType()
    assert out.schema["mode"].dataType == T.StringType()
    # the same table through the single-process Arrow path
    ids = pa.array(range(ROWS), pa.int64())
    local = pa.table({"id": ids, "class": pc.take(pa.array(list("ABCD")), pc.remainder(ids, 4))})
    expected = ordinance.Engine(bundle).evaluate_many(FREQ, local, as_of="2024-06-30")
    assert got.column("visits_per_year").to_pylist() == expected.column("visits_per_year").to_pylist()
    assert got.column("mode").to_pylist() == pc.cast(expected.column("mode"), pa.string()).to_pylist()
    print(f"\nspark local[2]: {ROWS} rows in {seconds:.1f} s, {ROWS / seconds / 2:,.0f} rows/s per core")


def test_money_stays_decimal(spark: SparkSession, bundle: Path) -> None:
    engine = ordinance.Engine(bundle)
    taxable = [Decimal(i * 1731) / 100 for i in range(5000)]
    schema = T.StructType([T.StructField("taxable", T.DecimalType(12, 2))])
    df = spark.createDataFrame([(t,) for t in taxable], schema)
    out = ospark.evaluate(df, TAX, rules=bundle, as_of="2024-06-30")
    assert out.schema["tax"].dataType == T.DecimalType(38, 2)
    assert out.schema["rate"].dataType == T.DecimalType(38, 18)
    rows = {r["taxable"]: (r["tax"], r["rate"]) for r in out.collect()}
    for t in taxable[::97]:
        d = engine.evaluate(TAX, {"taxable": t}, as_of="2024-06-30")
        assert rows[t] == (d["tax"], d["rate"])


def test_failing_rows_raise_or_are_collected(spark: SparkSession, bundle: Path) -> None:
    df = spark.createDataFrame([("A",), ("E",), (None,), ("D",)], "class string")
    out = ospark.evaluate(df, FREQ, rules=bundle, as_of="2024-06-30", errors="collect").collect()
    assert [r["error"] is None for r in out] == [True, False, False, True]
    assert "`E` is not allowed" in out[1]["error"]
    assert "missing input `class`" in out[2]["error"]
    assert out[1]["visits_per_year"] is None
    # the first task to fail raises its row's error: the E row or the empty one
    with pytest.raises(Exception, match="is not allowed|missing input"):
        ospark.evaluate(df, FREQ, rules=bundle, as_of="2024-06-30").collect()


def test_numbers_without_an_exact_decimal_fail_their_row(spark: SparkSession, tmp_path: Path) -> None:
    rules = tmp_path / "exact"
    rules.mkdir()
    shutil.copy(REPO / "python" / "tests" / "exact_pack.yaml", rules / "exact.yaml")
    df = spark.createDataFrame([(1, 3), (1, 4)], "amount long, parts long")
    out = ospark.evaluate(df, "exact.share", rules=rules, as_of="2024-08-01", errors="collect").collect()
    assert out[0]["each"] is None and "1/3" in out[0]["error"]
    assert out[1]["each"] == Decimal("0.25") and out[1]["error"] is None


def test_an_executor_with_other_rules_refuses(bundle: Path) -> None:
    with pytest.raises(RuntimeError, match="every partition must use the same rules"):
        worker_engine(str(bundle), "0000000000000000")


def test_clashing_output_names_are_refused(spark: SparkSession, bundle: Path) -> None:
    df = spark.createDataFrame([("A", "x")], "class string, mode string")
    with pytest.raises(ordinance.ArgumentError, match="already exist"):
        ospark.evaluate(df, FREQ, rules=bundle, as_of="2024-06-30")
    out = ospark.evaluate(df, FREQ, rules=bundle, as_of="2024-06-30", prefix="rule_").collect()
    alone = ordinance.Engine(bundle).evaluate(FREQ, {"class": "A"}, as_of="2024-06-30")
    assert (out[0]["mode"], out[0]["rule_mode"], out[0]["rule_visits_per_year"]) == ("x", alone["mode"], alone["visits_per_year"])
