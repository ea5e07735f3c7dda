"""Exact numbers in and out: int and Fraction by default, float only when
asked; dates and date-times as datetime objects."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import ordinance

MARCH = "2024-03-01"  # rate is 1/3
AUGUST = "2024-08-01"  # rate is 40%


def test_fractions_come_back_exact(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": 1}, as_of=MARCH)
    assert d["each"] == Fraction(1, 3)
    assert type(d["each"]) is Fraction
    assert d["at_rate"] == Fraction(1, 3)
    assert d["whole"] == 3
    assert type(d["whole"]) is int


def test_dated_parameter_versions(exact: ordinance.Engine) -> None:
    assert exact.evaluate("exact.share", {"amount": 10}, as_of=MARCH)["at_rate"] == Fraction(10, 3)
    assert exact.evaluate("exact.share", {"amount": 10}, as_of=AUGUST)["at_rate"] == 4
    assert exact.evaluate("exact.share", {"amount": 1}, as_of=AUGUST)["at_rate"] == Fraction(2, 5)


def test_floats_only_when_asked(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": 1}, as_of=MARCH, numbers="float")
    assert type(d["each"]) is float and d["each"] == 1 / 3
    assert type(d["whole"]) is int  # integers stay integers
    step = next(s for s in d.trace if s["kind"] == "output" and s["name"] == "each")
    assert type(step["value"]) is float


def test_no_float_anywhere_by_default(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": Fraction(7, 3), "parts": 7}, as_of=MARCH)

    def walk(value: object) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(d.to_dict())


@pytest.mark.parametrize(
    "amount",
    [Fraction(1, 10), Decimal("0.1"), "0.1", "1/10", "10%", Decimal("1E-1")],
)
def test_exact_inputs(exact: ordinance.Engine, amount: object) -> None:
    d = exact.evaluate("exact.share", {"amount": amount, "parts": 1}, as_of=MARCH)
    assert d["each"] == Fraction(1, 10)


def test_big_and_negative_integers(exact: ordinance.Engine) -> None:
    big = 10**30
    d = exact.evaluate("exact.share", {"amount": big, "parts": 1}, as_of=MARCH)
    assert d["whole"] == big
    assert exact.evaluate("exact.share", {"amount": -7, "parts": 2}, as_of=MARCH)["each"] == Fraction(-7, 2)
    assert exact.evaluate("exact.share", {"amount": Fraction(-1, 3), "parts": 1}, as_of=MARCH)["each"] == Fraction(
        -1, 3
    )


def test_floats_are_refused(exact: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError) as info:
        exact.evaluate("exact.share", {"amount": 0.1}, as_of=MARCH)
    assert info.value.field == "amount"
    assert "allow_float=True" in str(info.value)
    # integral floats too: a float is never silently taken as exact
    with pytest.raises(ordinance.InputError):
        exact.evaluate("exact.share", {"amount": 2.0}, as_of=MARCH)
    with pytest.raises(ordinance.InputError):
        exact.evaluate("exact.share", {"amount": np.float64(2.0)}, as_of=MARCH)


def test_allow_float_reads_the_shortest_decimal(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": 0.1, "parts": 1}, as_of=MARCH, allow_float=True)
    assert d["each"] == Fraction(1, 10)  # not 3602879701896397/36028797018963968
    d = exact.evaluate("exact.share", {"amount": 1e-5, "parts": 1}, as_of=MARCH, allow_float=True)
    assert d["each"] == Fraction(1, 100000)
    with pytest.raises(ordinance.InputError, match="not a finite number"):
        exact.evaluate("exact.share", {"amount": float("nan")}, as_of=MARCH, allow_float=True)
    with pytest.raises(ordinance.InputError, match="not a finite number"):
        exact.evaluate("exact.share", {"amount": Decimal("Infinity")}, as_of=MARCH)


def test_numpy_integers(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": np.int64(6), "parts": np.int32(4)}, as_of=MARCH)
    assert d["each"] == Fraction(3, 2)


def test_bool_is_not_a_number(exact: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError):
        exact.evaluate("exact.share", {"amount": True}, as_of=MARCH)
    d = exact.evaluate("exact.sized", {"size": "large", "flag": True}, as_of=MARCH)
    assert d["big"] is True and d["flag"] is True


def test_numbers_as_strings_are_exact(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError, match="expected an integer"):
        engine.evaluate("energy_safety.inspection_team_valid", {"inspectors": Fraction(5, 2)}, as_of="2024-06-30")
    d = engine.evaluate("energy_safety.inspection_team_valid", {"inspectors": Fraction(6, 2)}, as_of="2024-06-30")
    assert d["valid"] is True and d["shortfall"] == 0


def test_dates_and_datetimes(exact: ordinance.Engine) -> None:
    d = exact.evaluate(
        "exact.deadline", {"at": datetime.datetime(2024, 3, 1, 9, 30), "on": datetime.date(2024, 2, 28)}, as_of=MARCH
    )
    assert d["later"] == datetime.datetime(2024, 3, 1, 11, 0)
    assert d["hours"] == Fraction(3, 2)
    assert d["next_day"] == datetime.date(2024, 2, 29)
    assert type(d["next_day"]) is datetime.date
    # ISO strings are read the same way
    same = exact.evaluate("exact.deadline", {"at": "2024-03-01T09:30", "on": "2024-02-28"}, as_of=MARCH)
    assert same.outputs == d.outputs


def test_aware_datetimes_keep_their_offset(exact: ordinance.Engine) -> None:
    # an offset from UTC is kept as given and compared as an instant
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    aware = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=beijing)
    d = exact.evaluate("exact.deadline", {"at": aware, "on": "2024-02-28"}, as_of=MARCH)
    assert d["later"] == datetime.datetime(2024, 3, 1, 11, 0, tzinfo=beijing)
    assert d["later"].utcoffset() == datetime.timedelta(hours=8)
    utc = exact.evaluate("exact.deadline", {"at": aware.astimezone(datetime.timezone.utc), "on": "2024-02-28"}, as_of=MARCH)
    assert utc["later"] == d["later"] and utc["later"].utcoffset() == datetime.timedelta(0)
    odd = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(seconds=30)))
    with pytest.raises(ordinance.InputError, match="not whole minutes") as info:
        exact.evaluate("exact.deadline", {"at": odd, "on": "2024-02-28"}, as_of=MARCH)
    assert info.value.field == "at"


def test_as_of_accepts_date_datetime_and_text(exact: ordinance.Engine) -> None:
    for as_of in (datetime.date(2024, 8, 1), datetime.datetime(2024, 8, 1), "2024-08-01"):
        d = exact.evaluate("exact.share", {"amount": 1}, as_of=as_of)
        assert d.as_of == datetime.date(2024, 8, 1)
        assert d["at_rate"] == Fraction(2, 5)
    with pytest.raises(ordinance.InputError):
        exact.evaluate("exact.share", {"amount": 1}, as_of=datetime.datetime(2024, 8, 1, 12, 0))


def test_lists_tuples_and_records(engine: ordinance.Engine) -> None:
    roster = (
        {"name": "甲", "sector": "coal_mine", "class": "A"},
        {"name": "乙", "sector": "power", "class": "C"},
        {"name": "丙", "sector": "power", "class": "D"},
    )
    d = engine.evaluate("energy_safety.planned_inspections", {"roster": roster}, as_of="2024-06-30")
    assert d["total"] == 24
    assert d["by_sector"] == {"coal_mine": 4, "coal_business": 0, "power": 20, "oil_gas_pipeline": 0, "new_energy": 0}
    assert isinstance(d["table"], list) and isinstance(d["table"][0], dict)


def test_money_comes_back_as_decimal_to_the_fen(engine: ordinance.Engine) -> None:
    d = engine.evaluate("individual_income_tax.annual_tax", {"taxable": Decimal("36001.50")}, as_of="2024-06-30")
    assert type(d["tax"]) is Decimal
    assert d["tax"].as_tuple().exponent == -2  # exactly two places, as printed
    assert str(d["tax"]) == json.loads(d.to_json())["outputs"]["tax"]
    assert d["rate"] == Decimal("0.1") and type(d["rate"]) is Decimal  # a plain number with a decimal form
    assert type(engine.evaluate("individual_income_tax.annual_tax", {"taxable": 36001}, as_of="2024-06-30", numbers="fraction")["rate"]) is Fraction
    # floats only when asked, for money too
    f = engine.evaluate("individual_income_tax.annual_tax", {"taxable": 36001}, as_of="2024-06-30", numbers="float")
    assert type(f["tax"]) is float


def test_money_input_with_a_third_place_is_refused(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError) as e:
        engine.evaluate("individual_income_tax.annual_tax", {"taxable": Decimal("1.005")}, as_of="2024-06-30")
    assert "at most 2 decimal places" in str(e.value)


def test_money_columns_are_decimals(engine: ordinance.Engine) -> None:
    import pandas as pd
    frame = pd.DataFrame({"taxable": [0, 36000, 36001, 960001]})
    out = engine.evaluate_many("individual_income_tax.annual_tax", frame, as_of="2024-06-30")
    assert all(type(x) is Decimal for x in out["tax"])
    single = [engine.evaluate("individual_income_tax.annual_tax", {"taxable": t}, as_of="2024-06-30")["tax"] for t in frame["taxable"]]
    assert list(out["tax"]) == single


def test_optional_inputs_take_none_and_left_out_cells(engine: ordinance.Engine) -> None:
    rule = "individual_income_tax.taxable_income"
    left_out = engine.evaluate(rule, {"income": 150000, "special": 18000}, as_of="2024-06-30")
    given_none = engine.evaluate(rule, {"income": 150000, "special": 18000, "special_additional": None}, as_of="2024-06-30")
    assert left_out["taxable"] == given_none["taxable"] == Decimal("72000.00")
    assert left_out["claimed_additional"] is False
    claimed = engine.evaluate(rule, {"income": 150000, "special": 18000, "special_additional": 24000}, as_of="2024-06-30")
    assert claimed["taxable"] == Decimal("48000.00") and claimed["claimed_additional"] is True
    # a None where a value is required is an input error, not a silent 0
    with pytest.raises(ordinance.InputError) as e:
        engine.evaluate(rule, {"income": None, "special": 18000}, as_of="2024-06-30")
    assert "income" in str(e.value)
    # an empty cell of a column leaves the optional input out
    import pandas as pd
    frame = pd.DataFrame({"income": [150000, 150000], "special": [18000, 18000], "special_additional": pd.array([None, 24000], dtype="Int64")})
    out = engine.evaluate_many(rule, frame, as_of="2024-06-30")
    assert list(out["taxable"]) == [Decimal("72000.00"), Decimal("48000.00")]
    assert list(out["claimed_additional"]) == [False, True]


def test_times_of_day_and_durations_cross_as_datetime_types(tmp_path) -> None:
    import datetime as dt
    (tmp_path / "t.yaml").write_text(
        "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\n"
        "valid: {from: 2024-01-01}\nrules:\n  late:\n    cite: {clause: c, quote: q}\n"
        "    inputs: {at: datetime, opens: time, grace: duration}\n"
        "    formula:\n      deadline: add_duration(at_time(date_of(at), opens), grace)\n"
        "      late: at > add_duration(at_time(date_of(at), opens), grace)\n"
        "      opening: opens\n      waited: duration_between(at_time(date_of(at), opens), at)\n",
        encoding="utf-8",
    )
    engine = ordinance.Engine(tmp_path)
    d = engine.evaluate("t.late", {"at": dt.datetime(2024, 5, 6, 9, 40), "opens": dt.time(9, 0), "grace": dt.timedelta(minutes=30)}, as_of="2024-06-30")
    assert d["deadline"] == dt.datetime(2024, 5, 6, 9, 30)
    assert d["late"] is True
    assert d["opening"] == dt.time(9, 0)
    assert d["waited"] == dt.timedelta(minutes=40)
    # the same with the text forms
    s = engine.evaluate("t.late", {"at": "2024-05-06T09:20", "opens": "09:00", "grace": "PT30M"}, as_of="2024-06-30")
    assert s["late"] is False and s["waited"] == dt.timedelta(minutes=20)
    with pytest.raises(ordinance.InputError) as e:
        engine.evaluate("t.late", {"at": "2024-05-06T09:20", "opens": "09:00", "grace": dt.timedelta(microseconds=5)}, as_of="2024-06-30")
    assert "grace" in str(e.value) and "microseconds" in str(e.value)
