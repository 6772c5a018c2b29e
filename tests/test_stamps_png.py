"""The two speed-ups of explorer updates: text and image stamps, and the fast PNG encoder.

Both must be invisible: the same pixels as drawing the text with Agg, the same image after PNG
decoding. The explorer-level test compares a blitted update (stamps, after many control changes)
with a from-scratch draw of the same state.
"""

import io

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from pooldemo.widgets._base import _fast_png  # noqa: E402
from pooldemo.widgets._stamps import Stamps  # noqa: E402


def _figure_with_texts(n=24, seed=0):
    rng = np.random.default_rng(seed)
    fig = Figure(figsize=(5, 3), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.imshow(rng.random((6, 8)), cmap="viridis")
    texts = []
    for i in range(n):
        # sub-pixel positions, repeated strings (hits), two colours, rotation, multi-line
        texts.append(ax.text(rng.uniform(0, 7), rng.uniform(0, 5), f"{i % 7 * 0.37:.2f}",
                             color="w" if i % 2 else "k", fontsize=7 + i % 3,
                             ha=("left", "center", "right")[i % 3], va="center",
                             rotation=30 if i == 5 else 0, animated=True))
    texts.append(ax.set_title("a title ×2\nsecond line", animated=True))
    fig.canvas.draw()
    return fig, texts, fig.canvas.copy_from_bbox(fig.bbox)


def _draw(fig, background, texts, stamps=None):
    fig.canvas.restore_region(background)
    for t in texts:
        if stamps is None:
            fig.draw_artist(t)
        else:
            stamps.draw(t)
    return np.array(fig.canvas.buffer_rgba())


@pytest.fixture
def crops(monkeypatch):
    """Texts stamped whole (crops), as on a matplotlib without the glyph parts."""
    from pooldemo.widgets import _stamps

    monkeypatch.setattr(_stamps, "glyph_api_available", lambda: False)


def test_glyph_stamps_give_the_pixels_of_text_draw():
    from pooldemo.widgets import _stamps

    assert _stamps.glyph_api_available()  # the pinned matplotlib has the parts
    fig, texts, bg = _figure_with_texts()
    direct = _draw(fig, bg, texts)
    stamps = Stamps(fig)
    for _ in range(3):
        np.testing.assert_array_equal(_draw(fig, bg, texts, stamps), direct)
    upright = sum(t.get_rotation() == 0 for t in texts)
    # the long title is drawn from its glyphs, then from a crop made of them; the rotated text
    # is drawn the plain way, then from a crop made by Text.draw
    assert 0 < upright < len(texts) and stamps.glyph_texts == 3 * upright - 1
    assert stamps.plain == 1 and stamps.misses == stamps.hits == 2
    made = stamps.glyph_misses
    _draw(fig, bg, texts, stamps)
    assert made > 0 and stamps.glyph_misses == made  # every glyph came from a stamp


@pytest.mark.parametrize("seed", range(4))
def test_glyph_stamps_at_random_places_fonts_and_strings(seed):
    rng = np.random.default_rng(seed)
    fig = Figure(figsize=(6, 4), dpi=(80, 100, 72, 80)[seed])
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.imshow(rng.random((6, 8)))
    fig.canvas.draw()
    bg = fig.canvas.copy_from_bbox(fig.bbox)
    strings = ["0", "0.04", "2.00", "global max", "Ab\ncd x", "−1.5 %", "W.AV", "fi ffl"]
    texts = [ax.text(rng.uniform(-1, 8), rng.uniform(-1, 6), str(rng.choice(strings)),
                     color=str(rng.choice(["w", "k", "red"])), alpha=rng.choice([None, 0.5]),
                     fontsize=float(rng.choice([7, 8, 9.5, 12])),
                     ha=str(rng.choice(["left", "center", "right"])),
                     va=str(rng.choice(["center", "bottom", "top", "baseline"])),
                     antialiased=bool(rng.random() > 0.1), animated=True)
             for _ in range(60)]
    stamps = Stamps(fig)
    for _ in range(2):
        np.testing.assert_array_equal(_draw(fig, bg, texts, stamps), _draw(fig, bg, texts))
    assert stamps.glyph_texts > 0


def test_a_new_number_in_a_cell_reuses_the_glyphs_drawn_there():
    fig, texts, bg = _figure_with_texts(n=1)
    t = texts[0]
    t.set_ha("center")
    stamps = Stamps(fig)
    t.set_text("0.12")
    _draw(fig, bg, [t], stamps)
    made = stamps.glyph_misses
    for number in ("0.21", "1.20", "2.01"):  # the same digits, equal widths: same sub-pixels
        t.set_text(number)
        np.testing.assert_array_equal(_draw(fig, bg, [t], stamps), _draw(fig, bg, [t]))
    assert stamps.glyph_misses == made


def test_stamps_give_the_pixels_of_text_draw(crops):
    fig, texts, bg = _figure_with_texts()
    direct = _draw(fig, bg, texts)
    stamps = Stamps(fig)
    np.testing.assert_array_equal(_draw(fig, bg, texts, stamps), direct)  # first sight: plain
    np.testing.assert_array_equal(_draw(fig, bg, texts, stamps), direct)  # back: stamps made
    np.testing.assert_array_equal(_draw(fig, bg, texts, stamps), direct)  # every text a hit
    assert stamps.plain == stamps.misses == stamps.hits == len(texts)


def test_a_moved_text_gets_its_own_stamp(crops):
    # Agg rounds glyph positions to whole pixels: a crop pasted elsewhere could be a pixel off
    fig, texts, bg = _figure_with_texts(n=1)
    t = texts[0]
    stamps = Stamps(fig)
    for x in (0.3, 2.71, 5.5, 2.71, 5.5, 0.3, 0.3):
        t.set_x(x)
        np.testing.assert_array_equal(_draw(fig, bg, [t], stamps), _draw(fig, bg, [t]))
    assert stamps.plain == 3 and stamps.misses == 3 and stamps.hits == 1


def test_a_changed_property_makes_a_new_stamp(crops):
    fig, texts, bg = _figure_with_texts(n=1)
    t = texts[0]
    stamps = Stamps(fig)
    _draw(fig, bg, [t], stamps)
    _draw(fig, bg, [t], stamps)
    for change in (lambda: t.set_text("other"), lambda: t.set_color("red"),
                   lambda: t.set_fontsize(13), lambda: t.set_ha("right")):
        change()
        for _ in range(2):  # drawn plain, then from a new stamp
            np.testing.assert_array_equal(_draw(fig, bg, [t], stamps), _draw(fig, bg, [t]))
    assert stamps.plain == stamps.misses == 5 and stamps.hits == 0


def test_texts_a_stamp_cannot_reproduce_are_drawn_normally(crops):
    fig, texts, bg = _figure_with_texts(n=3)
    texts[0].set_bbox(dict(facecolor="yellow"))
    texts[1].set_clip_box(texts[1].axes.bbox)
    texts[1].set_clip_on(True)
    stamps = Stamps(fig)
    np.testing.assert_array_equal(_draw(fig, bg, texts[:2], stamps), _draw(fig, bg, texts[:2]))
    assert stamps.misses == stamps.hits == stamps.plain == 0
    texts[2].set_visible(False)
    np.testing.assert_array_equal(_draw(fig, bg, texts[2:3], stamps), _draw(fig, bg, []))


def test_the_stamp_cache_is_bounded(crops):
    fig, texts, bg = _figure_with_texts(n=1)
    stamps = Stamps(fig, max_stamps=3)
    for i in range(10):
        texts[0].set_text(str(i))
        stamps.draw(texts[0])
        stamps.draw(texts[0])
    assert stamps.misses == 10 and len(stamps._stamps) <= 3 and len(stamps._seen) <= 3
    with pytest.raises(ValueError, match="max_stamps must be at least 1, got 0"):
        Stamps(fig, max_stamps=0)


def test_image_stamps_give_the_pixels_of_image_draw():
    rng = np.random.default_rng(2)
    fig = Figure(figsize=(5, 3), dpi=80)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    a = rng.random((8, 8))
    im1 = ax1.imshow(a, cmap="viridis", interpolation="nearest", animated=True)
    im2 = ax2.imshow(np.ma.masked_less(rng.random((20, 30)), 0.2), cmap="magma", animated=True)
    fig.canvas.draw()
    bg = fig.canvas.copy_from_bbox(fig.bbox)
    stamps = Stamps(fig)
    changes = [lambda: None, lambda: im1.set_data(a[::-1]), lambda: im1.set_clim(0.2, 0.7),
               lambda: im1.set_cmap("gray"), lambda: im1.set_extent((-0.5, 3.5, 3.5, -0.5)),
               lambda: ax2.set_xlim(0, 10), lambda: im2.set_interpolation("bilinear"),
               lambda: im1.set_alpha(0.5), lambda: im1.set_data(a)]
    for change in changes:
        change()
        np.testing.assert_array_equal(_draw(fig, bg, [im1, im2], stamps),
                                      _draw(fig, bg, [im1, im2]))
    assert stamps.hits >= 5  # unchanged images were pasted
    im1.set_data(a * 0.5)  # same shape, new values: not a stale paste
    hits = stamps.hits
    np.testing.assert_array_equal(_draw(fig, bg, [im1], stamps), _draw(fig, bg, [im1]))
    assert stamps.hits == hits


@pytest.mark.parametrize("shape", [(1, 1, 4), (7, 3, 4), (120, 333, 4)])
def test_fast_png_decodes_to_the_same_pixels(shape):
    rgba = np.random.default_rng(1).integers(0, 256, size=shape, dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(_fast_png(rgba))))
    assert decoded.shape == shape
    np.testing.assert_array_equal(decoded, rgba)
    # a non-contiguous view (the canvas buffer sliced) is fine too
    view = np.zeros((shape[0], 2 * shape[1], 4), np.uint8)[:, ::2]
    view[...] = rgba
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(_fast_png(view)))), rgba)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((0, 4, 4), np.uint8),
                                 np.zeros((4, 4), np.uint8)])
def test_fast_png_names_a_bad_shape(bad):
    with pytest.raises(ValueError, match=r"rgba must be a non-empty \(H, W, 4\) array, got shape"):
        _fast_png(bad)


EXPLORERS = ["PoolingExplorer", "ReceptiveFieldExplorer", "FabricPoolingExplorer",
             "ShiftExplorer", "EdgePoolingExplorer", "ShapeExplorer"]


@pytest.mark.parametrize("name", EXPLORERS)
def test_a_blitted_update_shows_what_a_full_draw_shows(name, monkeypatch):
    import pooldemo

    ex = getattr(pooldemo, name)()
    # move every control through its static values and back (stamps made and reused)
    for control_name, control in ex.controls.items():
        start = control.value
        for v in ex.static_values(control_name):
            control.value = v
        control.value = start
    for control_name, control in list(ex.controls.items())[:2]:
        values = [v for v in ex.static_values(control_name) if v != control.value]
        if values:
            control.value = values[-1]
    assert ex.last_error is None
    blitted = np.array(ex.figure.canvas.buffer_rgba())
    shown = np.asarray(Image.open(io.BytesIO(ex.image.value)))
    np.testing.assert_array_equal(shown, blitted)  # the front end gets exactly the canvas
    monkeypatch.setattr(Stamps, "draw", lambda self, artist: self.figure.draw_artist(artist))
    ex.figure.set_layout_engine("none")  # the axes where the update had them (titles may differ)
    ex._background = None
    ex._render(ex.state())
    full = np.array(ex.figure.canvas.buffer_rgba())
    # Agg blends an image and a glyph with different integer rounding: where a text overlaps
    # another drawn artist a pixel may differ by one level; a misplaced, stale or missing
    # artist differs by tens of levels
    assert np.abs(blitted.astype(int) - full).max() <= 1


@pytest.mark.parametrize("name", EXPLORERS)
def test_no_fallback_on_the_pinned_matplotlib(name):
    """The stamps use private matplotlib parts; on the matplotlib the lock pins they must all be
    there, or every update would silently take the slow plain path."""
    import pooldemo
    from pooldemo.widgets import _stamps

    assert _stamps.private_api_available() and _stamps.glyph_api_available()
    ex = getattr(pooldemo, name)()
    for control_name, control in ex.controls.items():
        for v in list(ex.static_values(control_name))[:3]:
            control.value = v
    assert ex.last_error is None and ex._stamps.fallbacks == 0


def test_without_the_private_parts_drawing_falls_back_to_the_plain_way(monkeypatch):
    from pooldemo.widgets import _stamps

    fig, texts, bg = _figure_with_texts()
    direct = _draw(fig, bg, texts)
    monkeypatch.setattr(_stamps, "private_api_available", lambda: False)
    stamps = Stamps(fig)
    np.testing.assert_array_equal(_draw(fig, bg, texts, stamps), direct)
    assert stamps.fallbacks == len(texts) and stamps.hits == stamps.misses == 0


def test_glyph_stamps_follow_a_resized_canvas():
    # the same display position on a taller canvas is a different place from the top
    fig, texts, _ = _figure_with_texts(n=1)
    t = texts[0]
    t.set_transform(matplotlib.transforms.IdentityTransform())  # display pixels: stays put
    t.set_position((40.3, 30.7))
    stamps = Stamps(fig)
    for height in (3, 4, 3):
        fig.set_size_inches(5, height)
        fig.canvas.draw()
        bg = fig.canvas.copy_from_bbox(fig.bbox)
        np.testing.assert_array_equal(_draw(fig, bg, [t], stamps), _draw(fig, bg, [t]))
    assert stamps.glyph_texts == 3
