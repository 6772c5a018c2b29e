"""FabricPoolingExplorer and ShiftExplorer: controls through their ranges, drawn state against the
package functions, user data, the no-kernel HTML face, bad input."""

import json
import re

import matplotlib.colors as mcolors
import numpy as np
import pytest
from conftest import watched_page

import pooldemo
from pooldemo import global_pool, pool2d
from pooldemo.edges import conv2d
from pooldemo.fabric import detector_maps, fabric_image, thread_example
from pooldemo.plot.fabric import DETECTED_COLOR
from pooldemo.shift import invariance_curves, shift_image

# --- FabricPoolingExplorer ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fab():
    return pooldemo.FabricPoolingExplorer()


def _bars(e):
    a = e.artists["bars"]
    return [(b.get_height(), b.get_facecolor()) for b in a["bars"] if b.get_visible()]


def _check_drawn(e):
    """What is drawn equals the package's maps and global_pool of them."""
    v = e.state()
    a = e.artists
    kind, thr = v["kind"], v["threshold"]
    if kind == "thread":
        ex = thread_example(e.grid)
        maps = [ex["one_rip"], ex["faint_everywhere"]]
        assert not a["left"]["image"].get_visible()
    elif kind.startswith("user:"):
        m = e.user_maps[kind[5:]]
        maps = [m, np.full(m.shape, m.mean())]
    else:
        image = fabric_image(kind, count=None if kind == "smooth" else v["count"],
                             noise=v["noise"], seed=e.seed)
        np.testing.assert_array_equal(a["left"]["image"].get_array(), image)
        assert a["left"]["image"].get_visible() and not a["left"]["map"].get_visible()
        maps = [detector_maps(image, grid=e.grid)[v["detector"]]]
    shown = [a["left"]["map"].get_array()] if len(maps) == 2 else []
    shown.append(a["right"]["map"].get_array())
    for m, drawn in zip(maps, shown):
        np.testing.assert_allclose(drawn, m)
    bars = _bars(e)
    expected = [s for m in maps for s in (global_pool(m, "max"), global_pool(m, "average"))]
    assert len(bars) == len(expected)
    for (height, color), value in zip(bars, expected):
        assert height == pytest.approx(value)
        hit = value >= thr
        assert mcolors.same_color(color, DETECTED_COLOR) == hit
        word = "<b>" + {True: "yes", False: "no"}[hit] if kind.startswith("user:") else None
        if word:
            assert word in e.readout.value
    assert list(a["bars"]["threshold"].get_ydata()) == [thr, thr]
    # the numbers written in the map cells are the map values
    texts = a["right"]["texts"]
    for i in range(e.grid):
        for j in range(e.grid):
            t = texts[i][j]
            if t.get_visible():
                assert float(t.get_text()) == pytest.approx(maps[-1][i, j], abs=0.006)
            else:
                assert maps[-1][i, j] == 0


def test_fabric_defaults_show_the_rip_and_max_beats_average(fab):
    assert fab.state() == {"kind": "rip", "count": 1, "noise": 0.05, "detector": "rip",
                           "threshold": 0.5}
    assert fab.last_error is None
    _check_drawn(fab)
    (mx, _), (avg, _) = _bars(fab)
    assert mx == 2.0 and avg < 0.5
    assert "max head says <b>rip</b>" in fab.readout.value
    assert "average head says <b>no rip</b>" in fab.readout.value


def test_fabric_thread_example_numbers(fab):
    fab.controls["kind"].value = "thread"
    assert fab.last_error is None
    _check_drawn(fab)
    (one_max, one_avg), (faint_max, faint_avg) = fab.model().pooled
    assert one_max == 2.0 and faint_max == pytest.approx(2 / 49)
    assert one_avg == pytest.approx(2 / 49) == pytest.approx(faint_avg)
    assert "0.041" in fab.readout.value and "only global max tells them apart" in fab.readout.value
    assert fab.controls["count"].disabled and fab.controls["detector"].disabled
    # all 49 faint values are written, and the 48 zeros of the one-rip map
    assert sum(t.get_visible() and t.get_text() == "0.04"
               for row in fab.artists["right"]["texts"] for t in row) == 49
    assert sum(t.get_text() == "0" for row in fab.artists["left"]["texts"] for t in row) == 48
    fab.controls["kind"].value = "rip"


def test_fabric_every_control_through_its_range(fab):
    e = fab
    for kind in ("smooth", "rip", "wrinkles", "fold", "thread"):
        for detector in ("rip", "wrinkle"):
            e.controls["kind"].value = kind
            e.controls["detector"].value = detector
            assert e.last_error is None, (kind, detector, e.last_error)
            _check_drawn(e)
    for kind in ("rip", "wrinkles", "fold"):
        e.controls["kind"].value = kind
        e.controls["detector"].value = "wrinkle" if kind != "rip" else "rip"
        for count in range(e.controls["count"].min, e.controls["count"].max + 1, 3):
            e.controls["count"].value = count
            assert e.last_error is None, (kind, count, e.last_error)
            _check_drawn(e)
    for noise in np.arange(0, 0.301, 0.05):
        e.controls["noise"].value = round(float(noise), 2)
        assert e.last_error is None
        _check_drawn(e)
    for thr in np.arange(0.05, 2.001, 0.15):
        e.controls["threshold"].value = round(float(thr), 2)
        assert e.last_error is None
        _check_drawn(e)
    with e.hold():
        c = e.controls
        c["kind"].value, c["count"].value, c["noise"].value = "rip", 1, 0.05
        e.controls["detector"].value, e.controls["threshold"].value = "rip", 0.5


def test_fabric_kind_picks_its_detector():
    e = pooldemo.FabricPoolingExplorer()
    e.controls["kind"].value = "fold"
    assert e.controls["detector"].value == "wrinkle" and e.last_error is None
    _check_drawn(e)
    e.controls["detector"].value = "rip"                  # still free to look at the other detector
    _check_drawn(e)
    e.controls["kind"].value = "smooth"
    assert e.controls["detector"].value == "rip"
    e.controls["kind"].value = "rip"
    assert e.controls["detector"].value == "rip"
    _check_drawn(e)


def test_fabric_wrinkles_average_head_separates_fold():
    kw = dict(noise=0.05, detector="wrinkle", threshold=0.15)
    many = pooldemo.FabricPoolingExplorer(kind="wrinkles", **kw)
    fold = pooldemo.FabricPoolingExplorer(kind="fold", **kw)
    assert many.controls["count"].value == 6
    # global max: both look wrinkled; global average: only the many wrinkles
    assert many.model().pooled[0][0] >= 0.15 and fold.model().pooled[0][0] >= 0.15
    assert many.model().pooled[0][1] >= 0.15 > fold.model().pooled[0][1]
    assert "average head says <b>smooth</b>" in fold.readout.value


def test_fabric_user_maps_and_html():
    one = np.zeros((5, 5))
    one[1, 3] = 3.0
    e = pooldemo.FabricPoolingExplorer(maps={"spot": one, "flat": np.ones((5, 5))},
                                       kind="user:spot", threshold=0.5)
    assert e.grid == 5 and e.artists["right"]["map"].get_array().shape == (5, 5)
    assert e.last_error is None
    _check_drawn(e)
    assert list(e.model().pooled) == [(3.0, pytest.approx(0.12)),
                                     (pytest.approx(0.12), pytest.approx(0.12))]
    assert e.artists["bars"]["ax"].get_ylim()[1] >= 3.0
    e.controls["kind"].value = "user:flat"
    _check_drawn(e)
    e.controls["kind"].value = "wrinkles"                 # synthetic fabric on the user's 5x5 grid
    _check_drawn(e)
    assert e.artists["right"]["map"].get_array().shape == (5, 5)
    single = pooldemo.FabricPoolingExplorer(maps=np.eye(3), kind="user:map")
    _check_drawn(single)


@pytest.fixture(scope="module")
def fab_html(fab):
    return fab.to_html()


@pytest.fixture(scope="module")
def shift_html(sh):
    return sh.to_html()


def test_fabric_html_face(fab, fab_html):
    html = fab_html
    n = int(re.search(r"No-kernel view: (\d+) states", html).group(1))
    assert 20 <= n <= 150
    assert len(html) <= 1.5e6
    assert "<script" in html and not re.search(r"https?://", html)
    # nothing loads from elsewhere: the only src is the start picture, inline (data: URI)
    assert [u[:22] for u in re.findall(r'src="([^"]*)"', html)] == ["data:image/png;base64,"]
    assert 'alt="A synthetic rip fabric' in html
    assert "thread example" in html
    data = json.loads(re.search(r'<script type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    texts = [text for _, text in data["states"].values()]
    assert len(texts) == n and len(data["images"]) <= n
    assert sum("Both maps have global average 0.041" in t for t in texts) == 2   # two thresholds
    assert fab.state()["kind"] == "rip" and fab.last_error is None


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(kind="torn"), ValueError, "kind"),
    (dict(kind="user:x"), ValueError, "kind"),
    (dict(count=0), ValueError, "count"), (dict(count=11), ValueError, "count"),
    (dict(count=2.0), TypeError, "count"),
    (dict(noise=0.5), ValueError, "noise"), (dict(noise=-1), ValueError, "noise"),
    (dict(noise="x"), TypeError, "noise"),
    (dict(detector="hole"), ValueError, "detector"),
    (dict(threshold=0), ValueError, "threshold"), (dict(threshold=3), ValueError, "threshold"),
    (dict(seed=1.5), TypeError, "seed"), (dict(seed=-1), ValueError, "seed"),
    (dict(maps={}), ValueError, "empty"),
    (dict(maps=np.ones((3, 4))), ValueError, "square"),
    (dict(maps=np.ones((20, 20))), ValueError, "square"),
    (dict(maps=np.ones(4)), ValueError, "shape"),
    (dict(maps={"a": np.ones((3, 3)), "b": np.ones((4, 4))}), ValueError, "same shape"),
    (dict(maps={"a": np.full((3, 3), np.nan)}), ValueError, "NaN"),
    (dict(maps={1: np.ones((3, 3))}), TypeError, "keys"),
    (dict(maps=[["a", "b"], ["c", "d"]]), TypeError, "dtype"),
])
def test_fabric_bad_input(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        pooldemo.FabricPoolingExplorer(**kwargs)


# --- ShiftExplorer -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sh():
    return pooldemo.ShiftExplorer()


def _check_shift_drawn(e):
    dx, dy = e.controls["dx"].value, e.controls["dy"].value
    a = e.artists
    shifted = shift_image(e.x, dx, dy)
    conv = np.maximum(conv2d(shifted, e.filter), 0)
    np.testing.assert_array_equal(a["input"].get_array(), shifted)
    np.testing.assert_allclose(a["conv"].get_array(), conv)
    np.testing.assert_allclose(a["pooled"].get_array(), pool2d(conv, 2))
    curves = invariance_curves(e.x, e.shifts, dy=dy, kernel=e.filter)
    c = a["curves"]
    assert list(c["marker"].get_xdata()) == [dx, dx]
    for name, values in curves.items():
        np.testing.assert_allclose(c["lines"][name].get_ydata(), values)
        xs, ys = c["dots"][name].get_data()
        assert list(xs) == [dx] and ys[0] == pytest.approx(values[e.shifts.index(dx)])
    assert f"{float(global_pool(conv, 'max')):.3f}" in e.readout.value
    assert f"Shift ({dx:+d}, {dy:+d})" in e.readout.value
    m = e.model()
    np.testing.assert_array_equal(m.features["shifted"], shifted)
    assert m.change == {name: pytest.approx(v[e.shifts.index(dx)]) for name, v in curves.items()}


def test_shift_defaults(sh):
    np.testing.assert_array_equal(sh.x, pooldemo.digit(7, index=4))
    assert sh.state() == {"dx": 0, "dy": 0} and sh.last_error is None
    assert sh.shifts == list(range(-6, 7))
    _check_shift_drawn(sh)
    assert "conv features <b>0%</b>" in sh.readout.value


def test_shift_every_control_value(sh):
    for dx in range(sh.controls["dx"].min, sh.controls["dx"].max + 1):
        sh.controls["dx"].value = dx
        assert sh.last_error is None, (dx, sh.last_error)
        _check_shift_drawn(sh)
    for dy in range(sh.controls["dy"].min, sh.controls["dy"].max + 1):
        sh.controls["dy"].value = dy
        assert sh.last_error is None, (dy, sh.last_error)
        _check_shift_drawn(sh)
    with sh.hold():
        sh.controls["dx"].value, sh.controls["dy"].value = 0, 0


def test_shift_local_vs_global_invariance(sh):
    c = sh.curves(0)
    i = sh.shifts.index(1)
    # one pixel: conv features change most, 2x2 max pooling less, global max not at all
    assert c["conv"][i] > c["max_pool"][i] > 0.1
    assert c["global_max"][i] == 0 and c["global_average"][i] < 0.01


def test_shift_user_image_and_html(sh, shift_html):
    x = np.zeros((16, 16))
    x[4:12, 7:10] = 1.0
    e = pooldemo.ShiftExplorer(x[..., None], dx=2, filter=np.array([[0, 0, 0], [-1, 0, 1],
                                                                     [0, 0, 0]]), max_shift=4)
    assert e.controls["dx"].max == 4 and e.last_error is None
    _check_shift_drawn(e)
    html = shift_html
    assert "No-kernel view: 27 states" in html and len(html) <= 1.5e6
    assert "<script" in html and not re.search(r"https?://", html)
    # nothing loads from elsewhere: the only src is the start picture, inline (data: URI)
    assert [u[:22] for u in re.findall(r'src="([^"]*)"', html)] == ["data:image/png;base64,"]
    assert 'alt="An image shifted' in html and "play" in html
    assert sh.state() == {"dx": 0, "dy": 0}


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(image=np.ones((5, 5))), ValueError, "8x8"),
    (dict(image=np.ones((9, 9, 2))), ValueError, "shape"),
    (dict(image=np.full((9, 9), np.nan)), ValueError, "NaN"),
    (dict(image=np.ones((12, 12))), ValueError, "all zero"),
    (dict(filter="sobel"), ValueError, "filter"),
    (dict(filter=np.ones((2, 2))), ValueError, "3x3"),
    (dict(dx=7), ValueError, "dx"), (dict(dy=-7), ValueError, "dy"),
    (dict(dx=1.0), TypeError, "dx"),
    (dict(max_shift=0), ValueError, "max_shift"), (dict(max_shift=9), ValueError, "max_shift"),
    (dict(image=np.eye(12), max_shift=5), ValueError, "max_shift"),
])
def test_shift_bad_input(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        pooldemo.ShiftExplorer(**kwargs)


def test_html_faces_in_chromium(tmp_path, browser, fab_html, shift_html):
    page_file = tmp_path / "faces.html"
    page_file.write_text("<!doctype html><meta charset='utf-8'><body>" + fab_html + shift_html
                         + "</body>", encoding="utf-8")
    page, errors, requests = watched_page(browser)
    try:
        page.goto(page_file.as_uri())
        fab, sh = page.locator(".pd-explorer").nth(0), page.locator(".pd-explorer").nth(1)
        img = fab.locator("img.pd-image")
        first = img.get_attribute("src")
        assert first.startswith("data:image/png;base64,")
        assert "max head says rip" in fab.locator(".pd-readout").inner_text()
        fab.locator("select[data-pd-control='0']").select_option(label="thread example")
        assert img.get_attribute("src") != first
        assert "Both maps have global average 0.041" in fab.locator(".pd-readout").inner_text()
        # wrinkles are precomputed with the wrinkle detector: the view moves there
        fab.locator("select[data-pd-control='0']").select_option(label="many wrinkles")
        assert fab.locator("select[data-pd-control='3']").input_value() == "1"
        assert "head says wrinkled" in fab.locator(".pd-readout").inner_text()
        dx = sh.locator("input[data-pd-control='0']")
        dx.fill("7")                                          # dx = +3
        assert "Shift (+3, +0)" in sh.locator(".pd-readout").inner_text()
        assert sh.locator("[data-pd-value='0']").inner_text() == "3"
    finally:
        page.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
