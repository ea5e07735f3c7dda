"""The cost of the Python binding, measured (never asserted): one
``Engine.evaluate`` with the trace off and on, ``evaluate_many`` over a
pandas DataFrame and over a pyarrow table and a polars frame of 1,000,000
rows (time per row, and the memory the call adds beside the input's size),
beside what plain Python, pandas and pyarrow take for the same lookup (the
floor). ``docs/performance.md`` records what it printed.

    bash python/run_tests.sh            # builds and installs the package into target/py-venv
    target/py-venv/bin/python python/benches/bench_evaluate.py rules
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import ordinance


def per_call(n: int, f: Callable[[], object]) -> float:
    """Nanoseconds per call of ``f``, over ``n`` calls."""
    f()
    start = time.perf_counter_ns()
    for _ in range(n):
        f()
    return (time.perf_counter_ns() - start) / n


def main() -> None:
    rules = sys.argv[1] if len(sys.argv) > 1 else "rules"
    engine = ordinance.Engine(rules)
    rule = "energy_safety.inspection_frequency"
    visits = {"A": 4, "B": 8, "C": 8, "D": 12}
    floor = per_call(200_000, lambda: visits["C"])
    for trace in (False, True):
        t = per_call(20_000, lambda: engine.evaluate(rule, {"class": "C"}, as_of="2024-06-30", trace=trace))
        print(f"Engine.evaluate, trace {'on ' if trace else 'off'}          {t:10.0f} ns/call   floor {floor:6.0f} ns (dict)")
    try:
        import pandas as pd
    except ImportError:
        print("pandas is not installed: no DataFrame figures")
        return
    rows = 100_000
    df = pd.DataFrame({"class": ["ABCD"[i % 4] for i in range(rows)]})
    start = time.perf_counter_ns()
    df["class"].map(visits)
    floor_df = (time.perf_counter_ns() - start) / rows
    start = time.perf_counter_ns()
    engine.evaluate_many(rule, df, as_of="2024-06-30")
    t = (time.perf_counter_ns() - start) / rows
    print(f"evaluate_many(DataFrame {rows}), per row {t:10.0f} ns/row    floor {floor_df:6.1f} ns (Series.map)")
    arrow(engine, rule, visits)


def arrow(engine: ordinance.Engine, rule: str, visits: dict[str, int]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        print("pyarrow is not installed: no Arrow figures")
        return
    import resource

    rows = 1_000_000
    classes = pa.array(["ABCD"[i % 4] for i in range(rows)])
    table = pa.table({"class": classes})
    # the floor: pyarrow's own vectorised lookup of the same mapping
    start = time.perf_counter_ns()
    keys = pa.array(list(visits))
    pc.take(pa.array(list(visits.values())), pc.index_in(table.column("class"), value_set=keys))
    floor = (time.perf_counter_ns() - start) / rows
    # memory: the peak the first call adds (outputs included), then time
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = engine.evaluate_many(rule, table, as_of="2024-06-30")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    best = None
    for _ in range(3):
        start = time.perf_counter_ns()
        engine.evaluate_many(rule, table, as_of="2024-06-30")
        t = (time.perf_counter_ns() - start) / rows
        best = t if best is None else min(best, t)
    extra = out.nbytes - table.nbytes
    print(
        f"evaluate_many(pyarrow {rows}), per row {best:10.0f} ns/row    floor {floor:6.1f} ns (pyarrow.compute)"
        f"   input {table.nbytes / 1e6:.1f} MB, outputs {extra / 1e6:.1f} MB, peak RSS grew {(peak - before) / 1e6:.1f} MB"
    )
    try:
        import polars as pl
    except ImportError:
        return
    frame = pl.from_arrow(table)
    start = time.perf_counter_ns()
    engine.evaluate_many(rule, frame, as_of="2024-06-30")
    t = (time.perf_counter_ns() - start) / rows
    print(f"evaluate_many(polars {rows}), per row  {t:10.0f} ns/row")


if __name__ == "__main__":
    main()
