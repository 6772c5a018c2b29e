"""EdgePoolingExplorer and ShapeExplorer: controls through their ranges, drawn state against the
package functions and Keras, the no-kernel HTML face, bad input."""

import re

import numpy as np
import pytest

import pooldemo
from pooldemo import edges
from pooldemo.shapes import build_convnet, layer_table

# --- EdgePoolingExplorer -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge_explorer():
    return pooldemo.EdgePoolingExplorer()


def _edge_state_drawn_correctly(e):
    f, k = e.controls["filter"].value, e.controls["pool_size"].value
    edge_map = np.maximum(edges.conv2d(e.x, f, padding="same"), 0)
    a = e.artists
    np.testing.assert_allclose(a["edges"].get_array(), edge_map)
    np.testing.assert_allclose(a["pooled_edges"].get_array(), pooldemo.pool2d(edge_map, k))
    np.testing.assert_allclose(a["pooled_image"].get_array(), pooldemo.pool2d(e.x, k))
    oh, ow = pooldemo.pool_output_size(e.x.shape, k)
    # pooled maps are drawn over the input cells their windows cover
    assert a["pooled_edges"].get_extent() == [-0.5, ow * k - 0.5, oh * k - 0.5, -0.5]
    best = e.model()["strongest"]
    assert best["value"] == pytest.approx(pooldemo.pool2d(edge_map, k).max())
    # the outlined block holds the strongest edge response
    (r0, r1), (c0, c1) = best["rows"], best["cols"]
    assert edge_map[r0:r1 + 1, c0:c1 + 1].max() == pytest.approx(best["value"])
    for box in a["boxes"]:
        assert box.get_xy() == (c0 - 0.5, r0 - 0.5) and box.get_width() == k
    assert f"{oh}×{ow} = {oh * ow} of {e.x.size} cells" in e.readout.value


def test_edge_explorer_defaults_draw_a_seven(edge_explorer):
    e = edge_explorer
    np.testing.assert_array_equal(e.x, pooldemo.digit(7, index=4))
    assert e.state() == {"filter": "vertical", "pool_size": 2}
    assert e.last_error is None
    _edge_state_drawn_correctly(e)


def test_edge_explorer_every_control_value(edge_explorer):
    e = edge_explorer
    before = e.png()
    for f in e.controls["filter"].options:
        for k in range(e.controls["pool_size"].min, e.controls["pool_size"].max + 1):
            with e.hold():
                e.controls["filter"].value, e.controls["pool_size"].value = f, k
            assert e.last_error is None, (f, k, e.last_error)
            _edge_state_drawn_correctly(e)
    assert e.png() != before
    e.controls["filter"].value, e.controls["pool_size"].value = "vertical", 2


def test_pooled_edges_keep_position_raw_pooling_thickens(edge_explorer):
    e = edge_explorer
    e.controls["filter"].value, e.controls["pool_size"].value = "anti-diagonal", 4
    s = e.model()
    # the centre of edge response moves by less than one pooling window...
    assert np.hypot(*np.subtract(s["centre"], s["pooled_centre"])) < 4
    # ... while the bright area of the raw image grows
    assert s["pooled_ink"] > 2 * s["ink"]
    e.controls["filter"].value, e.controls["pool_size"].value = "vertical", 2


def test_edge_explorer_user_image_and_html():
    x = np.zeros((12, 12))
    x[:, 6:] = 1.0
    e = pooldemo.EdgePoolingExplorer(x, filter="vertical", pool_size=3)
    assert e.controls["pool_size"].max == 7
    _edge_state_drawn_correctly(e)
    assert e.model()["strongest"]["cols"] == (3, 5)
    small = pooldemo.EdgePoolingExplorer(np.eye(5)[..., None], pool_size=1)
    assert small.controls["pool_size"].max == 5 and small.static_values("pool_size") == [1, 2, 3, 4]
    html = small.to_html()
    assert "No-kernel view: 16 states" in html
    assert not re.search(r"https?://", html)


def test_edge_explorer_html_face(edge_explorer):
    html = edge_explorer.to_html()
    assert len(html) <= 1.5e6
    assert "No-kernel view: 20 states" in html
    assert "<script" in html
    # nothing loads from elsewhere: the only src is the start picture, inline (data: URI)
    assert [u[:22] for u in re.findall(r'src="([^"]*)"', html)] == ["data:image/png;base64,"]
    assert not re.search(r"https?://", html)
    assert 'alt="Four panels' in html
    assert edge_explorer.state() == {"filter": "vertical", "pool_size": 2}


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(image=np.ones((2, 5))), ValueError, "at least 3x3"),
    (dict(image=np.ones((0, 5))), ValueError, "at least 3x3"),
    (dict(image=np.ones(5)), ValueError, "shape"),
    (dict(image=np.ones((5, 5, 3))), ValueError, "shape"),
    (dict(image=np.full((5, 5), np.nan)), ValueError, "NaN"),
    (dict(image=[["a"] * 3] * 3), TypeError, "dtype"),
    (dict(filter="sobel"), ValueError, "'sobel'"),
    (dict(pool_size=0), ValueError, "pool_size"),
    (dict(pool_size=8), ValueError, "pool_size 8"),
    (dict(image=np.ones((5, 5)), pool_size=6), ValueError, "pool_size 6"),
    (dict(pool_size=2.0), TypeError, "pool_size"),
])
def test_edge_explorer_bad_input(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        pooldemo.EdgePoolingExplorer(**kwargs)


# --- ShapeExplorer -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shape_explorer(tf):
    return pooldemo.ShapeExplorer()


def test_shape_explorer_every_combination(shape_explorer, tf):
    e = shape_explorer
    impossible = []
    for blocks in range(e.controls["blocks"].min, e.controls["blocks"].max + 1):
        for down in [o[1] for o in e.controls["downsample"].options]:
            for head in [o[1] for o in e.controls["head"].options]:
                with e.hold():
                    c = e.controls
                    c["blocks"].value, c["downsample"].value, c["head"].value = blocks, down, head
                assert e.last_error is None, (blocks, down, head, e.last_error)
                if e.model().rows is None:
                    impossible.append((blocks, down))
                    assert "Not possible" in e.readout.value
                    assert f"blocks={blocks}" in e.readout.value
                    assert e.artists["message"].get_text()
                    assert not any(b.get_visible() for b in e.artists["bars"][1])
                    continue
                model = build_convnet(blocks, down, head)
                assert e.model().total_params == model.count_params()
                assert f"Total: {model.count_params():,} parameters" in e.readout.value
                assert e.model().rows == layer_table(model)
                shown = [b for b in e.artists["bars"][1] if b.get_visible()]
                assert len(shown) == len(model.layers)
                for bar, layer in zip(shown, model.layers):
                    assert bar.get_x() + bar.get_width() == max(layer.count_params(), 1)
                labels = [t.get_text() for t in e.artists["labels"] if t.get_visible()]
                assert labels == [layer.name for layer in model.layers]
                assert not e.artists["message"].get_text()
    assert sorted(set(impossible)) == [(4, "average"), (4, "max")]
    c = e.controls
    c["blocks"].value, c["downsample"].value, c["head"].value = 3, "max", "flatten"


def test_shape_explorer_chollet_numbers(shape_explorer):
    e = shape_explorer
    c = e.controls
    c["blocks"].value, c["downsample"].value, c["head"].value = 3, "max", "flatten"
    rf = {r["name"]: r["rf_size"][0] for r in e.model().rows}
    assert rf["conv3"] == 18
    pooled = e.model().total_params
    e.controls["downsample"].value = "none"
    assert e.model().total_params > 5 * pooled  # the flatten head explodes without pooling
    e.controls["head"].value = "global_average"
    assert e.model().total_params < pooled
    e.controls["downsample"].value, e.controls["head"].value = "max", "flatten"


def test_shape_explorer_html_face(shape_explorer):
    html = shape_explorer.to_html()
    assert len(html) <= 1.5e6
    assert "No-kernel view: 48 states" in html
    assert not re.search(r"https?://", html)
    assert "Not possible" in html and "Total: 61,514 parameters" in html
    assert shape_explorer.state() == {"blocks": 3, "downsample": "max", "head": "flatten"}


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(blocks=0), ValueError, "blocks"),
    (dict(blocks=5), ValueError, "blocks 5"),
    (dict(blocks=2.5), TypeError, "blocks"),
    (dict(downsample="stride"), ValueError, "'stride'"),
    (dict(head="dense64"), ValueError, "'dense64'"),
    (dict(max_blocks=9), ValueError, "max_blocks"),
    (dict(input_size=2), ValueError, "input_size"),
    (dict(filters=0), ValueError, "filters"),
])
def test_shape_explorer_bad_input(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        pooldemo.ShapeExplorer(**kwargs)


def test_edge_explorer_blank_and_uint8_images():
    blank = pooldemo.EdgePoolingExplorer(np.zeros((10, 10)))
    assert blank.last_error is None
    assert "no vertical edge" in blank.readout.value
    assert not any(box.get_visible() for box in blank.artists["boxes"])
    x = (pooldemo.digit(3) * 255).astype(np.uint8)
    e = pooldemo.EdgePoolingExplorer(x, pool_size=7)
    assert e.last_error is None
    _edge_state_drawn_correctly(e)
    assert e.artists["edges"].get_clim() == (0.0, 4.0 * x.max())
