"""Evaluating a rule over a Dask DataFrame, partition by partition.

::

    import dask.dataframe as dd
    from ordinance.dask import evaluate
    out = evaluate(dd.read_parquet("registry/"), "energy_safety.inspection_frequency",
                   rules="rules.ordinance", as_of="2024-06-30")

Each partition (a pandas DataFrame) goes through
:meth:`ordinance.Engine.evaluate_many`, so its outputs follow the pandas
rules (``docs/python.md``): integers as nullable ``Int64``, truth values as
``boolean``, money and other numbers as ``object`` columns of ``Decimal``
(``Fraction`` where a value has no decimal form). Every worker process loads
the rule set once and checks its hash against the one loaded here, as
:mod:`ordinance.spark` does. dask is imported only by this module.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any, Literal

from ._distributed import output_columns, plain, rule_info, worker_engine
from ._engine import Engine
from ._errors import ArgumentError

__all__ = ["evaluate"]


def _dtype(ty: Any) -> str:
    ty = plain(ty)
    if ty == "integer":
        return "Int64"
    if ty == "bool":
        return "boolean"
    return "object"


def evaluate(
    ddf: Any,
    rule: str,
    *,
    rules: str | os.PathLike[str],
    as_of: datetime.date | str | None = None,
    prefix: str = "",
    errors: Literal["raise", "collect"] = "raise",
    allow_float: bool = False,
) -> Any:
    """``ddf`` with one column per output of ``rule`` (``prefix + name``),
    and ``prefix + "error"`` with ``errors="collect"``. ``rules`` is a rules
    folder or a bundle readable at the same path by every worker."""
    import pandas as pd

    if errors not in ("raise", "collect"):
        raise ArgumentError(f'errors must be "raise" or "collect", not {errors!r}')
    path = str(Path(rules).resolve())
    engine = Engine(path)
    expected = engine.ruleset
    info = rule_info(engine, rule)
    output_columns(info, prefix, errors, ddf.columns)
    dtypes = {prefix + o.name: _dtype(o.type) for o in info.outputs}
    if errors == "collect":
        dtypes[prefix + "error"] = "object"
    meta = ddf._meta.copy()
    for name, dtype in dtypes.items():
        meta[name] = pd.Series([], dtype=dtype)
    as_of_text = as_of.isoformat() if isinstance(as_of, datetime.date) else as_of

    def partition(pdf: Any) -> Any:
        out = worker_engine(path, expected).evaluate_many(
            rule, pdf, as_of=as_of_text, prefix=prefix, errors=errors, allow_float=allow_float
        )
        # one dtype per column in every partition, even one where every row failed
        return out.astype({n: d for n, d in dtypes.items() if str(out[n].dtype) != d})

    return ddf.map_partitions(partition, meta=meta)
