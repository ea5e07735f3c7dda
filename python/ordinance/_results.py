"""What the engine hands back: a :class:`Decision` (outputs, trace,
rule-set version, as-of date), a :class:`TestReport` and :class:`RuleInfo`.

These classes only hold and present what the core computed; nothing here
decides anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._html import decision_html, format_value
from ._types import Citation, DecisionDict, ReloadReportDict, RuleInfoDict, TestReportDict, TraceStep

if TYPE_CHECKING:
    from ._native import NativeDecision

__all__ = ["Decision", "TestOutcome", "TestReport", "RuleField", "RuleInfo"]


class Decision(Mapping[str, Any]):
    """The result of evaluating a rule.

    A read-only mapping of output name to value (``decision["visits_per_year"]``),
    with the explanation alongside:

    - ``rule``: the rule evaluated, ``pack.rule``;
    - ``outputs``: a dict of the outputs, in declaration order;
    - ``trace``: the steps that produced them (rules run, table rows matched,
      parameter versions used, intermediate values), each with its citation;
    - ``ruleset``: the rule-set version (a content hash of the loaded packs);
    - ``as_of`` and ``as_of_reason``: the date the rules were applied as of,
      and why that date (``given``, today, or the pack's last day in force).

    Numbers are ``int``, :class:`decimal.Decimal` (money, and any value
    with a finite decimal form) or :class:`fractions.Fraction` (a value
    such as 1/3 with none); ``float`` only when asked with
    ``numbers="float"``. Dates are :class:`datetime.date`.
    """

    __slots__ = ("rule", "outputs", "trace", "trace_omitted", "ruleset", "as_of", "as_of_reason", "_native")

    rule: str
    outputs: dict[str, Any]
    trace: list[TraceStep]
    trace_omitted: int
    ruleset: str
    as_of: datetime.date
    as_of_reason: str
    _native: NativeDecision

    def __init__(self, data: DecisionDict) -> None:
        self.rule = data["rule"]
        self.outputs = data["outputs"]
        self.trace = data["trace"]
        self.trace_omitted = data["trace_omitted"]
        self.ruleset = data["ruleset"]
        self.as_of = data["as_of"]
        self.as_of_reason = data["as_of_reason"]
        self._native = data["native"]

    def __getitem__(self, name: str) -> Any:
        try:
            return self.outputs[name]
        except KeyError:
            known = ", ".join(self.outputs) or "none"
            raise KeyError(f"rule `{self.rule}` has no output `{name}`; its outputs are: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Decision):
            return self.to_dict() == other.to_dict()
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """Everything in the decision as plain Python data: ``rule``,
        ``outputs``, ``trace``, ``trace_omitted``, ``ruleset``, ``as_of``,
        ``as_of_reason`` (values keep their Python types: Fraction, date)."""
        return {
            "rule": self.rule,
            "outputs": dict(self.outputs),
            "trace": list(self.trace),
            "trace_omitted": self.trace_omitted,
            "ruleset": self.ruleset,
            "as_of": self.as_of,
            "as_of_reason": self.as_of_reason,
        }

    def explain(self) -> str:
        """The decision as text, as ``ordinance eval`` prints it: the
        outputs, then the trace with each step's citation (document,
        clause, line and quote). The rendering is the core's own."""
        return self._native.text()

    def to_json(self) -> str:
        """The decision as the JSON document every client of ordinance
        sees (the CLI's ``eval --format json``, the C ABI): ``rule``,
        ``outputs``, ``trace``, ``ruleset``, ``as_of``, ``as_of_reason``;
        integers are JSON integers, other numbers strings such as ``"1/3"``
        or ``"0.4"``, dates ``"YYYY-MM-DD"``."""
        return self._native.json()

    def __repr__(self) -> str:
        outputs = ", ".join(f"{k}={format_value(v)}" for k, v in self.outputs.items())
        return f"<Decision {self.rule}: {outputs} as of {self.as_of.isoformat()}>"

    def _repr_html_(self) -> str:
        return decision_html(self)


@dataclass(frozen=True)
class TestOutcome:
    """The outcome of one test of a pack."""

    __test__ = False  # not a pytest test class

    name: str
    rule: str
    location: str
    passed: bool
    message: str | None


@dataclass(frozen=True)
class RemovedPack:
    """A pack that a reload no longer found, and the file it came from."""

    pack: str
    file: str


@dataclass(frozen=True)
class ReloadReport:
    """What :meth:`Engine.reload` changed, pack by pack. A pack counts as
    changed when its file or the source text it cites changed."""

    previous: str
    ruleset: str
    added: list[str] = field(default_factory=list)
    removed: list[RemovedPack] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @classmethod
    def _from_native(cls, data: ReloadReportDict) -> ReloadReport:
        return cls(
            previous=data["previous"],
            ruleset=data["ruleset"],
            added=list(data["added"]),
            removed=[RemovedPack(**r) for r in data["removed"]],
            changed=list(data["changed"]),
            unchanged=list(data["unchanged"]),
        )

    @property
    def changed_anything(self) -> bool:
        """True when a pack was added, removed or changed."""
        return bool(self.added or self.removed or self.changed)

    def __str__(self) -> str:
        def names(v: list[str]) -> str:
            return f" ({', '.join(v)})" if v else ""

        removed = [r.pack for r in self.removed]
        return (
            f"reloaded: {len(self.added)} added{names(self.added)}, "
            f"{len(self.changed)} changed{names(self.changed)}, "
            f"{len(removed)} removed{names(removed)}, {len(self.unchanged)} unchanged; "
            f"rule set {self.previous} → {self.ruleset}"
        )


@dataclass(frozen=True)
class TestReport:
    """The outcome of :meth:`Engine.run_tests`: every pack test, in order."""

    __test__ = False  # not a pytest test class

    passed: int
    failed: int
    tests: list[TestOutcome] = field(default_factory=list)

    @classmethod
    def _from_native(cls, data: TestReportDict) -> TestReport:
        return cls(
            passed=data["passed"],
            failed=data["failed"],
            tests=[TestOutcome(**t) for t in data["tests"]],
        )

    @property
    def ok(self) -> bool:
        """True when every test passed."""
        return self.failed == 0

    @property
    def failures(self) -> list[TestOutcome]:
        """The tests that failed."""
        return [t for t in self.tests if not t.passed]

    def __str__(self) -> str:
        lines = [f"FAIL {t.location} {t.name}: {t.message}" for t in self.failures]
        lines.append(f"{self.passed} passed, {self.failed} failed")
        return "\n".join(lines)


@dataclass(frozen=True)
class RuleField:
    """An input or output of a rule: its name, its type (as the JSON
    description the core gives: ``"integer"``, ``{"enum": [...]}``, …) and,
    for inputs, the default (``required`` is False when there is one)."""

    name: str
    type: Any
    default: Any = None
    required: bool = True


@dataclass(frozen=True)
class RuleInfo:
    """Metadata of one rule, for building interfaces."""

    id: str
    title: str | None
    kind: str
    inputs: list[RuleField]
    outputs: list[RuleField]
    cite: Citation
    document_title: str
    valid_from: datetime.date
    valid_until: datetime.date | None

    @classmethod
    def _from_native(cls, data: RuleInfoDict) -> RuleInfo:
        return cls(
            id=data["id"],
            title=data["title"],
            kind=data["kind"],
            inputs=[RuleField(i["name"], i["type"], i["default"], i["required"]) for i in data["inputs"]],
            outputs=[RuleField(o["name"], o["type"], None, False) for o in data["outputs"]],
            cite=data["cite"],
            document_title=data["document_title"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
