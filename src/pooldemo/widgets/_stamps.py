"""Stamps: draw a text or an image again for the price of pasting pixels already made.

Drawing one ``Text`` with Agg costs 0.5-3 ms on a small machine (font lookup, layout, glyph
rendering), which is most of an explorer update when a figure carries numbers in cells or bars.

Glyphs. An upright text that is not mathtext is drawn from glyph stamps: the text's layout (its
lines' offsets from the anchor and their glyphs, from ``Text._get_layout`` and
``FT2Font._layout``) is kept per string and font, and each glyph's FreeType bitmap per (font,
size, glyph, position within its pixel in 1/64ths). Agg places each glyph at
``round(64 * (x + dx))`` in 1/64 pixel and FreeType renders a glyph moved by whole pixels to the
same bitmap moved by as many pixels, so doing that arithmetic exactly as
``RendererAgg._draw_text_glyphs_and_boxes`` does and pasting the bitmap with the same
``draw_text_image`` gives exactly its pixels (tested). A digit drawn once in a cell is reused for
every number later written there, so a new number costs about a third of ``Text.draw``. A
long text (more than ``_LONG`` glyphs) seen a second time also gets a crop (below), made from
its glyph bitmaps: one paste instead of many.

Crops. Any other text (rotated, mathtext), and every text when the glyph parts of matplotlib are
missing, is drawn the plain way the first time; if it comes back, it is rendered once on a
transparent scratch canvas of the figure's size at its own position, cropped, and afterwards the
crop is pasted with ``renderer.draw_image`` (Agg's own alpha blending). A text seen once never
pays for a crop (about twice a plain draw). The key holds the exact position: Agg rounds glyph
positions to whole pixels, so a crop pasted elsewhere could land one pixel off. Explorer texts
stay where they are while their strings change, so this costs nothing, and the result is the
pixels ``Text.draw`` gives (tested).

Images (``AxesImage``) cost 2-4 ms each (masking, normalising, colour mapping and resampling to
the screen). An explorer redraws all its dynamic images on every update, though a control
usually changes only some of them, so their resampled RGBA is kept too, keyed by a hash of the
data and everything else that goes into ``make_image`` (colour map, norm limits, extent,
interpolation, the axes transform, dpi), and pasted exactly as ``AxesImage.draw`` would paste it.

Artists a stamp cannot reproduce are drawn the normal way: texts with a background box, path
effects, clipping to a box or path, TeX or wrapping, an ``Annotation`` (it draws an arrow too),
images with a non-affine transform, per-pixel alpha, an agg filter or rasterisation, and
every other kind of artist.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["Stamps"]


class Stamps:
    """A cache of rendered texts and images for one figure; ``draw(artist)`` replaces
    ``figure.draw_artist(artist)``.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Its canvas must be Agg (the explorers' is).
    max_stamps : int
        The text cache is emptied when it grows past this many crops, the image cache past a
        tenth of it (bounded memory).
    """

    def __init__(self, figure, max_stamps=4096):
        if max_stamps < 1:
            raise ValueError(f"max_stamps must be at least 1, got {max_stamps!r}")
        self.figure = figure
        self.max_stamps = int(max_stamps)
        self._stamps = {}
        self._images = {}
        self._scratch = None
        self._seen = set()  # keys of texts drawn once without a crop, or whose crop was tried
        self._layouts = {}  # text key without its position -> (size, lines) for glyph stamps
        self._glyphs = {}   # (font, size, dpi, glyph, flags, antialiased, 64ths) -> bitmap
        self._plans = {}    # text key (position included) -> its glyphs' bitmaps and corners
        self.hits = self.misses = self.plain = 0
        self.glyph_texts = self.glyph_misses = 0  # texts drawn from glyph stamps; glyphs made
        self.fallbacks = 0  # draws done the plain way because matplotlib's internals changed

    def draw(self, artist):
        """Draw ``artist`` on the figure's canvas (pasted pixels when possible)."""
        from matplotlib.image import AxesImage
        from matplotlib.text import Text

        if not private_api_available():
            # a matplotlib release without the private parts used below: plain, slower drawing
            self.fallbacks += 1
            self.figure.draw_artist(artist)
        elif type(artist) is Text and _stampable(artist):
            self._draw_text(artist)
        elif type(artist) is AxesImage and _image_stampable(artist):
            self._draw_image(artist)
        else:
            self.figure.draw_artist(artist)

    def _draw_image(self, image):
        """``AxesImage.draw`` with ``make_image`` looked up in the cache first."""
        if not image.get_visible() or image.get_array().size == 0:
            return
        figure = self.figure
        renderer = figure.canvas.get_renderer()
        magnification = renderer.get_image_magnification()
        key = _image_key(image, figure.dpi, magnification)
        made = self._images.get(key)
        if made is None:
            self.misses += 1
            im, left, bottom, _ = image.make_image(renderer, magnification)
            if len(self._images) >= max(1, self.max_stamps // 10):
                self._images.clear()
            made = self._images[key] = (im, left, bottom)
        else:
            self.hits += 1
        im, left, bottom = made
        if im is not None:
            gc = renderer.new_gc()
            try:
                image._set_gc_clip(gc)
                gc.set_alpha(image._get_scalar_alpha())
                renderer.draw_image(gc, left, bottom, im)
            finally:
                gc.restore()
        image.stale = False

    def _draw_text(self, text):
        figure = self.figure
        if not text.get_visible() or not text.get_text():
            return
        renderer = figure.canvas.get_renderer()
        x, y = text.get_transform().transform(text.get_unitless_position())
        if not (np.isfinite(x) and np.isfinite(y)):
            figure.draw_artist(text)  # Text.draw decides what to do with it
            return
        key = _key(text, figure.dpi, x, y)
        if key not in self._stamps and glyph_api_available() and self._draw_glyphs(
                text, renderer, key, x, y):
            self.glyph_texts += 1
            text.stale = False
            return
        stamp = self._stamps.get(key)
        if stamp is None and key not in self._seen:
            # the first sight: draw it the plain way (making a stamp costs about twice that), and
            # make the stamp if it comes back (a string seen once, as most of a new state's are,
            # never pays for a stamp)
            self.plain += 1
            self._mark_seen(key)
            figure.draw_artist(text)
            return
        if stamp is None:
            self.misses += 1
            stamp = self._make(text, renderer)
            if stamp is None:  # nothing visible was drawn (e.g. a text outside the figure)
                figure.draw_artist(text)
                return
            if len(self._stamps) >= self.max_stamps:
                self._stamps.clear()
            self._stamps[key] = stamp
        else:
            self.hits += 1
        image, x0, y0 = stamp
        gc = renderer.new_gc()
        try:
            renderer.draw_image(gc, x0, y0, image)
        finally:
            gc.restore()
        text.stale = False

    def _draw_glyphs(self, text, renderer, key, x, y):
        """Draw an upright, non-math ``text`` at display position (x, y) from glyph stamps, as
        ``Text.draw`` and ``RendererAgg.draw_text`` would; False (nothing drawn) for other texts.
        """
        from matplotlib.backends.backend_agg import get_hinting_flag

        if text.get_rotation() % 360 or not renderer.flipy():
            return False
        flags = get_hinting_flag()
        # the corners count from the canvas top: its size belongs to the key
        pkey = (key, flags, renderer.width, renderer.height)
        plan = self._plans.get(pkey)  # this text here before: its glyphs' bitmaps and corners
        if plan is None:
            lkey = (key[:-2], flags)  # the key without the position
            layout = self._layouts.get(lkey)
            if layout is None:
                layout = self._layout(text, renderer, flags)
                if len(self._layouts) >= self.max_stamps:
                    self._layouts.clear()
                self._layouts[lkey] = layout
            if layout is False:
                return False
            plan = self._plan(layout, renderer, flags, text.get_antialiased(), x, y)
            if len(self._plans) >= self.max_stamps:
                self._plans.clear()
            self._plans[pkey] = plan
        elif len(plan) > _LONG and key not in self._seen:
            # a long text seen again: one crop pastes faster than its many glyphs (tried once: a
            # text with nothing visible on the canvas gets no crop)
            self._mark_seen(key)
            crop = self._make(text, renderer, plan)
            if crop is not None:
                self.misses += 1
                if len(self._stamps) >= self.max_stamps:
                    self._stamps.clear()
                self._stamps[key] = crop
        self._paste(text, renderer, plan)
        return True

    def _mark_seen(self, key):
        if len(self._seen) >= self.max_stamps:
            self._seen.clear()
        self._seen.add(key)

    @staticmethod
    def _paste(text, renderer, plan):
        """Paste the glyph bitmaps of ``plan`` with the graphics context Text.draw sets up."""
        from matplotlib.colors import to_rgba

        gc = renderer.new_gc()
        gc.set_foreground(to_rgba(text.get_color()), isRGBA=True)
        gc.set_alpha(text.get_alpha())
        gc.set_antialiased(text.get_antialiased())
        gc.set_snap(text.get_snap())
        text._set_gc_clip(gc)
        paste = renderer._renderer.draw_text_image
        try:
            for buffer, left, top in plan:
                paste(buffer, left, top, 0, gc)
        finally:
            gc.restore()

    def _plan(self, layout, renderer, flags, antialiased, x, y):
        """[(bitmap, left, top), ...]: the glyphs of a text laid out as ``layout`` at display
        position (x, y), each where ``draw_text_image`` takes it."""
        import math

        from matplotlib.ft2font import RenderMode

        size, lines = layout
        # the angle-0 rotation of _draw_text_glyphs_and_boxes, in the same floating-point steps
        cos, sin = math.cos(math.radians(0)), math.sin(math.radians(0))
        height, dpi, glyphs = renderer.height, renderer.dpi, self._glyphs
        plan = []
        for ox, oy, items in lines:
            gx, gy = ox + x, height - (oy + y)  # Text.draw's line position (y downwards)
            for font, index, dx, dy in items:
                px = round(0x40 * (gx + dx * cos - dy * sin))
                py = round(0x40 * (height - gy + dx * sin + dy * cos))
                gkey = (font.fname, size, dpi, index, flags, antialiased, px & 63, py & 63)
                glyph = glyphs.get(gkey)
                if glyph is None:
                    self.glyph_misses += 1
                    font.set_size(size, dpi)
                    font._set_transform(np.array([[0x10000, 0], [0, 0x10000]]), [px, py])
                    bitmap = font._render_glyph(
                        index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
                    buffer = np.array(bitmap.buffer)
                    if not antialiased:
                        buffer *= 0xFF
                    if len(glyphs) >= 16 * self.max_stamps:
                        glyphs.clear()
                    # the bitmap's corner relative to the glyph's whole-pixel position
                    glyph = glyphs[gkey] = (buffer, bitmap.left - (px >> 6),
                                            bitmap.top - (py >> 6))
                buffer, left, top = glyph
                plan.append((buffer, left + (px >> 6),
                             int(height) - (top + (py >> 6)) + buffer.shape[0]))
        return plan

    @staticmethod
    def _layout(text, renderer, flags):
        """(size, [(line x offset, line y offset, [(font, glyph, dx, dy), ...]), ...]) of a
        text, or False when a line is mathtext."""
        _, info, _ = text._get_layout(renderer)
        prop = text.get_fontproperties()
        lines = []
        for line, _, (ox, oy) in info:
            clean, ismath = text._preprocess_math(line)
            if ismath:
                return False
            mtext = text if len(info) == 1 else None  # as Text.draw passes it
            items = renderer._prepare_font(prop)._layout(
                clean, flags=flags,
                features=mtext.get_fontfeatures() if mtext is not None else None,
                language=mtext.get_language() if mtext is not None else None)
            lines.append((ox, oy, [(i.ft_object, i.glyph_index, i.x, i.y) for i in items]))
        return prop.get_size_in_points(), lines

    def _make(self, text, renderer, plan=None):
        """Render ``text`` alone on a transparent canvas and crop it: (RGBA, x0, y0) or None.
        With ``plan`` (see :meth:`_plan`), its glyphs are pasted instead of drawing the text."""
        from matplotlib.backends.backend_agg import RendererAgg

        w, h = int(renderer.width), int(renderer.height)
        scratch = self._scratch
        if scratch is None or (scratch.width, scratch.height, scratch.dpi) != (w, h,
                                                                               renderer.dpi):
            scratch = self._scratch = RendererAgg(w, h, renderer.dpi)
        else:
            scratch.clear()
        saved = getattr(text, "_renderer", None)
        try:
            if plan is None:
                text.draw(scratch)
            else:
                self._paste(text, scratch, plan)
            box = text.get_window_extent(scratch)
        finally:
            text._renderer = saved
        x0, x1 = max(int(np.floor(box.x0)) - 2, 0), min(int(np.ceil(box.x1)) + 2, w)
        y0, y1 = max(int(np.floor(box.y0)) - 2, 0), min(int(np.ceil(box.y1)) + 2, h)
        if x1 <= x0 or y1 <= y0:
            return None
        # buffer rows run top to bottom; draw_image wants the bottom row first
        crop = np.asarray(scratch.buffer_rgba())[h - y1:h - y0, x0:x1]
        if not crop[..., 3].any():
            return None
        return np.ascontiguousarray(crop[::-1]), x0, y0


_LONG = 6  # glyphs: a longer text drawn from glyph stamps a second time gets a crop stamp


@functools.cache
def private_api_available():
    """Whether this matplotlib has the private parts the stamps rely on.

    ``AxesImage._set_gc_clip`` and ``_get_scalar_alpha`` (drawing a cached image as
    ``AxesImage.draw`` does), ``Text._multialignment`` and ``AxesImage._interpolation_stage``
    (cache keys). Without any of them :meth:`Stamps.draw` draws every artist the plain way.
    ``tests/test_stamps_png.py`` fails if that happens on the pinned matplotlib.
    """
    from matplotlib.image import AxesImage
    from matplotlib.text import Text

    return (hasattr(AxesImage, "_set_gc_clip") and hasattr(AxesImage, "_get_scalar_alpha")
            and hasattr(Text(), "_multialignment")
            and "_interpolation_stage" in vars(AxesImage(None)))


@functools.cache
def glyph_api_available():
    """Whether this matplotlib draws text glyph by glyph the way :meth:`Stamps._draw_glyphs`
    repeats (matplotlib 3.11's ``RendererAgg._draw_text_glyphs_and_boxes``, ``FT2Font._layout``,
    ``_set_transform``, ``_render_glyph``). Without it texts are stamped whole (crops)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

    try:
        from matplotlib.backends.backend_agg import get_hinting_flag  # noqa: F401
        from matplotlib.ft2font import RenderMode  # noqa: F401
    except ImportError:
        return False
    return (private_api_available()
            and all(hasattr(FT2Font, n) for n in ("_layout", "_set_transform", "_render_glyph"))
            and all(hasattr(RendererAgg, n) for n in ("_prepare_font",
                                                      "_draw_text_glyphs_and_boxes"))
            and hasattr(Text, "_get_layout") and hasattr(Text, "_preprocess_math")
            and hasattr(RendererAgg(1, 1, 72)._renderer, "draw_text_image"))


def _stampable(text):
    if text.get_bbox_patch() is not None or text.get_path_effects() or text.get_usetex():
        return False
    if text.get_clip_on() and (text.get_clip_box() is not None
                               or text.get_clip_path() is not None):
        return False
    return not text.get_wrap()


def _image_stampable(image):
    alpha = image.get_alpha()
    return (image.get_transform().is_affine and image.get_agg_filter() is None
            and not image.get_rasterized() and (alpha is None or np.ndim(alpha) == 0))


def _image_key(image, dpi, magnification):
    import hashlib

    data = image.get_array()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(np.ma.getdata(data)).view(np.uint8).ravel())
    mask = np.ma.getmask(data)
    if mask is not np.ma.nomask:
        digest.update(np.ascontiguousarray(mask).view(np.uint8).ravel())
    norm, cmap = image.norm, image.get_cmap()
    norm_state = tuple(sorted((k, v) for k, v in vars(norm).items()
                              if isinstance(v, (int, float, bool, str, type(None)))))
    cmap_state = (id(cmap), cmap.name, cmap.N, tuple(cmap.get_bad()), tuple(cmap.get_under()),
                  tuple(cmap.get_over()))
    return (digest.hexdigest(), data.shape, str(data.dtype), cmap_state, type(norm).__name__,
            norm_state, tuple(image.get_extent()),
            image.get_interpolation(), image._interpolation_stage,
            image.get_filternorm(), image.get_filterrad(), image.get_resample(), image.origin,
            image.get_alpha(), tuple(image.get_transform().get_matrix().ravel()),
            image.axes.bbox.bounds if image.axes is not None else None,
            dpi, magnification)


def _key(text, dpi, x, y):
    from matplotlib.colors import to_rgba

    fp = text.get_fontproperties()
    font = (tuple(fp.get_family()), fp.get_style(), fp.get_variant(), fp.get_weight(),
            fp.get_stretch(), fp.get_size_in_points(), fp.get_file(), fp.get_math_fontfamily())
    return (text.get_text(), font, to_rgba(text.get_color(), text.get_alpha()),
            text.get_horizontalalignment(), text.get_verticalalignment(),
            text._multialignment, text.get_rotation(), text.get_rotation_mode(),
            text.get_transform_rotates_text(), text.get_linespacing(), text.get_antialiased(),
            text.get_parse_math(), dpi, float(x), float(y))
