"""Read and execute the chapters in parallel, the slowest first (a local Sphinx extension).

A chapter spends most of its time in one Python thread (kernel start, imports, drawing the
explorers' static views), so a serial build leaves one of the machine's two cores idle. Sphinx can
read documents in parallel and myst-nb declares that safe; ``jupyter-book build`` just has no
``-j`` option. ``bench/run.py --part build`` measures the cold build both ways.

What this extension does:

- sets Sphinx's number of processes to ``POOLDEMO_BUILD_JOBS`` (default: the CPU count, at most
  4; ``1`` restores the serial build);
- declares ``sphinx_multitoc_numbering`` (added by Jupyter Book) safe for parallel reading: it
  only replaces the section numbering, which Sphinx runs in the main process after all documents
  are read, so it holds no state while reading;
- reads one document per process instead of Sphinx's default of several, so that a free process
  takes the next document (Sphinx would otherwise cut 13 documents into fixed batches of 6, 6 and
  1, and one batch would hold most of the training);
- creates myst-nb's execution cache (jupyter-cache's folder and database) in the main process
  before the reading processes start: jupyter-cache creates them on first use without
  ``exist_ok``, so two processes starting together could both try (seen once in CI as
  ``FileExistsError: .../.jupyter_cache``);
- starts the documents named in ``parallel_build_first`` (``_config.yml``) before the others and
  those in ``parallel_build_last`` after them: the chapters that train networks first, so the
  processes finish at about the same time, and the summary last, since it mostly reads results
  the other chapters computed (a result two chapters need at once is computed once: see
  ``pooldemo.experiments._cache``).
"""

from __future__ import annotations

import os

import sphinx.builders


def _one_per_chunk(arguments, nproc, maxbatch=10):
    return [[a] for a in arguments]


def _jobs():
    value = os.environ.get("POOLDEMO_BUILD_JOBS", "")
    if not value:
        return max(1, min(os.cpu_count() or 1, 4))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"POOLDEMO_BUILD_JOBS must be a positive integer, got {value!r}")
    return int(value)


def _declare_safe(app):
    ext = app.extensions.get("sphinx_multitoc_numbering")
    if ext is not None and ext.parallel_read_safe is None:
        ext.parallel_read_safe = True


def _prepare_cache(app, env, docnames):
    config = getattr(env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache" or not config.execution_cache_path:
        return
    from jupyter_cache import get_cache

    get_cache(config.execution_cache_path).db  # makes the folder and the database once


def _order(app, env, docnames):
    # names of documents this build does not read are skipped: a partial book
    # (scripts/build-chapters.sh) or a warm build (only changed documents are read)
    first = [d for d in app.config.parallel_build_first if d in docnames]
    last = [d for d in app.config.parallel_build_last if d in docnames and d not in first]
    wanted = first + [d for d in docnames if d not in first and d not in last] + last
    # Sphinx starts the first `jobs` tasks in list order, then takes waiting ones from the end
    jobs = app.parallel
    docnames[:] = wanted[:jobs] + wanted[jobs:][::-1]


def setup(app):
    app.add_config_value("parallel_build_first", [], "env", types=[list])
    app.add_config_value("parallel_build_last", [], "env", types=[list])
    app.parallel = max(app.parallel, _jobs())
    if app.parallel > 1:
        sphinx.builders.make_chunks = _one_per_chunk
        app.connect("builder-inited", _declare_safe)
        app.connect("env-before-read-docs", _prepare_cache)
        app.connect("env-before-read-docs", _order)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
