"""Feature maps, pooling windows and pooled results (used by every chapter and explorer)."""

from __future__ import annotations

import numpy as np

from ..geometry import padding_amounts  # noqa: F401 (re-exported; drawn by set_padding)

__all__ = ["new_axes", "feature_map", "window_rect", "set_window", "pooling_panels",
           "padding_amounts", "padding_strips", "set_padding"]


def new_axes(ncols=1, nrows=1, size=3.0, **kwargs):
    """A Figure (not attached to pyplot) and its axes, sized ``size`` inches per panel.

    Using ``matplotlib.figure.Figure`` directly keeps explorers independent of the notebook
    backend; the book displays a Figure like any other.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size * ncols, size * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes.ravel() if axes.size > 1 else axes[0, 0]


def feature_map(x, ax=None, annotate=None, cmap="viridis", vmin=None, vmax=None, title=None,
                fmt="{:.2g}", fontsize=None):
    """Draw a 2-D map as an image, optionally writing each cell's value in it.

    Parameters
    ----------
    x : array_like, shape (H, W)
    annotate : bool, optional
        Write values in the cells; default True for maps of at most 12x12 cells.

    Returns
    -------
    dict
        ``{"image": AxesImage, "texts": 2-D list of Text (empty when not annotated)}``.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D map (H, W), got shape {x.shape}")
    if ax is None:
        _, ax = new_axes()
    if annotate is None:
        annotate = max(x.shape) <= 12
    image = ax.imshow(x, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=fontsize)
    texts = []
    if annotate:
        lo, hi = image.get_clim()
        mid = (lo + hi) / 2
        for i in range(x.shape[0]):
            row = []
            for j in range(x.shape[1]):
                value = x[i, j]
                dark = (np.isfinite(value) and value < mid
                        and cmap in ("viridis", "magma", "Greys_r"))
                row.append(ax.text(j, i, fmt.format(value), ha="center", va="center",
                                   fontsize=fontsize or 8, color="white" if dark else "black"))
            texts.append(row)
    return {"image": image, "texts": texts}


def window_rect(ax, row, col, height, width, color="tab:red", lw=2.5, **kwargs):
    """Outline the cells rows ``row:row+height``, cols ``col:col+width`` of an image axes."""
    from matplotlib.patches import Rectangle

    rect = Rectangle((col - 0.5, row - 0.5), width, height, fill=False, edgecolor=color, lw=lw,
                     **kwargs)
    ax.add_patch(rect)
    return rect


def set_window(rect, row, col, height, width):
    """Move a rectangle made by :func:`window_rect` (no new artist)."""
    rect.set_xy((col - 0.5, row - 0.5))
    rect.set_width(width)
    rect.set_height(height)
    return rect


def pooling_panels(x, results, axes=None, cmap="viridis", annotate=None):
    """Draw an input map and several pooled versions of it side by side.

    Parameters
    ----------
    x : array_like, shape (H, W)
    results : dict
        Title -> pooled 2-D map.

    Returns
    -------
    dict
        Title -> artists returned by :func:`feature_map` (the input under "input").
    """
    if axes is None:
        _, axes = new_axes(1 + len(results), size=2.6)
    axes = np.atleast_1d(axes)
    vmin, vmax = float(np.nanmin(x)), float(np.nanmax(x))
    drawn = {"input": feature_map(x, axes[0], annotate, cmap, vmin, vmax,
                                  f"input {np.shape(x)[0]}×{np.shape(x)[1]}")}
    for ax, (title, y) in zip(axes[1:], results.items()):
        drawn[title] = feature_map(y, ax, annotate, cmap, vmin, vmax, title)
    return drawn


def padding_strips(ax, color="0.55", hatch="//"):
    """Four hatched rectangles (top, bottom, left, right) for padded cells; see set_padding."""
    from matplotlib.patches import Rectangle

    strips = [Rectangle((0, 0), 0, 0, fill=False, hatch=hatch, edgecolor=color, lw=0.8,
                        visible=False) for _ in range(4)]
    for strip in strips:
        ax.add_patch(strip)
    return strips


def set_padding(strips, shape, rows=(0, 0), cols=(0, 0)):
    """Place padding strips around a (H, W) image axes: ``rows``/``cols`` = (before, after)."""
    h, w = shape
    (top, bottom), (left, right) = rows, cols
    x0, width = -0.5 - left, w + left + right
    boxes = [(x0, -0.5 - top, width, top), (x0, h - 0.5, width, bottom),
             (-0.5 - left, -0.5, left, h), (w - 0.5, -0.5, right, h)]
    for strip, (x, y, bw, bh) in zip(strips, boxes):
        strip.set_bounds(x, y, bw, bh)
        strip.set_visible(bw > 0 and bh > 0)
    return strips

