"""ordinance — regulations as code.

Load YAML rule packs and evaluate them exactly, with every decision
explained by the clause of the document it came from::

    import ordinance

    engine = ordinance.Engine("rules")           # or ordinance.Engine.shipped()
    d = engine.evaluate("energy_safety.inspection_frequency", {"class": "B"})
    d["visits_per_year"]                         # 8
    d.trace                                      # why, with citations

Numbers are exact and readable: ``int``, :class:`decimal.Decimal` (money,
and any value with a finite decimal form), :class:`fractions.Fraction` only
for a value such as 1/3 that has none (``float`` only when asked). Errors are typed: :class:`LoadError`, :class:`InputError`,
:class:`UnknownRuleError`, :class:`EvaluationError` (with
:class:`ValidityError` and :class:`LimitError`) and :class:`ArgumentError`, all under
:class:`OrdinanceError`. See ``docs/python.md``.
"""

from ._compare import Comparison, ScenarioComparison
from ._engine import ArgumentError, Engine, shipped_rules_dir
from ._native import (
    ArrowTable,
    EvaluationError,
    InputError,
    LimitError,
    LoadError,
    OrdinanceError,
    UnknownRuleError,
    ValidityError,
    __version__,
)
from ._report import Claim, ScenarioReport
from ._results import Decision, ReloadReport, RemovedPack, RuleField, RuleInfo, TestOutcome, TestReport
from ._types import Citation, Diagnostic, TraceStep

__all__ = [
    "Citation",
    "Claim",
    "Comparison",
    "Decision",
    "Diagnostic",
    "Engine",
    "ArgumentError",
    "ArrowTable",
    "EvaluationError",
    "InputError",
    "LimitError",
    "LoadError",
    "OrdinanceError",
    "RuleField",
    "ScenarioReport",
    "RuleInfo",
    "ScenarioComparison",
    "TestOutcome",
    "TestReport",
    "ReloadReport",
    "RemovedPack",
    "TraceStep",
    "UnknownRuleError",
    "ValidityError",
    "__version__",
    "shipped_rules_dir",
]
