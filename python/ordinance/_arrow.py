"""Arrow support for :meth:`Engine.evaluate_many`: pyarrow tables and
record batches, polars data frames and any other object of the Arrow
PyCapsule interface go to the core as Arrow columns and come back as the
same kind of object. Neither pyarrow nor polars is imported unless the
caller passed one of their objects."""

from __future__ import annotations

import sys
from typing import Any

from ._errors import ArgumentError
from ._native import ArrowTable

__all__ = ["is_arrow", "same_kind"]


def is_arrow(obj: object) -> bool:
    """True for an object of the Arrow PyCapsule interface (a pyarrow
    Table, RecordBatch or RecordBatchReader, a polars DataFrame, …)."""
    kind = type(obj)
    if kind.__module__.split(".")[0] == "polars" and kind.__name__ == "LazyFrame":
        raise ArgumentError("a polars LazyFrame is a query, not data; call .collect() and pass the DataFrame")
    return hasattr(kind, "__arrow_c_stream__") or hasattr(kind, "__arrow_c_array__")


def same_kind(original: object, table: ArrowTable) -> Any:
    """The result as the kind of object the caller gave: a pyarrow Table
    for a Table, a RecordBatch for a RecordBatch, a RecordBatchReader for a
    reader, a polars DataFrame for a DataFrame; any other producer gets the
    :class:`ArrowTable` (readable by every Arrow library through
    ``__arrow_c_stream__``)."""
    kind = type(original)
    library = kind.__module__.split(".")[0]
    if library == "pyarrow":
        pa = sys.modules["pyarrow"]
        if kind.__name__ == "RecordBatchReader":
            return pa.RecordBatchReader.from_stream(table)
        result = pa.table(table)
        if kind.__name__ == "RecordBatch":
            batches = result.combine_chunks().to_batches()
            if batches:
                return batches[0]
            return pa.RecordBatch.from_pylist([], schema=result.schema)
        return result
    if library == "polars" and kind.__name__ == "DataFrame":
        pl = sys.modules["polars"]
        return pl.DataFrame(table)
    return table
