"""PoolingExplorer, ReceptiveFieldExplorer and the Explorer base class they share.

Widgets are driven programmatically under Agg (through ``explorer.controls``) and their models
and drawn artists are compared with the package's pure functions; one Playwright test opens a
no-kernel HTML face in Chromium.
"""

import json
import re

import numpy as np
import pytest
from conftest import watched_page
from pooldemo.specs import Conv2D as conv
from pooldemo.specs import MaxPooling2D as pool

import pooldemo
from pooldemo.pooling import pool2d, pool_argmax, pool_output_size, pool_tie_counts, window_bounds
from pooldemo.receptive import receptive_field, stack_model, unit_box
from pooldemo.widgets._base import Explorer
from pooldemo.widgets.pooling import EXAMPLE, PoolingExplorer
from pooldemo.widgets.receptive_field import PRESETS, ReceptiveFieldExplorer

MAX_HTML = 1.5e6


def _states(page):
    match = re.search(r'<script type="application/json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def _assert_self_contained(page):
    assert not re.search(r"https?://", page), "the no-kernel view must not reference the web"
    assert not re.search(r"""\ssrc\s*=\s*["'](?!data:)""", page)
    assert "<img" in page and "<script>" in page


# --- PoolingExplorer ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pex():
    return PoolingExplorer()


@pytest.fixture(scope="module")
def pooling_page():
    """The no-kernel face of a default PoolingExplorer (computed once for two tests)."""
    return PoolingExplorer().to_html()


def _check_pooling(ex):
    """Every drawn artist agrees with pooldemo.pooling for the explorer's current state."""
    v = ex.state()
    x, k = ex.x, v["pool_size"]
    s = k if v["strides"] == 0 else v["strides"]
    assert ex.last_error is None, ex.last_error
    y = pool2d(x, k, s, v["padding"], v["reduce"])
    oh, ow = y.shape
    assert ex.controls["position"].max == oh * ow - 1
    r, c = divmod(v["position"], ow)
    rs, re_ = window_bounds(x.shape[0], k, s, v["padding"])
    cs, ce = window_bounds(x.shape[1], k, s, v["padding"])
    # the outlined window is k x k; clipped to the input it is exactly window_bounds
    left, top = ex.window.get_xy()
    assert (ex.window.get_width(), ex.window.get_height()) == (k, k)
    assert (max(top + 0.5, 0), min(top + 0.5 + k, x.shape[0])) == (rs[r], re_[r])
    assert (max(left + 0.5, 0), min(left + 0.5 + k, x.shape[1])) == (cs[c], ce[c])
    m = ex.model()
    assert (m.rows, m.cols) == ((rs[r], re_[r]), (cs[c], ce[c]))
    assert (m.row, m.col) == (r, c)
    # the produced cell is outlined on the output map, whose data is pool2d
    assert ex.out_cell.get_xy() == (c - 0.5, r - 0.5)
    np.testing.assert_array_equal(ex.out_image.get_array(), y)
    # the printed result is pool2d's value
    assert m.value == y[r, c]
    np.testing.assert_array_equal(m.output, y)
    assert f"<b>{v['reduce']} = {y[r, c]:.4g}</b>" in ex.readout.value
    if v["reduce"] in ("max", "min"):
        sign = 1 if v["reduce"] == "max" else -1
        rows, cols = pool_argmax(sign * x, k, s, v["padding"])
        ties = pool_tie_counts(sign * x, k, s, v["padding"])[r, c]
        assert ex.argmax.get_visible()
        mx, my = ex.argmax.get_data()
        assert (list(my), list(mx)) == ([rows[r, c]], [cols[r, c]])
        assert m.tie_count == ties and len(m.ties) == ties
        assert m.argmax == (rows[r, c], cols[r, c])
        assert ex.ties.get_visible() == (ties > 1)
        assert len(ex.ties.get_data()[0]) == ties
        assert ("Tie:" in ex.readout.value) == (ties > 1)
    else:
        assert not ex.argmax.get_visible() and not ex.ties.get_visible()
    # padding strips are shown exactly when the window grid needs padding
    padded = any(strip.get_visible() for strip in ex.padding_strips)
    needs = v["padding"] == "same" and ((len(rs) - 1) * s + k > x.shape[0]
                                        or (len(cs) - 1) * s + k > x.shape[1])
    assert padded == needs
    return y


def test_pooling_defaults(pex):
    assert pex.state() == dict(pool_size=2, strides=0, padding="valid", reduce="max", position=0)
    y = _check_pooling(pex)
    assert y.shape == (3, 3)
    assert pex.model().tie_count == 2  # the example's first window holds two 3s
    assert "Tie:" in pex.readout.value and "row 0, col 1" in pex.readout.value


def test_pooling_every_setting(pex):
    reductions = ["max", "average", "min", "median"]
    seen = set()
    for k in range(1, 5):  # every pool size with every stride; padding and reduction vary
        for s in range(0, 5):
            with pex.hold():
                pex.controls["pool_size"].value, pex.controls["strides"].value = k, s
                pex.controls["padding"].value = ("valid", "same")[(k + s) % 2]
                pex.controls["reduce"].value = reductions[(k + 2 * s) % 4]
            _check_pooling(pex)
            pex.controls["position"].value = pex.controls["position"].max
            _check_pooling(pex)
            seen.add((pex.controls["padding"].value, pex.controls["reduce"].value))
    assert len(seen) == 8  # every padding with every reduction
    # every window and reduction of one overlapping setting
    c = pex.controls
    c["pool_size"].value, c["strides"].value, c["padding"].value = 3, 2, "same"
    for reduce in reductions:
        pex.controls["reduce"].value = reduce
        for position in range(pex.controls["position"].max + 1):
            pex.controls["position"].value = position
            _check_pooling(pex)


def test_pooling_position_range_follows_output(pex):
    c = pex.controls
    c["pool_size"].value, c["strides"].value, c["padding"].value = 1, 0, "valid"
    pex.controls["position"].value = 35
    assert pex.controls["position"].max == 35
    pex.controls["pool_size"].value = 2  # 3x3 windows now: the position is clamped, not an error
    assert pex.controls["position"].max == 8 and pex.controls["position"].value == 8
    _check_pooling(pex)


def test_pooling_html_face(pex, pooling_page):
    page = pooling_page
    _assert_self_contained(page)
    assert len(page.encode()) <= MAX_HTML
    data = _states(page)
    expected = sum(
        np.prod(pool_output_size(EXAMPLE.shape, k, k if s == 0 else s, padding))
        for k in (2, 3) for s in (0, 2) for padding in ("valid", "same")) * 4
    assert len(data["states"]) == expected
    assert len(data["images"]) <= expected
    # every state's readout is the live explorer's readout for those settings
    key = "0,0,0,0,4"  # pool 2, same-as-pool strides, valid, max, window 5 of 9
    assert data["states"][key][1].startswith("Window 5 of 9 → output row 1, col 1")


def test_pooling_digit_and_user_map():
    ex = PoolingExplorer("digit", pool_size=3, strides=2, padding="same", reduce="average")
    assert ex.x.shape == (28, 28) and not ex.annotate and ex.out_texts == []
    assert ex.state()["strides"] == 2
    ex.controls["position"].value = ex.controls["position"].max
    _check_pooling(ex)
    ex.controls["reduce"].value = "max"
    _check_pooling(ex)
    page = ex.to_html()
    assert len(page.encode()) <= MAX_HTML and len(_states(page)["states"]) <= 200

    x = np.arange(35).reshape(5, 7) % 4
    ex = PoolingExplorer(x, pool_size=2, strides=1)
    for position in range(ex.controls["position"].max + 1):
        ex.controls["position"].value = position
        _check_pooling(ex)
    assert ex.controls["pool_size"].max == 4
    small = PoolingExplorer(np.ones((2, 3)))
    assert small.controls["pool_size"].max == 2  # a valid window cannot be larger than the map


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(x=np.zeros((4, 4, 2))), ValueError, "(4, 4, 2)"),
    (dict(x=np.zeros((0, 4))), ValueError, "(0, 4)"),
    (dict(x=np.array([[1.0, np.nan], [0, 1]])), ValueError, "NaN"),
    (dict(x=np.zeros((2, 2)), pool_size=3), ValueError, "pool_size 3"),
    (dict(pool_size=5), ValueError, "5"),
    (dict(pool_size=2.5), TypeError, "2.5"),
    (dict(strides=0), ValueError, "strides"),
    (dict(padding="full"), ValueError, "full"),
    (dict(reduce="sum"), ValueError, "sum"),
    (dict(reduce=np.array([1, 2])), ValueError, "array([1, 2])"),
    (dict(x="cat"), ValueError, "cat"),
    (dict(x=[["a", "b"], ["c", "d"]]), TypeError, "dtype"),
])
def test_pooling_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=re.escape(word)):
        PoolingExplorer(**kwargs)


# --- ReceptiveFieldExplorer --------------------------------------------------------------------

@pytest.fixture(scope="module")
def rfx():
    return ReceptiveFieldExplorer()


def _check_rf(ex):
    v = ex.state()
    assert ex.last_error is None, ex.last_error
    rec = ex.records[v["layer"]]
    oh, ow = rec.output_size
    assert (ex.controls["row"].max, ex.controls["col"].max) == (oh - 1, ow - 1)
    (top, bottom), (left, right) = unit_box(rec, v["row"], v["col"])
    assert ex.box.get_xy() == (left - 0.5, top - 0.5)
    assert (ex.box.get_width(), ex.box.get_height()) == (right - left + 1, bottom - top + 1)
    assert f"{rec.size[0]}×{rec.size[1]} pixels" in ex.readout.value
    assert f"rows {top}–{bottom}, cols {left}–{right}" in ex.readout.value
    m = ex.model()
    assert m.box == ((top, bottom), (left, right)) and m.record is rec
    assert m.outside == (top < 0 or left < 0 or bottom >= ex.picture.shape[0]
                         or right >= ex.picture.shape[1])
    assert ex.unit_cell.get_xy() == (v["col"] - 0.5, v["row"] - 0.5)
    colours = [bar.get_facecolor() for bar in ex.bars.patches]
    layer = v["layer"]
    assert len(set(colours[layer + 1:])) <= 1 and colours[layer] not in colours[:layer]


@pytest.mark.parametrize("preset", list(PRESETS))
def test_rf_presets_every_layer(preset):
    ex = ReceptiveFieldExplorer(preset)
    want = receptive_field(PRESETS[preset][1], input_size=(28, 28))
    assert [r.size for r in ex.records] == [r.size for r in want]
    for layer in range(len(ex.records)):
        ex.controls["layer"].value = layer
        oh, ow = ex.records[layer].output_size
        for row, col in {(0, 0), (oh - 1, ow // 2)}:
            ex.controls["row"].value, ex.controls["col"].value = row, col
            _check_rf(ex)


def test_rf_every_unit_of_last_layer(rfx):
    rfx.controls["layer"].value = len(rfx.records) - 1
    for row in range(rfx.controls["row"].max + 1):
        rfx.controls["row"].value = row
        for col in range(rfx.controls["col"].max + 1):
            rfx.controls["col"].value = col
            _check_rf(rfx)
    assert "18×18" in rfx.readout.value  # Chollet's pooled net: 3x3 convs and 2x2 pools


def test_rf_row_clamped_on_layer_change(rfx):
    rfx.controls["layer"].value = 0
    rfx.controls["row"].value = 25
    rfx.controls["layer"].value = len(rfx.records) - 1
    assert rfx.controls["row"].value == rfx.controls["row"].max == 2
    _check_rf(rfx)


def test_rf_user_specs_and_image():
    image = np.random.default_rng(0).random((20, 24))
    ex = ReceptiveFieldExplorer([conv(5, name="c5"), pool(2), {"kind": "conv", "kernel": 3}],
                                image=image)
    assert ex.picture.shape == (20, 24)
    assert [r.size[0] for r in ex.records] == [5, 6, 10]
    ex.controls["layer"].value = 2
    c = ex.controls
    c["row"].value, c["col"].value = c["row"].max, c["col"].max
    _check_rf(ex)


def test_rf_effective_field_and_html(rfx, tf):
    rfx.controls["layer"].value = 2
    c = rfx.controls
    c["row"].value, c["col"].value = c["row"].max // 2, c["col"].max // 2
    shown = []
    rfx.readout.observe(lambda change: shown.append(change["new"]), "value")
    rfx.controls["erf"].value = True
    assert rfx.last_error is None, rfx.last_error
    # the reader is told at once that a slow computation runs, then sees the new readout
    assert "Computing the effective receptive field of layer 3" in shown[0]
    assert "Computing" not in shown[-1] and "Computing" not in rfx.readout.value
    heat = rfx.effective_rf(2)
    assert rfx.effective_rf(2) is heat  # cached
    assert rfx.erf_image.get_visible()
    assert np.ma.getdata(rfx.erf_image.get_array()).max() == pytest.approx(1.0)
    # the gradient reaches exactly the closed-form receptive field of the centre unit
    (t, b), (left, r) = unit_box(rfx.records[2], rfx.controls["row"].value,
                                 rfx.controls["col"].value)
    assert np.all(heat[:t] == 0) and np.all(heat[b + 1:] == 0)
    assert np.all(heat[:, :left] == 0) and np.all(heat[:, r + 1:] == 0)
    rfx.controls["erf"].value = False
    assert not rfx.erf_image.get_visible()

    page = rfx.to_html()
    _assert_self_contained(page)
    assert len(page.encode()) <= MAX_HTML
    expected = sum(len(rfx._static_units(i)[0]) * len(rfx._static_units(i)[1]) + 1
                   for i in range(len(rfx.records)))
    assert len(_states(page)["states"]) == expected
    assert rfx.last_error is None


def test_rf_keras_model(tf):
    model = stack_model([conv(3), pool(2), conv(3)], input_size=16, filters=2)
    image = np.random.default_rng(1).random((16, 16))
    ex = ReceptiveFieldExplorer(model, image=image)
    assert [r.size[0] for r in ex.records] == [3, 4, 8]
    ex.controls["erf"].value = True
    assert ex.last_error is None
    np.testing.assert_allclose(
        ex.effective_rf(ex.controls["layer"].value),
        pooldemo.effective_receptive_field(model, layer=ex.controls["layer"].value))
    with pytest.raises(ValueError, match=r"\(28, 28\)"):
        ReceptiveFieldExplorer(model)  # the default digit does not fit a 16x16 model


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(layers="resnet"), ValueError, "resnet"),
    (dict(layers=[]), ValueError, "empty"),
    (dict(layers=[conv(3), "pool"]), TypeError, "pool"),
    (dict(layers=5), TypeError, "int"),
    (dict(image=np.zeros((28, 28, 3))), ValueError, "(28, 28, 3)"),
    (dict(image=np.zeros((0, 28))), ValueError, "(0, 28)"),
    (dict(image=np.full((28, 28), np.nan)), ValueError, "NaN"),
    (dict(image=np.zeros((5, 5))), ValueError, "(5, 5)"),  # too small for conv-pool-conv-pool-conv
])
def test_rf_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=re.escape(word)):
        ReceptiveFieldExplorer(**kwargs)


# --- Explorer base -----------------------------------------------------------------------------

class _Toy(Explorer):
    """A slider; value 3 makes _draw fail."""

    def _build(self):
        from pooldemo import plot

        self.add_control("n", self._widgets.IntSlider(1, min=0, max=4, description="n"))
        self.add_control("kind", self._widgets.Dropdown(options=["a", "b"], description="kind"))
        self.figure, ax = plot.new_axes(size=1.5)
        self.line = self.dynamic(ax.plot([0, 1], [0, 1])[0])
        ax.set_ylim(0, 5)

    def _draw(self, n, kind):
        if n == 3:
            raise RuntimeError("three is not allowed")
        self.line.set_ydata([0, n])
        return f"n = {n}, {kind}"

    def valid_state(self, values):
        return values["n"] != 3 and not (values["kind"] == "b" and values["n"] > 2)


def test_base_error_is_shown_and_kept():
    toy = _Toy()
    assert toy.last_error is None and toy.readout.value == "n = 1, a"
    before = toy.image.value
    toy.controls["n"].value = 3
    assert isinstance(toy.last_error, RuntimeError)
    assert "three is not allowed" in toy.error.value
    assert toy.readout.value == "n = 1, a" and toy.image.value == before  # last good view kept
    toy.controls["n"].value = 4
    assert toy.last_error is None and toy.error.value == ""
    assert toy.readout.value == "n = 4, a" and toy.image.value != before


def test_base_hold_draws_once():
    toy = _Toy()
    calls = []
    toy._draw = lambda **v: calls.append(v) or "held"
    with toy.hold():
        toy.controls["n"].value, toy.controls["kind"].value = 2, "b"
        assert calls == []
    assert calls == [dict(n=2, kind="b")] and toy.readout.value == "held"


def test_base_mimebundle_and_static_states():
    toy = _Toy()
    toy.static_face = True   # as in the book build (POOLDEMO_STATIC_FACE=1)
    bundle = toy._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "image/png",
            "text/plain"} <= set(bundle)
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    data = _states(bundle["text/html"])
    assert len(data["states"]) == 4 + 3  # n in 0..4 without 3 for "a"; n <= 2 for "b"
    # rendering the HTML face leaves the live face as it was
    toy.controls["n"].value = 2
    png, text = toy.png(), toy.readout.value
    toy.to_html()
    assert toy.png() == png and toy.readout.value == text and toy.state()["n"] == 2
    toy.max_static_states = 6
    with pytest.raises(ValueError, match="7 states"):
        toy.to_html()


def _png_pixels(data_url):
    import base64
    import io

    from PIL import Image

    png = base64.b64decode(data_url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _frame_pixels(page, key):
    """The picture of state ``key`` of a no-kernel face, composed from its frames."""
    import base64

    from pooldemo.widgets._frames import compose

    data = _states(page)
    src = re.search(r'<img class="pd-image" src="data:image/png;base64,([^"]+)"', page).group(1)
    images = [base64.b64decode(b or src) for b in data["images"]]
    return compose(images, data["frames"], data["states"][key][0])


def test_html_face_in_chromium(tmp_path, browser, pooling_page):
    page_file = tmp_path / "pooling.html"
    page_file.write_text("<!doctype html><meta charset='utf-8'><body>" + pooling_page
                         + "</body>", encoding="utf-8")
    page, errors, requests = watched_page(browser)
    try:
        page.goto(page_file.as_uri())
        img = page.locator("img.pd-image")
        first = img.get_attribute("src")
        assert first.startswith("data:image/png;base64,")
        position = page.locator("input[data-pd-control='4']")
        position.fill("4")  # range inputs: fill sets the value and fires input/change
        second = img.get_attribute("src")
        assert second != first
        # the script pasted the frame's patches over its base: exactly the stored frame
        assert np.array_equal(_png_pixels(second), _frame_pixels(pooling_page, "0,0,0,0,4"))
        assert "output row 1, col 1" in page.locator(".pd-readout").inner_text()
        # a larger pool has fewer windows: the view moves to the nearest precomputed one
        position.fill("8")
        page.locator("input[data-pd-control='0']").fill("1")  # pool size 3: 2x2 windows
        readout = page.locator(".pd-readout").inner_text()
        assert "Window 4 of 4" in readout
        assert page.locator("[data-pd-value='0']").inner_text() == "3"
        page.locator("select[data-pd-control='3']").select_option("1")  # average
        assert "average =" in page.locator(".pd-readout").inner_text()
        # play steps through this setting's windows and wraps after the last
        page.locator("input[data-pd-control='0']").fill("0")  # pool size 2: 3x3 windows
        position.fill("8")
        page.locator("button[data-pd-play='4']").click()
        page.wait_for_function(
            "document.querySelector('[data-pd-value=\"4\"]').textContent === '0'",
            timeout=5000)
        page.locator("button[data-pd-play='4']").click()
        assert "Window 1 of 9" in page.locator(".pd-readout").inner_text()
    finally:
        page.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_live_display_is_light_and_honours_include_exclude(monkeypatch):
    """In a live kernel the HTML face is the current picture and readout only (no controls, no
    precomputed states); the multi-state face appears where asked or in the book build."""
    monkeypatch.delenv("POOLDEMO_STATIC_FACE", raising=False)
    toy = _Toy()
    calls = []
    monkeypatch.setattr(toy, "to_html", lambda: calls.append(1) or "STATIC")
    bundle = toy._repr_mimebundle_()
    assert calls == []
    light = bundle["text/html"]
    assert "<script" not in light and "data-pd-control" not in light
    assert light.count('src="data:image/png;base64,') == 1 and toy.readout.value in light
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(bundle)
    assert set(toy._repr_mimebundle_(include={"image/png"})) == {"image/png"}
    assert "text/html" not in toy._repr_mimebundle_(exclude={"text/html"}) and calls == []
    monkeypatch.setenv("POOLDEMO_STATIC_FACE", "1")
    assert toy._repr_mimebundle_()["text/html"] == "STATIC" and calls == [1]
    toy.static_face = False
    assert toy._repr_mimebundle_()["text/html"] != "STATIC"


# --- the static face's frames --------------------------------------------------------------------

def test_frames_compose_back_exactly():
    """Key frames and patches give back every frame, and patches cover every changed pixel."""
    from pooldemo.widgets._frames import changed_rects, compose, encode_frames

    rng = np.random.default_rng(0)
    base = np.full((40, 70, 3), 255, dtype=np.uint8)
    colours = rng.integers(0, 255, (40, 3), dtype=np.uint8)  # at most 256 colours: exact
    base[5:15, 5:60] = colours[rng.integers(0, 40, (10, 55))]
    frames = [base]
    for k in range(5):  # a small moving square, then a frame that differs almost everywhere
        f = base.copy()
        f[20 + k:25 + k, 3 * k:3 * k + 5] = (200, 0, 0)
        frames.append(f)
    frames.append(255 - base)
    frames.append(base.copy())  # the same picture again
    images, refs = encode_frames(frames)
    assert len(images) <= len(frames)
    for i, f in enumerate(frames):
        np.testing.assert_array_equal(compose(images, refs, i), f)
    assert isinstance(refs[0], int) and isinstance(refs[-2], int)  # all changed: whole again
    assert not isinstance(refs[1], int)  # a patch over an earlier frame
    assert refs[-1] == refs[0]
    mask = np.zeros((40, 70), dtype=bool)
    mask[[3, 30], [4, 66]] = True
    rects = changed_rects(mask)
    covered = np.zeros_like(mask)
    for x, y, w, h in rects:
        covered[y:y + h, x:x + w] = True
    assert covered[mask].all() and covered.sum() == 2  # two tight 1x1 rectangles


def test_static_face_frames_are_the_rendered_pictures(pooling_page):
    """Every state's frame, composed as the page's script does, is the picture of that state."""
    import base64
    import io

    from PIL import Image

    from pooldemo.widgets._frames import compose

    data = _states(pooling_page)
    src = re.search(r'<img class="pd-image" src="data:image/png;base64,([^"]+)"', pooling_page)
    images = [base64.b64decode(b) if b else base64.b64decode(src.group(1))
              for b in data["images"]]
    ex = PoolingExplorer()
    ex.figure.set_dpi(ex.static_dpi)
    ex._background = None  # drawn again at this dpi
    names = list(ex.controls)
    _, grids = ex.static_states()
    for key in ["0,0,0,0,4", "1,1,1,2,3", "0,1,1,3,8"]:
        values = {n: grids[i][int(j)] for i, (n, j) in enumerate(zip(names, key.split(",")))}
        with ex.hold():
            for n, v in values.items():
                ex.controls[n].value = v
        rendered = np.asarray(ex.figure.canvas.buffer_rgba())[..., :3].astype(int)
        frame = compose(images, data["frames"], data["states"][key][0]).astype(int)
        assert frame.shape == rendered.shape
        assert np.abs(frame - rendered).mean() < 2  # the palette's rounding only
    first = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.group(1)))).convert("RGB"))
    assert first.shape[2] == 3


def test_resnet50_preset_is_the_real_network():
    """The preset walks ResNet50's longest path on a 224x224 picture: its last unit sees 483x483
    pixels (the graph walk of the Keras model agrees: tests/test_receptive_graph.py); the no-kernel
    face keeps the last layer of each resolution, and the effective field stays live-only."""
    ex = pooldemo.ReceptiveFieldExplorer("resnet50")
    assert ex.picture.shape == (224, 224)
    last = ex.records[-1]
    assert (last.name, last.size, last.output_size) == ("conv5_block3_out", (483, 483), (7, 7))
    layers = ex.static_values("layer")
    assert [ex.records[i].name for i in layers][-4:] == [
        "conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out"]
    assert ex.static_values("erf") == [False]
    ex.controls["layer"].value = len(ex.records) - 1
    assert ex.last_error is None
    import matplotlib.pyplot as plt

    plt.close(ex.figure)
