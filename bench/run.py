"""Benchmarks of "Why pool?": one command, ratios measured in one run, absolute numbers beside.

    .venv/bin/python bench/run.py                 # everything (the book-build part takes minutes)
    .venv/bin/python bench/run.py --skip build    # leave out a part (explorers, kernels, import,
                                                  # build, weight)

Parts and targets:

1. explorers -- a control change of each explorer (compute + blitted redraw + the PNG bytes the
   front end receives) vs building the same explorer and its figure from scratch and rendering a
   PNG; targets: ratio <= 0.1, median <= 16 ms, first-visit median <= 16 ms (changes that reach a
   state for the first time: nothing cached yet) and p95 over all changes of all controls
   <= 33 ms. A full redraw of the same state on the existing figure (no blitting) is shown
   beside, for information.
2. kernels -- pooldemo.pool2d vs tf.nn.max_pool2d / avg_pool2d vs a numpy copy of the input, on
   the issue-15 rows (3x3 windows on 112x112x64, 224x224x64 and 8x56x56x128 maps, one 2x2
   average) and 2x2 windows on 28x28x32; targets per row <= 1x TensorFlow (floor 1.5x), <= 2x
   the copy, peak extra memory (tracemalloc, plus numba's scratch row per thread) <= 2x the
   output, >= 100x faster than a Python loop (28x28x32 only).
3. import -- ``import pooldemo`` vs ``import tensorflow`` in fresh processes; target <= 1/10.
   Also the first ``pool2d`` call in a fresh process (numba's import), for information.
4. build -- cold vs warm vs one prose edit of a copy of the whole book (or of --chapters), each by
   scripts/build-book.sh; targets warm <= 5 % of cold, cold <= 3 minutes (with the committed
   evidence store, nothing is trained).
5. weight -- bytes of each built page with its own images, largest page, whole site, each
   explorer's no-kernel view; target no page > 2 MB, explorer views <= 1.5 MB.
6. evidence -- the evidence store: its size (target <= 5 MB) and each chapter run live in a fresh
   kernel that reads it (nbclient; target <= 20 s each). With ``--full-evidence``, also every
   record recomputed into an empty folder by ``python -m pooldemo.evidence`` (target <= 30
   minutes on 2 cores; it keeps both cores busy for about that long).

7. census -- receptive fields of ten Keras Applications networks: the closed form of ResNet50
   (model building excluded; target <= 0.1 s) and, for each network, the closed form against the
   field measured on the model at an input the field fits in (target: equal boxes for all ten).

    .venv/bin/python bench/run.py --only census   # one part (or several)

Results go to bench/results/latest.md (and are printed).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

EXPLORERS = ("PoolingExplorer", "ReceptiveFieldExplorer", "FabricPoolingExplorer",
             "ShiftExplorer", "EdgePoolingExplorer", "ShapeExplorer")
MB = 1024 * 1024


def ms(seconds):
    return f"{seconds * 1e3:.2f}"


def pct(values, q):
    return float(np.percentile(values, q))


def verdict(ok):
    return "yes" if ok else "**NO**"


def timed(fn, repeat, number=1):
    """Seconds per call: one sample per repeat (each the mean of `number` calls)."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        out.append((time.perf_counter() - t) / number)
    return out


# --- 1. explorers ------------------------------------------------------------------------------

def _change_plan(explorer, per_control):
    """(control name, value) pairs: each control moved through some of its values, then back."""
    plan = []
    for name, control in explorer.controls.items():
        try:
            values = list(explorer.static_values(name))
        except Exception:  # noqa: BLE001 -- fall back to the widget's own options
            values = []
        values = [v for v in values if v != control.value] or values
        if not values:
            continue
        step = max(1, len(values) // per_control)
        for v in values[::step][:per_control]:
            plan.append((name, v))
        plan.append((name, control.value))
    return plan


def bench_explorers(rounds=3, per_control=6):
    import matplotlib.pyplot as plt

    import pooldemo

    rows, notes = [], []
    for cls_name in EXPLORERS:
        try:
            cls = getattr(pooldemo, cls_name)
        except (ImportError, AttributeError) as exc:
            notes.append(f"{cls_name}: not available ({type(exc).__name__}: {exc})")
            continue

        def fresh():
            e = cls()
            png = e.image.value
            plt.close(e.figure)
            return e, png

        try:
            fresh()  # warm caches (imports, data, fonts)
            explorer = cls()
        except Exception as exc:  # noqa: BLE001 -- an explorer still being written: say so
            notes.append(f"{cls_name}: could not be built ({type(exc).__name__}: {exc})")
            continue
        plan = _change_plan(explorer, per_control)
        if not plan:
            notes.append(f"{cls_name}: no control to move")
            continue
        update_s, update_cpu, png_bytes, errors, by_control = [], [], [], 0, {}
        first_visit, first_cpu, seen = [], [], {_state_key(explorer)}
        for _ in range(rounds):
            for name, value in plan:
                control = explorer.controls[name]
                if control.value == value:
                    continue
                t, c = time.perf_counter(), time.process_time()
                control.value = value  # observe -> update(): compute, blit, PNG into image.value
                update_s.append(time.perf_counter() - t)
                update_cpu.append(time.process_time() - c)
                by_control.setdefault(name, []).append(update_s[-1])
                png_bytes.append(len(explorer.image.value))
                errors += explorer.last_error is not None
                state = _state_key(explorer)
                if state not in seen:  # the first visit of this state
                    seen.add(state)
                    first_visit.append(update_s[-1])
                    first_cpu.append(update_cpu[-1])

        def full_redraw():
            explorer._background = None
            explorer._render(explorer.state())
            explorer.png()

        redraw_s = timed(full_redraw, repeat=max(5, len(update_s) // 4))
        gc.collect()
        fresh_s, fresh_cpu = [], []
        for _ in range(max(5, min(15, len(update_s) // 4))):
            t, c = time.perf_counter(), time.process_time()
            fresh()
            fresh_s.append(time.perf_counter() - t)
            fresh_cpu.append(time.process_time() - c)
        plt.close(explorer.figure)
        # what a notebook cell costs in a live kernel: build the explorer and display it (widget
        # view, PNG, light HTML face; the multi-state face is not rendered there)
        display_s = []
        os.environ.pop("POOLDEMO_STATIC_FACE", None)
        for _ in range(5):
            t = time.perf_counter()
            e = cls()
            e._repr_mimebundle_()
            display_s.append(time.perf_counter() - t)
            plt.close(e.figure)
        med, p95, fmed = statistics.median(update_s), pct(update_s, 95), statistics.median(fresh_s)
        cmed, cfmed = statistics.median(update_cpu), statistics.median(fresh_cpu)
        # a first visit of a state: text stamps, backgrounds and cached tables are being made,
        # so it is what a reader feels on a first look
        first_med = statistics.median(first_visit) if first_visit else float("nan")
        first_cpu_med = statistics.median(first_cpu) if first_cpu else float("nan")
        rows.append(dict(name=cls_name, n=len(update_s), median=med, p95=p95, fresh=fmed,
                         first=first_med, n_first=len(first_visit), first_cpu=first_cpu_med,
                         slow_p95=max(((pct(v, 95), k) for k, v in by_control.items())),
                         display=statistics.median(display_s),
                         fresh_p95=pct(fresh_s, 95), redraw=statistics.median(redraw_s),
                         ratio=med / fmed, png=int(np.median(png_bytes)), errors=errors,
                         cpu=cmed, cpu_p95=pct(update_cpu, 95), fresh_cpu=cfmed,
                         cpu_ratio=cmed / cfmed,
                         slowest=max(((statistics.median(v), k) for k, v in by_control.items())),
                         ok=med / fmed <= 0.1 and med <= 0.016,
                         first_ok=first_med <= 0.016, p95_ok=p95 <= 0.033,
                         cpu_ok=(cmed / cfmed <= 0.1 and cmed <= 0.016
                                 and first_cpu_med <= 0.016 and pct(update_cpu, 95) <= 0.033)))
    lines = ["## 1. Explorer updates", "",
             "A control change = `control.value = v` (compute + blitted redraw + PNG bytes sent to "
             "the front end). Naive = build the explorer and its figure from scratch and render "
             "the PNG. Full redraw = the same state drawn without blitting, for information. "
             "Wall-clock times depend on what else the machine runs; CPU times (process time of "
             "this single-threaded work) are what a quiet machine would show. "
             f"The plan (each control through some of its static values and back, layout-changing "
             f"controls included) is run {rounds} times on a fresh explorer. 'First visit' is "
             "the median of the changes that reach a state for the first time (text stamps, "
             "backgrounds and cached tables are being made: what a reader feels on a first "
             "look); p95 is over every change of every control. Targets: ratio <= 0.1, median "
             "<= 16 ms, first-visit median <= 16 ms, p95 <= 33 ms; 'met (CPU)' applies all four "
             "to the CPU times.", "",
             "| explorer | changes | median ms | first visits | first-visit median ms | "
             "p95 ms | naive median ms | naive p95 ms | "
             "ratio | full redraw ms | CPU median ms | CPU first-visit median ms | CPU p95 ms | "
             "CPU naive ms | CPU ratio | "
             "PNG bytes | errors | median and ratio met | first visit <= 16 ms | p95 <= 33 ms "
             "| met (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
             "---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['n']} | {ms(r['median'])} | {r['n_first']} | "
                     f"{ms(r['first'])} | {ms(r['p95'])} | {ms(r['fresh'])} | "
                     f"{ms(r['fresh_p95'])} | {r['ratio']:.3f} | "
                     f"{ms(r['redraw'])} | {ms(r['cpu'])} | {ms(r['first_cpu'])} | "
                     f"{ms(r['cpu_p95'])} | {ms(r['fresh_cpu'])} | {r['cpu_ratio']:.3f} | "
                     f"{r['png']:,} | {r['errors']} | {verdict(r['ok'])} | "
                     f"{verdict(r['first_ok'])} | {verdict(r['p95_ok'])} | "
                     f"{verdict(r['cpu_ok'])} |")
    lines += ["", "Live display (build the explorer and display it in a kernel, median of 5; "
              "target <= 300 ms): " + "; ".join(f"{r['name']} {ms(r['display'])} ms"
                                                 for r in rows) + "."]
    lines += ["", "Slowest control (median wall ms of its changes): " + "; ".join(
        f"{r['name']}: {r['slowest'][1]} {ms(r['slowest'][0])}" for r in rows) + "."]
    lines += ["", "Slowest control at p95 (wall ms): " + "; ".join(
        f"{r['name']}: {r['slow_p95'][1]} {ms(r['slow_p95'][0])}" for r in rows) + "."]
    lines += [""] + [f"- {n}" for n in notes]
    return lines, rows


def _state_key(explorer):
    return tuple(sorted((k, repr(v)) for k, v in explorer.state().items()))


# --- 2. kernels --------------------------------------------------------------------------------

def loop_pool(x, k=2, s=2, reduce="max"):
    """The straightforward loop: (H, W, C) float32, valid padding."""
    h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((oh, ow, c), dtype=x.dtype)
    for ch in range(c):
        for i in range(oh):
            for j in range(ow):
                window = x[i * s:i * s + k, j * s:j * s + k, ch]
                out[i, j, ch] = window.max() if reduce == "max" else window.mean()
    return out


# (N, H, W, C), window, stride, padding, reduce: the issue-15 rows (real networks' maps: ResNet's
# stem pool, Inception's branches, a batch) and the 28x28x32 rows of the book's small maps
KERNEL_ROWS = (
    ((1, 112, 112, 64), 3, 2, "same", "max"),
    ((1, 112, 112, 64), 3, 1, "same", "max"),
    ((1, 224, 224, 64), 3, 2, "same", "max"),
    ((1, 224, 224, 64), 3, 1, "same", "max"),
    ((8, 56, 56, 128), 3, 2, "same", "max"),
    ((1, 224, 224, 64), 2, 2, "valid", "average"),
    ((1, 28, 28, 32), 2, 2, "valid", "max"),
    ((1, 28, 28, 32), 2, 2, "same", "max"),
    ((1, 28, 28, 32), 2, 2, "valid", "average"),
    ((1, 28, 28, 32), 2, 2, "same", "average"),
)
KERNEL_TARGET, KERNEL_FLOOR, COPY_TARGET, PEAK_TARGET = 1.0, 1.5, 2.0, 2.0


def _peak_bytes(fn):
    """tracemalloc's peak above the start during one call (the result included)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def bench_kernels(repeat=25):
    import tensorflow as tf

    import pooldemo
    from pooldemo import pooling

    rng = np.random.default_rng(0)
    rows = []
    for shape, k, s, padding, reduce in KERNEL_ROWS:
        x = rng.standard_normal(shape).astype(np.float32)
        tf_fn = tf.nn.max_pool2d if reduce == "max" else tf.nn.avg_pool2d
        ours = functools.partial(pooldemo.pool2d, x, k, s, padding, reduce)
        theirs = functools.partial(_tf_pool, tf_fn, tf.constant(x), k, s, padding.upper())
        copy = x.copy
        out, ref = ours(), theirs()
        assert out.shape == ref.shape and out.dtype == ref.dtype, (shape, out.shape, ref.shape)
        if reduce == "max":
            np.testing.assert_array_equal(out, ref)  # max does not round
        else:
            np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
        number = max(1, int(2e5 // x.size) + 1)
        # the compiled loops' scratch (one map row per thread) is numba's, unseen by tracemalloc
        scratch = pooling._WORKERS * shape[2] * shape[3] * x.itemsize
        samples = {"ours": [], "tf": [], "copy": []}
        for i in range(repeat):  # interleaved, each first in turn: all see the same load
            order = [("ours", ours), ("tf", theirs), ("copy", copy)]
            for name, fn in order[i % 3:] + order[:i % 3]:
                samples[name] += timed(fn, 1, number)
        best = {name: min(v) for name, v in samples.items()}
        med = {name: statistics.median(v) for name, v in samples.items()}
        t_loop = None
        if shape[1:] == (28, 28, 32) and padding == "valid":
            loop_out = loop_pool(x[0], k, s, reduce)
            assert np.allclose(loop_out, out[0], rtol=1e-6, atol=1e-6)
            t_loop = min(timed(functools.partial(loop_pool, x[0], k, s, reduce), 3))
        rows.append(dict(shape=shape, k=k, s=s, padding=padding, reduce=reduce,
                         ours=best["ours"], tf=best["tf"], copy=best["copy"], median=med,
                         loop=t_loop, peak=_peak_bytes(ours) + scratch, out=out.nbytes))
    for r in rows:
        r["vs_tf"], r["vs_copy"] = r["ours"] / r["tf"], r["ours"] / r["copy"]
        r["median_vs_tf"] = r["median"]["ours"] / r["median"]["tf"]
        r["peak_ratio"] = r["peak"] / r["out"]
    lines = ["## 2. Pooling kernels", "",
             "float32, channels last. `pool2d` vs `tf.nn.max_pool2d` / `tf.nn.avg_pool2d` (eager, "
             "`.numpy()` included; TensorFlow uses every core) vs a plain numpy copy of the input "
             "(`x.copy()`), and a Python loop over channels, rows and columns on the 28x28x32 "
             f"valid rows. Times are the best of {repeat} interleaved samples, the three taking "
             "turns at going first (the machine is shared: best-of is what the code costs; the "
             "median ratio beside shows the noise). Peak extra memory: tracemalloc peak during "
             "one call, output included, plus one map row per thread (the compiled loops' "
             "scratch, which numba allocates where tracemalloc does not see it). Targets per "
             "row: pool2d / TF <= "
             f"{KERNEL_TARGET:g} (floor {KERNEL_FLOOR:g}), pool2d / copy <= {COPY_TARGET:g}, "
             f"peak <= {PEAK_TARGET:g}x the output, >= 100x faster than the loop.", "",
             "| input (N, H, W, C) | window, stride | padding | reduce | pool2d ms | TF ms | "
             "copy ms | pool2d / TF | median pool2d / TF | pool2d / copy | peak extra / output | "
             "loop / pool2d |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        speedup = "-" if r["loop"] is None else f"{r['loop'] / r['ours']:.0f}x"
        lines.append(
            f"| {r['shape']} | {r['k']}x{r['k']}, {r['s']} | {r['padding']} | {r['reduce']} | "
            f"{r['ours'] * 1e3:.3f} | {r['tf'] * 1e3:.3f} | {r['copy'] * 1e3:.3f} | "
            f"{r['vs_tf']:.2f} | {r['median_vs_tf']:.2f} | {r['vs_copy']:.2f} | "
            f"{r['peak_ratio']:.2f} | {speedup} |")
    worst_tf = max(rows, key=lambda r: r["vs_tf"])
    worst_copy = max(rows, key=lambda r: r["vs_copy"])
    big = [r for r in rows if r["shape"][1:] != (28, 28, 32)]
    worst_big_copy = max(big, key=lambda r: r["vs_copy"])
    worst_peak = max(rows, key=lambda r: r["peak_ratio"])
    loops = [r["loop"] / r["ours"] for r in rows if r["loop"]]
    lines += ["", f"Worst pool2d / TF: **{worst_tf['vs_tf']:.2f}** ({_row_name(worst_tf)}); "
              f"target <= {KERNEL_TARGET:g}: {verdict(worst_tf['vs_tf'] <= KERNEL_TARGET)}, "
              f"floor <= {KERNEL_FLOOR:g}: {verdict(worst_tf['vs_tf'] <= KERNEL_FLOOR)}. "
              f"Worst pool2d / copy: **{worst_copy['vs_copy']:.2f}** ({_row_name(worst_copy)}; "
              f"on the issue's larger maps {worst_big_copy['vs_copy']:.2f}, "
              f"{_row_name(worst_big_copy)}); target <= {COPY_TARGET:g}: "
              f"{verdict(worst_copy['vs_copy'] <= COPY_TARGET)}. Largest peak / output: "
              f"{worst_peak['peak_ratio']:.2f} ({_row_name(worst_peak)}); target <= "
              f"{PEAK_TARGET:g}: {verdict(worst_peak['peak_ratio'] <= PEAK_TARGET)}. Loop "
              f"speed-up: {', '.join(f'{v:.0f}x' for v in loops)}; target >= 100x: "
              f"{verdict(min(loops) >= 100)}."]
    print("\n".join(f"kernels: {_row_name(r)}: pool2d / TF {r['vs_tf']:.2f}, / copy "
                    f"{r['vs_copy']:.2f}" for r in rows), flush=True)
    return lines, rows


def _tf_pool(fn, xt, k, s, padding):
    return fn(xt, k, s, padding).numpy()


def _row_name(r):
    n, h, w, c = r["shape"]
    size = f"{h}x{w}x{c}" if n == 1 else f"{n}x{h}x{w}x{c}"
    return f"{size} {r['k']}x{r['k']}/{r['s']} {r['padding']} {r['reduce']}"


# --- 3. import ---------------------------------------------------------------------------------

def import_seconds(module, runs):
    code = ("import time; t = time.perf_counter(); import " + module +
            "; print(time.perf_counter() - t)")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    out = []
    for _ in range(runs):
        res = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=env,
                             check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def first_pool_seconds(runs):
    """In fresh processes: the first ``pool2d`` call after ``import pooldemo`` (numba's import
    and the load of its cached machine code; compiled on the very first run if not cached)."""
    code = ("import numpy as np, pooldemo, time; x = np.ones((28, 28, 32), np.float32); "
            "t = time.perf_counter(); pooldemo.pool2d(x, 2); print(time.perf_counter() - t)")
    return [float(subprocess.run([PY, "-c", code], capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1])
            for _ in range(runs)]


def bench_import(runs=7, tf_runs=3):
    ours = import_seconds("pooldemo", runs)
    tf = import_seconds("tensorflow", tf_runs)
    first = first_pool_seconds(runs)
    check = subprocess.run([PY, "-c", "import sys, pooldemo; print(sorted(m for m in ("
                            "'tensorflow', 'matplotlib', 'ipywidgets') if m in sys.modules))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    r = statistics.median(ours) / statistics.median(tf)
    lines = ["## 3. Import time", "",
             "In fresh processes, time of the `import` statement alone (interpreter start-up "
             "excluded). Target: pooldemo <= 1/10 of TensorFlow.", "",
             "| module | runs | median ms | min ms | max ms |", "|---|---|---|---|---|",
             f"| pooldemo | {runs} | {ms(statistics.median(ours))} | {ms(min(ours))} | "
             f"{ms(max(ours))} |",
             f"| tensorflow | {tf_runs} | {ms(statistics.median(tf))} | {ms(min(tf))} | "
             f"{ms(max(tf))} |", "",
             f"Ratio pooldemo / tensorflow: **{r:.3f}** (target <= 0.1: {verdict(r <= 0.1)}). "
             f"Heavy modules loaded by `import pooldemo`: {check}.", "",
             f"First `pool2d` call in a fresh process (numba's import and the load of its cached "
             f"machine code; no target): median {ms(statistics.median(first))} ms of {runs}, "
             f"max {ms(max(first))} ms."]
    return lines, dict(ours=ours, tf=tf, ratio=r, first_pool=first)


# --- 4. book build -----------------------------------------------------------------------------

def _run(cmd, env=None):
    t = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{res.stdout[-3000:]}"
                           f"\n{res.stderr[-3000:]}")
    return time.perf_counter() - t


def _prose_edit(notebook):
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and any(
                line.strip() and not line.lstrip().startswith(("#", "`", ":", "$", "|", "-"))
                for line in cell["source"]):
            src = cell["source"] if isinstance(cell["source"], list) else [cell["source"]]
            cell["source"] = src + ["\n", "\nOne more sentence of prose, added by the benchmark."]
            break
    else:
        raise RuntimeError(f"no prose cell in {notebook}")
    notebook.write_text(json.dumps(nb, indent=1))


def bench_build(chapters):
    """Cold, warm and prose-edit builds of a copy of the book, all by scripts/build-book.sh."""
    if chapters == ["all"]:
        out = ROOT / "build" / "bench-book"
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(ROOT / "book", out, ignore=shutil.ignore_patterns("_build"))
        what = "the whole book (a copy in `build/bench-book`)"
        cold_cmd = ["bash", "scripts/build-book.sh", "--fresh", "--book", str(out)]
        edited = out / "pooling_computes.ipynb"
    else:
        have = [c for c in chapters if (ROOT / "book" / f"{c}.ipynb").exists()]
        if not have:
            return ["## 4. Book build", "", f"Skipped: none of {chapters} exists yet."], {}
        out = ROOT / ("build/chapters-" + "_".join(have)[:60])
        what = (f"chapters {', '.join(have)} with the landing page and bibliography "
                "(`scripts/build-chapters.sh`)")
        cold_cmd = ["bash", "scripts/build-chapters.sh", *have]
        edited = out / f"{have[0]}.ipynb"
    build_cmd = ["bash", "scripts/build-book.sh", "--book", str(out)]
    try:
        serial = _run(cold_cmd, env=dict(os.environ, POOLDEMO_BUILD_JOBS="1"))  # one process
        cold = _run(cold_cmd)  # fresh: every notebook executed
        warm = _run(build_cmd)
        _prose_edit(edited)
        edit = _run(build_cmd)
    except RuntimeError as exc:
        tail = [line for line in str(exc).splitlines() if "WARNING" in line or "rror" in line]
        return ["## 4. Book build", "", "**The build failed**, so nothing was measured:", "",
                "```", *tail[-8:], "```"], {}
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from parallel_build import _jobs  # the process count the build itself uses

    jobs = _jobs()
    full = chapters == ["all"]
    lines = ["## 4. Book build", "",
             f"Built: {what}, each time with `scripts/build-book.sh` (what the README's first "
             f"command runs; {jobs} notebooks execute at once, `book/_ext/parallel_build.py`). "
             "Cold: `--fresh` (empty execution and result caches, every notebook executed); "
             "warm: again with nothing changed; prose edit: after adding a sentence to one "
             "markdown cell (the execution cache keys on code only). Targets: warm <= 5 % of "
             "cold" + ("; cold <= 3 minutes." if full else " (the 3-minute cold target is for "
                       "the whole book: `--chapters all`)."), "",
             "| build | seconds | share of cold |", "|---|---|---|",
             f"| cold | {cold:.1f} | 100 % |",
             f"| cold, serial (`POOLDEMO_BUILD_JOBS=1`) | {serial:.1f} | {serial / cold:.1%} |",
             f"| warm (no change) | {warm:.1f} | {warm / cold:.1%} |",
             f"| one prose edit | {edit:.1f} | {edit / cold:.1%} |", "",
             f"Warm <= 5 % of cold: {verdict(warm / cold <= 0.05)}. The parallel reading "
             f"(`book/_ext/parallel_build.py`) saves {serial - cold:.0f} s of a cold build "
             f"({1 - cold / serial:.0%})."
             + (f" Cold <= 180 s: {verdict(cold <= 180)}." if full else "")]
    return lines, dict(cold=cold, warm=warm, edit=edit, serial=serial, full=full)


# --- 6. evidence store ---------------------------------------------------------------------------

def _live_chapter_seconds(notebook):
    """Wall seconds to execute a chapter top to bottom in a fresh kernel (nbclient)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    env_before = dict(os.environ)
    os.environ.update(TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="module://matplotlib_inline.backend_inline")
    try:
        t = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(notebook.parent)}}).execute()
        return time.perf_counter() - t
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def bench_evidence(full=False):
    """Store size, live chapter times against the store, and (``full``) a whole recomputation."""
    from pooldemo import evidence

    store = evidence.store_dir()
    files = list(store.rglob("*.json"))
    size = sum(f.stat().st_size for f in files)
    readers = sorted(p for p in (ROOT / "book").glob("*.ipynb")
                     if "evidence.load" in p.read_text())
    live = [(p.stem, _live_chapter_seconds(p)) for p in readers]
    lines = ["## 6. Evidence store", "",
             f"{len(files)} records, {size / MB:.2f} MB "
             f"(target <= 5 MB: {verdict(size <= 5 * MB)}).",
             "", "Each chapter that reads the store, executed top to bottom in a fresh kernel "
             "(nbclient), as a reader in Binder or Jupyter runs it (target <= 20 s each):", "",
             "| chapter | seconds |", "|---|---|"] + [f"| {n} | {t:.1f} |" for n, t in live]
    data = dict(size=size, records=len(files), live=live)
    if full:
        tmp = Path(tempfile.mkdtemp(prefix="pooldemo-evidence-"))
        env = dict(os.environ, POOLDEMO_EVIDENCE=str(tmp))
        data["full"] = _run([sys.executable, "-m", "pooldemo.evidence"], env=env)
        shutil.rmtree(tmp, ignore_errors=True)
        lines += ["", f"Every record recomputed into an empty folder: {data['full'] / 60:.1f} min "
                  f"(target <= 30 min: {verdict(data['full'] <= 1800)})."]
    return lines, data


# --- 7. census of modern networks ----------------------------------------------------------------

def bench_census(repeat=20):
    """Closed form of ResNet50 (median of ``repeat`` runs) and closed form vs measured, ten nets."""
    import tensorflow as tf

    from pooldemo import receptive_field
    from pooldemo.experiments import census

    model = tf.keras.applications.ResNet50(weights=None, include_top=True)
    first = timed(lambda: receptive_field(model), 1)[0]
    closed = statistics.median(timed(lambda: receptive_field(model), repeat))
    lines = ["## 7. Census of modern networks", "",
             f"Closed-form receptive field of every layer of ResNet50 ({len(model.layers)} "
             f"layers, graph walk, model built beforehand): median {ms(closed)} ms of {repeat} "
             f"runs, first run {ms(first)} ms (target <= 100 ms: {verdict(closed <= 0.1)}).", "",
             "Closed form against the field measured on the model (one float64 backward pass of "
             "the centre unit of the last spatial layer, at the smallest input the field fits in):",
             "", "| model | input | layer | field | closed-form box | measured box | equal | "
             "smallest gradient | seconds (builds + measurement) |",
             "|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for name in census.MODELS:
        tf.keras.backend.clear_session()
        t = time.perf_counter()
        r = census.measure_model(name)
        r["seconds"] = time.perf_counter() - t
        rows.append(r)
        lines.append(f"| {name} | {r['input_size']} | {r['layer']} | {r['field']['label']} | "
                     f"{r['closed_form_box']} | {r['measured_box']} | {verdict(r['equal'])} | "
                     f"{r['min_gradient']:.1e} | {r['seconds']:.1f} |")
    return lines, dict(closed=closed, first=first, rows=rows)


# --- 5. page weight ----------------------------------------------------------------------------

_SRC = re.compile(r'<img[^>]+src="([^"]+)"')


def _explorer_views(html):
    """Byte sizes of each explorer's no-kernel view (its div, data and script)."""
    sizes = []
    for m in re.finditer(r'<div class="pd-explorer"', html):
        # a view ends with its inline script: <script type="application/json">...</script>
        # <script>...</script></div> (the data never holds "</script>": it is escaped)
        end = html.find("</script></div>", m.start())
        end = len(html) if end < 0 else end + len("</script></div>")
        sizes.append(len(html[m.start():end].encode()))
    return sizes


def chapter_explorers(notebook):
    """(class name, args) of each explorer a chapter displays (``pooldemo.XExplorer(...)``)."""
    import ast

    found = []
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            m = re.match(r"\s*pooldemo\.(\w+Explorer)\((.*)\)\s*(#.*)?$", line)
            if m:
                call = ast.parse(f"f({m.group(2)})", mode="eval").body
                found.append((m.group(1), [ast.literal_eval(a) for a in call.args],
                               {k.arg: ast.literal_eval(k.value) for k in call.keywords}))
    return found


def bench_explorer_faces(notebook=ROOT / "book" / "explorers.ipynb"):
    """Bytes and states of the no-kernel face (``to_html()``) of each explorer of a chapter."""
    import matplotlib.pyplot as plt

    import pooldemo

    rows = []
    for name, args, kwargs in chapter_explorers(notebook):
        e = getattr(pooldemo, name)(*args, **kwargs)
        t = time.perf_counter()
        html = e.to_html()
        seconds = time.perf_counter() - t
        data = json.loads(re.search(r'<script type="application/json">(.*?)</script>', html,
                                    re.S).group(1))
        rows.append(dict(name=name, args=args, kwargs=kwargs, bytes=len(html.encode()),
                         states=len(data["states"]), images=len(data["images"]),
                         seconds=seconds))
        plt.close(e.figure)
    return rows


def bench_weight(site):
    faces = bench_explorer_faces()
    total = sum(r["bytes"] for r in faces)
    head = ["## 5. Page weight", "",
            "The no-kernel faces of the explorers chapter (`book/explorers.ipynb`), measured "
            "with `to_html()` without building the book: bytes (the explorer's share of the "
            "page), precomputed states (its coverage) and images (key frames and patches).", "",
            "| explorer | KB | states | images | render s |", "|---|---|---|---|---|"]
    head += [f"| {r['name']}({', '.join(map(repr, r['args']))}) | {r['bytes'] / 1024:.1f} | "
             f"{r['states']} | {r['images']} | {r['seconds']:.1f} |" for r in faces]
    head += ["", f"Sum: {total / MB:.3f} MB in {sum(r['states'] for r in faces)} states.", ""]
    if not (site / "index.html").exists():
        return head + [f"No built site at {site}: pages not measured."], dict(faces=faces)
    pages, views = [], []
    for page in sorted(site.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        own = page.stat().st_size
        for src in set(_SRC.findall(html)):
            if src.startswith("data:") or "://" in src:
                continue
            f = (page.parent / src.split("#")[0]).resolve()
            if f.exists() and "_static" not in f.parts:
                own += f.stat().st_size
        ex = _explorer_views(html)
        views += [(page.stem, i, s) for i, s in enumerate(ex)]
        pages.append((page.stem, own, len(ex)))
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    static = sum(f.stat().st_size for f in (site / "_static").rglob("*") if f.is_file())
    largest = max(pages, key=lambda p: p[1])
    biggest_view = max((v[2] for v in views), default=0)
    lines = head + [
             f"Site: `{site.relative_to(ROOT) if site.is_relative_to(ROOT) else site}`. A page's "
             "weight is its HTML plus the image files it references outside `_static` (explorer "
             "images are inside the HTML). Shared theme assets and vendored MathJax "
             f"(`_static`): {static / MB:.2f} MB. Whole site: {total / MB:.2f} MB. Targets: no "
             "page > 2 MB, explorer views <= 1.5 MB (MB = 2^20 bytes).", "",
             "| page | MB | explorers | largest explorer view MB |", "|---|---|---|---|"]
    for name, size, n in pages:
        mine = [v[2] for v in views if v[0] == name]
        lines.append(f"| {name} | {size / MB:.3f} | {n} | "
                     f"{max(mine) / MB if mine else 0:.3f} |")
    lines += ["", f"Largest page: {largest[0]} ({largest[1] / MB:.2f} MB; <= 2 MB: "
              f"{verdict(largest[1] <= 2 * MB)}). Largest explorer view: "
              f"{biggest_view / MB:.2f} MB (<= 1.5 MB: {verdict(biggest_view <= 1.5 * MB)})."]
    return lines, dict(pages=pages, views=views, total=total, faces=faces)


# --- main --------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["explorers", "kernels", "import", "build", "weight", "evidence",
                                 "census"])
    parser.add_argument("--only", nargs="+", default=None,
                        choices=["explorers", "kernels", "import", "build", "weight", "evidence",
                                 "census"], help="run only these parts")
    parser.add_argument("--full-evidence", action="store_true",
                        help="also recompute the whole evidence store into an empty folder "
                             "(about 25 minutes, both cores)")
    parser.add_argument("--site", default=os.environ.get("POOLDEMO_SITE",
                                                         str(ROOT / "book/_build/html")))
    parser.add_argument("--chapters", nargs="+", default=["all"],
                        help="what the build benchmark builds: all (the whole book, the default) "
                             "or some chapters (a quicker check of the warm/cold ratio)")
    parser.add_argument("--out", default=str(ROOT / "bench/results/latest.md"))
    parser.add_argument("--readme", action=argparse.BooleanOptionalAction, default=True,
                        help="write the summary table into README.md's benchmark section")
    args = parser.parse_args(argv)

    import matplotlib
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = ["# Benchmark results", "",
            f"Measured {started} by `.venv/bin/python bench/run.py` on {platform.machine()}, "
            f"{os.cpu_count()} CPU cores (shared with other work; load average at start "
            f"{os.getloadavg()[0]:.2f}), Python {platform.python_version()}, numpy "
            f"{np.__version__}, matplotlib {matplotlib.__version__}.", ""]
    sections, summary = [], []
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial.tmp")  # what is done so far, if a part fails
    parts = [("explorers", bench_explorers, ()), ("import", bench_import, ()),
             ("kernels", bench_kernels, ()), ("weight", bench_weight, (Path(args.site),)),
             ("build", bench_build, (args.chapters,)),
             ("evidence", bench_evidence, (args.full_evidence,)), ("census", bench_census, ())]
    for name, fn, fargs in parts:
        if name in args.skip or (args.only is not None and name not in args.only):
            continue
        t = time.perf_counter()
        lines, data = fn(*fargs)
        summary += _summary(name, data)
        lines.append(f"\n_(this part took {time.perf_counter() - t:.0f} s)_")
        print("\n".join(lines) + "\n", flush=True)
        sections += lines + [""]
        _write(partial, head + sections)
    table = ["| part | measured | target | met |", "|---|---|---|---|"] + [
        f"| {a} | {b} | {c} | {verdict(d)} |" for a, b, c, d in summary]
    head += ["## Summary", ""] + table + [""]
    print("\n".join(["## Summary", ""] + table))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(out, head + sections)
    partial.unlink(missing_ok=True)
    print(f"Written: {out}")
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench-summary -->", "<!-- /bench-summary -->"
    if args.readme and start in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1] if end in rest else rest
        note = (f"Measured {started}, {os.cpu_count()} shared cores (load average "
                f"{os.getloadavg()[0]:.1f} at the end):")
        readme.write_text(before + start + "\n" + note + "\n\n" + "\n".join(table) + "\n"
                          + end + after)
        print(f"Updated the summary in {readme}")


def _write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines))
    tmp.replace(path)


def _summary(part, data):
    """(part, measured, target, met) rows for the summary table."""
    rows = []
    if part == "explorers":
        for r in data:
            rows.append((f"explorer update: {r['name']}",
                         f"median {ms(r['median'])} ms, first visit {ms(r['first'])} ms, p95 "
                         f"{ms(r['p95'])} ms (CPU {ms(r['cpu'])}, {ms(r['first_cpu'])}, "
                         f"{ms(r['cpu_p95'])} ms); {r['ratio']:.3f} of a from-scratch redraw "
                         f"(CPU {r['cpu_ratio']:.3f})",
                         "median and first visit <= 16 ms, p95 <= 33 ms, ratio <= 0.1",
                         r["ok"] and r["first_ok"] and r["p95_ok"]))
        if data:
            name, worst = max(((r["name"], r["display"]) for r in data), key=lambda x: x[1])
            rows.append(("live display of an explorer (build + show, slowest)",
                         f"{ms(worst)} ms ({name})", "<= 300 ms", worst <= 0.3))
    elif part == "kernels" and data:
        worst = max(data, key=lambda r: r["vs_tf"])
        rows.append(("pool2d vs TensorFlow (worst of the issue-15 and 28x28x32 rows)",
                     f"{worst['vs_tf']:.2f}x ({_row_name(worst)}; floor met: "
                     f"{verdict(worst['vs_tf'] <= KERNEL_FLOOR)})",
                     f"<= {KERNEL_TARGET:g}x (floor {KERNEL_FLOOR:g}x)",
                     worst["vs_tf"] <= KERNEL_TARGET))
        worst = max(data, key=lambda r: r["vs_copy"])
        big = max((r for r in data if r["shape"][1:] != (28, 28, 32)), key=lambda r: r["vs_copy"])
        rows.append(("pool2d vs a numpy copy of the input (worst row)",
                     f"{worst['vs_copy']:.2f}x ({_row_name(worst)}; on the larger maps "
                     f"{big['vs_copy']:.2f}x, {_row_name(big)})", f"<= {COPY_TARGET:g}x",
                     worst["vs_copy"] <= COPY_TARGET))
        loops = [r["loop"] / r["ours"] for r in data if r["loop"]]
        rows.append(("pool2d vs Python loop (28x28x32)", f"{min(loops):.0f}x faster", ">= 100x",
                     min(loops) >= 100))
        worst = max(data, key=lambda r: r["peak_ratio"])
        rows.append(("pool2d peak extra memory (worst row)",
                     f"{worst['peak_ratio']:.2f}x the output ({_row_name(worst)})",
                     f"<= {PEAK_TARGET:g}x", worst["peak_ratio"] <= PEAK_TARGET))
    elif part == "import" and data:
        rows.append(("import pooldemo / import tensorflow",
                      f"{data['ratio']:.3f} ({ms(statistics.median(data['ours']))} ms vs "
                      f"{ms(statistics.median(data['tf']))} ms)", "<= 0.1", data["ratio"] <= 0.1))
    elif part == "build" and data:
        rows.append(("warm build / cold build", f"{data['warm'] / data['cold']:.1%} "
                     f"({data['warm']:.1f} s vs {data['cold']:.1f} s; prose edit "
                     f"{data['edit']:.1f} s)", "<= 5 %", data["warm"] / data["cold"] <= 0.05))
        if data["full"]:
            rows.append(("cold build of the whole book", f"{data['cold']:.0f} s", "<= 180 s",
                         data["cold"] <= 180))
        rows.append(("parallel reading of chapters (serial / parallel cold build)",
                     f"{data['serial'] / data['cold']:.2f}x ({data['serial']:.0f} s vs "
                     f"{data['cold']:.0f} s)", "> 1.1x, else drop the extension",
                     data["serial"] / data["cold"] > 1.1))
    elif part == "evidence" and data:
        rows.append(("evidence store size", f"{data['size'] / MB:.2f} MB ({data['records']} "
                     f"records)", "<= 5 MB", data["size"] <= 5 * MB))
        name, worst = max(data["live"], key=lambda r: r[1])
        rows.append(("live chapter with the store (slowest)", f"{worst:.1f} s ({name})",
                     "<= 20 s", worst <= 20))
        if "full" in data:
            rows.append(("evidence store from empty", f"{data['full'] / 60:.1f} min",
                         "<= 30 min", data["full"] <= 1800))
    elif part == "census" and data:
        rows.append(("closed-form receptive fields of ResNet50", f"{ms(data['closed'])} ms",
                     "<= 100 ms", data["closed"] <= 0.1))
        same = sum(r["equal"] for r in data["rows"])
        rows.append(("closed form = measured, Keras Applications", f"{same} of "
                     f"{len(data['rows'])} networks", "all", same == len(data["rows"])))
    elif part == "weight" and data:
        faces = data["faces"]
        rows.append(("explorers chapter, no-kernel faces (to_html)",
                     f"{sum(r['bytes'] for r in faces) / MB:.2f} MB, "
                     f"{sum(r['states'] for r in faces)} states", "page <= 2 MB",
                     sum(r["bytes"] for r in faces) <= 2 * MB))
        if "pages" not in data:
            return rows
        big = max(data["pages"], key=lambda p: p[1])
        view = max((v[2] for v in data["views"]), default=0)
        rows.append(("largest page", f"{big[0]}: {big[1] / MB:.2f} MB", "<= 2 MB",
                     big[1] <= 2 * MB))
        rows.append(("largest explorer view", f"{view / MB:.2f} MB", "<= 1.5 MB",
                     view <= 1.5 * MB))
    return rows


if __name__ == "__main__":
    main()
