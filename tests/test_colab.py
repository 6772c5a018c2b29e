"""Colab emulation: a chapter runs top to bottom with ipywidgets 7.7 and without myst-nb.

Colab ships ipywidgets 7.x and no myst-nb; a chapter opened there must run with no manual cell and
no restart. Its first (hidden) cell installs pooldemo on Colab only; here pooldemo comes from the
source tree (PYTHONPATH), in a fresh virtual environment with ipywidgets 7.7, the kernel and the
chapter's other imports, and nothing of the book's toolchain. "invariance" has an explorer, reads
the evidence store and needs no TensorFlow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv

import pytest
from conftest import BOOK, ROOT

VENV = ROOT / "build" / "colab-venv"
# what Colab already has and the chapter imports (numba: pooldemo.pool2d's compiled loops)
PACKAGES = ["ipywidgets==7.7.*", "ipykernel", "nbclient", "nbformat", "numpy", "numba",
            "matplotlib", "pillow", "mlxtend"]
RUNNER = r"""
import json, sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import importlib.util, ipywidgets\n"
    "print('CHECK', ipywidgets.__version__, importlib.util.find_spec('myst_nb') is None)"))
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
print(json.dumps({
    "errors": [o.get("ename", "") + ": " + o.get("evalue", "") for o in outputs
               if o.output_type == "error"],
    "explorers": [sorted(o["data"]) for o in outputs if o.output_type == "execute_result"
                  and "application/vnd.jupyter.widget-view+json" in o.get("data", {})],
    "check": "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()}))
"""


@pytest.fixture(scope="module")
def colab_python():
    python = VENV / "bin" / "python"
    stamp = VENV / ".packages"
    if not (python.exists() and stamp.exists() and stamp.read_text() == " ".join(PACKAGES)):
        shutil.rmtree(VENV, ignore_errors=True)
        venv.create(VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        stamp.write_text(" ".join(PACKAGES))
    return python


def test_chapter_runs_with_ipywidgets_7_and_no_myst_nb(colab_python, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), POOLDEMO_CACHE=str(tmp_path / "cache"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    out = subprocess.run([str(colab_python), "-c", RUNNER, str(BOOK / "invariance.ipynb"),
                          str(BOOK)], capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert not found["errors"], found["errors"]
    assert found["check"].startswith("CHECK 7.7.") and found["check"].endswith("True"), found
    assert found["explorers"], "no explorer displayed"
    for mimes in found["explorers"]:
        assert {"text/html", "image/png", "text/plain"} <= set(mimes), mimes
