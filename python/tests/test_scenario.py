"""Engine.run_scenario: a scenario's figures, claims and discrepancies in
Python, equal to what ``ordinance run --format json`` reports."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import ordinance

from conftest import REPO, SCENARIO


@pytest.fixture(scope="module")
def report(engine: ordinance.Engine) -> ordinance.ScenarioReport:
    return engine.run_scenario(SCENARIO)


def test_the_1035_against_1020_discrepancy_is_a_row(report: ordinance.ScenarioReport) -> None:
    frame = report.claims_frame()
    assert list(frame.columns) == list(ordinance._report.CLAIM_COLUMNS)
    row = frame.set_index("id").loc["special_inspection_workdays"]
    assert row["printed"] == 1035
    assert row["arithmetic"] == 1020  # the text's 68×5×3
    assert row["computed"] == 1035  # rules and rosters: 69×5×3
    assert not row["agrees"]
    assert row["document"] == "东政发〔2024〕2号" and row["clause"] == "四(二)1(2)"
    assert frame["line"].dtype == "Int64"
    source = (REPO / "rules" / "sources" / "dongsheng_2024q1.txt").read_text(encoding="utf-8").splitlines()
    assert row["quote"].startswith(source[int(row["line"]) - 1].strip()[3:12])  # the line where the quote begins
    assert "1020" in row["finding"]
    bad = report.discrepancies_frame()
    assert "special_inspection_workdays" in set(bad["id"])
    assert not bad["agrees"].any()
    assert frame["agrees"].sum() + len(bad) == len(frame)


def test_counts_match_the_summary(report: ordinance.ScenarioReport) -> None:
    s = report.summary
    assert len(report.claims) == s["figures"] + s["facts"] + s["checks"]
    assert len(report.discrepancies) == s["figures_disagree"] + s["facts_disagree"] + s["checks_fail"]
    kinds = pd.Series([c["kind"] for c in report.claims]).value_counts().to_dict()
    assert kinds.get("figure", 0) == s["figures"] and kinds.get("fact", 0) == s["facts"]


def test_figures_are_the_steps_outputs(report: ordinance.ScenarioReport, engine: ordinance.Engine) -> None:
    plan = report.figures["plan"]
    assert plan["total"] == sum(plan["by_sector"].values())
    assert type(plan["total"]) is int
    # the step's figure is what evaluating its rule on the roster gives
    assert report.as_of.isoformat() == "2024-06-30"
    assert report.ruleset == engine.ruleset


def test_same_document_as_the_cli(report: ordinance.ScenarioReport) -> None:
    cli = REPO / "target" / "debug" / "ordinance"
    if not cli.exists():
        cli = Path(shutil.which("ordinance") or "")
    assert cli.exists(), "the ordinance CLI is built before the Python tests (cargo build)"
    out = subprocess.run(
        [str(cli), "run", str(SCENARIO), "--rules", str(REPO / "rules"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    doc = json.loads(out.stdout)
    assert doc["summary"] == report.summary
    assert [c["id"] for c in doc["claims"]] == [c["id"] for c in report.claims if c["scenario"] == report.scenario]
    assert [c["status"] == "agrees" for c in doc["claims"]] == [
        c["agrees"] for c in report.claims if c["scenario"] == report.scenario
    ]


def test_text_in_both_languages(report: ordinance.ScenarioReport) -> None:
    zh = report.text("zh", only_findings=True)
    en = report.text("en", only_findings=True)
    assert "1020" in zh and "1020" in en
    assert "情景" in zh and "scenario" in en
    assert len(report.text("zh")) > len(zh)
    with pytest.raises(ordinance.ArgumentError):
        report.text("fr")  # type: ignore[arg-type]


def test_html_shows_the_discrepancies_first(report: ordinance.ScenarioReport) -> None:
    html = report._repr_html_()
    assert html.index("discrepancies") < html.index("all ")
    assert "special_inspection_workdays" in html and "1020" in html
    assert "<script" not in html


def test_bundle_scenario_includes_are_flattened(engine: ordinance.Engine) -> None:
    r = engine.run_scenario(REPO / "examples" / "bulletin_2024q1.yaml")
    scenarios = {c["scenario"] for c in r.claims}
    assert len(scenarios) > 1
    assert any("/" in k for k in r.figures)
    assert len(r.claims) == r.summary["figures"] + r.summary["facts"] + r.summary["checks"]


def test_money_figures_are_decimals(engine: ordinance.Engine, tmp_path: Path) -> None:
    # a scenario of the income-tax pack: a money output is a Decimal
    (tmp_path / "tax.yaml").write_text(
        "format: 1\nscenario: tax\nas_of: 2024-06-30\npacks: [individual_income_tax]\nevaluate:\n"
        "  - id: t\n    rule: individual_income_tax.annual_tax\n    with: {taxable: \"36001.50\"}\n",
        encoding="utf-8",
    )
    r = engine.run_scenario(tmp_path / "tax.yaml")
    assert type(r.figures["t"]["tax"]) is Decimal


def test_errors_are_typed(engine: ordinance.Engine, tmp_path: Path) -> None:
    with pytest.raises(ordinance.LoadError):
        engine.run_scenario(tmp_path / "no_such.yaml")
    (tmp_path / "bad.yaml").write_text("format: 1\nscenario: bad\nas_of: 2024-06-30\nevaluate:\n  - id: x\n    rule: no.such\n", encoding="utf-8")
    with pytest.raises(ordinance.OrdinanceError) as e:
        engine.run_scenario(tmp_path / "bad.yaml")
    assert "no.such" in str(e.value)
