"""pandas support for :meth:`Engine.evaluate_many`: DataFrame rows in,
one column per output back. pandas is imported only when a DataFrame is
actually passed, so ``import ordinance`` never needs it."""

from __future__ import annotations

import datetime
import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

from ._errors import ArgumentError

if TYPE_CHECKING:
    import pandas as pd

    from ._results import RuleInfo


def is_dataframe(obj: object) -> bool:
    """True for a pandas DataFrame, without importing pandas when the caller
    has not."""
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return False
    return isinstance(obj, pandas.DataFrame)


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return False
    return bool(value is pandas.NA or value is pandas.NaT)


def _is_date_type(ty: Any) -> bool:
    return isinstance(ty, str) and ty == "date"


def is_series(obj: object) -> TypeGuard[pd.Series[Any]]:
    """True for a pandas Series (one row of a DataFrame, say)."""
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return False
    return isinstance(obj, pandas.Series)


def _clean(row: dict[Any, Any], date_inputs: set[str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in row.items():
        if _missing(value):
            continue
        if (
            key in date_inputs
            and isinstance(value, datetime.datetime)
            and value.tzinfo is None
            and value.time() == datetime.time()
        ):
            value = value.date()
        record[str(key)] = value
    return record


def _columns(labels: Sequence[Any], info: RuleInfo | None) -> tuple[list[Any], set[str]]:
    if info is None:
        return list(labels), set()
    names = {f.name for f in info.inputs}
    dates = {f.name for f in info.inputs if _is_date_type(f.type)}
    return [c for c in labels if c in names], dates


def _cell(value: object, is_date: bool) -> object:
    if _missing(value):
        return None
    if (
        is_date
        and isinstance(value, datetime.datetime)
        and value.tzinfo is None
        and value.time() == datetime.time()
    ):
        return value.date()
    return value


def columns_from_frame(frame: pd.DataFrame, info: RuleInfo | None) -> dict[str, list[Any]]:
    """The input columns of a DataFrame, one list per column (no per-row
    dict is built).

    Only the columns that are inputs of the rule are passed (a roster has
    more columns than any one rule reads); when the rule is unknown every
    column is passed and the core names the problem. A missing cell (None,
    NaN, NA, NaT) is ``None``, which leaves the input out, so its default
    applies or the core reports it missing. A midnight timestamp in a
    ``date`` input is a date (pandas reads date columns as timestamps).
    """
    labels = list(frame.columns)
    twice = sorted({str(c) for c in labels if labels.count(c) > 1})
    if twice:
        raise ArgumentError(
            "the DataFrame has more than one column named "
            + ", ".join(f"'{c}'" for c in twice)
            + "; give each input one column (DataFrame.loc[:, ~df.columns.duplicated()] keeps the first)"
        )
    columns, date_inputs = _columns(labels, info)
    return {str(c): [_cell(v, c in date_inputs) for v in frame[c].tolist()] for c in columns}


def frame_with_columns(
    frame: pd.DataFrame,
    values: dict[str, list[Any]],
    errors: Sequence[str | None] | None,
    prefix: str,
) -> pd.DataFrame:
    """A copy of ``frame`` with one column per output (``prefix + name``),
    from the columns the core returned, and an ``error`` column when errors
    were collected."""
    columns = [prefix + n for n in values]
    if errors is not None:
        columns.append(prefix + "error")
    clashes = [c for c in columns if c in frame.columns]
    if clashes:
        raise ArgumentError(
            f"output column(s) {', '.join(map(repr, clashes))} already exist in the DataFrame; "
            "pass prefix= to name the output columns differently"
        )
    import pandas

    out = frame.copy()
    for name, column in values.items():
        out[prefix + name] = _typed_column(pandas, column, out.index)
    if errors is not None:
        # object, so a row that succeeded holds None (not NaN)
        out[prefix + "error"] = pandas.Series(list(errors), index=out.index, dtype=object)
    return out


_INT64 = range(-(2**63), 2**63)


def _typed_column(pandas: Any, column: list[Any], index: Any) -> Any:
    """One output column with one dtype: nullable ``Int64`` for integers
    that fit, nullable ``boolean`` for truth values, ``float64`` for floats
    (asked for with ``numbers="float"``), else ``object`` (Decimal,
    Fraction, text, dates, lists, records); a failed row is missing
    (``<NA>`` or None), never NaN in an integer column."""
    present = [v for v in column if v is not None]
    if present and all(type(v) is bool for v in present):
        return pandas.Series(column, index=index, dtype="boolean")
    if present and all(type(v) is int and v in _INT64 for v in present):
        return pandas.Series(column, index=index, dtype="Int64")
    if present and all(type(v) in (int, float) for v in present) and any(type(v) is float for v in present):
        return pandas.Series([float("nan") if v is None else float(v) for v in column], index=index, dtype="float64")
    return pandas.Series(column, index=index, dtype=object)


def record_from_series(row: pd.Series[Any], info: RuleInfo | None) -> dict[str, Any]:
    """The input record of one row given as a Series, read as
    :func:`columns_from_frame` reads the cells of a DataFrame."""
    columns, date_inputs = _columns(list(row.index), info)
    return _clean({c: row[c] for c in columns}, date_inputs)
