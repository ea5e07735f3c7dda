"""What :meth:`Engine.run_scenario` hands back: a :class:`ScenarioReport`
with the figures the engine computed, the claims of the text reconciled
against them (as a list or a pandas DataFrame), the discrepancies, and the
CLI's report text in Chinese or English.

Everything here presents what the core computed; nothing is decided here.
"""

from __future__ import annotations

import datetime
from html import escape
from typing import TYPE_CHECKING, Any, Literal

from ._html import format_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ScenarioReport", "Claim"]

Lang = Literal["zh", "en"]

#: The columns of :attr:`ScenarioReport.claims_frame`, in order.
CLAIM_COLUMNS = (
    "scenario",
    "id",
    "kind",
    "document",
    "clause",
    "line",
    "quote",
    "printed",
    "arithmetic",
    "computed",
    "agrees",
    "finding",
    "finding_zh",
    "also_at",
    "location",
)


class Claim(dict[str, Any]):
    """One claim of the text (or check of the scenario) as reconciled: a
    ``dict`` with the keys of :data:`CLAIM_COLUMNS` — ``printed`` what the
    text prints, ``arithmetic`` what the text's own printed arithmetic
    gives (None when it prints none), ``computed`` what the engine computed
    from the rules and rosters (None when the claim has no engine side),
    ``agrees`` a bool, ``finding`` / ``finding_zh``
    the sentences saying what disagrees (empty when it agrees)."""

    @property
    def agrees(self) -> bool:
        return bool(self["agrees"])


class ScenarioReport:
    """The report of a scenario run (:meth:`Engine.run_scenario`).

    - ``scenario``, ``title``, ``as_of``, ``ruleset``: what ran, as of when,
      with which rules (the rule-set hash);
    - ``figures``: ``{step id: {output: value}}``, every step's outputs (the
      included scenarios' steps too, under ``"scenario/step"``);
    - ``claims``: every claim as a :class:`Claim` (included scenarios too);
      ``claims_frame()`` the same as a pandas DataFrame;
    - ``discrepancies``: the claims that disagree;
      ``discrepancies_frame()`` as a DataFrame;
    - ``data``: the scenario's ``data:`` tables (the rosters, as printed)
      as the engine read them: ``{name: list of dicts | value}``;
    - ``summary``: the counts (printed figures, facts, places, scenario
      checks, and how many of each disagree);
    - ``text(lang="zh", only_findings=False)``: the CLI's report;
    - ``document``: the JSON report (``docs/json-output.md``) as Python
      objects; ``_repr_html_`` for notebooks.
    """

    __slots__ = (
        "document",
        "scenario",
        "title",
        "as_of",
        "ruleset",
        "summary",
        "claims",
        "figures",
        "data",
        "_text",
    )

    document: dict[str, Any]
    scenario: str
    title: str | None
    as_of: datetime.date
    ruleset: str
    summary: dict[str, int]
    claims: list[Claim]
    figures: dict[str, dict[str, Any]]
    data: dict[str, Any]
    _text: dict[str, str]

    def __init__(self, data: dict[str, Any]) -> None:
        doc = data["document"]
        self.document = doc
        self.scenario = doc["scenario"]
        self.title = doc.get("title")
        self.as_of = datetime.date.fromisoformat(doc["as_of"])
        self.ruleset = doc["ruleset"]
        self.summary = dict(doc.get("summary") or {})
        self.claims = [Claim(c) for c in data["claims"]]
        self.figures = {step["id"]: dict(step["outputs"]) for step in data["steps"]}
        self.data = dict(data["data"])
        self._text = dict(data["text"])

    @property
    def discrepancies(self) -> list[Claim]:
        """The claims that disagree (printed figures and facts the engine
        does not reproduce, and scenario checks that fail)."""
        return [c for c in self.claims if not c["agrees"]]

    def claims_frame(self) -> pd.DataFrame:
        """The claims as a pandas DataFrame, one row per claim, columns
        :data:`CLAIM_COLUMNS`; ``printed`` and ``computed`` keep their exact
        Python values (object columns), ``line`` is nullable ``Int64``."""
        return _frame(self.claims)

    def discrepancies_frame(self) -> pd.DataFrame:
        """:attr:`discrepancies` as a DataFrame (the columns of
        :meth:`claims_frame`)."""
        return _frame(self.discrepancies)

    def text(self, lang: Lang = "zh", only_findings: bool = False) -> str:
        """The report as ``ordinance run`` prints it, in Chinese (``"zh"``)
        or English (``"en"``); ``only_findings`` keeps the disagreements and
        the summary only."""
        if lang not in ("zh", "en"):
            from ._errors import ArgumentError

            raise ArgumentError(f'lang must be "zh" or "en", not {lang!r}')
        return self._text[lang + ("_findings" if only_findings else "")]

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<ordinance.ScenarioReport {self.scenario!r} as of {self.as_of.isoformat()}: "
            f"{len(self.claims)} claims, {len(self.discrepancies)} disagree"
            + (f" ({s.get('figures', 0)} printed figures)" if s else "")
            + ">"
        )

    def _repr_html_(self) -> str:
        return _report_html(self)


def _frame(claims: list[Claim]) -> pd.DataFrame:
    import pandas

    frame = pandas.DataFrame([dict(c) for c in claims], columns=list(CLAIM_COLUMNS))
    for column in ("printed", "arithmetic", "computed", "quote", "also_at"):
        frame[column] = pandas.Series([c[column] for c in claims], index=frame.index, dtype=object)
    frame["line"] = pandas.Series([c["line"] for c in claims], index=frame.index, dtype="Int64")
    frame["agrees"] = frame["agrees"].astype(bool)
    return frame


_STYLE = (
    "<style>"
    ".ordinance-report table{border-collapse:collapse;margin:0.3em 0 0.8em 0}"
    ".ordinance-report th,.ordinance-report td{border:1px solid #ccc;padding:2px 8px;"
    "text-align:left;vertical-align:top}"
    ".ordinance-report .bad{background:#fdecea}"
    ".ordinance-report .cite{color:#555;font-size:90%}"
    "</style>"
)


def _claim_rows(claims: list[Claim]) -> str:
    rows = []
    for c in claims:
        mark = "✓" if c["agrees"] else "✗"
        where = f"{escape(str(c['document']))} <b>{escape(str(c['clause']))}</b>"
        if c["line"] is not None:
            where += f" <span class='cite'>L{c['line']}</span>"
        finding = escape(c["finding_zh"] or "") + ("<br>" + escape(c["finding"]) if c["finding"] else "")
        rows.append(
            f"<tr class='{'' if c['agrees'] else 'bad'}'><td>{mark}</td><td><code>{escape(c['id'])}</code>"
            f"<br><span class='cite'>{escape(c['kind'])}</span></td><td>{where}</td>"
            f"<td>{escape(format_value(c['printed']))}</td><td>{_cell(c['arithmetic'])}</td>"
            f"<td>{_cell(c['computed'])}</td>"
            f"<td>{finding}</td></tr>"
        )
    return "".join(rows)


def _cell(value: Any) -> str:
    return "" if value is None else escape(format_value(value))


def _report_html(r: ScenarioReport) -> str:
    head = (
        "<tr><th></th><th>claim</th><th>where</th><th>printed</th><th>printed arithmetic</th>"
        "<th>computed</th><th>finding</th></tr>"
    )
    s = r.summary
    out = [_STYLE, '<div class="ordinance-report">']
    out.append(
        f"<p><b>{escape(r.title or r.scenario)}</b> — as of <b>{r.as_of.isoformat()}</b>: "
        f"{s.get('figures', 0)} printed figures ({s.get('figures_disagree', 0)} disagree), "
        f"{s.get('facts', 0)} facts ({s.get('facts_disagree', 0)} disagree), "
        f"{s.get('checks', 0)} scenario checks ({s.get('checks_fail', 0)} fail)</p>"
    )
    bad = r.discrepancies
    out.append(f"<h4>discrepancies ({len(bad)})</h4>")
    if bad:
        out.append(f"<table><thead>{head}</thead><tbody>{_claim_rows(bad)}</tbody></table>")
    out.append(f"<details><summary>all {len(r.claims)} claims</summary>")
    out.append(f"<table><thead>{head}</thead><tbody>{_claim_rows(r.claims)}</tbody></table></details>")
    out.append(f"<p class='cite'>ruleset <code>{escape(r.ruleset)}</code></p></div>")
    return "".join(out)
