"""Compiled loops behind :func:`pooldemo.pool2d`'s "max", "min" and "average" (numba).

Each kernel fills output rows ``a:b`` of images ``n0:n1`` of a channels-last ``out`` from a
C-contiguous ``x``, so that ``pooling._run_blocks`` can hand blocks of rows to a thread pool
(the kernels release the GIL). A window is clipped to the map: with 'same' padding the padded
cells are simply not visited, which is TensorFlow's rule (they never win a max and are not
counted in an average).

The loops compute what the numpy formulation computes (``sliding_window_view`` then a reduction),
reading each input cell a few times at most, and the results are the same bit for bit
(``tests/test_pooling.py`` compares them with a plain numpy reference):

- max/min: ``np.fmax``/``np.fmin`` semantics (NaN ignored unless the whole window is NaN). They
  do not round, so the order of the cells does not matter; where windows are taller than one
  row, each output row's window rows are reduced first into a scratch row (one long contiguous
  loop per input row), then its columns.
- average: the window's cells summed in row-major order in the accumulator's dtype (float32 for
  float32 input, float64 otherwise), plus +0 (so a sum is never -0), then divided by the number
  of cells (multiplied by its inverse when that is a power of two: the same rounding).

numba compiles each kernel once per input dtype and caches the machine code on disk
(``cache=True``), so later processes load it instead of compiling again.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["extreme_direct", "extreme_separable", "average"]

_JIT = dict(nogil=True, cache=True, boundscheck=False)


@numba.njit(inline="always", **_JIT)
def _span(j, k, s, before, n):
    """Input cells ``[lo, hi)`` of output ``j``'s window along an axis of ``n`` cells."""
    lo = j * s - before
    return max(lo, 0), min(lo + k, n)


@numba.njit(inline="always", **_JIT)
def _put(dst, src):
    """``dst[:] = src`` (numba's slice assignment costs more than this loop on short runs)."""
    for ch in range(dst.shape[0]):
        dst[ch] = src[ch]


@numba.njit(inline="always", **_JIT)
def _take(dst, src, want_max):
    """``dst = fmax(dst, src)`` (or fmin) over one run of channels: NaN in ``dst`` loses."""
    if want_max:
        for ch in range(dst.shape[0]):
            v, m = src[ch], dst[ch]
            dst[ch] = v if (v > m) | (m != m) else m
    else:
        for ch in range(dst.shape[0]):
            v, m = src[ch], dst[ch]
            dst[ch] = v if (v < m) | (m != m) else m


@numba.njit(inline="always", **_JIT)
def _add(dst, src, unused):
    """``dst += src`` over one run of channels (in ``dst``'s dtype)."""
    for ch in range(dst.shape[0]):
        dst[ch] = dst[ch] + src[ch]


@numba.njit(inline="always", **_JIT)
def _fold_window(dst, x, i, r0, r1, q0, q1, step, arg):
    """``dst`` = the window's first cell, then ``step(dst, cell, arg)`` for each other cell of
    rows ``r0:r1``, columns ``q0:q1`` of image ``i``, in row-major order."""
    _put(dst, x[i, r0, q0])
    for r in range(r0, r1):
        for q in range(q0 + 1 if r == r0 else q0, q1):
            step(dst, x[i, r, q], arg)


@numba.njit(**_JIT)
def extreme_direct(x, out, n0, n1, a, b, kh, kw, sh, sw, top, left, want_max):
    """Max (or min) pooling of ``out[n0:n1, a:b]``, one window at a time."""
    h, w = x.shape[1], x.shape[2]
    for i in range(n0, n1):
        for oy in range(a, b):
            r0, r1 = _span(oy, kh, sh, top, h)
            for ox in range(out.shape[2]):
                q0, q1 = _span(ox, kw, sw, left, w)
                _fold_window(out[i, oy, ox], x, i, r0, r1, q0, q1, _take, want_max)


@numba.njit(**_JIT)
def extreme_separable(x, out, n0, n1, a, b, kh, kw, sh, sw, top, left, want_max):
    """Max (or min) pooling of ``out[n0:n1, a:b]``: for each output row, its windows' rows are
    reduced into a scratch row (every column and channel in one contiguous run), then the scratch
    row's columns into each output."""
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    row = np.empty((w, c), x.dtype)
    flat = row.reshape(w * c)
    for i in range(n0, n1):
        for oy in range(a, b):
            r0, r1 = _span(oy, kh, sh, top, h)
            _put(flat, x[i, r0].reshape(w * c))
            for r in range(r0 + 1, r1):
                _take(flat, x[i, r].reshape(w * c), want_max)
            dst = out[i, oy]
            for ox in range(dst.shape[0]):
                q0, q1 = _span(ox, kw, sw, left, w)
                _put(dst[ox], row[q0])
                for q in range(q0 + 1, q1):
                    _take(dst[ox], row[q], want_max)


@numba.njit(**_JIT)
def average(x, out, n0, n1, a, b, kh, kw, sh, sw, top, left):
    """Average pooling of ``out[n0:n1, a:b]`` (``out`` has the accumulator's dtype)."""
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    typed = np.zeros(2, out.dtype)  # [0] is +0, [1] the divisor: scalars of the out dtype
    for i in range(n0, n1):
        for oy in range(a, b):
            r0, r1 = _span(oy, kh, sh, top, h)
            for ox in range(out.shape[2]):
                q0, q1 = _span(ox, kw, sw, left, w)
                dst = out[i, oy, ox]
                _fold_window(dst, x, i, r0, r1, q0, q1, _add, False)
                for ch in range(c):
                    dst[ch] = dst[ch] + typed[0]  # from +0: never a -0 sum
                count = (r1 - r0) * (q1 - q0)
                if count & (count - 1):
                    typed[1] = count
                    for ch in range(c):
                        dst[ch] = dst[ch] / typed[1]
                elif count > 1:
                    typed[1] = 1.0 / count
                    for ch in range(c):
                        dst[ch] = dst[ch] * typed[1]
