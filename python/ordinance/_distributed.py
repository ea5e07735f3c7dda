"""What the Spark and Dask entry points share: one engine per worker
process whose rule set must be the driver's, the rule's metadata checked
on the driver, and the output columns' names checked against the input's."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from ._engine import Engine
from ._errors import ArgumentError
from ._results import RuleInfo

_ENGINES: dict[tuple[str, str], Engine] = {}
_LOCK = threading.Lock()


def plain(ty: Any) -> Any:
    """A declared type without its ``optional`` wrappers."""
    while isinstance(ty, dict) and "optional" in ty:
        ty = ty["optional"]
    return ty


def worker_engine(path: str, expected: str) -> Engine:
    """The worker's engine for ``path``, loaded once per process, whose rule
    set must be the one the driver checked (``expected``)."""
    key = (path, expected)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = Engine(path)
            if engine.ruleset != expected:
                raise RuntimeError(
                    f"the executor loaded rule set {engine.ruleset} from {path}, but the driver checked "
                    f"{expected}: every partition must use the same rules (ship a bundle: ordinance bundle)"
                )
            _ENGINES[key] = engine
        return engine


def rule_info(engine: Engine, rule: str) -> RuleInfo:
    """``rule``'s metadata; an unknown rule raises the engine's error, which
    names it and suggests the rule meant."""
    info = engine._rule_info(rule)
    if info is None:
        engine.evaluate(rule, {})
        raise ArgumentError(f"unknown rule {rule!r}")
    return info


def output_columns(info: RuleInfo, prefix: str, errors: str, existing: Iterable[str]) -> list[str]:
    """The columns evaluation appends (each output, then the error column
    when errors are collected); a name the input already has is refused."""
    added = [prefix + o.name for o in info.outputs] + ([prefix + "error"] if errors == "collect" else [])
    have = set(existing)
    clashes = [n for n in added if n in have]
    if clashes:
        raise ArgumentError(
            f"output column(s) {', '.join(map(repr, clashes))} already exist in the DataFrame; "
            "pass prefix= to name the output columns differently"
        )
    return added
