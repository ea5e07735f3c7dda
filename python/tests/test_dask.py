"""ordinance.dask: a Dask DataFrame evaluated partition by partition equals
the single-process call on the whole pandas frame."""

from __future__ import annotations

import random
from decimal import Decimal

import dask.dataframe as dd
import pandas as pd
import pytest

import ordinance
from ordinance import dask as odask

from conftest import RULES

FREQ = "energy_safety.inspection_frequency"
TAX = "individual_income_tax.annual_tax"


def test_partitions_equal_the_whole_frame(engine: ordinance.Engine) -> None:
    rng = random.Random(11)
    frame = pd.DataFrame({"id": range(40_000), "class": [rng.choice("ABCD") for _ in range(40_000)]})
    out = odask.evaluate(dd.from_pandas(frame, npartitions=4), FREQ, rules=RULES, as_of="2024-06-30").compute()
    whole = engine.evaluate_many(FREQ, frame, as_of="2024-06-30")
    out = out.sort_values("id").reset_index(drop=True)
    # (dask stores the text column as pyarrow strings; the values are the same)
    assert out["class"].tolist() == whole["class"].tolist()
    for column in ("mode", "visits_per_year"):
        assert out[column].tolist() == whole[column].tolist()
    assert out["visits_per_year"].dtype == "Int64"


def test_money_and_collected_errors(engine: ordinance.Engine) -> None:
    frame = pd.DataFrame({"taxable": [Decimal("36001.50"), Decimal("0"), "bad", Decimal("960001")]})
    out = odask.evaluate(dd.from_pandas(frame, npartitions=2), TAX, rules=RULES, as_of="2024-06-30", errors="collect").compute()
    assert out["tax"].tolist()[0] == engine.evaluate(TAX, {"taxable": Decimal("36001.50")}, as_of="2024-06-30")["tax"]
    assert type(out["tax"].tolist()[0]) is Decimal
    errors = out["error"].tolist()
    assert errors[0] is None and errors[2] is not None and "taxable" in errors[2]


def test_clashes_and_unknown_rules_are_refused() -> None:
    ddf = dd.from_pandas(pd.DataFrame({"class": ["A"], "mode": ["x"]}), npartitions=1)
    with pytest.raises(ordinance.ArgumentError, match="already exist"):
        odask.evaluate(ddf, FREQ, rules=RULES, as_of="2024-06-30")
    with pytest.raises(ordinance.UnknownRuleError):
        odask.evaluate(ddf, "energy_safety.no_such_rule", rules=RULES, as_of="2024-06-30")
