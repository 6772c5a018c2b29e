"""Reproducible builds (GitHub issue 7): two cold executions glue identical numbers.

Each chosen chapter is executed twice with nbclient, each time with ``POOLDEMO_CACHE`` pointing at
a new empty folder (so every experiment trains from scratch), and every value glued with myst-nb's
``glue`` (an output whose metadata carries ``scrapbook.name``) is compared, except keys ending in
``_seconds`` (timings). A chapter with training is included once one exists.
"""

from __future__ import annotations

import time

import nbformat
import pytest
from conftest import BOOK
from nbclient import NotebookClient

#: the first chapter plus one with training (the first of these that exists), to stay < ~4 min
TRAINING = ("max_vs_average", "what_pooling_buys", "whats_wrong_without_pooling", "invariance")


def chapters():
    picked = ["pooling_computes"]
    for name in TRAINING:
        if (BOOK / f"{name}.ipynb").exists():
            picked.append(name)
            break
    return picked


def glued(nb):
    """{glue name: its data} of every glue output in an executed notebook."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook")
            if meta and "name" in meta:
                values[meta["name"]] = dict(out.get("data", {}))
    return values


def execute(name, cache, monkeypatch):
    nb = nbformat.read(BOOK / f"{name}.ipynb", as_version=4)
    for key, value in {"POOLDEMO_CACHE": str(cache), "TF_CPP_MIN_LOG_LEVEL": "2",
                       "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONHASHSEED": "0",
                       "MPLBACKEND": "Agg"}.items():
        monkeypatch.setenv(key, value)  # the kernel inherits this environment
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    return glued(nb)


@pytest.mark.parametrize("name", chapters())
def test_two_cold_builds_glue_identical_values(name, tmp_path, monkeypatch):
    start = time.perf_counter()
    first = execute(name, tmp_path / "cache-1", monkeypatch)
    second = execute(name, tmp_path / "cache-2", monkeypatch)
    assert (tmp_path / "cache-1").exists() is (tmp_path / "cache-2").exists()
    assert first, f"{name} glues nothing"
    assert first.keys() == second.keys()
    compared = [k for k in first if not k.endswith("_seconds")]
    diffs = {k: (first[k], second[k]) for k in compared if first[k] != second[k]}
    assert not diffs, f"{name}: glued values differ between two cold runs: {diffs}"
    print(f"{name}: {len(compared)} glued values identical in two cold runs "
          f"({time.perf_counter() - start:.0f} s)")


def test_glue_comparison_sees_a_difference(tmp_path):
    """The comparison is not vacuous: an unseeded value glued twice differs."""
    src = nbformat.v4.new_notebook()
    src.cells = [nbformat.v4.new_code_cell(
        "import numpy as np\nfrom myst_nb import glue\n"
        "glue('noise', float(np.random.default_rng().normal()), display=False)\n"
        "glue('fixed', 3, display=False)")]
    runs = []
    for _ in range(2):
        nb = nbformat.from_dict(src)
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        runs.append(glued(nb))
    assert runs[0]["fixed"] == runs[1]["fixed"]
    assert runs[0]["noise"] != runs[1]["noise"]
