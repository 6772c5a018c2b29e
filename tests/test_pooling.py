"""pooldemo.pooling equals tf.keras pooling exactly, on hand-worked and generated cases."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from pooldemo import global_pool, max_pool_gradient, pool2d, pool_argmax, pool_output_size
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
