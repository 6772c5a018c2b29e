"""Binder emulation: a fresh virtual environment with exactly requirements.txt runs every chapter.

repo2docker installs the repository's requirements.txt (ending with ``-e .``) into a new
environment and opens the notebooks in JupyterLab. Here we do the same: a new venv under build/,
``pip install -r requirements.txt`` and nothing else, then every chapter in _toc.yml executed top to
bottom with nbclient, in that environment's own kernel.

The chapters read their trained runs from the evidence store inside the package (installed by
``-e .`` as Binder does), so nothing is trained here: what this test checks is that Binder's
environment has everything the chapters import and run, and that each notebook runs as
downloaded.
"""

import os
import shutil
import subprocess
import venv

import pytest
from conftest import BOOK, ROOT
from test_book import notebooks

VENV = ROOT / "build" / "binder-venv"

RUNNER = r"""
import sys, nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import sys; print('PREFIX', sys.prefix)"))
client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                 resources={"metadata": {"path": sys.argv[2]}})
client.execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
          if o.output_type == "error"]
print("ERRORS", len(errors))
print("KERNEL", "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip())
"""


@pytest.fixture(scope="module")
def binder_python():
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements"
    want = (ROOT / "requirements.txt").read_text() + (ROOT / "pyproject.toml").read_text()
    if not (python.exists() and stamp.exists() and stamp.read_text() == want):
        shutil.rmtree(VENV, ignore_errors=True)
        venv.create(VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r",
                        str(ROOT / "requirements.txt")], cwd=ROOT, check=True)
        stamp.write_text(want)
    # nothing else: no test tools leaked in from requirements-dev.txt
    frozen = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True,
                            check=True).stdout.lower()
    assert "hypothesis" not in frozen and "playwright" not in frozen
    return python


@pytest.mark.parametrize("name", notebooks())
def test_chapter_runs_in_binder_environment(binder_python, name, tmp_path):
    cache = BOOK / "_build" / ".pooldemo-cache"
    if cache.exists():
        shutil.copytree(cache, tmp_path / "cache")
    env = dict(os.environ, POOLDEMO_CACHE=str(tmp_path / "cache"), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH="")
    env.pop("MPLBACKEND", None)
    out = subprocess.run([str(binder_python), "-c", RUNNER, str(BOOK / f"{name}.ipynb"),
                          str(BOOK)], capture_output=True, text=True, env=env, timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ERRORS 0" in out.stdout
    assert f"KERNEL PREFIX {VENV}" in out.stdout, out.stdout  # the Binder venv's own kernel
