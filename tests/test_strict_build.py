"""Strict builds (GitHub issue 7): a failing cell or any warning fails the book build.

The book is built the way scripts/build-book.sh builds it (``jupyter-book build -W -n
--keep-going``) from a copy in a temporary folder holding only the landing page, chapter 1, the
bibliography and the configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import nbformat
from conftest import BOOK, ROOT

JB = ROOT / ".venv" / "bin" / "jupyter-book"
MARK = "deliberately broken cell for test_strict_build"


def small_book(tmp_path, chapters):
    out = tmp_path / "book"
    out.mkdir()
    for name in ("_config.yml", "references.bib", "index.md", "bibliography.md"):
        shutil.copy(BOOK / name, out / name)
    shutil.copytree(BOOK / "_vendor", out / "_vendor")
    shutil.copytree(BOOK / "_ext", out / "_ext")
    for name in chapters:
        shutil.copy(BOOK / f"{name}.ipynb", out / f"{name}.ipynb")
    lines = ["format: jb-book", "root: index", "parts:"]
    if chapters:
        lines += ["  - caption: Chapters", "    numbered: true", "    chapters:"]
        lines += [f"      - file: {c}" for c in chapters]
    lines += ["  - caption: Reference", "    chapters:", "      - file: bibliography"]
    (out / "_toc.yml").write_text("\n".join(lines) + "\n")
    return out


def build(book, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0",
               PYTHONHASHSEED="0", MPLBACKEND="Agg", POOLDEMO_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([str(JB), "build", str(book), "-W", "-n", "--keep-going"], env=env,
                          capture_output=True, text=True, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def test_failing_cell_fails_the_build_and_is_named(tmp_path):
    book = small_book(tmp_path, ["pooling_computes"])
    nb = nbformat.read(book / "pooling_computes.ipynb", as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(f"raise RuntimeError({MARK!r})"))
    nbformat.write(nb, book / "pooling_computes.ipynb")
    code, log = build(book, tmp_path)
    assert code != 0, log[-3000:]
    assert "pooling_computes" in log, log[-3000:]
    # the failing cell's code and error: in the console output, or in the traceback report the
    # output points to (myst-nb's "Notebook exception traceback saved in: ...err.log")
    report = book / "_build" / "html" / "reports" / "pooling_computes.err.log"
    if MARK not in log:
        assert str(report) in log, log[-3000:]
        log = report.read_text()
    assert MARK in log and "RuntimeError" in log, log[-3000:]
    assert "Warning, treated as error" in log or "build succeeded" not in log


def test_warning_fails_the_build(tmp_path):
    book = small_book(tmp_path, [])
    code, log = build(book, tmp_path)
    assert code == 0, log[-3000:]  # control: the same small book builds cleanly
    shutil.rmtree(book / "_build")
    with open(book / "index.md", "a") as f:
        f.write("\n\nSee {doc}`no_such_chapter_for_test_strict_build`.\n")
    code, log = build(book, tmp_path)
    assert code != 0, log[-3000:]
    assert "no_such_chapter_for_test_strict_build" in log and "index" in log, log[-3000:]
