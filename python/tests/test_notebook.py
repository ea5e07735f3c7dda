"""The example notebook runs from top to bottom (headless) and is committed
without outputs."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

NOTEBOOK = REPO / "examples" / "notebooks" / "energy_safety_2024.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear the notebook's outputs"


def test_notebook_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    assert any("image/png" in d for d in data), "the bar chart was not drawn"
    html = "".join(d.get("text/html", "") for d in data)
    assert "ordinance-decision" in html and "东政发〔2024〕2号" in html, "the decision was not rendered"
    text = "".join(o.get("text", "") for o in outputs)
    assert "passed, 0 failed" in text
    assert "total: 568" in text
    assert "1020" in html + text, "the scenario's discrepancies were not shown"
    assert "hint:" in text and "line:" in text
    assert os.environ["MPLBACKEND"] == "Agg"
