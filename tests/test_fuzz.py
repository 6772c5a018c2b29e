"""Fuzzing the public API with hypothesis (GitHub issue 7).

Every public function gets generated inputs: every rank, zero-size and 1x1 maps, windows larger
than the input, non-integer / negative / bool / huge sizes and strides, NaN and +-inf, integer and
boolean dtypes, wrong types. Each call must either give the right answer (checked against simple
loop implementations here, and against TensorFlow for max and average pooling) or raise
ValueError / TypeError whose message names the bad argument and its value. Any other exception,
or a silently wrong shape, fails.

The examples are derandomized (the same inputs on every run) and counted: the last test checks
that at least 10,000 inputs were run when the whole file runs.
"""

from __future__ import annotations

import collections
import importlib
import math
import numbers
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pooldemo
from pooldemo import pooling

rfm = importlib.import_module("pooldemo.receptive")

COUNT = collections.Counter()
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))


def fuzz(n):
    """Hypothesis settings: ``n`` derandomized examples (the same inputs on every run)."""
    return settings(FUZZ, max_examples=n)

# --- strategies ----------------------------------------------------------------------------------

DTYPES = [np.float64, np.float32, np.float16, np.int8, np.int32, np.int64, np.uint8, np.bool_]
HUGE = [2**31, 10**12, 2**62, 2**63, 10**30]


def maps(ranks=(0, 1, 2, 3, 4, 5), max_side=6, dtypes=DTYPES):
    """Arrays of any listed rank; dims 0..max_side (small on N and C), NaN/inf in floats."""
    def shape_for(rank):
        dims = [st.integers(0, 2) if (rank == 4 and i == 0) or (rank >= 3 and i == rank - 1)
                else st.integers(0, max_side) for i in range(rank)]
        return st.tuples(*dims)

    def elements(dtype):
        if np.dtype(dtype).kind == "f":
            return st.one_of(st.floats(-1e3, 1e3, width=16 if dtype == np.float16 else 32),
                             st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0]))
        if np.dtype(dtype).kind == "b":
            return st.booleans()
        info = np.iinfo(dtype)
        return st.one_of(st.integers(max(info.min, -100), min(info.max, 100)),
                         st.sampled_from([int(info.min), int(info.max)]))

    rank = st.sampled_from(ranks)
    dtype = st.sampled_from(dtypes)
    return st.tuples(rank, dtype).flatmap(
        lambda rd: hnp.arrays(rd[1], shape_for(rd[0]), elements=elements(rd[1])))


def size_args(low=1, high=5):
    """Mostly valid window sizes / strides, plus every kind of bad one."""
    good = st.one_of(st.integers(low, high),
                     st.tuples(st.integers(low, high), st.integers(low, high)),
                     st.integers(low, high).map(np.int64))
    bad = st.one_of(
        st.integers(-3, 0), st.booleans(), st.floats(allow_nan=True), st.just(2.0),
        st.sampled_from(HUGE), st.sampled_from(["2", None, (2,), (1, 2, 3), [2, 0], (2, 1.5),
                                                (True, 2), np.array([2, 2]), np.array([[1]]),
                                                complex(2, 0), b"2", {2: 2}]),
    )
    return st.one_of(good, good, good, bad)


PADDINGS = st.sampled_from(["valid", "same", "VALID", "Same", "full", "", 1, None, b"same"])
REDUCES = st.sampled_from(["max", "average", "min", "median", "avg", "mean", "MAX", "sum", "",
                           3, None, np.max])


# --- the oracle: which argument is bad, and the right answer --------------------------------------

class Bad(Exception):
    """Expected failure: exception types allowed and the argument names allowed in the message."""

    def __init__(self, types, *names):
        super().__init__(names)
        self.types, self.names = types, names


def ref_pair(value, name):
    """Expected (k, k) pair, or raise Bad naming ``name``."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise Bad((ValueError, TypeError), name)
        return tuple(ref_int(v, name) for v in value)
    return (ref_int(value, name),) * 2


def ref_int(value, name, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise Bad((TypeError, ValueError), name)
    if value < minimum:
        raise Bad((ValueError,), name)
    return int(value)


def ref_map(x, name="x", ranks=(2, 3, 4)):
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise Bad((TypeError,), name)
    if arr.ndim not in ranks:
        raise Bad((ValueError,), name)
    return arr


def ref_padding(padding):
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise Bad((ValueError,), "padding")
    return padding.lower()


def ref_reduce(reduce):
    if callable(reduce):
        return reduce
    if isinstance(reduce, str) and reduce.lower() in ("max", "average", "min", "median", "avg",
                                                      "mean"):
        return {"avg": "average", "mean": "average"}.get(reduce.lower(), reduce.lower())
    raise Bad((ValueError,), "reduce")


def _tf_len(n, k, s, padding):
    if padding == "valid":
        if n < k:
            raise Bad((ValueError,), "pool_size")
        return (n - k) // s + 1
    return -(-n // s)


def tf_bounds(n, k, s, padding):
    """Windows along one axis by TensorFlow's rule, written out independently with loops."""
    if padding == "valid":
        out = (n - k) // s + 1 if n >= k else None
        before = 0
    else:
        out = -(-n // s)
        before = max((out - 1) * s + k - n, 0) // 2
    if out is None:
        raise Bad((ValueError,), "pool_size")
    return [(max(j * s - before, 0), min(j * s - before + k, n)) for j in range(out)]


def ref_window_args(x, pool_size, strides, padding):
    """Check the arguments in any order: every bad argument is collected."""
    bad, arr, k, s, pad = [], None, None, None, None
    for name, check in (("x", lambda: ref_map(x)),
                        ("pool_size", lambda: ref_pair(pool_size, "pool_size")),
                        ("strides",
                         lambda: None if strides is None else ref_pair(strides, "strides")),
                        ("padding", lambda: ref_padding(padding))):
        try:
            value = check()
        except Bad as b:
            bad.append(b)
            continue
        arr, k, s, pad = ((value, k, s, pad) if name == "x" else (arr, value, s, pad)
                          if name == "pool_size" else (arr, k, value, pad) if name == "strides"
                          else (arr, k, s, value))
    if bad:
        raise Bad(tuple({t for b in bad for t in b.types}), *[n for b in bad for n in b.names])
    s = k if s is None else s
    x4 = arr.reshape((1,) * (4 - arr.ndim) + arr.shape) if arr.ndim < 4 else arr
    if arr.ndim == 3:
        x4 = arr[None]
    elif arr.ndim == 2:
        x4 = arr[None, :, :, None]
    rows = tf_bounds(x4.shape[1], k[0], s[0], pad)
    cols = tf_bounds(x4.shape[2], k[1], s[1], pad)
    return arr, x4, rows, cols


def squeeze_like(arr, out4):
    if arr.ndim == 2:
        return out4[0, :, :, 0]
    if arr.ndim == 3:
        return out4[0]
    return out4


def ref_pool(x, pool_size, strides, padding, reduce):
    arr, x4, rows, cols = ref_window_args(x, pool_size, strides, padding)
    name = ref_reduce(reduce)
    n, _, _, c = x4.shape
    floats = x4.astype(np.float64)
    out = np.empty((n, len(rows), len(cols), c), dtype=np.float64)
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            win = floats[:, r0:r1, c0:c1, :].reshape(n, (r1 - r0) * (c1 - c0), c)
            if name == "max":
                out[:, i, j] = np.fmax.reduce(win, axis=1) if win.shape[1] else np.nan
            elif name == "min":
                out[:, i, j] = np.fmin.reduce(win, axis=1) if win.shape[1] else np.nan
            elif name == "average":
                out[:, i, j] = win.sum(axis=1) / win.shape[1]
            elif name == "median":
                out[:, i, j] = np.median(win, axis=1)
            else:
                out[:, i, j] = reduce(x4[:, r0:r1, c0:c1, :].transpose(0, 3, 1, 2), axis=(-2, -1))
    return arr, squeeze_like(arr, out)


def expect_dtype(arr, name):
    if name in ("max", "min"):
        return arr.dtype
    if name == "average":
        return arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    return None  # median: some float


def check_error(exc, bad):
    """The raised error is an allowed type and its message names a bad argument (and its value)."""
    assert isinstance(exc, bad.types), f"{type(exc).__name__}: {exc} (expected {bad.types})"
    msg = str(exc)
    assert any(n in msg for n in bad.names), f"message {msg!r} does not name any of {bad.names}"


def call(func, oracle):
    """Run the oracle, then the function; compare errors. Returns (result, expected) or None."""
    try:
        expected = oracle()
    except Bad as bad:
        with pytest.raises((ValueError, TypeError)) as info:
            func()
        check_error(info.value, bad)
        return None
    return func(), expected


def close(actual, expected, dtype):
    actual = np.asarray(actual)
    assert actual.shape == np.shape(expected), (actual.shape, np.shape(expected))
    rtol = {np.dtype(np.float16): 2e-3, np.dtype(np.float32): 2e-6}.get(np.dtype(dtype), 1e-12)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=rtol,
                                   atol=rtol * 1e3 if np.dtype(dtype) == np.float16 else 1e-9)


# --- pooling ------------------------------------------------------------------------------------

@fuzz(800)
@given(x=maps(), pool_size=size_args(), strides=st.one_of(st.none(), size_args()),
       padding=PADDINGS, reduce=REDUCES)
def test_pool2d(x, pool_size, strides, padding, reduce):
    COUNT["pool2d"] += 1
    got = call(lambda: pooling.pool2d(x, pool_size, strides, padding, reduce),
               lambda: ref_pool(x, pool_size, strides, padding, reduce))
    if got is None:
        return
    out, (arr, expected) = got
    name = ref_reduce(reduce)
    assert out.ndim == arr.ndim
    want = expect_dtype(arr, name) if isinstance(name, str) else None
    if want is not None:
        assert out.dtype == want, (out.dtype, want)
    elif isinstance(name, str):
        assert out.dtype.kind == "f"
    close(out, expected, out.dtype if out.dtype.kind == "f" else np.float64)


@fuzz(300)
@given(x=maps(), reduce=REDUCES)
def test_global_pool(x, reduce):
    COUNT["global_pool"] += 1

    def oracle():
        arr = ref_map(x)
        name = ref_reduce(reduce)
        x4 = arr[None, :, :, None] if arr.ndim == 2 else arr[None] if arr.ndim == 3 else arr
        if x4.shape[1] == 0 or x4.shape[2] == 0:
            raise Bad((ValueError,), "global_pool", "x", "size")
        flat = x4.astype(np.float64).reshape(x4.shape[0], x4.shape[1] * x4.shape[2], x4.shape[3])
        func = {"max": np.max, "min": np.min, "average": np.mean, "median": np.median}.get(name)
        out = func(flat, axis=1) if func else reduce(x4, axis=(1, 2))
        return arr, out[0, 0] if arr.ndim == 2 else out[0] if arr.ndim == 3 else out

    got = call(lambda: pooling.global_pool(x, reduce), oracle)
    if got is not None:
        out, (arr, expected) = got
        close(out, expected, np.asarray(out).dtype if np.asarray(out).dtype.kind == "f"
              else np.float64)


@fuzz(800)
@given(size=st.one_of(st.integers(-2, 40), st.tuples(st.integers(0, 40), st.integers(0, 40)),
                      st.sampled_from([True, 2.0, None, "7", (), (1, 2, 3), [5, -1], 10**30])),
       pool_size=size_args(), strides=st.one_of(st.none(), size_args()), padding=PADDINGS)
def test_pool_output_size_and_window_bounds(size, pool_size, strides, padding):
    COUNT["pool_output_size"] += 1

    def oracle(pair_ok):
        bad = []
        sizes = size if isinstance(size, (tuple, list)) else (size,)
        if isinstance(size, (tuple, list)) and not pair_ok:
            bad.append(Bad((ValueError, TypeError), "size"))
        elif len(sizes) not in (1, 2):
            bad.append(Bad((ValueError,), "size"))
        else:
            for v in sizes:
                try:
                    ref_int(v, "size", minimum=0)
                except Bad as b:
                    bad.append(b)
        for name, v in (("pool_size", pool_size), ("strides", strides)):
            if v is None and name == "strides":
                continue
            try:
                (ref_pair if pair_ok else ref_int)(v, name)
            except Bad as b:
                bad.append(b)
        try:
            ref_padding(padding)
        except Bad as b:
            bad.append(b)
        if bad:
            raise Bad(tuple({t for b in bad for t in b.types}), *[n for b in bad for n in b.names])
        k = ref_pair(pool_size, "pool_size") if pair_ok else (pool_size,) * 2
        s = k if strides is None else (ref_pair(strides, "strides") if pair_ok else (strides,) * 2)
        if any(int(n) > 10**4 for n in sizes):  # lengths only: 10**30 windows are not listed
            return [_tf_len(int(n), kk, ss, padding.lower()) for n, kk, ss in zip(sizes, k, s)]
        return [tf_bounds(int(n), kk, ss, padding.lower()) for n, kk, ss in zip(sizes, k, s)]

    got = call(lambda: pooling.pool_output_size(size, pool_size, strides, padding),
               lambda: oracle(True))
    if got is not None:
        out, bounds = got
        lens = tuple(b if isinstance(b, int) else len(b) for b in bounds)
        assert out == (lens if isinstance(size, (tuple, list)) else lens[0])
    if isinstance(size, int) and size > 10**4:  # 10**30 windows: too many to list
        return
    COUNT["window_bounds"] += 1
    got = call(lambda: pooling.window_bounds(size, pool_size, strides, padding),
               lambda: oracle(False))
    if got is not None:
        (starts, stops), (bounds,) = got
        assert list(zip(starts.tolist(), stops.tolist())) == bounds


@fuzz(800)
@given(x=maps(dtypes=[np.float64, np.float32, np.int32, np.uint8, np.bool_]),
       pool_size=size_args(1, 4), strides=st.one_of(st.none(), size_args(1, 3)), padding=PADDINGS,
       up_seed=st.integers(0, 3))
def test_argmax_ties_and_gradient(x, pool_size, strides, padding, up_seed):
    COUNT["pool_argmax"] += 1

    def oracle():
        arr, x4, rows, cols = ref_window_args(x, pool_size, strides, padding)
        f = np.where(np.isnan(x4.astype(np.float64)), -np.inf, x4.astype(np.float64))
        n, _, _, c = x4.shape
        arg = np.zeros((2, n, len(rows), len(cols), c), dtype=int)
        ties = np.zeros((n, len(rows), len(cols), c), dtype=int)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                for b in range(n):
                    for ch in range(c):
                        win = f[b, r0:r1, c0:c1, ch]
                        flat = int(np.argmax(win))  # first in row-major order
                        arg[:, b, i, j, ch] = (r0 + flat // win.shape[1], c0 + flat % win.shape[1])
                        raw = x4[b, r0:r1, c0:c1, ch].astype(np.float64)
                        ties[b, i, j, ch] = np.sum(raw == np.fmax.reduce(raw.ravel()))
        return arr, x4, arg, ties

    got = call(lambda: pooling.pool_argmax(x, pool_size, strides, padding), oracle)
    if got is None:
        return
    (rows, cols), (arr, x4, arg, ties) = got
    np.testing.assert_array_equal(rows, squeeze_like(arr, arg[0]))
    np.testing.assert_array_equal(cols, squeeze_like(arr, arg[1]))
    COUNT["pool_tie_counts"] += 1
    np.testing.assert_array_equal(pooling.pool_tie_counts(x, pool_size, strides, padding),
                                  squeeze_like(arr, ties))
    COUNT["max_pool_gradient"] += 1
    up = np.random.default_rng(up_seed).normal(size=rows.shape)
    grad = np.zeros(x4.shape)
    for idx in np.ndindex(arg.shape[1:]):
        grad[idx[0], arg[0][idx], arg[1][idx], idx[3]] += up.reshape(arg.shape[1:])[idx]
    np.testing.assert_allclose(pooling.max_pool_gradient(x, up, pool_size, strides, padding),
                               squeeze_like(arr, grad))
    bad_up = np.zeros(rows.shape + (1,))
    with pytest.raises(ValueError, match="upstream"):
        pooling.max_pool_gradient(x, bad_up, pool_size, strides, padding)


# --- NaN, inf and exactness against TensorFlow -------------------------------------------------

@fuzz(400)
@given(x=hnp.arrays(np.float32, st.tuples(st.integers(1, 2), st.integers(1, 6), st.integers(1, 6),
                                          st.integers(1, 2)),
                    elements=st.one_of(st.floats(-100, 100, width=32),
                                       st.sampled_from([np.nan, np.inf, -np.inf]))),
       k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       padding=st.sampled_from(["valid", "same"]))
def test_against_tensorflow(tf, x, k, s, padding):
    """max and average pooling equal tf.nn, NaN and inf included (TF's max returns the lowest
    float32 for a window of only NaN or only -inf, where pooldemo keeps NaN / -inf, and flushes
    subnormal results to 0)."""
    assume(padding == "same" or (k[0] <= x.shape[1] and k[1] <= x.shape[2]))
    COUNT["tensorflow"] += 2
    t = tf.constant(x)
    ours = pooling.pool2d(x, k, s, padding, "max")
    theirs = tf.nn.max_pool2d(t, k, s, padding.upper()).numpy()
    lowest = np.finfo(np.float32).min
    expect = np.where(np.isnan(ours) | (ours == -np.inf), lowest, ours)
    # TensorFlow's CPU kernels flush subnormal floats (below 1.2e-38) to zero, except where a
    # 1x1 window passes the input through (found by this test: 1e-45); pooldemo keeps them
    subnormal = np.abs(expect) < np.finfo(np.float32).tiny
    theirs = np.where(subnormal & (theirs == 0), expect, theirs)
    np.testing.assert_array_equal(theirs, expect)
    with warnings.catch_warnings():  # inf - inf warns: AVG_BUG below
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = pooling.pool2d(x, k, s, padding, "average")
    theirs = tf.nn.avg_pool2d(t, k, s, padding.upper()).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


def test_nan_rules_against_keras_layers(tf):
    """The NaN rules of pooling.py's docstring, each checked on tf.keras layers."""
    COUNT["tensorflow"] += 6
    x = np.array([[5, np.nan, -1, 2], [np.nan, np.nan, 0, 0]], dtype="float32")[None, :, :, None]
    layer = tf.keras.layers
    keras_max = layer.MaxPooling2D(2)(x).numpy()
    assert pooling.pool2d(x, 2).tolist() == keras_max.tolist() == [[[[5.0], [2.0]]]]
    keras_avg = layer.AveragePooling2D(2)(x).numpy()
    ours = pooling.pool2d(x, 2, reduce="average")
    assert np.isnan(keras_avg[0, 0, 0, 0]) and np.isnan(ours[0, 0, 0, 0])
    assert ours[0, 0, 1, 0] == keras_avg[0, 0, 1, 0] == 0.25
    assert np.isnan(np.median([5, np.nan]))
    assert np.isnan(pooling.pool2d(x, 2, reduce="median")[0, 0, 0, 0])
    # global pooling propagates NaN for every reduction, as GlobalMaxPooling2D does
    for reduce, klass in (("max", layer.GlobalMaxPooling2D),
                          ("average", layer.GlobalAveragePooling2D)):
        assert np.isnan(klass()(x).numpy()[0, 0]) and np.isnan(pooling.global_pool(x, reduce)[0, 0])
    assert np.isnan(pooling.global_pool(x, "min")[0, 0])
    only_nan = np.full((1, 2, 2, 1), np.nan, dtype="float32")
    assert np.isnan(pooling.pool2d(only_nan, 2)[0, 0, 0, 0])
    assert tf.nn.max_pool2d(only_nan, 2, 2, "VALID").numpy()[0, 0, 0, 0] == np.finfo("float32").min


# --- the reported pooling bug (issue 7): huge window sizes and strides -------------------------

BUG = ("pooling.py: pool2d with padding='same' materialises the padding (np.full of "
       "(H + pad) x (W + pad)) and loops over every window offset, so a huge pool_size raises "
       "numpy's 'array is too big' / 'Maximum allowed dimension exceeded' (naming no argument) or "
       "runs for ages; _bounds multiplies numpy int64 by Python ints and overflows for sizes or "
       "strides >= 2**63. Fix proposed in the issue 7 report.")


@pytest.mark.parametrize("reduce", ["max", "average"])
@pytest.mark.parametrize("k", [10**12, 10**30])
def test_huge_same_window_is_the_whole_map(k, reduce):
    x = np.arange(12.0).reshape(3, 4)
    out = pooling.pool2d(x, k, padding="same", reduce=reduce)
    assert out.shape == (1, 1)
    assert out[0, 0] == pooling.global_pool(x, reduce)


def test_huge_strides_and_windows_in_window_bounds():
    starts, stops = pooling.window_bounds(5, 2, 10**30)
    assert (starts.tolist(), stops.tolist()) == ([0], [2])
    starts, stops = pooling.window_bounds(5, 10**30, padding="same")
    assert (starts.tolist(), stops.tolist()) == ([0], [5])
    rows, cols = pooling.pool_argmax(np.eye(3), 2, 2**63)
    assert (rows.tolist(), cols.tolist()) == ([[0]], [[0]])


def test_large_same_window_is_fast():
    x = np.random.default_rng(0).normal(size=(8, 8))
    start = time.perf_counter()
    out = pooling.pool2d(x, 400, strides=1, padding="same")
    assert time.perf_counter() - start < 0.5
    assert out.shape == (8, 8)


AVG_BUG = ("pooling.py _average: sums float16 windows in float16 (4 x 60000 overflows to inf, "
           "so the average of 60000s is inf) and warns 'invalid value' on inf + -inf (the NaN "
           "result is right, as in TF, but RuntimeWarnings from pooldemo are errors in this "
           "suite). Fix proposed in the issue 7 report.")


def test_float16_average_does_not_overflow():
    x = np.full((2, 2), 60000, dtype=np.float16)
    out = pooling.pool2d(x, 2, reduce="average")
    assert out.dtype == np.float16 and out[0, 0] == np.float16(60000)


def test_average_of_inf_and_minus_inf_is_nan_without_warning():
    x = np.array([[np.inf, -np.inf], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = pooling.pool2d(x, 2, reduce="average")
    assert np.isnan(out[0, 0])


NAN_PAD_BUG = ("pooling.py _extreme pads 'same' float maps with -inf/+inf, so a window of only "
               "NaN that touches the padding gives -inf/+inf instead of NaN (the docstring says "
               "NaN; with padding='valid' it is NaN). Fix: pad floats with NaN, which fmax/fmin "
               "ignore.")
EMPTY_BUG = ("pooling.py: pool2d(reduce='median') and global_pool(reduce='median') fail when the "
             "batch or channel axis is empty: np.median raises its reshape ValueError, naming no "
             "argument; the result should be an empty array of the pooled shape, as for 'max', "
             "'average' and a callable such as np.max.")


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_padded_all_nan_window_is_nan(reduce):
    out = pooling.pool2d(np.full((1, 1), np.nan), 2, padding="same", reduce=reduce)
    assert np.isnan(out[0, 0])


def test_zero_channels_give_empty_result():
    assert pooling.pool2d(np.zeros((4, 4, 0)), 2, reduce=np.max).shape == (2, 2, 0)
    out = pooling.pool2d(np.zeros((4, 4, 0)), 2, reduce="median")
    assert out.shape == (2, 2, 0)


def test_global_median_of_zero_channels_is_empty():
    assert pooling.global_pool(np.zeros((4, 4, 0)), "median").shape == (0,)


# --- receptive fields ---------------------------------------------------------------------------

def ref_rf(layers, n):
    """Closed form written out directly (Araujo et al. 2019), one axis, with TF padding."""
    r, j, start = 1, 1, 0.0
    out = []
    for kind, k, s, pad, d in layers:
        if kind == "zeropad":
            start -= pad * j
            n = None if n is None else n + 2 * pad
        else:
            kk = d * (k - 1) + 1
            if pad == "valid":
                before = 0
                if n is not None:
                    if n < kk:
                        raise Bad((ValueError,), "kernel", "larger")
                    n = (n - kk) // s + 1
            elif n is not None:
                o = -(-n // s)
                before = max((o - 1) * s + kk - n, 0) // 2
                n = o
            elif s == 1:
                before = (kk - 1) // 2
            else:
                raise Bad((ValueError,), "input_size")
            r, start, j = r + (kk - 1) * j, start + ((kk - 1) / 2 - before) * j, j * s
        out.append((r, j, start, n))
    return out


LAYER = st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 7), st.integers(1, 3),
              st.sampled_from(["valid", "same"]), st.integers(1, 3)),
    st.tuples(st.just("pool"), st.integers(1, 4), st.integers(1, 4),
              st.sampled_from(["valid", "same"]), st.just(1)),
    st.tuples(st.just("zeropad"), st.just(1), st.just(1), st.integers(0, 3), st.just(1)),
)


@fuzz(800)
@given(layers=st.lists(LAYER, max_size=7),
       n=st.one_of(st.none(), st.integers(1, 64)),
       probe=st.tuples(st.integers(0, 8), st.integers(0, 8)))
def test_receptive_field(layers, n, probe):
    COUNT["receptive_field"] += 1
    specs = [rfm.specs.Conv2D(k, s, p, d) if kind == "conv" else rfm.specs.MaxPooling2D(k, s, p)
             if kind == "pool" else rfm.specs.ZeroPadding2D(p) for kind, k, s, p, d in layers]
    got = call(lambda: rfm.receptive_field(specs, n), lambda: ref_rf(layers, n))
    if got is None:
        return
    recs, expected = got
    assert len(recs) == len(layers)
    for rec, (r, j, start, size) in zip(recs, expected):
        assert rec.size == (r, r) and rec.jump == (j, j) and rec.start == (start, start)
        assert rec.output_size == (None if n is None else (size, size))
        COUNT["unit_box"] += 1
        box = rfm.unit_box(rec, *probe)
        centre = start + probe[0] * j
        assert box[0] == (math.floor(centre - (r - 1) / 2), math.ceil(centre + (r - 1) / 2))
        assert box[0][1] - box[0][0] + 1 == r


BAD_LAYER_ARGS = st.one_of(st.integers(-3, 0), st.booleans(), st.floats(), st.sampled_from(
    [None, "3", (3,), (1, 2, 3), [3, 0], (3, 2.5), 10**30, np.float64(3)]), st.integers(1, 4))


@fuzz(600)
@given(kind=st.sampled_from(["conv", "pool", "zeropad", "global", "flatten", "pointwise", "dense",
                             "", 3]),
       kernel=BAD_LAYER_ARGS, stride=BAD_LAYER_ARGS, dilation=BAD_LAYER_ARGS, padding=PADDINGS,
       pad=st.one_of(BAD_LAYER_ARGS, st.sampled_from([((1, 2), (0, 1)), ((1, -1), (0, 0)),
                                                      (1, 2, 3), ((1, 2), 3)])))
def test_layer_spec_validation(kind, kernel, stride, dilation, padding, pad):
    COUNT["LayerSpec"] += 1

    def oracle():
        bad = []
        if kind not in ("conv", "pool", "zeropad", "global", "flatten", "pointwise"):
            bad.append(Bad((ValueError,), "kind"))
        for name, v in (("kernel", kernel), ("stride", stride), ("dilation", dilation)):
            try:
                if isinstance(v, (tuple, list)):
                    if len(v) != 2:
                        raise Bad((ValueError,), name)
                    [ref_int(e, name) for e in v]
                else:
                    ref_int(v, name)
            except Bad as b:
                bad.append(b)
        try:
            ref_padding(padding)
        except Bad as b:
            bad.append(b)
        ok_pad = isinstance(pad, numbers.Integral) and not isinstance(pad, bool) and pad >= 0
        ok_pad = ok_pad or (isinstance(pad, (tuple, list)) and len(pad) == 2 and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0
            for v in np.ravel(np.array(pad, dtype=object)) if not isinstance(v, (tuple, list)))
            and (all(isinstance(v, tuple) and len(v) == 2 for v in pad)
                 or not any(isinstance(v, (tuple, list)) for v in pad)))
        if not ok_pad:
            bad.append(Bad((ValueError, TypeError), "pad"))
        if bad:
            raise Bad(tuple({t for b in bad for t in b.types}), *[n for b in bad for n in b.names])

    got = call(lambda: rfm.LayerSpec(kind, kernel, stride, padding, dilation, pad), oracle)
    if got is not None:
        spec, _ = got
        want = (kernel,) * 2 if not isinstance(kernel, (tuple, list)) else tuple(kernel)
        assert spec.kernel == want


# --- data ---------------------------------------------------------------------------------------

@fuzz(250)
@given(label=st.one_of(st.integers(-2, 11), st.sampled_from([True, 7.0, "7", None, np.int64(3)])),
       index=st.one_of(st.integers(-2, 120), st.sampled_from([False, 1.0, None, 10**30])))
def test_digit(label, index):
    COUNT["digit"] += 1

    def oracle():
        bad = []
        try:
            if not 0 <= ref_int(label, "label", minimum=0) <= 9:
                raise Bad((ValueError,), "label")
        except Bad as b:
            bad.append(b)
        if bad:
            raise bad[0]
        data = pooldemo.data.load_mnist()
        where = np.nonzero(data.y_test == label)[0]
        try:
            i = ref_int(index, "index", minimum=0)
        except Bad:
            raise Bad((ValueError, TypeError), "index") from None
        if i >= len(where):
            raise Bad((ValueError,), "index")
        return data.x_test[where[i]]

    got = call(lambda: pooldemo.data.digit(label, index), oracle)
    if got is not None:
        out, expected = got
        assert out.shape == (28, 28) and out.dtype == np.float32
        np.testing.assert_array_equal(out, expected)


# --- the helpers' math modules -------------------------------------------------------------------

@fuzz(300)
@given(x=maps(ranks=(0, 1, 2, 3), max_side=7), kernel=st.one_of(
    st.sampled_from(["vertical", "horizontal", "diagonal", "anti-diagonal", "sobel", "", None, 3]),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
               elements=st.floats(-3, 3))),
    padding=PADDINGS)
def test_edges_conv2d(x, kernel, padding):
    edges = pytest.importorskip("pooldemo.edges")
    COUNT["edges.conv2d"] += 1

    def oracle():
        bad = []
        try:
            arr = ref_map(x, "x", ranks=(2,))
            if arr.size == 0:
                raise Bad((ValueError,), "x")
        except Bad as b:
            bad.append(b)
        if isinstance(kernel, str):
            if kernel not in edges.EDGE_FILTERS:
                bad.append(Bad((ValueError,), "kernel"))
            k = np.asarray(edges.EDGE_FILTERS.get(kernel, np.ones((1, 1))), dtype=float)
        else:
            k = np.asarray(kernel)
            if k.dtype.kind not in "biuf" or k.ndim != 2 or k.size == 0:
                bad.append(Bad((ValueError, TypeError), "kernel"))
        try:
            pad = ref_padding(padding)
        except Bad as b:
            bad.append(b)
        if bad:
            raise Bad(tuple({t for b in bad for t in b.types}), *[n for b in bad for n in b.names])
        f = arr.astype(np.float64)
        kh, kw = k.shape
        if pad == "same":
            f = np.pad(f, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
        elif f.shape[0] < kh or f.shape[1] < kw:
            raise Bad((ValueError,), "kernel")
        out = np.zeros((f.shape[0] - kh + 1, f.shape[1] - kw + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.sum(f[i:i + kh, j:j + kw] * k)
        return out

    got = call(lambda: edges.conv2d(x, kernel, padding), oracle)
    if got is not None:
        out, expected = got
        assert out.shape == expected.shape
        finite = np.isfinite(expected)
        tol = 1e-2 if np.asarray(x).dtype in (np.float16, np.float32) else 1e-9
        scale = 1 + float(np.abs(np.asarray(x, dtype=float)).max(initial=0)) * np.abs(np.asarray(
            edges._kernel(kernel))).sum()
        np.testing.assert_allclose(out[finite], expected[finite], rtol=tol, atol=tol * scale)
        assert (~np.isfinite(out) == ~finite).all()


@fuzz(400)
@given(x=maps(ranks=(0, 1, 2, 3, 4, 5), max_side=7), factor=size_args(1, 4))
def test_edges_downsample(x, factor):
    edges = pytest.importorskip("pooldemo.edges")
    COUNT["edges.downsample"] += 1

    def oracle():
        bad = []
        try:
            arr = ref_map(x, "image")
        except Bad as b:
            bad.append(b)
        try:
            f = ref_int(factor, "factor")
        except Bad as b:
            bad.append(b)
        if bad:
            raise Bad(tuple({t for b in bad for t in b.types}), *[n for b in bad for n in b.names])
        h, w = arr.shape[1:3] if arr.ndim == 4 else arr.shape[:2]
        if f > h or f > w:
            raise Bad((ValueError,), "factor")
        return arr, pooling.pool2d(arr.astype(np.float64), f, reduce="average")

    got = call(lambda: edges.downsample(x, factor), oracle)
    if got is not None:
        out, (arr, expected) = got
        close(out, expected, out.dtype)


@fuzz(300)
@given(blocks=st.one_of(st.integers(-1, 6), st.sampled_from([True, 2.0, None, "3", 10**30])),
       downsample=st.sampled_from(["max", "average", "strided", "none", "MAX", "", None, 2]),
       input_size=st.one_of(st.integers(-1, 64), st.sampled_from([False, 28.0, None, "28"])))
def test_shapes_convnet_sizes(blocks, downsample, input_size):
    shapes = pytest.importorskip("pooldemo.shapes")
    COUNT["shapes.convnet_sizes"] += 1

    def oracle():
        bad = []
        for name, v in (("blocks", blocks), ("input_size", input_size)):
            try:
                ref_int(v, name)
            except Bad as b:
                bad.append(b)
        if downsample not in shapes.DOWNSAMPLERS:
            bad.append(Bad((ValueError,), "downsample"))
        if bad:
            raise Bad(tuple({t for b in bad for t in b.types}), *[n for b in bad for n in b.names])
        n, sizes = input_size, []
        for b in range(1, blocks + 1):
            s = 2 if downsample == "strided" and b > 1 else 1
            if n < 3:
                raise Bad((ValueError,), "blocks")
            n = (n - 3) // s + 1
            sizes.append((f"conv{b}", n))
            if b < blocks and downsample in ("max", "average"):
                if n < 2:
                    raise Bad((ValueError,), "blocks")
                n //= 2
                sizes.append((f"pool{b}", n))
        return sizes

    if isinstance(blocks, int) and not isinstance(blocks, bool) and blocks > 10**6:
        return  # the loop of convnet_sizes is over blocks; a huge count is slow, not wrong
    got = call(lambda: shapes.convnet_sizes(blocks, downsample, input_size), oracle)
    if got is not None:
        assert got[0] == got[1]


# --- any other public function (modules other helpers add): no unexpected exception -------------

ANY_ARG = st.one_of(maps(ranks=(0, 1, 2, 3), max_side=8), st.integers(-3, 12), st.sampled_from(
    [None, True, 2.5, np.nan, "x", "smooth", "rip", "x", (1, 2), [], 10**30]))
COVERED = {"pool2d", "global_pool", "pool_output_size", "pool_argmax", "pool_tie_counts",
           "max_pool_gradient", "window_bounds", "receptive_field", "unit_box", "LayerSpec",
           "digit", "conv2d", "downsample", "convnet_sizes"}
SLOW_OR_TF = {"build_convnet", "layer_table", "empirical_receptive_field",
              "effective_receptive_field", "load_mnist", "fabric_dataset", "shift_curve",
              "layer_specs", "measure_field", "stack_model"}


def public_functions():
    import importlib

    found = []
    for name in ("fabric", "shift", "edges", "shapes", "receptive", "specs"):
        try:
            module = importlib.import_module(f"pooldemo.{name}")
        except ImportError:
            continue
        for fname in getattr(module, "__all__", []):
            obj = getattr(module, fname)
            if callable(obj) and not isinstance(obj, type) and fname not in SLOW_OR_TF | COVERED:
                found.append((name, fname, obj))
    return found


@pytest.mark.parametrize("module,name,func", public_functions(),
                         ids=[f"{m}.{n}" for m, n, _ in public_functions()])
def test_other_public_functions_fail_cleanly(module, name, func):
    """Random arguments: a result, or ValueError/TypeError whose message is not empty."""
    import inspect

    n_required = sum(1 for p in inspect.signature(func).parameters.values()
                     if p.default is p.empty
                     and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    n_args = max(n_required, 1)

    @fuzz(250)
    @given(args=st.lists(ANY_ARG, min_size=n_args, max_size=n_args + 1))
    def one_call(args):
        COUNT[f"{module}.{name}"] += 1
        try:
            func(*args)
        except (ValueError, TypeError) as exc:
            assert str(exc), f"{name}{tuple(args)!r} raised an empty {type(exc).__name__}"

    one_call()


# --- explorer constructors ----------------------------------------------------------------------

def explorer_classes():
    out = []
    for name in pooldemo.widgets.__all__:
        if name == "Explorer":
            continue
        try:
            out.append(getattr(pooldemo.widgets, name))
        except (ImportError, AttributeError):
            continue
    return out


@pytest.mark.parametrize("cls", explorer_classes(), ids=lambda c: c.__name__)
def test_explorer_constructors_reject_bad_data(cls):
    """Bad data makes a constructor raise ValueError/TypeError before it builds anything."""
    import inspect

    params = [p for p in inspect.signature(cls).parameters.values()
              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not params:
        pytest.skip(f"{cls.__name__} takes no arguments")
    bad_values = [np.zeros((0, 5)), np.full((6, 6), np.nan), np.ones((2, 3, 4, 5, 6)), "nonsense",
                  object(), np.array(["a", "b"]), -1, 10**30, [[1, 2], [3]], np.inf]
    runs = 0
    for p in params:
        for bad in bad_values:
            runs += 1
            try:
                ex = cls(**{p.name: bad})
            except (ValueError, TypeError) as exc:
                assert str(exc)
                continue
            # accepted: it must then work (the value was meaningful for this parameter)
            assert ex.last_error is None, (p.name, bad, ex.last_error)
            import matplotlib.pyplot as plt

            plt.close(ex.figure)
    COUNT[f"explorer {cls.__name__}"] += runs


def test_zz_total_inputs():
    """At least 10,000 generated inputs went through the public API in this file."""
    total = sum(COUNT.values())
    print(f"\nfuzzed inputs: {total} " + ", ".join(f"{k}={v}" for k, v in sorted(COUNT.items())))
    if COUNT["pool2d"] == 0:
        pytest.skip("only part of the file ran")
    assert total >= 10_000, dict(COUNT)
