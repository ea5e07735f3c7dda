"""Spark throughput, measured (never asserted): 1,000,000 rows of one class
column in local[2], summed after each of

- an identity ``mapInArrow`` (what Spark's Arrow round trip costs alone),
- Spark SQL's own ``CASE`` on the class (a hand-written floor),
- ``ordinance.spark.evaluate`` of ``energy_safety.inspection_frequency``.

``docs/performance.md`` records what it printed.

    bash python/run_tests.sh && bash python/run_spark_tests.sh   # installs the wheel and pyspark
    target/py-venv/bin/python python/benches/bench_spark.py rules
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Iterator

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ordinance import spark as ospark

ROWS = 1_000_000


def timed(label: str, f: Any) -> float:
    f()  # warm the workers
    start = time.perf_counter()
    f()
    seconds = time.perf_counter() - start
    print(f"{label:44s} {seconds:6.2f} s  {ROWS / seconds / 2:>12,.0f} rows/s per core")
    return seconds


def main() -> None:
    rules = sys.argv[1] if len(sys.argv) > 1 else "rules"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "65536")
        .getOrCreate()
    )
    letters = F.array(*[F.lit(c) for c in "ABCD"])
    df = spark.range(ROWS, numPartitions=2).withColumn("class", F.element_at(letters, (F.col("id") % 4 + 1).cast("int")))
    df = df.cache()
    df.count()

    def identity(batches: Iterator[Any]) -> Iterator[Any]:
        yield from batches

    timed("identity mapInArrow (Spark's Arrow cost)", lambda: df.mapInArrow(identity, df.schema).agg(F.count("*")).collect())
    case = F.when(F.col("class") == "A", 4).when(F.col("class").isin("B", "C"), 8).otherwise(12)
    timed("Spark SQL CASE (hand-written floor)", lambda: df.withColumn("v", case).agg(F.sum("v")).collect())
    out = ospark.evaluate(df, "energy_safety.inspection_frequency", rules=rules, as_of="2024-06-30")
    timed("ordinance.spark.evaluate", lambda: out.agg(F.sum("visits_per_year")).collect())
    spark.stop()


if __name__ == "__main__":
    main()
