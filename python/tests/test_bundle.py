"""A rule-set bundle (``ordinance bundle``) opens in Python like its folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import ordinance

from conftest import REPO, RULES, SCENARIO


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "rules.ordinance"
    cli = REPO / "target" / "debug" / "ordinance"
    made = subprocess.run([str(cli), "--rules", str(RULES), "bundle", "-o", str(path)], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    return path


def test_a_bundle_opens_like_its_folder(engine: ordinance.Engine, bundle: Path) -> None:
    opened = ordinance.Engine(bundle)
    assert opened.ruleset == engine.ruleset
    assert [r.id for r in opened.rules()] == [r.id for r in engine.rules()]
    d = opened.evaluate("energy_safety.inspection_frequency", {"class": "D"}, as_of="2024-06-30")
    assert d.outputs == engine.evaluate("energy_safety.inspection_frequency", {"class": "D"}, as_of="2024-06-30").outputs
    assert d.trace == engine.evaluate("energy_safety.inspection_frequency", {"class": "D"}, as_of="2024-06-30").trace
    assert opened.run_tests().passed == engine.run_tests().passed
    report = opened.run_scenario(SCENARIO)
    assert report.ruleset == engine.ruleset
    assert report.summary == engine.run_scenario(SCENARIO).summary


def test_a_changed_bundle_is_a_load_error(bundle: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed.ordinance"
    changed.write_text(bundle.read_text(encoding="utf-8").replace("巡查", "巡视", 1), encoding="utf-8")
    with pytest.raises(ordinance.LoadError) as info:
        ordinance.Engine(changed)
    assert "digest" in str(info.value)
    assert info.value.file == str(changed)
