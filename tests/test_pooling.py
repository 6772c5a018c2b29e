"""pooldemo.pooling equals tf.keras pooling exactly, on hand-worked and generated cases."""

import contextlib
import multiprocessing
import os
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooldemo import global_pool, max_pool_gradient, pool2d, pool_argmax, pool_output_size, pooling
from pooldemo.pooling import pool_tie_counts, window_bounds


def keras_pool(tf, x, k, s, padding, reduce):
    cls = tf.keras.layers.MaxPooling2D if reduce == "max" else tf.keras.layers.AveragePooling2D
    return cls(pool_size=k, strides=s, padding=padding)(x).numpy()


@st.composite
def pooling_case(draw):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 13)), draw(st.integers(1, 13))
    k = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    s = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    padding = draw(st.sampled_from(["valid", "same"]))
    if padding == "valid":
        h, w = max(h, k[0]), max(w, k[1])
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).normal(size=(n, h, w, c)).astype("float32")
    return x, k, s, padding


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pooling_case(), reduce=st.sampled_from(["max", "average"]))
def test_pool2d_equals_keras(tf, case, reduce):
    x, k, s, padding = case
    want = keras_pool(tf, x, k, s, padding, reduce)
    got = pool2d(x, k, s, padding, reduce)
    assert got.shape == want.shape
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert got.shape[1:3] == pool_output_size(x.shape[1:3], k, s, padding)


@settings(max_examples=100, deadline=None)
@given(case=pooling_case(), reduce=st.sampled_from(["max", "average"]))
def test_global_pool_equals_keras(tf, case, reduce):
    x = case[0]
    layer = (tf.keras.layers.GlobalMaxPooling2D if reduce == "max"
             else tf.keras.layers.GlobalAveragePooling2D)()
    np.testing.assert_allclose(global_pool(x, reduce), layer(x).numpy(), rtol=1e-6, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(case=pooling_case())
def test_max_pool_gradient_equals_tensorflow(tf, case):
    x, k, s, padding = case
    x = np.round(x, 1)  # coarse values: many ties, to check the tie rule too
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, k, s, padding.upper())
        weights = tf.constant(np.arange(1, y.shape.num_elements() + 1, dtype="float32")
                              .reshape(y.shape))
        loss = tf.reduce_sum(y * weights)
    want = tape.gradient(loss, xt).numpy()
    got = max_pool_gradient(x, weights.numpy(), k, s, padding)
    np.testing.assert_allclose(got, want)


def test_keras_docs_example():
    x = np.arange(1, 10).reshape(3, 3)
    np.testing.assert_array_equal(pool2d(x, 2, 1), [[5, 6], [8, 9]])
    assert pool2d(x, 2, 1).dtype == x.dtype


def test_same_padding_extra_cell_bottom_right():
    # 4 wide, window 3, stride 1, same: 2 padded cells, one each side; 5 wide stride 2: pad 2
    starts, stops = window_bounds(4, 3, 1, "same")
    assert starts.tolist() == [0, 0, 1, 2] and stops.tolist() == [2, 3, 4, 4]
    starts, stops = window_bounds(6, 3, 2, "same")  # out 3, pad (2*2+3-6)=1, all at the end
    assert starts.tolist() == [0, 2, 4] and stops.tolist() == [3, 5, 6]


def test_padded_cells_never_win_and_are_not_counted():
    x = -np.ones((3, 3))
    np.testing.assert_array_equal(pool2d(x, 2, padding="same"), -np.ones((2, 2)))
    np.testing.assert_array_equal(pool2d(x, 2, padding="same", reduce="average"), -np.ones((2, 2)))
    ints = np.full((3, 3), np.iinfo(np.int32).min, dtype=np.int32)
    assert (pool2d(ints, 2, padding="same") == ints.min()).all()


def test_min_median_and_callable():
    m = np.array([[0, 0, 1, 9], [0, 4, 1, 1], [2, 2, 0, 0], [2, 2, 0, 8]])
    assert pool2d(m, 2, reduce="min").tolist() == [[0, 1], [2, 0]]
    assert pool2d(m, 2, reduce="median").tolist() == [[0.0, 1.0], [2.0, 0.0]]
    np.testing.assert_array_equal(pool2d(m, 2, reduce=np.max), pool2d(m, 2))
    # callables see only real cells at the border with same padding
    x = np.arange(25.0).reshape(5, 5)
    np.testing.assert_array_equal(pool2d(x, 3, 2, "same", reduce=np.max), pool2d(x, 3, 2, "same"))
    np.testing.assert_allclose(pool2d(x, 3, 2, "same", reduce=np.mean),
                               pool2d(x, 3, 2, "same", reduce="average"))


def test_ranks_round_trip():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6, 6, 3))
    full = pool2d(x, 2)
    assert full.shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(pool2d(x[0], 2), full[0])
    np.testing.assert_array_equal(pool2d(x[0, :, :, 1], 2), full[0, :, :, 1])
    assert global_pool(x[0, :, :, 0]).shape == ()
    assert global_pool(x[0]).shape == (3,)


def test_argmax_tie_rule_and_values():
    x = np.array([[1, 3, 2, 2], [3, 0, 2, 2]])
    rows, cols = pool_argmax(x)
    assert rows.tolist() == [[0, 0]] and cols.tolist() == [[1, 2]]
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, size=(7, 9))
    rows, cols = pool_argmax(y, 3, 2, "same")
    np.testing.assert_array_equal(y[rows, cols], pool2d(y, 3, 2, "same"))
    assert pool_tie_counts(np.zeros((4, 4))).tolist() == [[4, 4], [4, 4]]


def test_nan_as_tensorflow(tf):
    for values in ([5, np.nan, -1, 2], [-3, -2, np.nan, np.nan], [1, 2, 3, np.nan]):
        x = np.array(values, dtype="float32").reshape(1, 2, 2, 1)
        np.testing.assert_array_equal(pool2d(x, 2), tf.nn.max_pool2d(x, 2, 2, "VALID").numpy())
        np.testing.assert_array_equal(pool2d(x, 2, reduce="average"),
                                      tf.nn.avg_pool2d(x, 2, 2, "VALID").numpy())
        assert np.isnan(global_pool(x)).all()  # GlobalMaxPooling2D propagates NaN
        assert np.isnan(tf.keras.layers.GlobalMaxPooling2D()(x).numpy()).all()
    assert np.isnan(pool2d(np.full((2, 2), np.nan), 2)).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=np.zeros((3, 3)), pool_size=4), "pool_size 4 is larger than the input's H size 3"),
    (dict(x=np.zeros((3, 3)), pool_size=0), "pool_size must be a positive integer, got 0"),
    (dict(x=np.zeros((3, 3)), pool_size=2.5), "pool_size must be a positive integer, got 2.5"),
    (dict(x=np.zeros((3, 3)), strides=-1), "strides must be a positive integer, got -1"),
    (dict(x=np.zeros((3, 3)), padding="full"), "padding must be 'valid' or 'same', got 'full'"),
    (dict(x=np.zeros((3, 3)), reduce="sum"), "reduce must be one of"),
    (dict(x=np.zeros(3)), r"must be shaped .* got shape \(3,\)"),
    (dict(x=np.array(["a"] * 4).reshape(2, 2)), "must hold real numbers"),
])
def test_bad_input_names_the_value(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        pool2d(**kwargs)


def test_output_size_formulas():
    assert pool_output_size(28, 2) == 14
    assert pool_output_size(27, 2) == 13
    assert pool_output_size(27, 2, padding="same") == 14
    assert pool_output_size((7, 5), 3, 2) == (3, 2)
    with pytest.raises(ValueError, match="size must be a non-negative integer, got -1"):
        pool_output_size(-1, 2)


# --- the kernels: blocks, threads and the exact results of the plain algorithm ------------------

def plain_pool(x4, k, s, padding, reduce):
    """The plain algorithm: pad the whole map, then fold one shifted strided slice per window cell
    (max: fmax/fmin from the first cell; average: float32-or-wider sum from +0, then divide)."""
    n, h, w, c = x4.shape
    (top, _), (left, _) = (pooling.padding_split(h, k[0], s[0], padding),
                           pooling.padding_split(w, k[1], s[1], padding))
    oh, ow = pool_output_size((h, w), k, s, padding)
    rs, re = window_bounds(h, k[0], s[0], padding)
    cs, ce = window_bounds(w, k[1], s[1], padding)
    ph, pw = (oh - 1) * s[0] + k[0], (ow - 1) * s[1] + k[1]
    if reduce == "average":
        dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
        acc = np.result_type(dtype, np.float32)
        xp = np.zeros((n, max(ph, h + top), max(pw, w + left), c), acc)
    else:
        fill = (np.nan if x4.dtype.kind == "f" else reduce == "min" if x4.dtype.kind == "b"
                else np.iinfo(x4.dtype).min if reduce == "max" else np.iinfo(x4.dtype).max)
        xp = np.full((n, max(ph, h + top), max(pw, w + left), c), fill, x4.dtype)
    xp[:, top:top + h, left:left + w] = x4
    cells = [xp[:, i:i + (oh - 1) * s[0] + 1:s[0], j:j + (ow - 1) * s[1] + 1:s[1]]
             for i in range(k[0]) for j in range(k[1])]
    if reduce == "average":
        total = np.zeros((n, oh, ow, c), acc)
        with np.errstate(invalid="ignore"):
            for cell in cells:
                total += cell
        total /= np.outer(re - rs, ce - cs).astype(acc)[None, :, :, None]
        return total.astype(dtype)
    op = np.fmax if reduce == "max" else np.fmin
    out = cells[0].copy()
    for cell in cells[1:]:
        op(out, cell, out=out)
    return out


def assert_same_result(got, want, reduce):
    """Exactly equal: same dtype and shape; average bit for bit (NaN anywhere it is NaN), max and
    min equal values (a zero maximum may be +0 or -0 where both are in the window)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    if reduce == "average":
        nan = np.isnan(want)
        np.testing.assert_array_equal(np.isnan(got), nan)
        assert np.array_equal(np.where(nan, 0, got).view(f"u{got.itemsize}"),
                              np.where(nan, 0, want).view(f"u{want.itemsize}"))
    else:
        np.testing.assert_array_equal(got, want)


@st.composite
def kernel_case(draw, max_side=12):
    dtype = draw(st.sampled_from(["float32", "float64", "float16", "int32", "uint8", "bool"]))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    s = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    padding = draw(st.sampled_from(["valid", "same"]))
    h, w = max(h, k[0]), max(w, k[1])  # (a 'same' window beyond the map: test_fuzz.py)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype == "bool":
        x = rng.random((n, h, w, c)) < 0.5
    elif dtype in ("int32", "uint8"):
        x = rng.integers(0, 200, (n, h, w, c)).astype(dtype)
    else:
        x = rng.normal(size=(n, h, w, c)).astype(dtype)
        u = rng.random(x.shape)  # NaN, +-inf, +-0 and ties
        x[u < 0.05], x[(u >= 0.05) & (u < 0.08)] = np.nan, np.inf
        x[(u >= 0.08) & (u < 0.1)], x[(u >= 0.1) & (u < 0.14)] = -np.inf, -0.0
        x[(u >= 0.14) & (u < 0.18)] = 0.0
    layout = draw(st.sampled_from(["C", "flipped", "fortran"]))
    if layout == "flipped":
        x = x[:, ::-1]
    elif layout == "fortran":
        x = np.asfortranarray(x)
    return x, k, s, padding


@contextlib.contextmanager
def counted_pool(block_bytes=None, parallel_bytes=None, workers=None, solo_calls=0):
    """Yields the list of calls that hand blocks to the thread pool; optionally cuts every map
    into blocks of a few rows and runs them on a pool of two threads. By default the threads are
    used even when they did not pay (as on a busy machine) on the last call."""
    calls, executor = [], pooling._executor
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pooling, "_executor", lambda: calls.append(1) or executor())
        mp.setattr(pooling, "_SOLO", [0])
        mp.setattr(pooling, "_SOLO_CALLS", solo_calls)
        for name, value in (("_BLOCK_BYTES", block_bytes), ("_PARALLEL_BYTES", parallel_bytes),
                            ("_WORKERS", workers)):
            if value is not None:
                mp.setattr(pooling, name, value)
        yield calls


@settings(max_examples=300, deadline=None)
@given(case=kernel_case(), reduce=st.sampled_from(["max", "min", "average"]))
def test_pool2d_equals_the_plain_algorithm(case, reduce):
    x, k, s, padding = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf + -inf gives NaN quietly
        got = pool2d(x, k, s, padding, reduce)
    assert_same_result(got, plain_pool(x, k, s, padding, reduce), reduce)


@settings(max_examples=150, deadline=None)
@given(case=kernel_case(), reduce=st.sampled_from(["max", "min", "average"]))
def test_blocked_and_threaded_path_equals_the_plain_algorithm(case, reduce):
    x, k, s, padding = case
    with counted_pool(block_bytes=64, parallel_bytes=0, workers=2) as calls:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # errstate must hold inside the pool's threads too
            got = pool2d(x, k, s, padding, reduce)
    assert_same_result(got, plain_pool(x, k, s, padding, reduce), reduce)
    assert calls or got.shape[0] * got.shape[1] <= 1, "the thread pool was not used"


@pytest.mark.parametrize("shape, k, s, padding, reduce", [
    ((1, 112, 112, 64), 3, 2, "same", "max"),
    ((1, 67, 61, 64), 3, 1, "same", "max"),
    ((5, 40, 33, 96), 3, 2, "same", "min"),
    ((1, 130, 120, 64), 2, 2, "valid", "average"),
    ((3, 61, 67, 50), 3, 2, "same", "average"),
    ((2, 90, 90, 70), (2, 3), (1, 2), "valid", "max"),
])
def test_large_maps_use_threads_and_stay_exact(shape, k, s, padding, reduce):
    """Maps above the default parallel threshold take the threaded path, with real block sizes."""
    x = np.random.default_rng(3).normal(size=shape).astype("float32")
    x[0, :3, :3] = np.nan
    x[-1, -3:, -3:] = -0.0
    k2, s2 = (k, k) if isinstance(k, int) else k, (s, s) if isinstance(s, int) else s
    with counted_pool(workers=2) as calls:
        got = pool2d(x, k, s, padding, reduce)
    assert_same_result(got, plain_pool(x, k2, s2, padding, reduce), reduce)
    assert calls, "the thread pool was not used"


def test_blocks_cover_every_output_once():
    seen = []
    out = np.empty((3, 7, 2, 1))
    with counted_pool(block_bytes=64, parallel_bytes=0, workers=2):
        pooling._run_blocks(lambda *b: seen.append(b), out, in_row=150)
    hits = np.zeros(out.shape[:2], int)
    for n0, n1, a, b in seen:
        hits[n0:n1, a:b] += 1
    assert (hits == 1).all() and len(seen) > 2


def test_edge_shapes():
    assert pool2d(np.zeros((0, 4, 4, 2), "float32"), 2).shape == (0, 2, 2, 2)
    assert pool2d(np.zeros((2, 4, 4, 0)), 2, reduce="average").shape == (2, 2, 2, 0)
    assert pool2d(np.zeros((0, 5)), 2, padding="same").shape == (0, 3)
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(pool2d(x, 1), x)
    assert pool2d(x, 1, reduce="average").tolist() == x.tolist()
    assert pool2d(x, (3, 4)).tolist() == [[11.0]]
    assert pool2d(x, 2, 2**70).tolist() == [[5.0]]  # a stride beyond the map: one window
    assert pool2d(x, 3, 2**70, "same", "average").tolist() == [[5.0]]
    np.testing.assert_array_equal(pool2d(np.ones((1, 9, 1)), (1, 3), (1, 2), "same"),
                                  np.ones((1, 5, 1)))
    assert pool2d(np.full((2, 2), -0.0), 2, reduce="average")[0, 0].tobytes() == \
        np.float64(0.0).tobytes()  # a sum from +0, as TensorFlow's


def test_a_failing_block_fails_the_call():
    def block(n0, n1, a, b):
        if a == 3:
            raise ZeroDivisionError(f"block {a}:{b}")

    with counted_pool(block_bytes=64, parallel_bytes=0, workers=2) as calls:
        with pytest.raises(ZeroDivisionError, match="block 3:"):
            pooling._run_blocks(block, np.empty((1, 9, 2, 1)), in_row=100)
    assert calls


def _pool_in_child(x, conn):
    fresh = not pooling._POOL  # the parent's pool threads do not exist here
    conn.send((fresh, pool2d(x, 3, 2, "same").sum(), bool(pooling._POOL)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_threaded_path_works_in_a_forked_child():
    """A forked child has no pool threads: it must make its own pool, not wait on the parent's."""
    x = np.random.default_rng(4).normal(size=(1, 96, 96, 64)).astype("float32")
    with counted_pool(workers=2) as calls:
        want = pool2d(x, 3, 2, "same").sum()  # the parent's pool exists now
        assert calls and pooling._POOL
        ctx = multiprocessing.get_context("fork")
        ours, theirs = ctx.Pipe()
        child = ctx.Process(target=_pool_in_child, args=(x, theirs))
        child.start()
        child.join(60)
        if child.is_alive():
            child.kill()
            pytest.fail("pool2d in a forked child hung")
    assert child.exitcode == 0
    assert ours.recv() == (True, want, True)  # no pool at the fork, its own pool afterwards


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_average_of_tiny_values_rounds_as_a_division(dtype):
    """Windows of 4 (and 2, 8) cells scale by 1/count, which must round exactly like dividing."""
    tiny = np.finfo(dtype).tiny
    x = np.random.default_rng(5).uniform(-8 * tiny, 8 * tiny, size=(1, 16, 16, 3)).astype(dtype)
    x[0, 0, 0] = np.finfo(dtype).smallest_subnormal
    for k in ((2, 2), (1, 2), (2, 4), (3, 3)):
        for padding in ("valid", "same"):
            got = pool2d(x, k, 1, padding, "average")
            assert_same_result(got, plain_pool(x, k, (1, 1), padding, "average"), "average")


def test_threads_that_do_not_pay_are_left_alone_for_a_while():
    """Blocks that wait instead of computing (like threads that find no free core) get less CPU
    time than the wall time: the next calls run on the calling thread only."""
    out = np.empty((1, 8, 2, 1))
    pooling._executor()  # (the call that starts the pool's threads is not judged)
    with counted_pool(block_bytes=64, parallel_bytes=0, workers=2, solo_calls=2) as calls:
        pooling._run_blocks(lambda *b: time.sleep(0.002), out, in_row=100)
        assert len(calls) == 1 and pooling._SOLO == [2]
        for _ in range(2):
            pooling._run_blocks(lambda *b: time.sleep(0.002), out, in_row=100)
        assert len(calls) == 1  # alone, twice
        pooling._run_blocks(lambda *b: None, out, in_row=100)
        assert len(calls) == 2  # the while is over


def test_peak_memory_stays_within_twice_the_output():
    """No padded copy, and the scratch rows of the separable max stay within half the output;
    a wide map with few output rows falls back to the direct folds rather than exceed that."""
    for shape, k, s, reduce in (((1, 64, 96, 32), 3, 2, "max"), ((1, 3, 4000, 16), 3, 2, "max"),
                                ((2, 60, 60, 16), 3, 1, "min"), ((1, 80, 80, 32), 2, 2, "average"),
                                ((3, 33, 35, 8), 3, 2, "average")):
        x = np.random.default_rng(6).normal(size=shape).astype("float32")
        with counted_pool(workers=2):  # two blocks at a time, each with its scratch
            out = pool2d(x, k, s, "same", reduce)
            tracemalloc.start()
            try:
                base = tracemalloc.get_traced_memory()[0]
                pool2d(x, k, s, "same", reduce)
                peak = tracemalloc.get_traced_memory()[1] - base
            finally:
                tracemalloc.stop()
        assert peak <= 2 * out.nbytes + 32768, (shape, k, s, reduce, peak / out.nbytes)
