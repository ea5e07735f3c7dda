"""Typed shapes of the plain data the engine returns (for type checkers and
readers; at run time these are ordinary dicts)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from ._native import NativeDecision

__all__ = [
    "Citation",
    "Diagnostic",
    "TraceStep",
    "DecisionDict",
    "TestDict",
    "TestReportDict",
    "InputFieldDict",
    "OutputFieldDict",
    "RuleInfoDict",
]


class Citation(TypedDict):
    """Where a rule, row or parameter comes from: the document number, the
    clause, the words quoted, their line in the source text, and a note on
    the reading."""

    document: str
    clause: str
    quote: str
    line: int | None
    note: str | None


class TraceStep(TypedDict):
    """One step of a decision's trace. ``kind`` is ``rule``, ``row``,
    ``parameter``, ``let`` or ``output``; ``depth`` is 0 for the rule asked
    about, 1 for the rules it calls, and so on; ``count`` is how many times
    the same step happened (a rule called once per roster row)."""

    kind: str
    depth: int
    rule: str
    name: str | None
    detail: str
    value: Any
    cite: Citation | None
    count: int


class Diagnostic(TypedDict):
    """One problem found while loading rule packs."""

    file: str
    line: int
    column: int
    message: str
    hint: str | None


class DecisionDict(TypedDict):
    rule: str
    outputs: dict[str, Any]
    trace: list[TraceStep]
    trace_omitted: int
    ruleset: str
    as_of: datetime.date
    as_of_reason: str
    native: NativeDecision


class TestDict(TypedDict):
    name: str
    rule: str
    location: str
    passed: bool
    message: str | None


class ColumnsDict(TypedDict):
    outputs: list[str]
    values: dict[str, list[Any]]
    errors: list[Any]


class RemovedPackDict(TypedDict):
    pack: str
    file: str


class ReloadReportDict(TypedDict):
    previous: str
    ruleset: str
    added: list[str]
    removed: list[RemovedPackDict]
    changed: list[str]
    unchanged: list[str]


class TestReportDict(TypedDict):
    passed: int
    failed: int
    tests: list[TestDict]


class InputFieldDict(TypedDict):
    name: str
    type: Any
    default: Any
    required: bool


class OutputFieldDict(TypedDict):
    name: str
    type: Any


class RuleInfoDict(TypedDict):
    id: str
    title: str | None
    kind: str
    inputs: list[InputFieldDict]
    outputs: list[OutputFieldDict]
    cite: Citation
    document_title: str
    valid_from: datetime.date
    valid_until: datetime.date | None
