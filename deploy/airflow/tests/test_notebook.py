"""examples/notebooks/nightly.ipynb runs top to bottom with nbclient against the real serve."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(os.environ.get("DAGWORKER_NOTEBOOKS", Path(__file__).parents[3] / "examples" / "notebooks")) / "nightly.ipynb"


def outputs(nb: Any, kind: str) -> list[Any]:
    """Every output of the executed notebook carrying the MIME type (or stream text for 'text')."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if kind == "text" and out.get("output_type") == "stream":
                found.append(out["text"])
            elif kind in out.get("data", {}):
                found.append(out["data"][kind])
    return found


def test_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code), "clear the outputs before committing"


def test_notebook_runs(tmp_path: Path, base_url: str, token: str) -> None:
    for var in ("DAGWORKER_API_URL", "DAGWORKER_TOKEN", "DAGWORKER_BIN"):
        assert os.environ.get(var), f"{var} is read by the notebook"
    assert os.environ["DAGWORKER_API_URL"] == base_url
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sentence = "Terrible service, the device was broken and the refund was slow."
    nb.cells[1].source = nb.cells[1].source.replace(
        "The parcel arrived quickly and the support team was wonderful.", sentence
    )
    assert sentence in nb.cells[1].source
    # Any cell error raises CellExecutionError and fails the test.
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    text = "".join(outputs(nb, "text")) + "".join(outputs(nb, "text/plain"))
    assert "demo site: http://127.0.0.1:" in text
    assert "state='success'" in text, "the run's repr"
    assert f"{sentence!r}: NEGATIVE" in text
    assert any("nightly_sites" in t for t in outputs(nb, "text/plain"))
    # The progress bar is tqdm's widget in Jupyter; the chart and the report's page are PNG images.
    assert outputs(nb, "application/vnd.jupyter.widget-view+json"), "a tqdm widget"
    assert len(outputs(nb, "image/png")) >= 2
    html = "".join(outputs(nb, "text/html"))
    for column in ("lang", "POSITIVE", "NEGATIVE", "classified.jsonl", "report.pdf"):
        assert column in html


@pytest.mark.parametrize("name", ["nightly.ipynb"])
def test_notebook_names_no_machine_path(name: str) -> None:
    src = (NOTEBOOK.parent / name).read_text()
    # this machine's own folders: the temporary one, the home, the checkout
    for folder in (tempfile.gettempdir(), os.path.expanduser("~"), str(NOTEBOOK.parents[2])):
        assert folder + os.sep not in src, f"{name} names {folder}"
