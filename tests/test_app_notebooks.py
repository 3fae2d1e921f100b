"""Every app notebook is thin (title, text, one short cell) and runs without a Python error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

APPS = Path(__file__).resolve().parent.parent / "apps"
NOTEBOOKS = sorted(APPS.glob("*.ipynb"))


def test_index_and_inpainting_exist() -> None:
    names = {path.stem for path in NOTEBOOKS}
    assert {"index", "inpainting"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    assert len(code) == 1 and len(code[0].source.splitlines()) <= 3
    assert all(not cell.get("outputs") for cell in code), "commit notebooks without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path) -> None:
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(APPS)}}
    )
    client.execute()
    outputs = notebook.cells[-1].outputs
    assert not any(out.output_type == "error" for out in outputs)
    assert any(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {}) for out in outputs
    ), outputs
