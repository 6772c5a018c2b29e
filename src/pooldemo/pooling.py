"""Exact 2-D pooling in numpy, matching ``tf.keras`` pooling layers.

Arrays are channels-last, like Keras: ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.

Padding follows TensorFlow. With ``padding="valid"`` only whole windows are used and the output
has ``floor((i - k) / s) + 1`` cells along an axis of size ``i``. With ``padding="same"`` the output
has ``ceil(i / s)`` cells; the ``max((ceil(i / s) - 1) * s + k - i, 0)`` padded cells are split with
the extra one at the bottom/right, and padded cells are simply not part of a window: they never win
a max and are not counted in an average.

NaN, as TensorFlow does it (checked against TensorFlow 2.21 in ``tests/test_fuzz.py``):

- "max" and "min" ignore NaN, like ``tf.nn.max_pool2d``: ``[5, NaN, -1, 2]`` pools to 5. A window
  holding only NaN gives NaN (TensorFlow returns the lowest float32, -3.4e38, there; it also turns
  an all ``-inf`` window into -3.4e38, where we keep ``-inf``).
- "average" and "median" propagate NaN, like ``tf.nn.avg_pool2d``.
- :func:`global_pool` propagates NaN for every reduction, like ``GlobalMaxPooling2D``.

Speed: "max", "min" and "average" run compiled loops (numba, ``_kernels.py``) that read each
input cell a few times at most, with no padded copy and no window copies; large maps run their
blocks of rows on a thread pool, one thread per core (the loops release the GIL), unless the
other cores turned out to be busy. The results are those of padding the map and reducing each
window in row-major order (``tests/test_pooling.py`` checks it, bit for bit for "average").

Used in: every chapter.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_feature_map, as_pair, check_padding
from .geometry import bounds as _bounds
from .geometry import output_length as _out_len
from .geometry import padding_split, pool_output_size, window_bounds  # noqa: F401 (re-exported)

__all__ = [
    "pool2d",
    "global_pool",
    "pool_output_size",
    "pool_argmax",
    "pool_tie_counts",
    "max_pool_gradient",
    "window_bounds",
    "REDUCTIONS",
]

REDUCTIONS = ("max", "average", "min", "median")


def pool2d(x, pool_size=2, strides=None, padding="valid", reduce="max"):
    """Pool every window of a feature map, like ``MaxPooling2D`` / ``AveragePooling2D``.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
        Real or boolean values, channels last.
    pool_size : int or pair of int
        Window height and width.
    strides : int, pair of int or None
        Step between windows; ``None`` means ``pool_size``.
    padding : {"valid", "same"}
        TensorFlow's padding rule (see the module docstring).
    reduce : {"max", "average", "min", "median"} or callable
        The reduction. A callable is called as ``reduce(windows, axis=(-2, -1))`` on an array of
        whole windows (padded cells are left out, so border windows are smaller), like
        ``np.max`` or ``np.percentile`` with ``functools.partial``.

    Returns
    -------
    ndarray
        Same rank as ``x``. "max" and "min" keep the dtype; "average" and "median" return floats.

    Examples
    --------
    >>> x = np.arange(1, 10).reshape(3, 3)
    >>> pool2d(x, pool_size=2, strides=1)
    array([[5, 6],
           [8, 9]])
    >>> pool2d(x, pool_size=2, padding="same", reduce="average")
    array([[3. , 4.5],
           [7.5, 9. ]])
    """
    x4, squeeze = _to_nhwc(x)
    k, s, padding = _window_args(x4, pool_size, strides, padding)
    name = _check_reduce(reduce)
    if name in ("max", "min"):
        out = _extreme(x4, k, s, padding, name)
    elif name == "average":
        out = _average(x4, k, s, padding)
    else:
        func = np.median if name == "median" else reduce
        floats = name == "median"
        out = _reduce_windows(x4.astype(float) if floats and x4.dtype.kind != "f" else x4, k, s,
                              padding, func)
    return _from_nhwc(out, squeeze)


def global_pool(x, reduce="max"):
    """Reduce each channel's whole map to one number (``GlobalMaxPooling2D`` and friends).

    Returns shape ``()`` for (H, W), ``(C,)`` for (H, W, C) and ``(N, C)`` for (N, H, W, C).

    Examples
    --------
    >>> m = np.zeros((7, 7)); m[3, 4] = 2.0
    >>> float(global_pool(m, "max")), round(float(global_pool(m, "average")), 4)
    (2.0, 0.0408)
    """
    x4, squeeze = _to_nhwc(x)
    name = _check_reduce(reduce)
    if x4.shape[1] == 0 or x4.shape[2] == 0:
        raise ValueError(f"global_pool needs a non-empty map, got spatial size {x4.shape[1:3]}")
    if name == "average":
        out = x4.mean(axis=(1, 2), dtype=None if x4.dtype.kind == "f" else float)
    elif name == "median":
        out = np.median(x4, axis=(1, 2)) if x4.size else np.empty((x4.shape[0], x4.shape[3]))
    else:
        func = {"max": np.max, "min": np.min}.get(name, reduce)
        out = np.asarray(func(x4, axis=(1, 2)))
        if out.shape != (x4.shape[0], x4.shape[3]):
            raise ValueError(f"reduce {reduce!r} returned shape {out.shape}, expected "
                             f"{(x4.shape[0], x4.shape[3])}")
    if squeeze == "hw":
        return out[0, 0]
    if squeeze == "hwc":
        return out[0]
    return out


def pool_argmax(x, pool_size=2, strides=None, padding="valid"):
    """Input cell that each max-pooling output came from (where its gradient flows).

    Tie rule: among cells holding the window's maximum, the first in row-major order (top row
    first, then left to right) wins; this is also the cell TensorFlow's max-pool gradient goes to.
    NaN cells are ignored, as in :func:`pool2d` (a window of only NaN gives its first cell).
    Padded cells never win.

    Returns
    -------
    rows, cols : ndarray of int
        Shaped like ``pool2d(x, ...)``; input coordinates of the winning cell.

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 2], [3, 0, 2, 2]])
    >>> rows, cols = pool_argmax(x)
    >>> rows.tolist(), cols.tolist()
    ([[0, 0]], [[1, 2]])
    """
    x4, squeeze = _to_nhwc(x)
    k, s, padding = _window_args(x4, pool_size, strides, padding)
    n, h, w, c = x4.shape
    oh, ow = (_out_len(h, k[0], s[0], padding, "H"), _out_len(w, k[1], s[1], padding, "W"))
    # a stride beyond the map only ever multiplies 0 (one window): keep it in int64
    s = (min(s[0], max(h, 1)), min(s[1], max(w, 1)))
    rows = np.zeros((n, oh, ow, c), dtype=np.intp)
    cols = np.zeros((n, oh, ow, c), dtype=np.intp)
    for (ro, r0, hh), (co, c0, ww) in _groups(x4.shape, k, s, padding):
        win = _group_windows(x4, r0, c0, hh, ww, s, ro, co)
        flat = win.reshape(win.shape[:4] + (hh * ww,))
        if flat.dtype.kind == "f":
            flat = np.where(np.isnan(flat), -np.inf, flat)
        idx = np.argmax(flat, axis=-1)
        rrange = np.arange(ro.start, ro.stop)[None, :, None, None]
        crange = np.arange(co.start, co.stop)[None, None, :, None]
        rows[:, ro, co] = r0 + (rrange - ro.start) * s[0] + idx // ww
        cols[:, ro, co] = c0 + (crange - co.start) * s[1] + idx % ww
    return _from_nhwc(rows, squeeze), _from_nhwc(cols, squeeze)


def pool_tie_counts(x, pool_size=2, strides=None, padding="valid"):
    """How many cells of each window hold that window's maximum (1 means no tie).

    Examples
    --------
    >>> pool_tie_counts(np.array([[1, 1, 0, 2], [1, 1, 2, 0]])).tolist()
    [[4, 2]]
    """
    def count_max(win, axis):
        return np.sum(win == np.fmax.reduce(win, axis=axis, keepdims=True), axis=axis)

    return pool2d(x, pool_size, strides, padding, reduce=count_max)


def max_pool_gradient(x, upstream=None, pool_size=2, strides=None, padding="valid"):
    """Gradient of ``sum(upstream * max_pool(x))`` with respect to ``x``.

    Each output's upstream gradient goes to its argmax cell only (see :func:`pool_argmax` for the
    tie rule); where windows overlap, a cell collects the gradients of every window it wins.

    Examples
    --------
    >>> max_pool_gradient(np.array([[1, 3], [0, 2]]))
    array([[0., 1.],
           [0., 0.]])
    """
    x4, squeeze = _to_nhwc(x)
    rows, cols = pool_argmax(x4, pool_size, strides, padding)
    if upstream is None:
        up = np.ones(rows.shape)
    else:
        up = np.asarray(upstream, dtype=float)
        want = _from_nhwc(rows, squeeze).shape
        if up.shape != want:
            raise ValueError(f"upstream must have the pooled shape {want}, got {up.shape}")
        up = up.reshape(rows.shape)
    grad = np.zeros(x4.shape, dtype=float)
    n_idx = np.arange(rows.shape[0])[:, None, None, None]
    c_idx = np.arange(rows.shape[3])[None, None, None, :]
    np.add.at(grad, (n_idx, rows, cols, c_idx), up)
    return _from_nhwc(grad, squeeze)


# --- internals ---------------------------------------------------------------------------------

def _groups(shape, k, s, padding):
    """Split the output grid into blocks whose windows all have the same clipped extent.

    Yields ``((row_slice, first_row, height), (col_slice, first_col, width))``: output rows
    ``row_slice`` read input rows ``first_row + i * stride`` onwards, ``height`` of them.
    """
    per_axis = [[(slice(j0, j1), first, size) for j0, j1, first, size in
                 _axis_groups(n, kk, ss, padding)]
                for n, kk, ss in ((shape[1], k[0], s[0]), (shape[2], k[1], s[1]))]
    for rb in per_axis[0]:
        for cb in per_axis[1]:
            yield rb, cb


def _group_windows(x4, r0, c0, hh, ww, s, ro, co):
    """View of the windows of one block, shaped (N, rows, cols, C, hh, ww)."""
    view = sliding_window_view(x4, (hh, ww), axis=(1, 2))
    nr, nc = ro.stop - ro.start, co.stop - co.start
    return view[:, r0:r0 + (nr - 1) * s[0] + 1:s[0], c0:c0 + (nc - 1) * s[1] + 1:s[1]]


def _reduce_windows(x4, k, s, padding, func):
    n, h, w, c = x4.shape
    oh, ow = (_out_len(h, k[0], s[0], padding, "H"), _out_len(w, k[1], s[1], padding, "W"))
    out = None
    for (ro, r0, hh), (co, c0, ww) in (_groups(x4.shape, k, s, padding) if n and c else ()):
        block = np.asarray(func(_group_windows(x4, r0, c0, hh, ww, s, ro, co), axis=(-2, -1)))
        want = (n, ro.stop - ro.start, co.stop - co.start, c)
        if block.shape != want:
            raise ValueError(f"reduce {func!r} returned shape {block.shape} for windows of "
                             f"{(hh, ww)}; it must reduce axis=(-2, -1) to shape {want}")
        if out is None:
            out = np.empty((n, oh, ow, c), dtype=block.dtype)
        out[:, ro, co] = block
    if out is None:  # empty output grid, batch or channels
        probe = np.asarray(func(np.zeros((1, 1), dtype=x4.dtype), axis=(-2, -1)))
        out = np.empty((n, oh, ow, c), dtype=probe.dtype)
    return out


@functools.lru_cache(maxsize=256)
def _axis_groups(n, k, s, padding):
    """Runs of outputs along one axis whose windows have one clipped size and step by ``s``.

    Returns ``((j0, j1, first, size), ...)``: outputs ``j0:j1`` read ``size`` input cells from
    ``first + (j - j0) * s`` on. Cached: a map size is usually pooled many times.
    """
    starts, stops = _bounds(n, k, s, padding)
    sizes = stops - starts
    if len(starts) <= 1:  # (a stride beyond the map is not added to int64 starts)
        return ((0, 1, int(starts[0]), int(sizes[0])),) if len(starts) else ()
    cuts = np.flatnonzero((sizes[1:] != sizes[:-1]) | (starts[1:] != starts[:-1] + s)) + 1
    edges = [0, *cuts.tolist(), len(starts)]
    return tuple((j0, j1, int(starts[j0]), int(sizes[j0]))
                 for j0, j1 in zip(edges[:-1], edges[1:]))


def _stride_cap(x4, s):
    """Strides at most the map size: a larger stride gives the same single window."""
    return min(s[0], max(x4.shape[1], 1)), min(s[1], max(x4.shape[2], 1))


def _window_exceeds(x4, k, padding):
    """A 'same' window larger than the map: padding it would cost more than the map itself."""
    return padding == "same" and (k[0] > x4.shape[1] or k[1] > x4.shape[2])


def _compiled_pool(kernel, x4, k, s, padding, dtype=None, extra=()):
    """A new array of ``dtype`` (None: the input's) filled by ``kernel`` (see
    :mod:`pooldemo._kernels`), on the thread pool for large maps. float16, which numba does not
    compute in, is read as float32 (exactly)."""
    src = np.ascontiguousarray(x4, np.float32 if x4.dtype == np.float16 else None)
    n, h, w, c = src.shape
    s = _stride_cap(src, s)
    out = np.empty((n, _out_len(h, k[0], s[0], padding, "H"),
                    _out_len(w, k[1], s[1], padding, "W"), c), dtype or src.dtype)
    if out.size == 0:
        return out
    top, left = padding_split(h, k[0], s[0], padding)[0], padding_split(w, k[1], s[1], padding)[0]

    def block(n0, n1, a, b):
        kernel(src, out, n0, n1, a, b, k[0], k[1], s[0], s[1], top, left, *extra)

    _run_blocks(block, out, s[0] * w * c * src.itemsize)
    return out


def _extreme(x4, k, s, padding, name):
    """Max or min pooling (NaN-ignoring ``fmax``/``fmin``, as tf.nn.max_pool2d) by a compiled
    loop. Windows that touch 'same' padding are reduced over their unpadded cells. Where it needs
    fewer steps (windows taller than one row, such as 3x3 with stride 2 or 1) the reduction is
    separable: each output row's window rows first, then its columns. Max and min do not round,
    so the order gives the same values (where +0 and -0 tie for the maximum, either may come out).
    """
    if _window_exceeds(x4, k, padding):  # no loop over every padded window position
        op = np.fmax if name == "max" else np.fmin
        return _reduce_windows(x4, k, s, padding,
                               lambda w, axis: op.reduce(op.reduce(w, axis=-1), axis=-1))
    from ._kernels import extreme_direct, extreme_separable  # numba: imported on first use

    sw = _stride_cap(x4, s)[1]
    separable = k[0] > 1 and (k[0] - 1) * sw + k[1] <= k[0] * k[1]
    out = _compiled_pool(extreme_separable if separable else extreme_direct, x4, k, s, padding,
                         extra=(name == "max",))
    return out.astype(x4.dtype, copy=False)


def _average(x4, k, s, padding):
    """Average pooling: each window's unpadded cells summed in row-major order from +0, in
    float32 or wider, then divided by their count (adding a padded 0 would change only a -0)."""
    dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
    acc = np.result_type(dtype, np.float32)  # float16 sums overflow: 4 x 60000 > 65504
    if _window_exceeds(x4, k, padding):
        with np.errstate(invalid="ignore"):
            return _reduce_windows(x4.astype(acc, copy=False), k, s, padding,
                                   lambda w, axis: w.mean(axis=axis)).astype(dtype, copy=False)
    from ._kernels import average  # numba: imported on first use

    return _compiled_pool(average, x4, k, s, padding, acc).astype(dtype, copy=False)


# Work is cut into blocks of about _BLOCK_BYTES (input rows and output together), as many for
# every core; a thread that gets its core late leaves its blocks to the others. From
# _PARALLEL_BYTES on, the blocks run on a thread pool with one thread per core: the compiled
# loops release the GIL. When the threads got less than _PAID cores' worth of CPU time between
# them (the other cores are busy with other work), threads only cost: the next _SOLO_CALLS large
# maps run on the calling thread alone.
_BLOCK_BYTES = 1 << 22
_PARALLEL_BYTES = 1 << 20
_WORKERS = max(1, min(os.cpu_count() or 1, 8))
_PAID = 1.25
_SOLO_CALLS = 8
_SOLO = [0]  # how many more large maps run on the calling thread alone
_POOL = []  # the ThreadPoolExecutor, made on first use (and forgotten in a forked child)
_POOL_LOCK = threading.Lock()


def _executor():
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max(_WORKERS - 1, 1), thread_name_prefix="pooldemo"))
        return _POOL[0]


def _forget_pool():
    """In a forked child: the parent's pool threads do not exist, its lock may be held."""
    global _POOL_LOCK
    _POOL.clear()
    _POOL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _run_blocks(block, out, in_row):
    """Call ``block(n0, n1, a, b)`` on blocks of (images ``n0:n1``, output rows ``a:b``) that
    cover ``out``, on the thread pool when the work is large.

    ``in_row``: input bytes read per output row of one image.
    """
    n, oh = out.shape[:2]
    row = in_row + out.nbytes // max(n * oh, 1)
    workers = _WORKERS if n * oh * row >= _PARALLEL_BYTES else 1
    if workers > 1 and _SOLO[0] > 0:
        _SOLO[0] -= 1
        workers = 1
    rows = max(1, _BLOCK_BYTES // row)  # output rows per block, over all its images
    count = -(-n * oh // rows)
    count = -(-count // workers) * workers  # every worker gets as many blocks
    if count == 1:
        block(0, n, 0, oh)
        return
    if count <= n:  # whole images
        edges = [n * i // count for i in range(count + 1)]
        blocks = [(a, b, 0, oh) for a, b in zip(edges[:-1], edges[1:]) if a < b]
    else:  # rows of one image, evenly cut
        cuts = min(-(-count // n), oh)
        edges = [oh * i // cuts for i in range(cuts + 1)]
        blocks = [(i, i + 1, a, b) for i in range(n) for a, b in zip(edges[:-1], edges[1:])]
    if workers == 1:
        for args in blocks:
            block(*args)
        return
    # the calling thread works too, and every thread takes the next block when it is free: a
    # pool thread that gets no core (a busy machine) leaves its share to the others, and is not
    # waited for if it has not started when the work is done
    todo, lock, failed, cpu = iter(blocks), threading.Lock(), [], []

    def work():
        start = time.thread_time()
        try:
            while not failed:
                with lock:
                    args = next(todo, None)
                if args is None:
                    return
                try:
                    block(*args)
                except BaseException:
                    failed.append(True)
                    raise
        finally:
            cpu.append(time.thread_time() - start)

    new_pool = not _POOL  # (starting its threads is not a sign of a busy machine)
    start = time.perf_counter()
    helpers = [_executor().submit(work) for _ in range(workers - 1)]
    try:
        work()
    finally:
        for helper in helpers:
            if not helper.cancel():
                helper.result()
    if sum(cpu) < _PAID * (time.perf_counter() - start) and not new_pool:
        _SOLO[0] = _SOLO_CALLS


def _check_reduce(reduce):
    if callable(reduce):
        return "callable"
    if isinstance(reduce, str) and reduce.lower() in REDUCTIONS + ("avg", "mean"):
        name = reduce.lower()
        return "average" if name in ("avg", "mean") else name
    raise ValueError(f"reduce must be one of {REDUCTIONS} or a callable, got {reduce!r}")


def _window_args(x4, pool_size, strides, padding):
    k = as_pair(pool_size, "pool_size")
    s = k if strides is None else as_pair(strides, "strides")
    padding = check_padding(padding)
    for axis, n, kk in (("H", x4.shape[1], k[0]), ("W", x4.shape[2], k[1])):
        _out_len(n, kk, 1, padding, axis)  # raises for a window larger than a valid input
    return k, s, padding


def _to_nhwc(x):
    arr = as_feature_map(x)
    if arr.ndim == 2:
        return arr[None, :, :, None], "hw"
    if arr.ndim == 3:
        return arr[None], "hwc"
    return arr, None


def _from_nhwc(out, squeeze):
    if squeeze == "hw":
        return out[0, :, :, 0]
    if squeeze == "hwc":
        return out[0]
    return out
