"""Tests for pooldemo.antialias: Zhang's anti-aliased max pooling in numpy and as a Keras layer."""

import numpy as np
import pytest

from pooldemo.antialias import BINOMIAL, max_blur_pool2d


def test_values_and_shapes():
    np.testing.assert_allclose(max_blur_pool2d(np.eye(6), padding="valid"),
                               [[0.875, 0.3125], [0.3125, 0.875]])
    x = np.random.default_rng(0).random((3, 26, 26, 5))
    assert max_blur_pool2d(x, padding="valid").shape == (3, 12, 12, 5)
    out = max_blur_pool2d(x)
    assert out.shape == (3, 13, 13, 5)  # Zhang's reflect padding keeps 2x2 pooling's size
    for pad in ("valid", "reflect"):  # a constant map stays constant: the weights sum to one
        np.testing.assert_allclose(max_blur_pool2d(np.full((10, 10), 2.5), padding=pad), 2.5)
    np.testing.assert_allclose(out[1, ..., 2], max_blur_pool2d(x[1, ..., 2]))  # channels apart


def test_reflect_padding_by_hand():
    """One row worked by hand: max map, reflected, blurred, every other cell kept."""
    x = np.array([[0.0, 4.0, 0.0, 0.0, 8.0, 0.0]] * 3)
    m = np.array([4.0, 4.0, 0.0, 8.0, 8.0])          # 2-wide max, stride 1
    padded = np.concatenate([[m[1]], m, [m[-2]]])     # reflection: 4 | 4 4 0 8 8 | 8
    blurred = np.convolve(padded, BINOMIAL, mode="valid")
    expect = blurred[::2]
    np.testing.assert_allclose(max_blur_pool2d(x)[0], expect)  # rows: constant, blur keeps it


@pytest.mark.parametrize("bad, exc, match", [(np.zeros((3, 3)), ValueError, "4x4"),
                                             (np.zeros(5), ValueError, "shaped"),
                                             ("map", TypeError, "x")])
def test_rejects_bad_input(bad, exc, match):
    with pytest.raises(exc, match=match):
        max_blur_pool2d(bad, padding="valid")
    with pytest.raises(ValueError, match="strides"):
        max_blur_pool2d(np.zeros((8, 8)), strides=0)
    with pytest.raises(ValueError, match="padding"):
        max_blur_pool2d(np.zeros((8, 8)), padding="same")


@pytest.mark.parametrize("padding", ["reflect", "valid"])
@pytest.mark.parametrize("size", [(26, 26), (11, 12), (5, 4)])
def test_keras_layer_agrees_with_numpy(tf, padding, size):
    from pooldemo.antialias import MaxBlurPooling2D

    x = np.random.default_rng(1).normal(size=(2, *size, 3)).astype("float32")
    layer = MaxBlurPooling2D(padding=padding)
    theirs = layer(x).numpy()
    ours = max_blur_pool2d(x, padding=padding)
    assert theirs.shape == ours.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)
    again = MaxBlurPooling2D.from_config(layer.get_config())
    np.testing.assert_array_equal(again(x).numpy(), theirs)


def test_blur_model_has_max_pool_shapes(tf):
    from pooldemo.models import chollet_convnet, count_macs

    blur, pooled = chollet_convnet("blur"), chollet_convnet("max")
    assert [ly.output.shape for ly in blur.layers] == [ly.output.shape for ly in pooled.layers]
    assert blur.count_params() == pooled.count_params()  # the blur filter is fixed, not learned
    macs = count_macs(blur)
    assert macs["pool1"] == 25 * 25 * 32 * 4 + 13 * 13 * 32 * 9


@pytest.mark.parametrize("padding", ["reflect", "valid"])
@pytest.mark.parametrize("n", [9, 10])
def test_receptive_field_of_blur_pooling_matches_impulses(padding, n):
    """The closed form's field of each unit is exactly the input cells whose impulse reaches it."""
    import pooldemo
    from pooldemo import specs

    rec = pooldemo.receptive_field([specs.MaxBlurPooling2D(padding=padding)], input_size=n)[-1]
    out = max_blur_pool2d(np.zeros((n, n)), padding=padding).shape
    assert rec.output_size == out
    for i in range(out[0]):
        reach = [r for r in range(n) if max_blur_pool2d(
            np.eye(1, n * n, r * n + n // 2).reshape(n, n), padding=padding)[i, out[1] // 2] > 0]
        (top, bottom), _ = pooldemo.unit_box(rec, i, out[1] // 2, clip_to=(n, n))
        if padding == "valid" or 0 < i < out[0] - 1:
            assert reach == list(range(top, bottom + 1)), (i, reach, (top, bottom))
        else:  # a border unit also reads reflected cells: they are inside the image again
            assert set(reach) >= set(range(top, bottom + 1)) - {-1, n}


def test_receptive_field_reads_the_keras_layer(tf):
    import pooldemo
    from pooldemo.experiments import mnist

    recs = {r.name: r for r in pooldemo.receptive_field(mnist.build_variant("blur_pool"))}
    pooled = {r.name: r for r in pooldemo.receptive_field(mnist.build_variant("max_pool"))}
    assert recs["pool1"].output_size == pooled["pool1"].output_size == (13, 13)
    assert recs["conv3"].output_size == pooled["conv3"].output_size
    assert recs["conv3"].size[0] > pooled["conv3"].size[0]  # the blur widens each window
