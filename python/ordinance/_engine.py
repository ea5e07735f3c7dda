"""The :class:`Engine` analysts use: the compiled engine, with typed
results, DataFrame support and the packs shipped inside the package."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from . import _arrow, _frames, _native
from ._compare import Comparison, ScenarioComparison
from ._errors import ArgumentError
from ._native import OrdinanceError, UnknownRuleError
from ._report import ScenarioReport
from ._results import Decision, ReloadReport, RuleInfo, TestReport

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ArgumentError", "Engine", "shipped_rules_dir"]

Numbers = Literal["exact", "fraction", "float"]
Errors = Literal["raise", "collect"]
AsOf = datetime.date | str | None

_U64 = 1 << 64


def _check_call(
    rule: object,
    numbers: object,
    budgets: Mapping[str, object],
) -> None:
    if not isinstance(rule, str):
        raise ArgumentError(f"rule must be a rule id such as 'pack.rule', not {type(rule).__name__}")
    if numbers not in ("exact", "fraction", "float"):
        raise ArgumentError(f'numbers must be "exact", "fraction" or "float", not {numbers!r}')
    for name, value in budgets.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ArgumentError(f"{name} must be a positive integer or None, not {type(value).__name__}")
        if not 0 < value < _U64:
            raise ArgumentError(f"{name} must be a positive integer below 2**64, not {value}")


def shipped_rules_dir() -> Path:
    """The directory of the rule packs shipped inside the package
    (``ordinance/rules``: the ``.yaml`` packs and their source texts, copied
    from the repository's ``rules/`` when the wheel was built)."""
    path = Path(__file__).resolve().parent / "rules"
    if not any(path.glob("*.yaml")):
        raise FileNotFoundError(
            f"no rule packs in {path}; this build of ordinance was made without the repository's rules/ "
            "directory (build it from a checkout: pip install ./python)"
        )
    return path


class Engine:
    """A rules engine over a directory of YAML rule packs.

    >>> engine = ordinance.Engine("rules")
    >>> engine.evaluate("energy_safety.inspection_frequency", {"class": "B"})["visits_per_year"]
    8

    Loading is strict: any problem in any pack raises :class:`LoadError`
    naming file, line and column. One engine may be used from many threads
    at once; the GIL is released while the core works.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        rules_dir: str | os.PathLike[str],
        *,
        shared_sources: Sequence[str | os.PathLike[str]] = (),
        forbid_removal: bool = False,
    ) -> None:
        """Loads every pack in ``rules_dir``. A pack reads its source text
        only inside ``rules_dir``, or inside a folder listed in
        ``shared_sources``; with ``forbid_removal`` a :meth:`reload` in which
        a pack has disappeared raises :class:`LoadError` instead."""
        if isinstance(shared_sources, (str, bytes, os.PathLike)):
            raise ArgumentError("shared_sources is a list of folders, not one path")
        self._native = _native.Engine(
            rules_dir, shared_sources=[os.fspath(p) for p in shared_sources], forbid_removal=forbid_removal
        )

    @classmethod
    def shipped(cls) -> Engine:
        """An engine over the rule packs shipped with the package (see
        :func:`shipped_rules_dir`)."""
        return cls(shipped_rules_dir())

    @property
    def rules_dir(self) -> Path:
        """The directory the packs are loaded from (and reloaded from)."""
        return self._native.rules_dir

    @property
    def ruleset(self) -> str:
        """The rule-set version: a content hash of the loaded packs."""
        return self._native.ruleset

    def evaluate(
        self,
        rule: str,
        inputs: Mapping[str, object] | pd.Series[Any] | None = None,
        *,
        as_of: AsOf = None,
        trace: bool = True,
        numbers: Numbers = "exact",
        allow_float: bool = False,
        max_steps: int | None = None,
        max_digits: int | None = None,
        max_bytes: int | None = None,
    ) -> Decision:
        """Evaluates ``rule`` (``pack.rule``) on ``inputs`` (input name → value).

        ``as_of`` (a :class:`datetime.date` or ``"YYYY-MM-DD"``) fixes the
        date the rules apply as of; without it the engine uses today while
        the pack is in force, else the pack's last day in force, and the
        decision says which. Numbers come back exact and readable
        (``numbers="exact"``, the default): ``int`` for integers,
        :class:`decimal.Decimal` for money and ``decimal(n)`` outputs (with
        their places, ``Decimal('1080.10')``) and for any value with a finite
        decimal form, :class:`fractions.Fraction` only for a value that has
        none (``1/3``). ``numbers="fraction"`` gives a ``Fraction`` for every
        non-integer, ``numbers="float"`` floats (for plotting). Inputs must be exact
        (int, Fraction, Decimal, or a string such as ``"0.4"`` or ``"1/3"``);
        ``allow_float=True`` reads floats by their shortest decimal form.
        ``max_steps`` lowers (or raises) the evaluation step budget,
        ``max_digits`` the most digits of any number computed (numbers have
        no other ceiling) and ``max_bytes`` the memory the evaluation may
        create; going over any of them raises :class:`LimitError`.

        ``inputs`` may also be a pandas Series (a DataFrame row): it is read
        as :meth:`evaluate_many` reads rows — only the rule's inputs, missing
        cells left out.

        Raises :class:`InputError`, :class:`UnknownRuleError`,
        :class:`ValidityError` or another :class:`EvaluationError`.
        """
        _check_call(rule, numbers, {"max_steps": max_steps, "max_digits": max_digits, "max_bytes": max_bytes})
        record: Mapping[str, object] | None
        if _frames.is_series(inputs):
            record = _frames.record_from_series(inputs, self._rule_info(rule))
        else:
            record = cast("Mapping[str, object] | None", inputs)
        data = self._native.evaluate(
            rule,
            record,
            as_of=as_of,
            trace=trace,
            numbers=numbers,
            allow_float=allow_float,
            max_steps=max_steps,
            max_digits=max_digits,
            max_bytes=max_bytes,
        )
        return Decision(data)

    @overload
    def evaluate_many(
        self,
        rule: str,
        records: pd.DataFrame,
        *,
        as_of: AsOf = ...,
        trace: bool = ...,
        numbers: Numbers = ...,
        allow_float: bool = ...,
        max_steps: int | None = ...,
        max_digits: int | None = ...,
        max_bytes: int | None = ...,
        errors: Errors = ...,
        prefix: str = ...,
        number_scale: int | None = ...,
    ) -> pd.DataFrame: ...

    @overload
    def evaluate_many(
        self,
        rule: str,
        records: Iterable[Mapping[str, object]],
        *,
        as_of: AsOf = ...,
        trace: bool = ...,
        numbers: Numbers = ...,
        allow_float: bool = ...,
        max_steps: int | None = ...,
        max_digits: int | None = ...,
        max_bytes: int | None = ...,
        errors: Literal["raise"] = ...,
        prefix: str = ...,
        number_scale: int | None = ...,
    ) -> list[Decision]: ...

    @overload
    def evaluate_many(
        self,
        rule: str,
        records: Iterable[Mapping[str, object]],
        *,
        as_of: AsOf = ...,
        trace: bool = ...,
        numbers: Numbers = ...,
        allow_float: bool = ...,
        max_steps: int | None = ...,
        max_digits: int | None = ...,
        max_bytes: int | None = ...,
        errors: Literal["collect"],
        prefix: str = ...,
        number_scale: int | None = ...,
    ) -> list[Decision | OrdinanceError]: ...

    def evaluate_many(
        self,
        rule: str,
        records: Any,
        *,
        as_of: AsOf = None,
        trace: bool = False,
        numbers: Numbers = "exact",
        allow_float: bool = False,
        max_steps: int | None = None,
        max_digits: int | None = None,
        max_bytes: int | None = None,
        errors: Errors = "raise",
        prefix: str = "",
        number_scale: int | None = None,
    ) -> Any:
        """Evaluates ``rule`` over many records at once, against one snapshot
        of the rules, with the GIL released while the core works.

        ``records`` is a list of dicts (→ a list of :class:`Decision`), a
        pandas DataFrame (→ a copy of it with one column per output, named
        ``prefix + output``; only the columns that are inputs of the rule
        are read, and a missing cell leaves that input out), or an Arrow
        table — a pyarrow ``Table``, ``RecordBatch`` or
        ``RecordBatchReader``, a polars ``DataFrame``, or any object with
        ``__arrow_c_stream__`` — which is read in Rust through the Arrow
        PyCapsule interface and comes back as the same kind of object with
        the output columns appended (money as ``decimal128``, enums as
        dictionaries; see ``docs/python.md``).

        With ``errors="raise"`` (the default) the first failing record
        raises its error, whose ``.index`` is the record's position. With
        ``errors="collect"`` a list holds the error in that record's place,
        and a DataFrame gains an ``error`` column (None where the row
        succeeded). An unknown rule always raises. The trace is off by
        default here; pass ``trace=True`` to keep it.

        For an Arrow table, ``number_scale`` gives every output declared
        ``number`` the one type ``decimal128(38, number_scale)`` whatever its
        values (without it such a column takes the narrowest exact type its
        values allow); a value with no exact decimal of that many places
        (1/3) fails its row.
        """
        _check_call(rule, numbers, {"max_steps": max_steps, "max_digits": max_digits, "max_bytes": max_bytes})
        if errors not in ("raise", "collect"):
            raise ArgumentError(f'errors must be "raise" or "collect", not {errors!r}')
        if number_scale is not None and not _arrow.is_arrow(records):
            raise ArgumentError("number_scale applies to Arrow tables (pyarrow, polars), whose column types it fixes")
        if number_scale is not None and not 0 <= number_scale <= 38:
            raise ArgumentError(f"number_scale must be between 0 and 38, not {number_scale}")
        frame = records if _frames.is_dataframe(records) else None
        if frame is not None:
            # columns straight to the core: no dict or JSON document per row
            info = self._rule_info(rule)
            data = self._native.evaluate_columns(
                rule,
                _frames.columns_from_frame(frame, info),
                as_of=as_of,
                numbers=numbers,
                allow_float=allow_float,
                max_steps=max_steps,
                max_digits=max_digits,
                max_bytes=max_bytes,
            )
            failures = data["errors"]
            if errors == "raise":
                first = next((e for e in failures if e is not None), None)
                if first is not None:
                    raise first
            messages = [None if e is None else str(e) for e in failures]
            return _frames.frame_with_columns(
                frame, data["values"], messages if errors == "collect" else None, prefix
            )
        if _arrow.is_arrow(records):
            # Arrow columns straight to the core, and Arrow back
            try:
                result = self._native.evaluate_arrow(
                    rule,
                    records,
                    as_of=as_of,
                    allow_float=allow_float,
                    max_steps=max_steps,
                    max_digits=max_digits,
                    max_bytes=max_bytes,
                    prefix=prefix,
                    error_column=prefix + "error" if errors == "collect" else None,
                    number_scale=number_scale,
                )
            except (TypeError, ValueError) as e:
                if isinstance(e, OrdinanceError):
                    raise
                raise ArgumentError(str(e)) from None
            if errors == "raise" and result["first_error"] is not None:
                raise result["first_error"]
            return _arrow.same_kind(records, result["table"])
        # a mapping or a string is refused by the native layer, not listed
        passthrough = isinstance(records, (list, tuple, str, bytes, Mapping))
        if not passthrough and not isinstance(records, Iterable):
            raise ArgumentError(
                "records must be a list of mappings, a pandas DataFrame or an Arrow table "
                f"(pyarrow, polars), not {type(records).__name__}"
            )
        record_list: Any = records if passthrough else list(records)
        results = self._native.evaluate_many(
            rule,
            record_list,
            as_of=as_of,
            trace=trace,
            numbers=numbers,
            allow_float=allow_float,
            max_steps=max_steps,
            max_digits=max_digits,
            max_bytes=max_bytes,
        )
        for r in results:
            if isinstance(r, UnknownRuleError) or (errors == "raise" and isinstance(r, OrdinanceError)):
                raise r
        return [r if isinstance(r, OrdinanceError) else Decision(r) for r in results]

    def run_tests(self) -> TestReport:
        """Runs the tests of every loaded pack (each at its own fixed date)."""
        return TestReport._from_native(self._native.run_tests())

    def run_scenario(self, path: str | os.PathLike[str], *, rules_dir: str | os.PathLike[str] | None = None) -> ScenarioReport:
        """Runs a scenario file as ``ordinance run`` does: its steps
        evaluate rules over the bulletin's rosters, and each claim of the
        text is reconciled against what the engine computed.

        The packs come from ``rules_dir`` (this engine's folder when not
        given), loaded with this engine's options. Returns a
        :class:`ScenarioReport` (figures, ``claims_frame()``,
        ``discrepancies``, ``text("zh"|"en")``). A scenario or pack that does
        not load raises :class:`LoadError`; a step that cannot be evaluated
        raises its :class:`EvaluationError`. A claim that disagrees never
        raises: it is in the report.
        """
        folder = self.rules_dir if rules_dir is None else Path(rules_dir)
        return ScenarioReport(self._native.run_scenario(Path(path), rules_dir=folder))

    def reload(self) -> ReloadReport:
        """Loads the packs again from :attr:`rules_dir`, swaps them in
        atomically and returns what changed (packs added, removed, changed).
        If they fail to load, raises :class:`LoadError` and keeps serving
        the packs it had."""
        return ReloadReport._from_native(self._native.reload())

    def with_reform(self, *reforms: str | os.PathLike[str]) -> Engine:
        """The same packs with reforms laid over them, in order
        (``docs/rule-format.md`` §19): a new engine answering by the rule
        set they make. A reform that does not apply raises ``LoadError``,
        located in the reform."""
        engine = Engine.__new__(Engine)
        engine._native = self._native.with_reforms([Path(r) for r in reforms])
        return engine

    def compare(self, other: Engine, rule: str, data: Any, *, as_of: AsOf = None, allow_float: bool = False) -> Comparison:
        """``rule`` over ``data`` under this engine's rules (before) and
        ``other``'s (after). ``data`` is a list of dicts, a pandas or polars
        DataFrame, or a pyarrow Table; the result's ``rows`` are the changed
        rows as the same kind of object, with the outputs before and after
        and the cause of each change (see :class:`Comparison`)."""
        import json

        if not isinstance(other, Engine):
            raise ArgumentError(f"compare needs another Engine, not {type(other).__name__}")
        module = type(data).__module__.split(".")[0]
        if module == "pandas":
            columns = _frames.columns_from_frame(data, self._rule_info(rule))
            names = list(columns)
            records: list[Any] = [dict(zip(names, values)) for values in zip(*columns.values())] if names else [{}] * len(data)
        elif module == "polars":
            records = data.to_dicts()
        elif module == "pyarrow":
            records = data.to_pylist()
        else:
            records = list(data)
        document = json.loads(self._native.compare_rows_json(other._native, rule, records, as_of=as_of, allow_float=allow_float))
        return Comparison(document, data)

    def compare_scenario(self, other: Engine, path: str | os.PathLike[str]) -> ScenarioComparison:
        """A scenario run under this engine's rules (before) and
        ``other``'s (after), with the pack tests the change breaks."""
        import json

        if not isinstance(other, Engine):
            raise ArgumentError(f"compare_scenario needs another Engine, not {type(other).__name__}")
        document, zh, en = self._native.compare_scenario_json(other._native, Path(path))
        return ScenarioComparison(json.loads(document), zh, en)

    def rules(self) -> list[RuleInfo]:
        """Metadata of every rule: id, title, kind, inputs, outputs,
        citation, document, validity."""
        return [RuleInfo._from_native(r) for r in self._native.rules()]

    def _rule_info(self, rule: str) -> RuleInfo | None:
        return next((r for r in self.rules() if r.id == rule), None)

    def __repr__(self) -> str:
        return f"<ordinance.Engine {str(self.rules_dir)!r} ruleset={self.ruleset[:12]}>"
