"""Every call of the public API: Engine, Decision, run_tests, reload, rules,
the shipped packs."""

from __future__ import annotations

import datetime
import filecmp
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import ordinance
from conftest import REPO, RULES

RULE = "energy_safety.inspection_frequency"

FREQ = "energy_safety.inspection_frequency"


def test_the_contract_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert ordinance.Engine("rules").evaluate(FREQ, {"class": "B"})["visits_per_year"] == 8
    with pytest.raises(ordinance.InputError) as err:
        ordinance.Engine("rules").evaluate(FREQ, {"class": "E"})
    assert err.value.allowed == ["A", "B", "C", "D"]


def test_engine_accepts_str_and_pathlike(engine: ordinance.Engine) -> None:
    by_str = ordinance.Engine(str(RULES))
    by_path = ordinance.Engine(RULES)
    assert by_str.ruleset == by_path.ruleset == engine.ruleset
    assert isinstance(engine.rules_dir, Path)
    assert engine.rules_dir == RULES
    assert len(engine.ruleset) >= 12
    assert engine.ruleset[:12] in repr(engine)


def test_version() -> None:
    assert isinstance(ordinance.__version__, str)
    assert ordinance.__version__.count(".") == 2


def test_shipped_rules_match_the_repository() -> None:
    shipped = ordinance.shipped_rules_dir()
    assert shipped.is_dir()
    packs = sorted(p.name for p in RULES.glob("*.yaml"))
    assert packs and sorted(p.name for p in shipped.glob("*.yaml")) == packs
    for name in packs:
        assert filecmp.cmp(RULES / name, shipped / name, shallow=False), f"{name} differs from the repository"
    for text in (RULES / "sources").glob("*.txt"):
        assert filecmp.cmp(text, shipped / "sources" / text.name, shallow=False)


def test_shipped_engine(engine: ordinance.Engine) -> None:
    shipped = ordinance.Engine.shipped()
    assert shipped.rules_dir == ordinance.shipped_rules_dir()
    assert shipped.ruleset == engine.ruleset  # same packs, same content hash
    assert shipped.evaluate(FREQ, {"class": "D"})["visits_per_year"] == 12


def test_evaluate_returns_a_decision(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "A"}, as_of="2024-06-30")
    assert isinstance(d, ordinance.Decision)
    assert d.rule == FREQ
    assert d.outputs == {"mode": "general", "visits_per_year": 4}
    assert list(d.outputs) == ["mode", "visits_per_year"]  # declaration order
    assert d["mode"] == "general"
    assert d.ruleset == engine.ruleset
    assert d.as_of == datetime.date(2024, 6, 30)
    assert d.as_of_reason == "given"
    assert d.trace_omitted == 0


def test_decision_is_a_read_only_mapping(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "C"}, as_of=datetime.date(2024, 3, 1))
    assert len(d) == 2
    assert list(d) == ["mode", "visits_per_year"]
    assert dict(d) == {"mode": "key", "visits_per_year": 8}
    assert "mode" in d and "nothing" not in d
    assert d.get("nothing") is None
    with pytest.raises(KeyError, match="has no output `nothing`; its outputs are: mode, visits_per_year"):
        d["nothing"]
    with pytest.raises(TypeError):
        d["mode"] = "x"  # type: ignore[index]
    assert d == engine.evaluate(FREQ, {"class": "C"}, as_of="2024-03-01")
    assert d != engine.evaluate(FREQ, {"class": "D"}, as_of="2024-03-01")
    assert d == {"mode": "key", "visits_per_year": 8}


def test_to_dict(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "B"}, as_of="2024-06-30")
    doc = d.to_dict()
    assert set(doc) == {"rule", "outputs", "trace", "trace_omitted", "ruleset", "as_of", "as_of_reason"}
    assert doc["outputs"] == {"mode": "key", "visits_per_year": 8}
    assert doc["as_of"] == datetime.date(2024, 6, 30)
    assert doc["trace"] == d.trace


def test_trace_carries_citations(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "B"}, as_of="2024-06-30")
    kinds = [step["kind"] for step in d.trace]
    assert "rule" in kinds and "row" in kinds and "output" in kinds
    for step in d.trace:
        assert set(step) == {"kind", "depth", "rule", "name", "detail", "value", "cite", "count"}
    row = next(step for step in d.trace if step["kind"] == "row")
    cite = row["cite"]
    assert cite is not None
    assert cite["document"] == "东政发〔2024〕2号"
    assert cite["clause"] == "三(四)1"
    assert "B、C类企业" in cite["quote"]
    assert isinstance(cite["line"], int) and cite["line"] > 0
    output = next(step for step in d.trace if step["kind"] == "output" and step["name"] == "visits_per_year")
    assert output["value"] == 8
    assert output["depth"] == 0


def test_trace_can_be_left_out(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "B"}, as_of="2024-06-30", trace=False)
    assert d.trace == []
    assert d["visits_per_year"] == 8


def test_repr_explain_and_html(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "B"}, as_of="2024-06-30")
    assert repr(d) == f"<Decision {FREQ}: mode=key, visits_per_year=8 as of 2024-06-30>"
    text = d.explain()
    assert text.splitlines()[0] == f"{FREQ}  (as of 2024-06-30: given)"
    assert "visits_per_year  8" in text
    row = next(step for step in d.trace if step["kind"] == "row")
    assert row["cite"] is not None
    assert f"东政发〔2024〕2号 三(四)1 L{row['cite']['line']}: 「" in text
    assert text.rstrip().endswith(d.ruleset)
    html = d._repr_html_()
    assert html.count("<table>") == 2
    assert "东政发〔2024〕2号" in html and "三(四)1" in html and "B、C类企业" in html
    assert f"line {row['cite']['line']}" in html
    assert d.ruleset in html


def test_to_json_is_the_documented_encoding(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": 1}, as_of="2024-03-01")
    doc = json.loads(d.to_json())
    assert set(doc) >= {"rule", "outputs", "trace", "ruleset", "as_of", "as_of_reason"}
    assert doc["outputs"] == {"each": "1/3", "at_rate": "1/3", "whole": 3}
    assert doc["as_of"] == "2024-03-01"
    assert doc["ruleset"] == d.ruleset
    half = exact.evaluate("exact.share", {"amount": 1, "parts": 2}, as_of="2024-08-01")
    assert json.loads(half.to_json())["outputs"]["each"] == "0.5"


def test_html_escapes_user_text(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.sized", {"size": "small", "label": "<script>alert(1)</script>"}, as_of="2024-03-01")
    html = d._repr_html_()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_as_of_defaults_to_the_last_day_in_force(engine: ordinance.Engine) -> None:
    d = engine.evaluate(FREQ, {"class": "A"})
    today = datetime.date.today()
    if today > datetime.date(2024, 12, 31):
        assert d.as_of == datetime.date(2024, 12, 31)
        assert "last day in force" in d.as_of_reason
    else:
        assert d.as_of_reason != "given"


def test_inputs_default_to_none_and_rule_defaults_apply(exact: ordinance.Engine) -> None:
    d = exact.evaluate("exact.share", {"amount": 3}, as_of="2024-03-01")
    assert d["whole"] == 9  # parts defaults to 3
    with pytest.raises(ordinance.InputError, match="missing input `amount`"):
        exact.evaluate("exact.share", as_of="2024-03-01")


def test_evaluate_many_list(engine: ordinance.Engine) -> None:
    records = [{"class": c} for c in "ABCD"]
    out = engine.evaluate_many(FREQ, records, as_of="2024-06-30")
    assert [d["visits_per_year"] for d in out] == [4, 8, 8, 12]
    assert all(isinstance(d, ordinance.Decision) for d in out)
    assert all(d.trace == [] for d in out)  # no trace unless asked
    traced = engine.evaluate_many(FREQ, records[:1], as_of="2024-06-30", trace=True)
    assert traced[0].trace
    assert engine.evaluate_many(FREQ, [], as_of="2024-06-30") == []
    # any iterable of mappings will do
    assert [d["mode"] for d in engine.evaluate_many(FREQ, ({"class": c} for c in "AD"))] == ["general", "patrol"]


def test_rules_metadata(engine: ordinance.Engine) -> None:
    infos = {r.id: r for r in engine.rules()}
    info = infos[FREQ]
    assert isinstance(info, ordinance.RuleInfo)
    assert info.kind in ("table", "formula")
    assert [f.name for f in info.inputs] == ["class"]
    assert info.inputs[0].type == {"enum": ["A", "B", "C", "D"]}
    assert info.inputs[0].required is True
    assert [(f.name, f.type) for f in info.outputs] == [
        ("mode", {"enum": ["general", "key", "patrol"]}),
        ("visits_per_year", "integer"),
    ]
    assert info.cite["clause"] == "三(四)1"
    assert info.valid_from == datetime.date(2024, 1, 1)
    assert info.valid_until == datetime.date(2024, 12, 31)
    assert "能源行业安全生产监督检查计划" in info.document_title
    assert info.title is not None


def test_rules_metadata_defaults(exact: ordinance.Engine) -> None:
    info = next(r for r in exact.rules() if r.id == "exact.share")
    parts = next(f for f in info.inputs if f.name == "parts")
    assert parts.default == 3 and parts.required is False
    assert parts.type == "integer"


def test_run_tests_on_the_shipped_packs() -> None:
    report = ordinance.Engine.shipped().run_tests()
    assert isinstance(report, ordinance.TestReport)
    assert report.failed == 0, str(report)
    assert report.ok
    assert report.passed == len(report.tests) > 0
    assert str(report).splitlines()[-1] == f"{report.passed} passed, 0 failed"
    names = {t.rule for t in report.tests}
    assert "inspection_frequency" in names or FREQ in names
    first = report.tests[0]
    assert isinstance(first, ordinance.TestOutcome)
    assert first.passed and first.message is None and first.location


def test_run_tests_reports_failures(tmp_path: Path, exact_dir: Path) -> None:
    text = (exact_dir / "exact.yaml").read_text(encoding="utf-8")
    (tmp_path / "exact.yaml").write_text(text.replace("expect: {each: 1/3, whole: 3}", "expect: {each: 1/4, whole: 3}"))
    report = ordinance.Engine(tmp_path).run_tests()
    assert (report.passed, report.failed) == (0, 1)
    assert not report.ok
    (failure,) = report.failures
    assert failure.rule.endswith("share")
    assert failure.message
    assert str(report).startswith("FAIL ")


def test_reload_picks_up_edits_and_keeps_old_rules_on_failure(tmp_path: Path, exact_dir: Path) -> None:
    shutil.copy(exact_dir / "exact.yaml", tmp_path / "exact.yaml")
    e = ordinance.Engine(tmp_path)
    before = e.ruleset
    assert e.evaluate("exact.share", {"amount": 1}, as_of="2024-03-01")["whole"] == 3
    text = (tmp_path / "exact.yaml").read_text(encoding="utf-8")
    (tmp_path / "exact.yaml").write_text(text.replace("default: 3}", "default: 4}"), encoding="utf-8")
    report = e.reload()
    assert isinstance(report, ordinance.ReloadReport)
    assert report.changed == ["exact"] and report.previous == before and report.ruleset == e.ruleset
    assert report.changed_anything and "1 changed (exact)" in str(report)
    assert e.ruleset != before
    assert e.evaluate("exact.share", {"amount": 1}, as_of="2024-03-01")["whole"] == 4
    edited = e.ruleset
    (tmp_path / "exact.yaml").write_text(text.replace("formula:", "formulae:", 1), encoding="utf-8")
    with pytest.raises(ordinance.LoadError):
        e.reload()
    assert e.ruleset == edited  # still serving the last good packs
    assert e.evaluate("exact.share", {"amount": 1}, as_of="2024-03-01")["whole"] == 4


def test_engine_from_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ordinance.LoadError) as err:
        ordinance.Engine(tmp_path / "nowhere")
    assert err.value.file is not None
    assert "nowhere" in err.value.file


def test_import_does_not_need_pandas() -> None:
    import subprocess
    import sys

    code = "import sys, ordinance; assert 'pandas' not in sys.modules, 'pandas was imported'"
    env = dict(os.environ)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_reload_reports_a_removed_pack_and_can_forbid_it(tmp_path: Path, exact_dir: Path) -> None:
    shutil.copy(exact_dir / "exact.yaml", tmp_path / "exact.yaml")
    second = (tmp_path / "exact.yaml").read_text(encoding="utf-8").replace("pack: exact", "pack: second", 1)
    (tmp_path / "second.yaml").write_text(second, encoding="utf-8")
    e = ordinance.Engine(tmp_path)
    assert not e.reload().changed_anything
    (tmp_path / "second.yaml").unlink()
    report = e.reload()
    assert [r.pack for r in report.removed] == ["second"]
    assert report.removed[0].file.endswith("second.yaml")
    assert report.unchanged == ["exact"]

    (tmp_path / "second.yaml").write_text(second, encoding="utf-8")
    strict = ordinance.Engine(tmp_path, forbid_removal=True)
    (tmp_path / "second.yaml").unlink()
    with pytest.raises(ordinance.LoadError, match="may not remove packs"):
        strict.reload()
    assert strict.evaluate("second.share", {"amount": 1}, as_of="2024-03-01")["whole"] == 3


def test_source_texts_stay_in_the_rules_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ordinance.shipped_rules_dir(), rules)
    texts = tmp_path / "texts"
    (rules / "sources").rename(texts)
    for pack in rules.glob("*.yaml"):
        pack.write_text(pack.read_text(encoding="utf-8").replace("text: sources/", "text: ../texts/"), encoding="utf-8")
    with pytest.raises(ordinance.LoadError, match="lies outside the folder") as info:
        ordinance.Engine(rules)
    assert info.value.line is not None and info.value.file is not None
    e = ordinance.Engine(rules, shared_sources=[texts])
    assert e.evaluate("energy_safety.inspection_frequency", {"class": "B"}, as_of="2024-06-01")["visits_per_year"] == 8
    with pytest.raises(ordinance.ArgumentError):
        ordinance.Engine(rules, shared_sources=str(texts))


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda e: e.evaluate(5, {"class": "A"}), "rule must be a rule id"),
        (lambda e: e.evaluate(RULE, {"class": "A"}, numbers="bogus"), "numbers must be"),
        (lambda e: e.evaluate(RULE, {"class": "A"}, max_steps=-1), "max_steps must be a positive integer"),
        (lambda e: e.evaluate(RULE, {"class": "A"}, max_digits=10**30), "below 2**64"),
        (lambda e: e.evaluate(RULE, {"class": "A"}, max_bytes=True), "max_bytes must be a positive integer"),
        (lambda e: e.evaluate_many(RULE, [{"class": "A"}], errors="bogus"), "errors must be"),
        (lambda e: e.evaluate_many(RULE, 5), "records must be a list"),
    ],
)
def test_bad_arguments_raise_the_packages_typed_error(call: Any, words: str) -> None:
    e = ordinance.Engine.shipped()
    with pytest.raises(ordinance.ArgumentError, match=re.escape(words)) as info:
        call(e)
    # still the builtin kinds, for code that catches those
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert isinstance(info.value, ordinance.OrdinanceError) and info.value.code == "argument"
