"""Stamps: draw a text or an image again for the price of pasting pixels already made.

Drawing one ``Text`` with Agg costs 1-3 ms on a small machine (font lookup, layout, glyph
rendering), which is most of an explorer update when a figure carries numbers in cells or bars.
The same strings come back again and again as a reader moves a control to and fro, so
:class:`Stamps` renders each (string, font, colour, alignment, dpi) once on a transparent
scratch canvas of the figure's size, at the text's own position, crops it, and afterwards pastes
the crop with ``renderer.draw_image`` (Agg's own alpha blending). The key includes the exact
position, because Agg rounds glyph positions to whole pixels and a crop pasted elsewhere could
land one pixel off; explorer texts stay where they are while their strings change, so this costs
nothing, and the result is exactly the pixels ``Text.draw`` gives (tested).

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
        self.hits = self.misses = 0
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
        stamp = self._stamps.get(key)
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

    def _make(self, text, renderer):
        """Render ``text`` alone on a transparent canvas and crop it: (RGBA, x0, y0) or None."""
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
            text.draw(scratch)
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
