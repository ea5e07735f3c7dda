"""The JSON Schemas in rules/ accept every shipped pack and scenario, and
reject what `ordinance check` rejects wherever a schema can say it: a wrong
format version, an unknown hit policy or rounding, a date or line range
written wrong, a misspelt key. Editors (yaml-language-server) use them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACK_SCHEMA = json.loads((ROOT / "rules" / "schema.json").read_text(encoding="utf-8"))
SCENARIO_SCHEMA = json.loads((ROOT / "rules" / "scenario.schema.json").read_text(encoding="utf-8"))


class _Yaml12ish(yaml.SafeLoader):
    """PyYAML reads YAML 1.1; the engine and editors read 1.2, where
    `2024-01-01` and `09:30` are text, not a date or a base-60 number."""


_Yaml12ish.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read(path: Path) -> Any:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12ish)  # noqa: S506 - a SafeLoader subclass
    return _numbers(data)


def _numbers(v: Any) -> Any:
    """Plain integers and decimals back to numbers, as YAML 1.2 reads them."""
    if isinstance(v, dict):
        return {k: _numbers(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_numbers(x) for x in v]
    if isinstance(v, str) and v.lstrip("-").isdigit():
        return int(v)
    return v


PACKS = sorted([*(ROOT / "rules").glob("*.yaml"), *(ROOT / "examples" / "language").glob("*.yaml")])
SCENARIOS = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", PACKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_pack_is_valid(path: Path) -> None:
    jsonschema.validate(_read(path), PACK_SCHEMA)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    jsonschema.validate(_read(path), SCENARIO_SCHEMA)


def _broken(edit: Any) -> Any:
    pack = copy.deepcopy(_read(ROOT / "rules" / "energy_safety.yaml"))
    edit(pack)
    return pack


def _first_table(pack: Any) -> Any:
    return next(r["table"] for r in pack["rules"].values() if "table" in r)


@pytest.mark.parametrize(
    "what, edit",
    [
        ("format 2", lambda p: p.update(format=2)),
        ("an unknown hit policy", lambda p: _first_table(p).update(hit="uniqe")),
        ("a date written wrong", lambda p: p["valid"].update({"from": "2024-1-1"})),
        ("a line range written wrong", lambda p: p["source"].update(lines="336 to 1514")),
        ("an unknown rounding", lambda p: p.update(rounding="banker")),
        ("a misspelt key", lambda p: p.update(paramters={})),
        ("a misspelt rule key", lambda p: next(iter(p["rules"].values())).update(formulas={})),
        ("a misspelt generator", lambda p: p["properties"][0]["for"].update(x={"integr": [0, 1]})),
        ("a generator range of three", lambda p: p["properties"][0]["for"].update(x={"integer": [0, 1, 2]})),
        ("a generator date written wrong", lambda p: p["properties"][0]["for"].update(x={"date": ["2024-1-1", "2024-12-31"]})),
        ("a misspelt key in a list generator", lambda p: p["properties"][0]["for"].update(x={"list": {"bool": True}, "lenght": [0, 3]})),
        ("a misspelt generator in a record", lambda p: p["properties"][0]["for"].update(x={"list": {"record": {"a": {"nmber": [0, 1]}}}})),
    ],
)
def test_the_schema_rejects_what_check_rejects(what: str, edit: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_broken(edit), PACK_SCHEMA)
