"""Drawing for the edges explorer and chapter (see pooldemo.plot).

Pooled maps are drawn in *input* coordinates (each pooled cell covers the ``k x k`` block it came
from), so an image and its pooled version line up and the eye can compare where things are.
"""

from __future__ import annotations

import numpy as np

from .maps import new_axes, set_window, window_rect

__all__ = ["edge_pooling_panels", "set_edge_pooling", "pooled_image"]


def pooled_image(y, pool_size, ax=None, **imshow_kwargs):
    """Draw a pooled map over the input cells its windows cover (valid padding, stride = size).

    Returns
    -------
    AxesImage
    """
    if ax is None:
        _, ax = new_axes()
    y = np.asarray(y)
    image = ax.imshow(y, interpolation="nearest", **imshow_kwargs)
    _place(image, y.shape, pool_size)
    return image


def _place(image, shape, k):
    image.set_extent((-0.5, shape[1] * k - 0.5, shape[0] * k - 0.5, -0.5))


def edge_pooling_panels(image, axes=None, size=2.4, edge_max=None):
    """Four panels: the image, the image max-pooled, its edge map, the edge map max-pooled.

    The pooled panels start empty; fill them with :func:`set_edge_pooling`.

    Parameters
    ----------
    image : array_like, shape (H, W)
    axes : 4 Axes, optional
        Default: a new 2x2 figure (raw image on top, edges below).
    edge_max : float, optional
        Upper end of the edge colour scale (default: 4 times the image maximum, the largest
        response of the built-in Sobel-like filters).

    Returns
    -------
    dict
        Artists by role: ``image``, ``pooled_image``, ``edges``, ``pooled_edges`` (AxesImage),
        ``titles`` (four Text), ``boxes`` (Rectangle on the image, the edge map and the pooled
        edge map outlining the block with the strongest pooled edge response), ``axes``.
    """
    x = np.asarray(image, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"image must be a 2-D map (H, W), got shape {x.shape}")
    if axes is None:
        _, axes = new_axes(2, 2, size=size)
    axes = list(np.ravel(axes))
    if len(axes) != 4:
        raise ValueError(f"axes must hold 4 Axes, got {len(axes)}")
    top = float(np.max(x)) if x.size else 1.0
    edge_max = 4 * top if edge_max is None else edge_max
    h, w = x.shape
    grey = dict(cmap="Greys_r", vmin=min(0.0, float(np.min(x))), vmax=top or 1.0)
    hot = dict(cmap="magma", vmin=0.0, vmax=edge_max or 1.0)
    out = {"axes": axes}
    out["image"] = axes[0].imshow(x, interpolation="nearest", **grey)
    out["pooled_image"] = pooled_image(np.zeros((1, 1)), 1, axes[1], **grey)
    out["edges"] = axes[2].imshow(np.zeros_like(x), interpolation="nearest", **hot)
    out["pooled_edges"] = pooled_image(np.zeros((1, 1)), 1, axes[3], **hot)
    titles = ["image", "image, max-pooled", "edge map (ReLU)", "edge map, max-pooled"]
    out["titles"] = [ax.set_title(t, fontsize=9) for ax, t in zip(axes, titles)]
    for ax in axes:
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        ax.set_autoscale_on(False)
        ax.set_xticks([])
        ax.set_yticks([])
    out["boxes"] = [window_rect(ax, 0, 0, 1, 1, color="tab:cyan", lw=1.8)
                    for ax in (axes[0], axes[2], axes[3])]
    return out


def set_edge_pooling(artists, summary, pool_size, name="edge"):
    """Update :func:`edge_pooling_panels` from a :func:`pooldemo.edges.pool_edges` summary."""
    k = pool_size
    artists["pooled_image"].set_data(summary["pooled_image"])
    _place(artists["pooled_image"], summary["pooled_image"].shape, k)
    artists["edges"].set_data(summary["edges"])
    artists["pooled_edges"].set_data(summary["pooled_edges"])
    _place(artists["pooled_edges"], summary["pooled_edges"].shape, k)
    oh, ow = summary["pooled_edges"].shape
    t = artists["titles"]
    t[1].set_text(f"image, max pool {k} → {oh}×{ow}")
    t[2].set_text(f"{name} edges (ReLU)")
    t[3].set_text(f"edges, max pool {k} → {oh}×{ow}")
    best = summary["strongest"]
    (r0, r1), (c0, c1) = best["rows"], best["cols"]
    for box in artists["boxes"]:
        set_window(box, r0, c0, r1 - r0 + 1, c1 - c0 + 1)
        box.set_visible(best["value"] > 0)
    return artists
