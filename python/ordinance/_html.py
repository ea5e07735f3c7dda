"""HTML for notebooks: a decision's outputs, then its trace with the
citation of every step (document, clause, quote, line of the source text).
Everything shown is escaped; nothing is computed here."""

from __future__ import annotations

import datetime
from fractions import Fraction
from html import escape
from typing import Any, Protocol

from ._types import TraceStep


class Decision(Protocol):
    """What the page of a decision reads (``ordinance.Decision`` has it):
    this module depends on no other of the package but ``_types``."""

    @property
    def rule(self) -> str: ...
    @property
    def outputs(self) -> dict[str, Any]: ...
    @property
    def trace(self) -> list[TraceStep]: ...
    @property
    def trace_omitted(self) -> int: ...
    @property
    def ruleset(self) -> str: ...
    @property
    def as_of(self) -> datetime.date: ...
    @property
    def as_of_reason(self) -> str: ...

_MAX_VALUE_CHARS = 200

_STYLE = (
    "<style>"
    ".ordinance-decision table{border-collapse:collapse;margin:0.3em 0 0.8em 0}"
    ".ordinance-decision th,.ordinance-decision td{border:1px solid #ccc;padding:2px 8px;"
    "text-align:left;vertical-align:top}"
    ".ordinance-decision .cite{color:#555;font-size:90%}"
    ".ordinance-decision .quote{font-style:normal}"
    "</style>"
)


def format_value(value: Any) -> str:
    """A short readable form of a value: fractions as ``1/3``, dates in ISO
    form, long lists and records cut at 200 characters."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list):
        text = "[" + ", ".join(format_value(v) for v in value) + "]"
    else:
        text = str(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def decision_html(decision: Decision) -> str:
    """The HTML of a decision (its ``_repr_html_``)."""
    out = [_STYLE, '<div class="ordinance-decision">']
    out.append(
        f"<p><b>{escape(decision.rule)}</b> as of <b>{escape(decision.as_of.isoformat())}</b>"
        f" <span class='cite'>({escape(decision.as_of_reason)})</span></p>"
    )
    out.append("<table><thead><tr><th>output</th><th>value</th></tr></thead><tbody>")
    for name, value in decision.outputs.items():
        out.append(f"<tr><td>{escape(name)}</td><td>{escape(format_value(value))}</td></tr>")
    out.append("</tbody></table>")
    if decision.trace:
        out.append("<details open><summary>why (trace)</summary>")
        out.append(
            "<table><thead><tr><th>step</th><th>rule</th><th>detail</th><th>value</th>"
            "<th>citation</th></tr></thead><tbody>"
        )
        for step in decision.trace:
            pad = step["depth"] * 1.2
            label = step["name"]
            if step["kind"] == "rule":
                # a rule step's name is the rule's title, for people
                kind = "rule" + ("" if label is None else f"<br><i>{escape(label)}</i>")
            elif step["kind"] == "row":
                kind = escape(label or "row")  # "row 3"
            else:
                kind = escape(step["kind"]) + ("" if label is None else f" <code>{escape(label)}</code>")
            if step["count"] != 1:
                kind += f" ×{step['count']}"
            value = "" if step["value"] is None else escape(format_value(step["value"]))
            cite = step["cite"]
            if cite is None:
                cite_html = ""
            else:
                cite_html = (
                    f"{escape(cite['document'])} <b>{escape(cite['clause'])}</b>"
                    f" <q class='quote'>{escape(cite['quote'])}</q>"
                )
                if cite["line"] is not None:
                    cite_html += f" <span class='cite'>line {cite['line']}</span>"
                if cite["note"]:
                    cite_html += f"<br><span class='cite'>{escape(cite['note'])}</span>"
            out.append(
                f"<tr><td style='padding-left:{pad + 0.5:.1f}em'>{kind}</td>"
                f"<td><code>{escape(step['rule'])}</code></td><td>{escape(step['detail'])}</td>"
                f"<td>{value}</td><td class='cite'>{cite_html}</td></tr>"
            )
        out.append("</tbody></table>")
        if decision.trace_omitted:
            out.append(f"<p class='cite'>… {decision.trace_omitted} more steps left out</p>")
        out.append("</details>")
    out.append(f"<p class='cite'>ruleset <code>{escape(decision.ruleset)}</code></p>")
    out.append("</div>")
    return "".join(out)
