"""Reforms and comparisons from Python: the changed rows come back as the
same kind of frame as the data given, and their count equals the CLI's."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import ordinance

REPO = Path(__file__).resolve().parents[2]
REFORMS = REPO / "examples" / "reforms"
ROWS = [{"class": c} for c in "ABCDBBCA"]


@pytest.fixture(scope="module")
def after(engine: ordinance.Engine) -> ordinance.Engine:
    return engine.with_reform(REFORMS / "class_b_three_a_quarter.yaml")


def test_a_reform_gives_an_engine_of_its_own(engine: ordinance.Engine, after: ordinance.Engine) -> None:
    assert after.ruleset != engine.ruleset
    assert after.evaluate("energy_safety.inspection_frequency", {"class": "B"}, as_of="2024-08-01")["visits_per_year"] == 12
    assert engine.evaluate("energy_safety.inspection_frequency", {"class": "B"}, as_of="2024-08-01")["visits_per_year"] == 8


def test_changed_rows_come_back_as_the_same_kind_of_frame(engine: ordinance.Engine, after: ordinance.Engine) -> None:
    rule = "energy_safety.inspection_frequency"
    b_rows = sum(1 for r in ROWS if r["class"] == "B")
    for data in (pd.DataFrame(ROWS), pl.DataFrame(ROWS), pa.Table.from_pylist(ROWS), list(ROWS)):
        cmp = engine.compare(after, rule, data, as_of="2024-08-01")
        assert len(cmp) == b_rows, type(data)
        assert type(cmp.rows).__module__.split(".")[0] == type(data).__module__.split(".")[0]
        # the total moves by a half of the class-B visits: 8 → 12 each
        total = cmp.totals["visits_per_year"]
        assert total["delta"] == Fraction(4 * b_rows)
        assert total["after"] - total["before"] == total["delta"]
    frame = engine.compare(after, rule, pd.DataFrame(ROWS), as_of="2024-08-01").rows
    assert list(frame["class"]) == ["B"] * b_rows
    assert set(frame["after_visits_per_year"]) == {12}
    assert all("2024-07-01" in c for c in frame["cause"])
    # before the change applies, nothing moves
    assert len(engine.compare(after, rule, ROWS, as_of="2024-06-30")) == 0


def test_the_same_reform_changes_as_many_rows_in_python_as_in_the_cli(
    engine: ordinance.Engine, after: ordinance.Engine, tmp_path: Path
) -> None:
    data = tmp_path / "rows.json"
    data.write_text(json.dumps(ROWS), encoding="utf-8")
    cli = subprocess.run(
        [str(REPO / "target" / "debug" / "ordinance"), "--rules", str(REPO / "rules"), "--reform",
         str(REFORMS / "class_b_three_a_quarter.yaml"), "compare", "--rule", "energy_safety.inspection_frequency",
         "--data", str(data), "--as-of", "2024-08-01", "--format", "json"],
        capture_output=True, check=True, text=True,
    )
    assert len(json.loads(cli.stdout)["changed"]) == len(engine.compare(after, "energy_safety.inspection_frequency", ROWS, as_of="2024-08-01"))


def test_a_scenario_compared_lists_the_test_the_change_breaks(engine: ordinance.Engine) -> None:
    after = engine.with_reform(REFORMS / "class_b_all_year.yaml")
    cmp = engine.compare_scenario(after, REPO / "examples" / "energy_safety_2024.yaml")
    total = next(f for f in cmp.figures if f["step"] == "plan" and f["output"] == "total" and f["item"] is None)
    assert total["after"] - total["before"] == total["delta"] > 0
    assert [t["rule"] for t in cmp.broken_tests] == ["energy_safety.inspection_frequency"]
    assert "改动后不再通过的测试" in cmp.text["zh"] and "tests that now fail" in cmp.text["en"]
    assert "<svg" in engine.compare(after, "energy_safety.inspection_frequency", ROWS)._repr_html_()


def test_a_reform_that_does_not_apply_raises_load_error_in_the_reform(engine: ordinance.Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: 1\nreform: r\nsource: {document: d, title: t, issued_by: i, date: 2024-01-01}\n"
        "changes:\n  - {rule: energy_safety.nope, neutralise: true, cite: {clause: c, quote: q}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ordinance.LoadError) as e:
        engine.with_reform(bad)
    assert "bad.yaml:5:" in str(e.value)
