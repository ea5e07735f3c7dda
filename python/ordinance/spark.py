"""Evaluating a rule over a Spark DataFrame, for data that outgrows one
machine.

::

    from ordinance.spark import evaluate
    out = evaluate(df, "energy_safety.inspection_frequency", rules="rules.ordinance", as_of="2024-06-30")

Each partition goes through ``DataFrame.mapInArrow``: its Arrow batches are
handed to the same Rust core :meth:`ordinance.Engine.evaluate_many` uses on
a pyarrow table, and come back with one column per output. Every executor
process loads the rule set once and checks that its rule-set hash is the
one the driver loaded, so every partition is evaluated with the same
rules; a mismatch fails the task with both hashes.

``rules`` is a rules folder or a rule-set bundle (``ordinance bundle -o
rules.ordinance``). A bundle is shipped to the executors with
``SparkContext.addFile``, so a cluster needs nothing but the file on the
driver; a folder must be readable at the same path on every executor.

Output columns have Spark types fixed by the rule's declared types (Spark
needs the schema before it runs anything):

============================  =========================================
output type                   Spark type
============================  =========================================
``integer``                   ``LongType``
``money``, ``decimal(n)``     ``DecimalType(38, n)``
``number``                    ``DecimalType(38, number_scale)`` (18 by default); a value with no
                              exact decimal of that many places (1/3) fails its row
``bool``                      ``BooleanType``
``text``, an enum             ``StringType``
``date``                      ``DateType``
``datetime``                  ``TimestampNTZType`` (local wall-clock time)
``time``                      ``StringType`` (``HH:MM:SS``)
``duration``                  ``LongType`` (seconds)
lists and records             ``StringType`` (the value's JSON form)
============================  =========================================

Every executor needs ordinance installed in the Python it runs (the wheel,
``pip install ordinance-….whl``, or a virtualenv shipped with
``--archives``) and pyarrow; ``PYSPARK_PYTHON`` names that Python. pyspark
is imported only by this module; ``import ordinance`` does not need it.
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from ._distributed import output_columns, plain, rule_info, worker_engine
from ._engine import Engine
from ._errors import ArgumentError

# pyspark and pyarrow are imported where they are used, as Any: neither is
# needed to import (or type-check) ordinance
DataFrame = Any
_RecordBatch = Any


def _module(name: str) -> Any:
    return importlib.import_module(name)

__all__ = ["evaluate", "output_schema"]


def _spark_type(ty: Any, number_scale: int) -> Any:
    T = _module("pyspark.sql.types")

    ty = plain(ty)
    if ty == "integer":
        return T.LongType()
    if ty == "number":
        return T.DecimalType(38, number_scale)
    if isinstance(ty, dict) and "decimal" in ty:
        return T.DecimalType(38, int(ty["decimal"]))
    if ty == "bool":
        return T.BooleanType()
    if ty == "date":
        return T.DateType()
    if ty == "datetime":
        return T.TimestampNTZType()
    if ty == "duration":
        return T.LongType()
    return T.StringType()  # text, enums, times of day, lists and records


def output_schema(
    df: DataFrame, engine: Engine, rule: str, *, prefix: str = "", errors: str = "raise", number_scale: int = 18
) -> Any:
    """The Spark schema :func:`evaluate` gives: ``df``'s columns, then one
    per output of ``rule`` (``prefix + name``), then ``prefix + "error"``
    when errors are collected."""
    T = _module("pyspark.sql.types")
    info = rule_info(engine, rule)
    fields = list(df.schema.fields)
    output_columns(info, prefix, errors, (f.name for f in fields))
    for o in info.outputs:
        fields.append(T.StructField(prefix + o.name, _spark_type(o.type, number_scale), True))
    if errors == "collect":
        fields.append(T.StructField(prefix + "error", T.StringType(), True))
    return T.StructType(fields)


def _conform(batch: _RecordBatch, schema: Any) -> _RecordBatch:
    """The batch with each column in the Arrow type Spark's schema asks for
    (numbers already come in their fixed decimal type: ``number_scale``)."""
    pa: Any = importlib.import_module("pyarrow")
    pc: Any = importlib.import_module("pyarrow.compute")

    columns = []
    for field in schema:
        column = batch.column(field.name)
        if pa.types.is_duration(column.type):
            column = pc.cast(column, pa.int64())
        elif pa.types.is_time(column.type):
            column = pa.array([None if t is None else t.isoformat() for t in column.to_pylist()], type=pa.string())
        if column.type != field.type:
            column = pc.cast(column, field.type)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def evaluate(
    df: DataFrame,
    rule: str,
    *,
    rules: str | os.PathLike[str],
    as_of: datetime.date | str | None = None,
    prefix: str = "",
    errors: Literal["raise", "collect"] = "raise",
    allow_float: bool = False,
    number_scale: int = 18,
) -> DataFrame:
    """``df`` with one column per output of ``rule`` (``pack.rule``),
    evaluated partition by partition on the executors.

    ``rules`` is a rules folder or a rule-set bundle (shipped to the
    executors). ``as_of`` fixes the date the rules apply as of (without it,
    each executor would use its own today: give it for reproducible runs).
    With ``errors="raise"`` a failing row fails its task with the row's
    error; with ``errors="collect"`` a ``prefix + "error"`` column holds
    each failed row's message (null where it succeeded). ``number_scale``
    is the places of ``DecimalType`` for outputs declared ``number``.
    """
    SparkFiles = _module("pyspark").SparkFiles

    if errors not in ("raise", "collect"):
        raise ArgumentError(f'errors must be "raise" or "collect", not {errors!r}')
    if not 0 <= number_scale <= 38:
        raise ArgumentError(f"number_scale must be between 0 and 38, not {number_scale}")
    path = Path(rules).resolve()
    engine = Engine(path)  # the driver checks the rules and fixes the rule set
    expected = engine.ruleset
    schema = output_schema(df, engine, rule, prefix=prefix, errors=errors, number_scale=number_scale)
    as_of_text = as_of.isoformat() if isinstance(as_of, datetime.date) else as_of
    shipped: str | None = None
    if path.is_file():
        df.sparkSession.sparkContext.addFile(str(path))
        shipped = path.name
    local = str(path)

    def partition(batches: Iterator[_RecordBatch]) -> Iterator[_RecordBatch]:
        to_arrow_schema = _module("pyspark.sql.pandas.types").to_arrow_schema

        where = SparkFiles.get(shipped) if shipped is not None else local
        executor = worker_engine(where, expected)
        arrow_schema = to_arrow_schema(schema)
        for batch in batches:
            out = executor.evaluate_many(
                rule,
                batch,
                as_of=as_of_text,
                prefix=prefix,
                errors=errors,
                allow_float=allow_float,
                number_scale=number_scale,
            )
            yield _conform(out, arrow_schema)

    return df.mapInArrow(partition, schema)
