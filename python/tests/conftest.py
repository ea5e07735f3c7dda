"""Shared fixtures: the repository's rule packs, the shipped ones, a small
synthetic pack with exact fractions and dated parameters, and the 2024
energy-safety roster of the example scenario."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import ordinance

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
SCENARIO = REPO / "examples" / "energy_safety_2024.yaml"
EXACT_PACK = Path(__file__).resolve().parent / "exact_pack.yaml"


@pytest.fixture(scope="session")
def engine() -> ordinance.Engine:
    """An engine over the repository's rules/ directory."""
    return ordinance.Engine(RULES)


@pytest.fixture(scope="session")
def exact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only the synthetic test pack `exact`."""
    d = tmp_path_factory.mktemp("exact")
    shutil.copy(EXACT_PACK, d / "exact.yaml")
    return d


@pytest.fixture(scope="session")
def exact(exact_dir: Path) -> ordinance.Engine:
    """An engine over the synthetic pack `exact` (valid through 2024; its
    parameter `rate` is 1/3 until June and 40% from July)."""
    return ordinance.Engine(exact_dir)


@pytest.fixture(scope="session")
def roster() -> list[dict[str, Any]]:
    """Every enterprise of the three 2024 rosters, as printed."""
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))["data"]
    return [dict(row) for key in ("coal_mines", "coal_business", "energy_other") for row in data[key]]
