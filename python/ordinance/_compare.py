"""The effect of a change: a rule over rows, or a scenario, before and after.

Built by :meth:`ordinance.Engine.compare` and
:meth:`ordinance.Engine.compare_scenario`; the comparing itself is done by
the core (``ordinance_core::compare``), this module only shapes its document
for Python: changed rows as the same kind of frame as the input, exact
totals as :class:`fractions.Fraction`, and an HTML view for notebooks.
"""

from __future__ import annotations

import html
from fractions import Fraction
from typing import Any

__all__ = ["Comparison", "ScenarioComparison"]


def _exact(value: Any) -> Any:
    """A number of the comparison document as an exact Fraction (the
    document writes non-integers as text such as ``"1/3"`` or ``"0.5"``)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except ValueError:
            return value
    return value


def _side_columns(changed: list[dict[str, Any]], side: str) -> dict[str, list[Any]]:
    names: list[str] = []
    for c in changed:
        for k in c[side]:
            if k != "error" and k not in names:
                names.append(k)
    return {f"{side}_{n}": [c[side].get(n) for c in changed] for n in names}


class Comparison:
    """A rule over rows before and after a change.

    ``rows`` holds only the rows whose outputs changed, as the same kind of
    object as the data given (a pandas or polars DataFrame, a pyarrow Table,
    or a list of dicts), with ``before_<output>``, ``after_<output>`` and
    ``cause`` added; ``transitions`` counts, for every output that is not a
    number, the rows that went from one value to another; ``totals`` gives
    every number output's sum before and after (exact).
    """

    def __init__(self, document: dict[str, Any], data: Any) -> None:
        self.document = document
        self.rule: str = document["rule"]
        self.count: int = document["rows"]
        self.changed: list[dict[str, Any]] = document["changed"]
        self.transitions: list[dict[str, Any]] = document["transitions"]
        self.totals: dict[str, dict[str, Any]] = {
            t["output"]: {"before": _exact(t["before"]), "after": _exact(t["after"]), "delta": _exact(t["delta"])}
            for t in document["totals"]
        }
        self.rows: Any = self._rows(data)

    def _rows(self, data: Any) -> Any:
        index = [c["index"] for c in self.changed]
        extra = {**_side_columns(self.changed, "before"), **_side_columns(self.changed, "after")}
        extra["cause"] = [c.get("cause") for c in self.changed]
        module = type(data).__module__.split(".")[0]
        if module == "pandas":
            rows = data.iloc[index].copy()
            for name, column in extra.items():
                rows[name] = column
            return rows
        if module == "polars":
            import sys

            pl: Any = sys.modules["polars"]
            rows = data[index]
            return rows.with_columns([pl.Series(name, [None if v is None else str(v) for v in col]) for name, col in extra.items()])
        if module == "pyarrow":
            import sys

            pa: Any = sys.modules["pyarrow"]  # the data is a pyarrow object, so it is imported
            rows = data.take(pa.array(index, type=pa.int64()))
            for name, column in extra.items():
                rows = rows.append_column(name, pa.array([None if v is None else str(v) for v in column], type=pa.string()))
            return rows
        records = list(data)
        out: list[dict[str, Any]] = []
        for k, c in zip(index, self.changed):
            row = dict(records[k])
            row.update({name: col[len(out)] for name, col in extra.items()})
            out.append(row)
        return out

    def __len__(self) -> int:
        return len(self.changed)

    def __repr__(self) -> str:
        return f"<Comparison {self.rule}: {len(self.changed)} of {self.count} rows changed>"

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(self.rule)}</b>: {len(self.changed)} of {self.count} rows changed</p>"]
        if self.totals:
            peak = max((abs(float(v[s])) for v in self.totals.values() for s in ("before", "after")), default=1.0) or 1.0
            parts.append('<table><tr><th>output</th><th>before</th><th>after</th><th>delta</th><th></th></tr>')
            for name, t in self.totals.items():
                bars = "".join(
                    f'<rect x="0" y="{y}" width="{200 * abs(float(t[s])) / peak:.1f}" height="8" fill="{colour}"/>'
                    for y, s, colour in ((0, "before", "#9aa5b1"), (10, "after", "#2b6cb0"))
                )
                parts.append(
                    f"<tr><td>{html.escape(name)}</td><td>{t['before']}</td><td>{t['after']}</td><td>{t['delta']}</td>"
                    f'<td><svg width="200" height="18" role="img" aria-label="before and after">{bars}</svg></td></tr>'
                )
            parts.append("</table>")
        moved = [t for t in self.transitions if t["before"] != t["after"]]
        if moved:
            parts.append("<table><tr><th>output</th><th>before</th><th>after</th><th>rows</th></tr>")
            for t in moved:
                cells = (t["output"], t["before"], t["after"], t["rows"])
                parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
            parts.append("</table>")
        return "\n".join(parts)


class ScenarioComparison:
    """A scenario before and after a change: the figures that moved
    (``figures``, each with ``before``, ``after`` and ``delta``), the claims
    that flip (``claims``) and the pack tests the change breaks
    (``broken_tests``); ``text`` holds the report in ``zh`` and ``en``."""

    def __init__(self, document: dict[str, Any], zh: str, en: str) -> None:
        self.document = document
        self.figures: list[dict[str, Any]] = [
            {**f, "before": _exact(f["before"]), "after": _exact(f["after"]), "delta": _exact(f["delta"])}
            for f in document["figures"]
        ]
        self.claims: list[dict[str, Any]] = document["claims"]
        self.broken_tests: list[dict[str, Any]] = document["broken_tests"]
        self.text = {"zh": zh, "en": en}

    def __repr__(self) -> str:
        return (
            f"<ScenarioComparison {self.document['scenario']}: {len(self.figures)} figure(s) changed, "
            f"{len(self.claims)} claim(s) flip, {len(self.broken_tests)} test(s) broken>"
        )

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text['zh'])}</pre>"
