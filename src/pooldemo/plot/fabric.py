"""Drawing for the fabric explorer and the max-vs-average chapter (see pooldemo.plot).

- :func:`fabric_map` draws a fabric image with its detector grid, or a detector map with its
  values written in the cells, on the same grid coordinates (so the two line up);
- :func:`pooled_bars` draws global max and global average of one or two maps as bars with a
  decision threshold;
- :func:`fabric_panels` / :func:`set_fabric_panels` build and update the explorer's three panels.
"""

from __future__ import annotations

import numpy as np

from .maps import new_axes

__all__ = ["fabric_map", "set_fabric_map", "pooled_bars", "set_pooled_bars", "fabric_panels",
           "set_fabric_panels", "DETECTED_COLOR", "QUIET_COLOR"]

DETECTED_COLOR = "tab:red"
QUIET_COLOR = "0.65"
_MAP_CMAP = "magma"


def fabric_map(image=None, detector_map=None, grid=7, ax=None, vmax=2.0, title=None):
    """A fabric image and/or a detector map on grid coordinates (cell (i, j) at x=j, y=i).

    Parameters
    ----------
    image : array_like (H, W), optional
        Drawn in grey, stretched over the ``grid x grid`` cells, with the cell borders.
    detector_map : array_like (grid, grid), optional
        Drawn with the "magma" colour map (0..``vmax``), each value written in its cell.

    Returns
    -------
    dict
        ``image`` (AxesImage of the fabric), ``map`` (AxesImage of the detector map), ``texts``
        (grid x grid nested list of Text), ``lines`` (a list of one Line2D: the cell borders),
        ``title`` (Text).
    """
    if ax is None:
        _, ax = new_axes()
    extent = (-0.5, grid - 0.5, grid - 0.5, -0.5)
    img = np.zeros((2, 2)) if image is None else np.asarray(image, dtype=float)
    fabric = ax.imshow(img, cmap="gray", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    fabric.set_visible(image is not None)
    m = np.zeros((grid, grid)) if detector_map is None else np.asarray(detector_map, dtype=float)
    mapped = ax.imshow(m, cmap=_MAP_CMAP, vmin=0, vmax=vmax, extent=extent,
                       interpolation="nearest")
    mapped.set_visible(detector_map is not None)
    # the cell borders as one path (NaN breaks it into segments): one artist to redraw, not 2g-2
    cuts = np.arange(1, grid) - 0.5
    ends = np.array([-0.5, grid - 0.5, np.nan])
    xs = np.concatenate([np.tile(ends, grid - 1), np.repeat(cuts, 3)])
    ys = np.concatenate([np.repeat(cuts, 3), np.tile(ends, grid - 1)])
    lines = ax.plot(xs, ys, color="tab:cyan", lw=0.5, alpha=0.6, scalex=False, scaley=False)
    texts = [[ax.text(j, i, "", ha="center", va="center", fontsize=7) for j in range(grid)]
             for i in range(grid)]
    ax.set_xlim(-0.5, grid - 0.5)
    ax.set_ylim(grid - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    artists = {"image": fabric, "map": mapped, "texts": texts, "lines": lines,
               "title": ax.set_title(title or "", fontsize=9)}
    set_fabric_map(artists, image, detector_map, vmax=vmax, title=title)
    return artists


def set_fabric_map(artists, image=None, detector_map=None, vmax=2.0, title=None, show_zeros=True):
    """Update a :func:`fabric_map` (fabric shown when ``image`` is given, numbers with a map).

    ``show_zeros=False`` leaves cells that are exactly 0 blank (fewer texts to draw).
    """
    if image is not None:
        artists["image"].set_data(np.asarray(image, dtype=float))
    artists["image"].set_visible(image is not None)
    artists["map"].set_visible(detector_map is not None)
    if detector_map is not None:
        m = np.asarray(detector_map, dtype=float)
        artists["map"].set_data(m)
        artists["map"].set_clim(0, vmax)
        for i, row in enumerate(artists["texts"]):
            for j, text in enumerate(row):
                v = m[i, j]
                text.set_text("0" if v == 0 else f"{v:.2f}")
                text.set_color("white" if v < 0.5 * vmax else "black")
                text.set_visible(show_zeros or v != 0)
    else:
        for row in artists["texts"]:
            for text in row:
                text.set_visible(False)
    if title is not None:
        artists["title"].set_text(title)
    return artists


def pooled_bars(values, labels=("global max", "global average"), ax=None, threshold=None,
                ymax=2.2, names=None):
    """Bars of pooled values (one map: two bars; two maps: two bars per group) and a threshold.

    Parameters
    ----------
    values : sequence of pairs
        ``[(max_a, average_a)]`` or ``[(max_a, average_a), (max_b, average_b)]``.
    threshold : float, optional
        Horizontal decision line; bars at or above it are drawn in :data:`DETECTED_COLOR`.
    names : sequence of str, optional
        A short name per map, written under each bar's value when there are two maps.

    Returns
    -------
    dict
        ``bars`` (4 Rectangles: map a max, a average, b max, b average), ``values`` (4 Text),
        ``threshold`` (Line2D).
    """
    if ax is None:
        _, ax = new_axes()
    bars = list(ax.bar([0, 1, 0, 1], [0, 0, 0, 0], width=0.6, color=QUIET_COLOR,
                       edgecolor="black", lw=0.6))
    texts = [ax.text(0, 0, "", ha="center", va="bottom", fontsize=8) for _ in range(4)]
    line = ax.axhline(0, color="tab:blue", ls="--", lw=1.2)
    ax.set_xticks([0, 1], list(labels), fontsize=8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(0, ymax)
    ax.tick_params(axis="y", labelsize=7)
    artists = {"bars": bars, "values": texts, "threshold": line, "ax": ax}
    set_pooled_bars(artists, values, threshold=threshold, names=names)
    return artists


def set_pooled_bars(artists, values, threshold=None, names=None):
    """Update :func:`pooled_bars` (values as there; returns the artists)."""
    values = [tuple(map(float, v)) for v in values]
    pair = len(values) == 2
    width = 0.36 if pair else 0.6
    for k, bar in enumerate(artists["bars"]):
        which, stat = divmod(k, 2)
        text = artists["values"][k]
        if which >= len(values):
            bar.set_visible(False)
            text.set_visible(False)
            continue
        v = values[which][stat]
        x = stat + ((-0.19 if which == 0 else 0.19) if pair else 0.0)
        bar.set_x(x - width / 2)
        bar.set_width(width)
        bar.set_height(v)
        hit = threshold is not None and v >= threshold
        bar.set_facecolor(DETECTED_COLOR if hit else QUIET_COLOR)
        bar.set_visible(True)
        label = f"{v:.2f}"
        if pair and names:
            label += f"\n{names[which]}"
        text.set_position((x, v))
        text.set_text(label)
        text.set_visible(True)
    line = artists["threshold"]
    line.set_visible(threshold is not None)
    if threshold is not None:
        line.set_ydata([threshold, threshold])
    return artists


def fabric_panels(grid=7, size=2.6):
    """The explorer's figure: fabric (or first map) | detector map | pooled bars.

    Returns
    -------
    (Figure, dict)
        The figure and ``{"left": fabric_map artists, "right": fabric_map artists,
        "bars": pooled_bars artists}``.
    """
    fig, axes = new_axes(3, 1, size=size)
    left = fabric_map(np.zeros((4 * grid, 4 * grid)), grid=grid, ax=axes[0], title="fabric")
    right = fabric_map(None, np.zeros((grid, grid)), grid=grid, ax=axes[1], title="detector map")
    bars = pooled_bars([(0, 0)], ax=axes[2], threshold=0.5)
    axes[2].set_title("global pooling", fontsize=9)
    return fig, {"left": left, "right": right, "bars": bars}


def set_fabric_panels(artists, left_image=None, left_map=None, right_map=None, values=(),
                      threshold=None, vmax=2.0, titles=("", ""), names=None, show_zeros=True):
    """Update :func:`fabric_panels` (see :func:`set_fabric_map` and :func:`set_pooled_bars`)."""
    set_fabric_map(artists["left"], left_image, left_map, vmax=vmax, title=titles[0],
                   show_zeros=show_zeros)
    set_fabric_map(artists["right"], None, right_map, vmax=vmax, title=titles[1],
                   show_zeros=show_zeros)
    set_pooled_bars(artists["bars"], values, threshold=threshold, names=names)
    return artists
