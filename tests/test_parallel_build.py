"""book/_ext/parallel_build.py: process count, start order, and the Sphinx behaviour it relies on.

The whole-book build itself (parallel, strict) is what scripts/test.sh runs before pytest; here the
pieces are checked one by one, including the order in which Sphinx's ParallelTasks starts
waiting tasks (the extension lays the document list out for it).
"""

from __future__ import annotations

import sys
import time
import types

import pytest
from conftest import BOOK

sys.path.insert(0, str(BOOK / "_ext"))
import parallel_build  # noqa: E402


@pytest.mark.parametrize("value,jobs", [("1", 1), ("3", 3)])
def test_jobs_from_the_environment(monkeypatch, value, jobs):
    monkeypatch.setenv("POOLDEMO_BUILD_JOBS", value)
    assert parallel_build._jobs() == jobs


def test_jobs_default_is_the_cpu_count_up_to_4(monkeypatch):
    monkeypatch.delenv("POOLDEMO_BUILD_JOBS", raising=False)
    monkeypatch.setattr(parallel_build.os, "cpu_count", lambda: 16)
    assert parallel_build._jobs() == 4
    monkeypatch.setattr(parallel_build.os, "cpu_count", lambda: None)
    assert parallel_build._jobs() == 1


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_bad_jobs_value_is_named(monkeypatch, value):
    monkeypatch.setenv("POOLDEMO_BUILD_JOBS", value)
    with pytest.raises(ValueError, match=f"POOLDEMO_BUILD_JOBS must be a positive integer, got "
                                         f"'{value}'"):
        parallel_build._jobs()


def fake_app(first, last, jobs=2):
    config = types.SimpleNamespace(parallel_build_first=first, parallel_build_last=last)
    return types.SimpleNamespace(config=config, parallel=jobs)


DOCS = ["a", "b", "c", "d", "e", "f", "g"]


def start_order(docnames, nproc):
    """The order in which Sphinx's ParallelTasks starts one task per document (measured)."""
    import multiprocessing

    from sphinx.util.parallel import ParallelTasks

    ctx = multiprocessing.get_context("fork")
    started = ctx.Queue()

    def task(doc):
        started.put((time.monotonic(), doc))
        time.sleep(0.15)

    tasks = ParallelTasks(nproc)
    for doc in docnames:
        tasks.add_task(task, doc)
    tasks.join()
    return [doc for _, doc in sorted(started.get(timeout=10) for _ in docnames)]


def test_wanted_order_is_the_start_order_in_sphinx():
    docnames = list(DOCS)
    env = types.SimpleNamespace(found_docs=set(DOCS))
    parallel_build._order(fake_app(["e", "c"], ["a"]), env, docnames)
    wanted = ["e", "c", "b", "d", "f", "g", "a"]
    assert sorted(docnames) == sorted(DOCS)
    order = start_order(docnames, 2)
    # two processes: documents start in waves of two (the two of a wave in either order, since
    # both processes free up at about the same moment); the waves come in the wanted order
    waves = [set(order[i:i + 2]) for i in range(0, len(order), 2)]
    assert waves == [set(wanted[i:i + 2]) for i in range(0, len(wanted), 2)], order


def test_documents_not_being_read_are_left_out():
    # a warm build reads only changed documents, a partial book has only some chapters: the
    # named documents that are not being read stay out
    docnames = ["b", "d"]
    env = types.SimpleNamespace(found_docs=set(DOCS))
    parallel_build._order(fake_app(["e", "d", "chapter_x"], ["b"]), env, docnames)
    assert docnames == ["d", "b"]


def test_the_config_declares_the_extension_and_the_chapters_exist():
    import yaml

    config = yaml.safe_load((BOOK / "_config.yml").read_text())["sphinx"]
    assert config["local_extensions"]["parallel_build"] == "_ext"
    assert "parallel_build" in config["config"]["extensions"]
    # every local extension is in the extension list that replaces Jupyter Book's default
    assert set(config["local_extensions"]) <= set(config["config"]["extensions"])
    assert all((BOOK / "_ext" / f"{name}.py").is_file() for name in config["local_extensions"])
    named = config["config"]["parallel_build_first"] + config["config"]["parallel_build_last"]
    # the extension skips names it does not find (partial books), so check them here
    assert named and all((BOOK / f"{name}.ipynb").exists() for name in named)


def test_the_execution_cache_is_made_before_the_processes_start(tmp_path):
    path = tmp_path / "_build" / ".jupyter_cache"
    config = types.SimpleNamespace(execution_mode="cache", execution_cache_path=str(path))
    env = types.SimpleNamespace(mystnb_config=config)
    parallel_build._prepare_cache(fake_app([], []), env, [])
    assert path.is_dir() and any(path.iterdir())  # the folder and jupyter-cache's database
    parallel_build._prepare_cache(fake_app([], []), env, [])  # again: no FileExistsError
    off = types.SimpleNamespace(mystnb_config=types.SimpleNamespace(
        execution_mode="off", execution_cache_path=str(tmp_path / "other")))
    parallel_build._prepare_cache(fake_app([], []), off, [])
    assert not (tmp_path / "other").exists()
