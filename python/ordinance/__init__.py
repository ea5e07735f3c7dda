"""ordinance — regulations as code.

Load YAML rule packs and evaluate them exactly, with every decision
explained by the clause of the document it came from::

    import ordinance

    engine = ordinance.Engine("rules")           # or ordinance.Engine.shipped()
    d = engine.evaluate("energy_safety.inspection_frequency", {"class": "B"})
    d["visits_per_year"]                         # 8
    d.trace                                      # why, with citations

Numbers are exact: ``int`` or :class:`fractions.Fraction` (``float`` only
when asked). Errors are typed: :class:`LoadError`, :class:`InputError`,
:class:`UnknownRuleError`, :class:`EvaluationError` (with
:class:`ValidityError` and :class:`LimitError`) and :class:`ArgumentError`, all under
:class:`OrdinanceError`. See ``docs/python.md``.
"""

from ._engine import ArgumentError, Engine, shipped_rules_dir
from ._native import (
    EvaluationError,
    InputError,
    LimitError,
    LoadError,
    OrdinanceError,
    UnknownRuleError,
    ValidityError,
    __version__,
)
from ._results import Decision, ReloadReport, RemovedPack, RuleField, RuleInfo, TestOutcome, TestReport
from ._types import Citation, Diagnostic, TraceStep

__all__ = [
    "Citation",
    "Decision",
    "Diagnostic",
    "Engine",
    "ArgumentError",
    "EvaluationError",
    "InputError",
    "LimitError",
    "LoadError",
    "OrdinanceError",
    "RuleField",
    "RuleInfo",
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
