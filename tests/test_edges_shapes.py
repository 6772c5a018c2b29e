"""pooldemo.edges and pooldemo.shapes: numpy edge filters against TensorFlow, convnet tables against
Keras and the receptive-field closed form."""

import re

import numpy as np
import pytest

import pooldemo
from pooldemo.edges import EDGE_FILTERS, conv2d, downsample, edge_maps
from pooldemo.shapes import (DOWNSAMPLERS, HEADS, build_convnet, convnet_sizes, convnet_table,
                             layer_table)


# --- edges ---------------------------------------------------------------------------------------

def _keras_conv(tf, x, kernel, padding):
    kernel = np.asarray(kernel, dtype=np.float32)
    layer = tf.keras.layers.Conv2D(1, kernel.shape, padding=padding, use_bias=False)
    layer.build((1,) + x.shape + (1,))
    layer.set_weights([kernel[:, :, None, None]])
    return layer(x[None, :, :, None].astype(np.float32)).numpy()[0, :, :, 0]


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("shape,kshape", [((28, 28), (3, 3)), ((7, 9), (3, 3)), ((6, 5), (2, 2)),
                                          ((8, 8), (4, 3)), ((5, 5), (1, 1)), ((3, 3), (3, 3))])
def test_conv2d_equals_keras_conv2d(tf, padding, shape, kshape):
    rng = np.random.default_rng(sum(shape) + sum(kshape))
    x = rng.normal(size=shape).astype(np.float32)
    k = rng.normal(size=kshape).astype(np.float32)
    ours = conv2d(x, k, padding)
    theirs = _keras_conv(tf, x, k, padding)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(EDGE_FILTERS))
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_edge_filters_on_a_digit_equal_keras(tf, name, padding):
    x = pooldemo.digit(7)
    np.testing.assert_allclose(conv2d(x, name, padding), _keras_conv(tf, x, EDGE_FILTERS[name],
                                                                     padding), atol=1e-5)


def test_edge_filters_respond_to_their_own_direction():
    n = 12
    r, c = np.mgrid[:n, :n]
    steps = {"vertical": (c >= n // 2), "horizontal": (r >= n // 2),
             "diagonal": (c - r > 0), "anti-diagonal": (r + c > n)}
    for name, step in steps.items():
        maps = edge_maps(step.astype(float))
        best = max(maps, key=lambda k: maps[k].max())
        assert best == name or maps[best].max() == maps[name].max(), (name, best)
        assert maps[name].max() >= 4
        # the opposite step (dark where it was bright) gives nothing after ReLU
        assert edge_maps(1.0 - step, filters=name)[name].max() == 0


def test_edge_filters_are_zero_sum_and_read_only():
    for name, k in EDGE_FILTERS.items():
        assert k.shape == (3, 3) and k.sum() == 0
        with pytest.raises(ValueError):
            k[0, 0] = 5


def test_edge_maps_relu_and_filter_selection():
    x = pooldemo.digit(7)
    raw = edge_maps(x, relu=False)
    rect = edge_maps(x)
    assert set(raw) == set(EDGE_FILTERS)
    for name in raw:
        assert raw[name].min() < 0
        np.testing.assert_array_equal(rect[name], np.maximum(raw[name], 0))
    one = edge_maps(x, filters="horizontal", padding="same")
    assert list(one) == ["horizontal"] and one["horizontal"].shape == (28, 28)
    custom = edge_maps(x, filters={"box": np.ones((2, 2))}, relu=False)
    np.testing.assert_allclose(custom["box"], pooldemo.pool2d(x, 2, strides=1,
                                                              reduce="average") * 4, rtol=1e-5)


@pytest.mark.parametrize("factor", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("shape", [(28, 28), (9, 13), (28, 28, 3), (2, 10, 14, 1)])
def test_downsample_equals_average_pooling(factor, shape):
    x = np.random.default_rng(factor).random(shape)
    np.testing.assert_allclose(downsample(x, factor), pooldemo.pool2d(x, factor, reduce="average"))


def test_downsample_mnist_to_14():
    assert downsample(pooldemo.digit(7)).shape == (14, 14)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: conv2d(np.ones((2, 2)), np.ones((3, 3))), ValueError, "larger"),
    (lambda: conv2d(np.ones((4, 4, 1)), np.ones((3, 3))), ValueError, "shape"),
    (lambda: conv2d(np.ones((4, 4)), "sobel"), ValueError, "sobel"),
    (lambda: conv2d(np.ones((4, 4)), np.ones((3, 3)), padding="full"), ValueError, "full"),
    (lambda: conv2d(np.zeros((0, 4)), np.ones((3, 3)), padding="same"), ValueError, "empty"),
    (lambda: conv2d(np.ones((4, 4)), [[np.nan]]), ValueError, "NaN"),
    (lambda: conv2d([["a"]], np.ones((1, 1))), TypeError, "dtype"),
    (lambda: edge_maps(np.ones((5, 5)), filters=3), TypeError, "filters"),
    (lambda: edge_maps(np.ones((5, 5)), filters=[]), ValueError, "filters"),
    (lambda: edge_maps(np.ones((5, 5)), relu="yes"), TypeError, "relu"),
    (lambda: downsample(np.ones((4, 4)), 5), ValueError, "factor 5"),
    (lambda: downsample(np.ones((4, 4)), 0), ValueError, "factor"),
    (lambda: downsample(np.ones((4, 4)), 2.0), TypeError, "factor"),
    (lambda: downsample(np.ones(4), 2), ValueError, "shape"),
])
def test_edges_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


# --- shapes --------------------------------------------------------------------------------------

def _closed_form_rf(blocks, downsample):
    """RF size of the last conv by hand: r += (k - 1) j, j *= s, layer by layer."""
    r, j = 1, 1
    for b in range(1, blocks + 1):
        s = 2 if downsample == "strided" and b > 1 else 1
        r, j = r + 2 * j, j * s
        if b < blocks and downsample in ("max", "average"):
            r, j = r + j, j * 2
    return r


def test_layer_table_matches_keras_and_closed_form(tf):
    for blocks in (1, 2, 3):
        for down in DOWNSAMPLERS:
            for head in HEADS:
                model = build_convnet(blocks, down, head)
                rows = layer_table(model)
                assert [r["name"] for r in rows] == [layer.name for layer in model.layers]
                assert sum(r["params"] for r in rows) == model.count_params()
                for r, layer in zip(rows, model.layers):
                    assert r["params"] == layer.count_params()
                    assert r["output_shape"] == tuple(layer.output.shape[1:])
                convs = [r for r in rows if r["type"] == "Conv2D"]
                assert len(convs) == blocks
                assert convs[-1]["rf_size"] == (_closed_form_rf(blocks, down),) * 2
                # the head sees the whole input
                assert rows[-1]["rf_size"][0] >= convs[-1]["rf_size"][0]


def test_chollet_layout_numbers(tf):
    rows = layer_table(build_convnet(3, "max", "flatten"))
    by = {r["name"]: r for r in rows}
    assert by["conv1"]["output_shape"] == (26, 26, 32) and by["conv1"]["params"] == 320
    assert by["conv2"]["output_shape"] == (11, 11, 64) and by["conv2"]["params"] == 18496
    assert by["conv3"]["output_shape"] == (3, 3, 64) and by["conv3"]["params"] == 36928
    assert by["conv3"]["rf_size"] == (18, 18) and by["conv3"]["jump"] == (4, 4)
    assert by["conv1"]["macs"] == 26 * 26 * 9 * 32
    # Chollet's base, the same as pooldemo.models.chollet_convnet's
    base = pooldemo.models.chollet_convnet(head="none")
    assert sum(by[n]["params"] for n in ("conv1", "conv2", "conv3")) == base.count_params()
    # no pooling: the flatten head explodes
    none = layer_table(build_convnet(3, "none", "flatten"))
    assert none[-1]["params"] == 22 * 22 * 64 * 10 + 10
    assert none[-1]["params"] > 50 * by["classes"]["params"]


def test_convnet_sizes_agree_with_keras(tf):
    for blocks in (1, 2, 3, 4):
        for down in DOWNSAMPLERS:
            try:
                sizes = convnet_sizes(blocks, down)
            except ValueError:
                with pytest.raises(ValueError):
                    build_convnet(blocks, down)
                continue
            model = build_convnet(blocks, down)
            spatial = {layer.name: layer.output.shape[1] for layer in model.layers}
            assert all(spatial[name] == n for name, n in sizes)


def test_filters_tuple_and_input_size(tf):
    model = build_convnet(2, "average", "global_max", filters=(4, 6), input_size=14)
    assert [layer.output.shape[-1] for layer in model.layers[:3]] == [4, 4, 6]
    assert model.layers[0].output.shape[1] == 12


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(blocks=4, downsample="max"), ValueError, r"blocks=4.*input_size=28.*'max'"),
    (dict(blocks=2, input_size=3), ValueError, "pool1 gets a 1x1"),
    (dict(blocks=5, downsample="strided"), ValueError, "blocks=5"),
    (dict(blocks=0), ValueError, "blocks"),
    (dict(blocks=10**30, downsample="none"), ValueError, "blocks must be at most 1023"),
    (dict(downsample="stride"), ValueError, "'stride'"),
    (dict(head="dense"), ValueError, "'dense'"),
    (dict(filters=(32, 64)), ValueError, "filters"),
    (dict(filters="32"), TypeError, "filters"),
    (dict(input_size=2.5), TypeError, "input_size"),
])
def test_build_convnet_bad_settings(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        build_convnet(**kwargs)
    with pytest.raises(exc, match=words):  # the TensorFlow-free table says the same
        convnet_table(**kwargs)


@pytest.mark.parametrize("filters,input_size,n_classes", [(32, 28, 10), ((4, 6, 5, 7), 64, 3),
                                                          (1, 9, 2)])
def test_convnet_table_is_layer_table_of_the_keras_model(tf, filters, input_size, n_classes):
    checked = 0
    for blocks in (1, 2, 3, 4):
        for down in DOWNSAMPLERS:
            for head in HEADS:
                f = filters if isinstance(filters, int) else filters[:blocks]
                try:
                    model = build_convnet(blocks, down, head, f, input_size, n_classes)
                except ValueError as exc:
                    with pytest.raises(ValueError, match=re.escape(str(exc))):
                        convnet_table(blocks, down, head, f, input_size, n_classes)
                    continue
                assert convnet_table(blocks, down, head, f, input_size, n_classes) == \
                    layer_table(model)
                checked += 1
    assert checked >= 20


def test_layer_table_rejects_non_models():
    with pytest.raises(TypeError, match="model"):
        layer_table([1, 2, 3])


# --- pool_edges ----------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_pool_edges_equals_pool2d_of_the_edge_map(k):
    from pooldemo.edges import pool_edges

    x = pooldemo.digit(7, index=4)
    s = pool_edges(x, "diagonal", k)
    edge = np.maximum(conv2d(x, "diagonal", padding="same"), 0)
    np.testing.assert_array_equal(s["edges"], edge)
    np.testing.assert_array_equal(s["pooled_edges"], pooldemo.pool2d(edge, k))
    np.testing.assert_array_equal(s["pooled_image"], pooldemo.pool2d(x, k))
    (r0, r1), (c0, c1) = s["strongest"]["rows"], s["strongest"]["cols"]
    assert r1 - r0 + 1 == k and c1 - c0 + 1 == k
    assert edge[r0:r1 + 1, c0:c1 + 1].max() == s["strongest"]["value"] == s["pooled_edges"].max()
    assert s["kept"] == s["pooled_edges"].size / x.size
    assert s["ink"] == np.mean(x >= x.max() / 2)
    if k == 1:
        assert s["pooled_centre"] == pytest.approx(s["centre"])


def test_pool_edges_centre_of_a_single_edge():
    from pooldemo.edges import pool_edges

    x = np.zeros((16, 16))
    x[:, 9:] = 1.0  # one vertical edge between columns 8 and 9
    s = pool_edges(x, "vertical", 4)
    assert s["centre"][1] == pytest.approx(8.5)
    assert s["pooled_centre"][1] == pytest.approx(9.5)  # the block 8..11, centre 9.5
    assert pool_edges(np.zeros((5, 5)), "vertical", 2)["centre"] is None


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(image=np.ones((4, 4)), pool_size=5), ValueError, "pool_size 5"),
    (dict(image=np.ones((4, 4)), pool_size=0), ValueError, "pool_size"),
    (dict(image=np.full((4, 4), np.inf)), ValueError, "inf"),
    (dict(image=np.ones((4, 0))), ValueError, "empty"),
    (dict(image=np.ones((4, 4, 1))), ValueError, "shape"),
    (dict(image=np.ones((4, 4)), kernel="edge"), ValueError, "'edge'"),
])
def test_pool_edges_bad_input(kwargs, exc, words):
    from pooldemo.edges import pool_edges

    with pytest.raises(exc, match=words):
        pool_edges(**kwargs)
