"""The notebooks in notebooks/ run top to bottom against the sandbox, and are stored clean.

Each notebook starts the sandbox itself (on 127.0.0.1, in its kernel) and asserts what it
shows, so a behaviour change breaks this test rather than silently breaking the notebook. The
notebooks are executed by nbclient in a child process: finding the ``python3`` kernel imports
``ipykernel``, which would make this test process look like a notebook to the code under test.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
# Over 20 s: each injected 5xx is retried after the rate-limit window's `ratelimit-reset`.
SLOW = {"recovering_from_failures"}

_EXECUTE = """
import sys
import nbclient, nbformat
notebook = nbformat.read(sys.argv[1], as_version=4)
client = nbclient.NotebookClient(
    notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}
)
client.execute()
"""


def test_the_three_notebooks_are_there() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "csv_update", "recovering_from_failures"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a cell has stored outputs"
            assert cell["execution_count"] is None, f"{path.name}: a cell has an execution count"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW else [])
        for p in NOTEBOOKS
    ],
)
def test_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    for module in ("nbclient", "nbformat", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    done = subprocess.run(
        [sys.executable, "-c", _EXECUTE, str(path), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"},
        check=False,
    )
    # On failure nbclient prints the failing cell and its traceback.
    assert done.returncode == 0, done.stderr[-6000:]
