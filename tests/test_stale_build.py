"""A warm build notices a changed package or evidence store and executes the chapters again.

Jupyter Book's execution cache keys a chapter by its own code only, so without help a warm build
after `python -m pooldemo.evidence` recomputed a record (or after an edit of src/pooldemo) would
publish the old numbers. scripts/build-book.sh compares pooldemo.evidence.source_digest() with the
last build's and forgets the execution cache when it changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

from conftest import ROOT
from test_strict_build import small_book

from pooldemo import evidence

CHAPTER = "edges_and_pooling"
AGAIN = "every chapter executes again"


def _build(book, env):
    proc = subprocess.run(["bash", "scripts/build-book.sh", "--book", str(book)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = (book / "_build" / "html" / f"{CHAPTER}.html").read_text()
    return proc.stdout, re.findall(r"edges (0\.\d{3})", html)


def test_warm_build_reexecutes_after_the_store_changed(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(evidence.store_dir(), store)
    env = dict(os.environ, POOLDEMO_EVIDENCE=str(store))
    book = small_book(tmp_path, [CHAPTER])
    _, first = _build(book, env)
    assert first, "no printed edge accuracies found on the page"
    out, again = _build(book, env)                 # nothing changed: the cache is kept
    assert AGAIN not in out and again == first
    for path in (store / "edges" / "default").glob("seed*.json"):
        rec = json.loads(path.read_text())
        rec["result"]["edges"] = [a + 0.002 for a in rec["result"]["edges"]]
        path.write_text(json.dumps(rec))
    out, changed = _build(book, env)
    assert AGAIN in out
    assert changed == [f"{float(a) + 0.002:.3f}" for a in first]


def test_warm_build_reexecutes_after_the_package_changed(tmp_path):
    """Edit a copy of the package (the kernels import it through PYTHONPATH): the next warm build
    executes the chapter again and the page changes (here a figure drawn by plot.runs)."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "pooldemo", src / "pooldemo",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(src))
    book = small_book(tmp_path, [CHAPTER])
    _build(book, env)
    page = book / "_build" / "html" / f"{CHAPTER}.html"

    def figures():  # the page's pictures (myst-nb names each by its content)
        return re.findall(r'<img[^>]+src="([^"]+)"', page.read_text())

    first = figures()
    out, _ = _build(book, env)
    assert AGAIN not in out and figures() == first
    # control: executing the chapter again with nothing changed gives the same page, so a
    # changed page below comes from the edit, not from executing again
    shutil.rmtree(book / "_build" / ".jupyter_cache")
    shutil.rmtree(book / "_build" / ".doctrees")
    _build(book, env)
    assert figures() == first
    spread = src / "pooldemo" / "plot" / "spread.py"
    text = spread.read_text()
    assert "s=14," in text
    spread.write_text(text.replace("s=14,", "s=40,"))   # bigger dots in every runs plot
    out, _ = _build(book, env)
    assert AGAIN in out
    changed = figures()
    assert len(changed) == len(first) and changed != first
