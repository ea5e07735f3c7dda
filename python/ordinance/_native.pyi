"""Type stubs of the compiled module ``ordinance._native`` (hand-written;
``python -m mypy.stubtest ordinance._native`` checks them against the module).

Users import :mod:`ordinance`, which wraps these plain dicts in typed classes.
"""

import datetime
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, final

from ordinance._types import ColumnsDict, DecisionDict, Diagnostic, ReloadReportDict, RuleInfoDict, TestReportDict

__all__ = [
    "__version__",
    "ArrowTable",
    "Engine",
    "NativeDecision",
    "OrdinanceError",
    "LoadError",
    "InputError",
    "UnknownRuleError",
    "EvaluationError",
    "ValidityError",
    "LimitError",
]

__version__: str

_Numbers = Literal["exact", "fraction", "float"]
_AsOf = datetime.date | str | None

@final
class NativeDecision:
    def text(self) -> str: ...
    def json(self) -> str: ...

@final
class Engine:
    def __new__(
        cls,
        rules_dir: str | os.PathLike[str],
        *,
        shared_sources: Sequence[str | os.PathLike[str]] = ...,
        forbid_removal: bool = False,
    ) -> Engine: ...
    @property
    def rules_dir(self) -> Path: ...
    @property
    def ruleset(self) -> str: ...
    def evaluate(
        self,
        rule: str,
        inputs: Mapping[str, object] | None = None,
        *,
        as_of: _AsOf = None,
        trace: bool = True,
        numbers: _Numbers = "exact",
        allow_float: bool = False,
        max_steps: int | None = None,
        max_digits: int | None = None,
        max_bytes: int | None = None,
    ) -> DecisionDict: ...
    def evaluate_many(
        self,
        rule: str,
        records: Sequence[Mapping[str, object]],
        *,
        as_of: _AsOf = None,
        trace: bool = False,
        numbers: _Numbers = "exact",
        allow_float: bool = False,
        max_steps: int | None = None,
        max_digits: int | None = None,
        max_bytes: int | None = None,
    ) -> list[DecisionDict | OrdinanceError]: ...
    def evaluate_columns(
        self,
        rule: str,
        columns: Mapping[str, Sequence[object]],
        *,
        as_of: _AsOf = None,
        numbers: _Numbers = "exact",
        allow_float: bool = False,
        max_steps: int | None = None,
        max_digits: int | None = None,
        max_bytes: int | None = None,
    ) -> ColumnsDict: ...
    def evaluate_arrow(
        self,
        rule: str,
        data: object,
        *,
        as_of: datetime.date | str | None = None,
        allow_float: bool = False,
        max_steps: int | None = None,
        max_digits: int | None = None,
        max_bytes: int | None = None,
        prefix: str = "",
        error_column: str | None = None,
        number_scale: int | None = None,
    ) -> dict[str, Any]: ...
    def run_tests(self) -> TestReportDict: ...
    def run_scenario(self, path: str | os.PathLike[str], *, rules_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]: ...
    def reload(self) -> ReloadReportDict: ...
    def rules(self) -> list[RuleInfoDict]: ...
    def with_reforms(self, reforms: Sequence[str | os.PathLike[str]]) -> Engine: ...
    def compare_rows_json(
        self,
        other: Engine,
        rule: str,
        records: Iterable[Mapping[str, Any]],
        *,
        as_of: _AsOf = None,
        allow_float: bool = False,
    ) -> str: ...
    def compare_scenario_json(
        self, other: Engine, path: str | os.PathLike[str], *, rules_dir: str | os.PathLike[str] | None = None
    ) -> tuple[str, str, str]: ...

@final
class ArrowTable:
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    @property
    def nbytes(self) -> int: ...
    def __len__(self) -> int: ...

class OrdinanceError(Exception):
    code: ClassVar[str]
    rule: str | None
    index: int | None

class LoadError(OrdinanceError):
    file: str | None
    line: int | None
    column: int | None
    hint: str | None
    diagnostics: tuple[Diagnostic, ...]

class InputError(OrdinanceError):
    field: str | None
    allowed: list[str] | None

class UnknownRuleError(OrdinanceError):
    suggestion: str | None

class EvaluationError(OrdinanceError): ...
class ValidityError(EvaluationError): ...
class LimitError(EvaluationError): ...
