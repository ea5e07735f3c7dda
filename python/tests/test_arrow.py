"""Arrow in, Arrow out: pyarrow tables, record batches and readers, polars
data frames and any PyCapsule producer go to the core as Arrow columns and
come back as the same kind, equal to evaluating the rows one by one."""

from __future__ import annotations

import datetime
import random
import struct
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

import ordinance

FREQ = "energy_safety.inspection_frequency"
TAX = "individual_income_tax.annual_tax"


def one_by_one(engine: ordinance.Engine, rule: str, rows: list[dict[str, Any]], as_of: str) -> list[dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = []
    for row in rows:
        try:
            out.append(dict(engine.evaluate(rule, {k: v for k, v in row.items() if v is not None}, as_of=as_of).outputs))
        except ordinance.OrdinanceError:
            out.append(None)
    return out


def test_a_pyarrow_table_comes_back_a_table(engine: ordinance.Engine, roster: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist([{"name": r["name"], "sector": r["sector"], "class": r["class"]} for r in roster])
    out = engine.evaluate_many(FREQ, table, as_of="2024-06-30")
    assert isinstance(out, pa.Table)
    assert out.column_names == ["name", "sector", "class", "mode", "visits_per_year"]
    assert out.schema.field("visits_per_year").type == pa.int64()
    assert pa.types.is_dictionary(out.schema.field("mode").type)  # an enum: Arrow's categorical
    assert out.column("name").to_pylist() == table.column("name").to_pylist()  # inputs pass through
    expected = one_by_one(engine, FREQ, [{"class": r["class"]} for r in roster], "2024-06-30")
    assert out.select(["mode", "visits_per_year"]).to_pylist() == expected
    # the plan's 568 visits, summed in Arrow
    assert sum(out.column("visits_per_year").to_pylist()) == engine.evaluate(
        "energy_safety.planned_inspections",
        {"roster": [{"name": r["name"], "sector": r["sector"], "class": r["class"]} for r in roster]},
        as_of="2024-06-30",
    )["total"]


def test_batches_and_readers_keep_their_kind(engine: ordinance.Engine) -> None:
    batch = pa.RecordBatch.from_pydict({"class": ["A", "B", "C", "D"]})
    out = engine.evaluate_many(FREQ, batch, as_of="2024-06-30")
    assert isinstance(out, pa.RecordBatch)
    per_class = [engine.evaluate(FREQ, {"class": c}, as_of="2024-06-30")["visits_per_year"] for c in "ABCD"]
    assert out.column(2).to_pylist() == per_class
    reader = pa.RecordBatchReader.from_batches(batch.schema, [batch, batch])
    back = engine.evaluate_many(FREQ, reader, as_of="2024-06-30")
    assert isinstance(back, pa.RecordBatchReader)
    assert back.read_all().num_rows == 8
    empty = engine.evaluate_many(FREQ, batch.slice(0, 0), as_of="2024-06-30")
    assert isinstance(empty, pa.RecordBatch) and empty.num_rows == 0 and empty.num_columns == 3


def test_a_polars_frame_comes_back_a_polars_frame(engine: ordinance.Engine, roster: list[dict[str, Any]]) -> None:
    frame = pl.DataFrame({"name": [r["name"] for r in roster], "class": [r["class"] for r in roster]})
    out = engine.evaluate_many(FREQ, frame, as_of="2024-06-30")
    assert isinstance(out, pl.DataFrame)
    assert out.columns == ["name", "class", "mode", "visits_per_year"]
    assert out["visits_per_year"].dtype == pl.Int64
    expected = one_by_one(engine, FREQ, [{"class": r["class"]} for r in roster], "2024-06-30")
    assert out.select(["mode", "visits_per_year"]).to_dicts() == expected
    # a categorical column is a dictionary in Arrow: read the same
    cats = engine.evaluate_many(FREQ, frame.with_columns(pl.col("class").cast(pl.Categorical)), as_of="2024-06-30")
    assert cats["visits_per_year"].to_list() == out["visits_per_year"].to_list()
    with pytest.raises(ordinance.ArgumentError, match="collect"):
        engine.evaluate_many(FREQ, frame.lazy(), as_of="2024-06-30")


def test_money_is_decimal128_to_the_fen(engine: ordinance.Engine) -> None:
    taxable = [Decimal("0"), Decimal("36000"), Decimal("36001.50"), Decimal("960001.99")]
    table = pa.table({"taxable": pa.array(taxable, pa.decimal128(12, 2))})
    out = engine.evaluate_many(TAX, table, as_of="2024-06-30")
    assert out.schema.field("tax").type == pa.decimal128(38, 2)
    single = [engine.evaluate(TAX, {"taxable": t}, as_of="2024-06-30")["tax"] for t in taxable]
    assert out.column("tax").to_pylist() == single
    assert all(type(x) is Decimal for x in out.column("tax").to_pylist())
    # polars reads it as its Decimal type, digits intact
    polars_out = engine.evaluate_many(TAX, pl.from_arrow(table), as_of="2024-06-30")
    assert isinstance(polars_out["tax"].dtype, pl.Decimal)
    assert polars_out["tax"].to_list() == single
    # the same figures from text and integer columns
    texts = engine.evaluate_many(TAX, pa.table({"taxable": [str(t) for t in taxable]}), as_of="2024-06-30")
    assert texts.column("tax").to_pylist() == single


def test_exact_numbers_pick_the_narrowest_exact_type(exact: ordinance.Engine) -> None:
    # halves: decimal128 with one place; thirds: exact text; whole: int64
    halves = exact.evaluate_many("exact.share", pa.table({"amount": [1, 2, 4], "parts": [2, 1, 4]}), as_of="2024-08-01")
    assert halves.schema.field("each").type == pa.decimal128(38, 1)
    assert halves.column("each").to_pylist() == [Decimal("0.5"), Decimal("2.0"), Decimal("1.0")]
    assert halves.schema.field("whole").type == pa.int64()
    thirds = exact.evaluate_many("exact.share", pa.table({"amount": [1, 2, 3]}), as_of="2024-03-01")
    assert thirds.schema.field("each").type == pa.string()
    assert [Fraction(x) for x in thirds.column("each").to_pylist()] == [Fraction(1, 3), Fraction(2, 3), 1]


def test_one_type_per_column_over_many_batches(exact: ordinance.Engine) -> None:
    # the first batch's `each` are integers, the second's need two places:
    # the whole column is decimal128(38, 2), every value exact
    first = pa.RecordBatch.from_pydict({"amount": [4, 8], "parts": [4, 2]})
    second = pa.RecordBatch.from_pydict({"amount": [1, 3], "parts": [4, 4]})
    out = exact.evaluate_many("exact.share", pa.Table.from_batches([first, second]), as_of="2024-08-01")
    assert out.schema.field("each").type == pa.decimal128(38, 2)
    assert out.column("each").to_pylist() == [Decimal("1"), Decimal("4"), Decimal("0.25"), Decimal("0.75")]


def test_a_fixed_number_scale_fixes_the_type_and_fails_what_it_cannot_hold(exact: ordinance.Engine) -> None:
    # 1 July on the rate is 40%: at_rate is exact in two places for every row
    table = pa.table({"amount": [4, 1, 3], "parts": [4, 3, 4]})
    out = exact.evaluate_many("exact.share", table, as_of="2024-08-01", number_scale=2, errors="collect")
    assert out.schema.field("each").type == pa.decimal128(38, 2)
    assert out.schema.field("at_rate").type == pa.decimal128(38, 2)
    assert out.column("each").to_pylist() == [Decimal("1.00"), None, Decimal("0.75")]
    assert "output `each` is 1/3, which has no exact decimal of 2 places" in out.column("error").to_pylist()[1]
    with pytest.raises(ordinance.OrdinanceError) as info:
        exact.evaluate_many("exact.share", table, as_of="2024-08-01", number_scale=2)
    assert info.value.index == 1
    with pytest.raises(ordinance.ArgumentError):
        exact.evaluate_many("exact.share", table, as_of="2024-08-01", number_scale=39)
    with pytest.raises(ordinance.ArgumentError):
        exact.evaluate_many("exact.share", [{"amount": 1}], as_of="2024-08-01", number_scale=2)


def test_large_tables_in_chunks_equal_the_rows(engine: ordinance.Engine) -> None:
    rng = random.Random(7)
    classes = [rng.choice(["A", "B", "C", "D"]) for _ in range(150_000)]  # crosses the 65,536-row chunks
    table = pa.table({"class": classes})
    out = engine.evaluate_many(FREQ, table, as_of="2024-06-30")
    per_class = {c: engine.evaluate(FREQ, {"class": c}, as_of="2024-06-30")["visits_per_year"] for c in "ABCD"}
    assert out.column("visits_per_year").to_pylist() == [per_class[c] for c in classes]


def test_errors_raise_or_are_collected(engine: ordinance.Engine) -> None:
    table = pa.table({"class": ["A", "E", None, "D"]})
    with pytest.raises(ordinance.InputError) as info:
        engine.evaluate_many(FREQ, table, as_of="2024-06-30")
    assert info.value.index == 1 and info.value.field == "class"
    out = engine.evaluate_many(FREQ, table, as_of="2024-06-30", errors="collect")
    errors = out.column("error").to_pylist()
    assert errors[0] is None and errors[3] is None
    assert "`E` is not allowed" in errors[1]
    assert "missing input `class`" in errors[2]
    assert out.column("visits_per_year").to_pylist() == [4, None, None, 12]
    assert out.schema.field("visits_per_year").type == pa.int64()  # failed rows are nulls, not floats


def test_floats_need_allow_float(exact: ordinance.Engine) -> None:
    table = pa.table({"amount": [0.5, 1.1]})
    with pytest.raises(ordinance.InputError) as info:
        exact.evaluate_many("exact.share", table, as_of="2024-03-01")
    assert info.value.index == 0 and "not exact" in str(info.value)
    out = exact.evaluate_many("exact.share", table, as_of="2024-03-01", allow_float=True)
    assert out.column("whole").to_pylist() == [Decimal("1.5"), Decimal("3.3")]  # 1.1 read as 11/10


def test_dates_times_and_lists(exact: ordinance.Engine) -> None:
    table = pa.table(
        {
            "at": pa.array([datetime.datetime(2024, 3, 1, 9, 30), datetime.datetime(2024, 12, 31, 23, 0)], pa.timestamp("us")),
            "on": pa.array([datetime.date(2024, 2, 28), datetime.date(2024, 12, 31)], pa.date32()),
        }
    )
    out = exact.evaluate_many("exact.deadline", table, as_of="2024-03-01")
    assert out.column("next_day").to_pylist() == [datetime.date(2024, 2, 29), datetime.date(2025, 1, 1)]
    assert out.column("later").to_pylist()[1] == datetime.datetime(2025, 1, 1, 0, 30)
    aware = table.set_column(0, "at", pa.array([datetime.datetime(2024, 3, 1, 9, 30)] * 2, pa.timestamp("s", tz="Asia/Shanghai")))
    with pytest.raises(ordinance.InputError, match="time zone"):
        exact.evaluate_many("exact.deadline", aware, as_of="2024-03-01")
    items = pa.table({"items": pa.array([[1, 2, 3], [], [10]], pa.list_(pa.int64()))})
    totals = exact.evaluate_many("exact.total", items, as_of="2024-03-01")
    assert totals.column("total").to_pylist() == [6, 0, 10]


def test_wrong_columns_are_clear_errors(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError, match="no column `class`"):
        engine.evaluate_many(FREQ, pa.table({"klass": ["A"]}), as_of="2024-06-30")
    with pytest.raises(ordinance.InputError, match="cannot hold"):
        engine.evaluate_many(FREQ, pa.table({"class": [1]}), as_of="2024-06-30")
    with pytest.raises(ordinance.ArgumentError, match="already exist"):
        engine.evaluate_many(FREQ, pa.table({"class": ["A"], "mode": ["x"]}), as_of="2024-06-30")
    out = engine.evaluate_many(FREQ, pa.table({"class": ["A"], "mode": ["x"]}), as_of="2024-06-30", prefix="rule_")
    assert out.column_names == ["class", "mode", "rule_mode", "rule_visits_per_year"]


class Producer:
    """Any object of the PyCapsule interface (here a wrapper of a pyarrow
    table): the result is an ordinance.ArrowTable every Arrow library reads."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


def test_any_capsule_producer(engine: ordinance.Engine) -> None:
    out = engine.evaluate_many(FREQ, Producer(pa.table({"class": ["B", "D"]})), as_of="2024-06-30")
    assert isinstance(out, ordinance.ArrowTable)
    assert out.num_rows == 2 and out.column_names == ["class", "mode", "visits_per_year"]
    expected = [engine.evaluate(FREQ, {"class": c}, as_of="2024-06-30")["visits_per_year"] for c in "BD"]
    assert pa.table(out).column("visits_per_year").to_pylist() == expected
    assert pl.DataFrame(out)["visits_per_year"].to_list() == expected  # readable again: buffers shared


def test_random_tables_agree_with_the_rows(exact: ordinance.Engine) -> None:
    rng = random.Random(2024)
    for _ in range(20):
        n = rng.randrange(0, 40)
        amounts = [rng.choice([None, rng.randrange(-1000, 1000)]) for _ in range(n)]
        parts = [rng.choice([None, rng.randrange(-3, 9)]) for _ in range(n)]
        table = pa.table({"amount": pa.array(amounts, pa.int64()), "parts": pa.array(parts, pa.int64())})
        out = exact.evaluate_many("exact.share", table, as_of="2024-08-01", errors="collect")
        expected = one_by_one(exact, "exact.share", [{"amount": a, "parts": p} for a, p in zip(amounts, parts)], "2024-08-01")
        got = out.select(["each", "at_rate", "whole"]).to_pylist()
        errors = out.column("error").to_pylist()
        for e, g, err in zip(expected, got, errors):
            if e is None:
                assert err is not None and g == {"each": None, "at_rate": None, "whole": None}
            else:
                assert err is None
                assert {k: Fraction(v) if isinstance(v, str) else v for k, v in g.items()} == e


def test_importing_ordinance_imports_no_arrow_library() -> None:
    code = "import sys, ordinance; print('pyarrow' in sys.modules, 'polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_lying_producers_and_duplicate_columns_raise_typed_errors(engine: ordinance.Engine) -> None:
    # a text column whose second value would end at byte 5 of a 2-byte
    # buffer: it passes Arrow's cheap checks, not the full ones
    lying = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(struct.pack("<3i", 0, 5, 2)), pa.py_buffer(b"AB")])
    with pytest.raises(ordinance.InputError, match="not valid"):
        engine.evaluate_many(FREQ, Producer(pa.table({"class": lying})), as_of="2024-06-30")
    twice = pa.Table.from_arrays([pa.array(["A"]), pa.array(["B"])], names=["class", "class"])
    with pytest.raises(ordinance.InputError, match="more than one column named `class`"):
        engine.evaluate_many(FREQ, twice, as_of="2024-06-30")
    # the engine still answers
    assert engine.evaluate(FREQ, {"class": "B"}, as_of="2024-06-30")["visits_per_year"] > 0
