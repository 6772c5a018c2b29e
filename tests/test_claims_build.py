"""Claims as code (GitHub issue 11): a record that contradicts a sentence fails the strict build.

A copy of the evidence store is "flipped": in every fold of the edges probe, the 2x2-pooled edge
maps are made 5 points worse than the unpooled ones. The chapter "Edges, then pooling" says that up
to 4x4 windows pooling the edge maps loses nothing the probe can measure, and checks it. Built
against the flipped store, exactly as scripts/build-book.sh builds, the book must fail, naming the
chapter and quoting the sentence.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from conftest import BOOK, ROOT
from test_strict_build import build, small_book

from pooldemo import evidence

CHAPTER = "edges_and_pooling"
SENTENCE = "Up to 4×4 windows, pooling the edge maps loses nothing this probe can measure."


def _store_copy(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(evidence.store_dir(), store)
    return store


def _build_chapter_against(store, tmp_path, monkeypatch):
    """Build the chapter in a small book against ``store``: exit code, log and error report."""
    monkeypatch.setenv("POOLDEMO_EVIDENCE", str(store))
    book = small_book(tmp_path, [CHAPTER])
    code, log = build(book, tmp_path)
    report = book / "_build" / "html" / "reports" / f"{CHAPTER}.err.log"
    return code, log + (report.read_text() if report.exists() else "")


def test_a_flipped_record_fails_the_build_naming_chapter_and_sentence(tmp_path, monkeypatch):
    assert SENTENCE in (BOOK / f"{CHAPTER}.ipynb").read_text()
    store = _store_copy(tmp_path)
    for path in sorted((store / "edges" / "default").glob("seed*.json")):
        rec = json.loads(path.read_text())
        acc = rec["result"]["edges"]
        acc[1] = acc[0] - 0.05      # pooled 2x2 now clearly worse than unpooled, in every fold
        path.write_text(json.dumps(rec))
    code, log = _build_chapter_against(store, tmp_path, monkeypatch)
    assert all(e.state == "ok" for e in evidence.status(["edges"]))  # current, only the values lie
    assert code != 0, log[-3000:]
    assert "ClaimError" in log, log[-3000:]
    assert f"chapter '{CHAPTER}'" in log and f'"{SENTENCE}"' in log, log[-3000:]
    assert "is missing" not in log and "is stale" not in log


def test_a_missing_record_fails_the_build_naming_it_and_the_command(tmp_path, monkeypatch):
    store = _store_copy(tmp_path)
    (store / "edges" / "default" / "seed3.json").unlink()
    code, log = _build_chapter_against(store, tmp_path, monkeypatch)
    assert code != 0, log[-3000:]
    assert "edges/default/seed3 is missing" in log, log[-3000:]
    assert "python -m pooldemo.evidence" in log, log[-3000:]


def test_build_script_refuses_a_stale_store_at_once(tmp_path):
    env = dict(os.environ, POOLDEMO_EVIDENCE=str(tmp_path / "empty"))
    proc = subprocess.run(["bash", "scripts/build-book.sh", "--book", str(BOOK)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "missing  mnist/max_pool/seed0" in proc.stderr
    assert "The evidence store is not current: run `.venv/bin/python -m pooldemo.evidence`" \
        in proc.stderr
    assert "jupyter-book" not in proc.stdout.lower()  # nothing was built
