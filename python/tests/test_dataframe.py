"""pandas DataFrames in and out of evaluate_many."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest

import ordinance

FREQ = "energy_safety.inspection_frequency"


def test_dataframe_round_trip(engine: ordinance.Engine, roster: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(roster).set_index("name")
    before = frame.copy()
    out = engine.evaluate_many(FREQ, frame, as_of="2024-06-30")
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_frame_equal(frame, before)  # the input is left alone
    assert list(out.columns) == list(frame.columns) + ["mode", "visits_per_year"]
    assert out.index.equals(frame.index)
    pd.testing.assert_frame_equal(out[list(frame.columns)], frame)
    assert out["visits_per_year"].dtype == "Int64"  # pandas' nullable integers
    # one output per row, the same as evaluating row by row
    for name, row in out.sample(10, random_state=1).iterrows():
        d = engine.evaluate(FREQ, {"class": row["class"]}, as_of="2024-06-30")
        assert (row["mode"], row["visits_per_year"]) == (d["mode"], d["visits_per_year"]), name
    # the plan's own figure: 568 visits in 2024
    assert out["visits_per_year"].sum() == 568
    by_sector = out.groupby("sector")["visits_per_year"].sum().to_dict()
    assert by_sector == {"coal_mine": 232, "coal_business": 252, "power": 40, "oil_gas_pipeline": 20, "new_energy": 24}


def test_dataframe_only_reads_input_columns(engine: ordinance.Engine) -> None:
    frame = pd.DataFrame({"class": ["A", "D"], "unrelated": [object(), None], "seq": [1, 2]})
    out = engine.evaluate_many(FREQ, frame)
    assert out["visits_per_year"].tolist() == [4, 12]


def test_dataframe_matches_list_results(engine: ordinance.Engine, roster: list[dict[str, Any]]) -> None:
    records = [{"class": r["class"]} for r in roster]
    as_list = engine.evaluate_many(FREQ, records, as_of="2024-06-30")
    as_frame = engine.evaluate_many(FREQ, pd.DataFrame(roster), as_of="2024-06-30")
    assert [d["visits_per_year"] for d in as_list] == as_frame["visits_per_year"].tolist()
    # a list of decisions is a list of mappings, so pandas reads it directly
    assert pd.DataFrame(as_list)["mode"].tolist() == as_frame["mode"].tolist()


def test_dataframe_exact_and_float_numbers(exact: ordinance.Engine) -> None:
    frame = pd.DataFrame({"amount": [1, 2, 3], "parts": [3, 4, 3]})
    out = exact.evaluate_many("exact.share", frame, as_of="2024-03-01")
    assert out["each"].tolist() == [Fraction(1, 3), Fraction(1, 2), 1]
    assert out["each"].dtype == object
    floats = exact.evaluate_many("exact.share", frame, as_of="2024-03-01", numbers="float")
    assert floats["each"].dtype == np.float64
    assert floats["each"].tolist() == [1 / 3, 0.5, 1.0]


def test_dataframe_columns_have_one_number_type(exact: ordinance.Engine) -> None:
    # each/at_rate: halves and 0.4 have decimal forms, so the column is
    # Decimal throughout (the whole numbers too); a third has none, so its
    # column is Fraction throughout
    frame = pd.DataFrame({"amount": [1, 2, 4], "parts": [2, 1, 4]})
    out = exact.evaluate_many("exact.share", frame, as_of="2024-08-01")
    assert out["each"].tolist() == [Decimal("0.5"), Decimal("2"), Decimal("1")]
    assert {type(x) for x in out["each"]} == {Decimal}
    assert out["at_rate"].tolist() == [Decimal("0.4"), Decimal("0.8"), Decimal("1.6")]
    assert out["whole"].dtype == "Int64"
    thirds = exact.evaluate_many("exact.share", frame, as_of="2024-03-01")
    assert thirds["at_rate"].tolist() == [Fraction(1, 3), Fraction(2, 3), Fraction(4, 3)]
    assert {type(x) for x in thirds["at_rate"]} == {Fraction}
    # the same values one by one: a Decimal where a decimal form exists
    one = exact.evaluate("exact.share", {"amount": 1, "parts": 2}, as_of="2024-08-01")
    assert one["each"] == Decimal("0.5") and type(one["each"]) is Decimal
    assert type(exact.evaluate("exact.share", {"amount": 1}, as_of="2024-03-01")["each"]) is Fraction
    assert type(exact.evaluate("exact.share", {"amount": 3}, as_of="2024-03-01")["each"]) is int


def test_dataframe_float_columns_need_allow_float(exact: ordinance.Engine) -> None:
    frame = pd.DataFrame({"amount": [0.5, 1.5]})
    with pytest.raises(ordinance.InputError) as info:
        exact.evaluate_many("exact.share", frame, as_of="2024-03-01")
    assert info.value.index == 0 and info.value.field == "amount"
    out = exact.evaluate_many("exact.share", frame, as_of="2024-03-01", allow_float=True)
    assert out["whole"].tolist() == [Decimal("1.5"), Decimal("4.5")]


def test_dataframe_missing_cells(exact: ordinance.Engine) -> None:
    # a missing cell leaves the input out: its default applies, or it is missing
    frame = pd.DataFrame({"amount": [6, 6, None], "parts": pd.array([2, None, 3], dtype="Int64")})
    frame["amount"] = frame["amount"].astype("Int64")
    out = exact.evaluate_many("exact.share", frame, as_of="2024-03-01", errors="collect")
    assert out["each"].tolist()[:2] == [3, 2]
    assert out["error"].tolist()[:2] == [None, None]
    assert "missing input `amount`" in out["error"].tolist()[2]
    assert out["each"].tolist()[2] is None or pd.isna(out["each"].tolist()[2])


def test_dataframe_dates(exact: ordinance.Engine) -> None:
    frame = pd.DataFrame(
        {
            "at": pd.to_datetime(["2024-03-01 09:30", "2024-12-31 23:00"]),
            "on": pd.to_datetime(["2024-02-28", "2024-12-31"]),  # timestamps at midnight: dates
        }
    )
    out = exact.evaluate_many("exact.deadline", frame, as_of="2024-03-01")
    assert out["next_day"].tolist() == [datetime.date(2024, 2, 29), datetime.date(2025, 1, 1)]
    assert out["later"].tolist()[1] == datetime.datetime(2025, 1, 1, 0, 30)


def test_dataframe_prefix_and_clashes(engine: ordinance.Engine) -> None:
    frame = pd.DataFrame({"class": ["B"], "mode": ["printed"]})
    with pytest.raises(ValueError, match="already exist"):
        engine.evaluate_many(FREQ, frame)
    out = engine.evaluate_many(FREQ, frame, prefix="rule_")
    assert out[["mode", "rule_mode", "rule_visits_per_year"]].iloc[0].tolist() == ["printed", "key", 8]


def test_dataframe_errors(engine: ordinance.Engine) -> None:
    frame = pd.DataFrame({"class": ["A", "E", "D"]}, index=["x", "y", "z"])
    with pytest.raises(ordinance.InputError) as info:
        engine.evaluate_many(FREQ, frame)
    assert info.value.index == 1  # the position, not the label
    out = engine.evaluate_many(FREQ, frame, errors="collect")
    assert out.loc["x", "visits_per_year"] == 4
    assert out.loc["y", "visits_per_year"] is pd.NA
    # a failed row does not turn the integers into floats, nor None into NaN
    assert out["visits_per_year"].dtype == "Int64"
    assert out["error"].dtype == object
    assert out.loc["y", "error"] is not None and "`E` is not allowed" in out.loc["y", "error"]
    assert out.loc["z", "error"] is None


def test_empty_dataframe(engine: ordinance.Engine) -> None:
    out = engine.evaluate_many(FREQ, pd.DataFrame({"class": pd.Series([], dtype=object)}))
    assert list(out.columns) == ["class", "mode", "visits_per_year"]
    assert len(out) == 0


def test_list_input_over_the_whole_roster(engine: ordinance.Engine, roster: list[dict[str, Any]]) -> None:
    """planned_inspections takes the roster as one list input (records with
    extra fields are fine inside a list: the rule reads the fields it declares)."""
    d = engine.evaluate("energy_safety.planned_inspections", {"roster": roster}, as_of="2024-06-30")
    assert d["total"] == 568
    assert d["enterprises_by_class"]["total"] == len(roster) == 69


def test_evaluate_a_dataframe_row(engine: ordinance.Engine, roster: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(roster)
    row = frame.iloc[0]  # a Series with name, sector, class, printed, line, …
    d = engine.evaluate(FREQ, row, as_of="2024-06-30")
    assert d["visits_per_year"] == engine.evaluate(FREQ, {"class": row["class"]}, as_of="2024-06-30")["visits_per_year"]


def test_duplicate_columns_are_a_typed_error_naming_them(engine: ordinance.Engine) -> None:
    frame = pd.DataFrame([["A", "B"]], columns=["class", "class"])
    with pytest.raises(ordinance.ArgumentError, match="more than one column named 'class'"):
        engine.evaluate_many(FREQ, frame, as_of="2024-06-30")
