"""Drawing for the receptive-field explorer and chapter (see pooldemo.plot)."""

from __future__ import annotations

import numpy as np

__all__ = ["milestone_layers", "rf_box", "set_rf_box", "rf_size_bars", "set_rf_bars"]


def rf_box(ax, box=((0, 0), (0, 0)), color="tab:red", lw=2.0, **kwargs):
    """Outline an inclusive ``((top, bottom), (left, right))`` box of an image axes.

    Returns the Rectangle; move it with :func:`set_rf_box`.
    """
    from matplotlib.patches import Rectangle

    rect = Rectangle((0, 0), 1, 1, fill=False, edgecolor=color, lw=lw, **kwargs)
    ax.add_patch(rect)
    return set_rf_box(rect, box)


def set_rf_box(rect, box):
    """Move a rectangle made by :func:`rf_box` to cover the pixels of ``box`` (inclusive)."""
    (top, bottom), (left, right) = box
    rect.set_bounds(left - 0.5, top - 0.5, right - left + 1, bottom - top + 1)
    return rect


def rf_size_bars(records, ax=None, color="0.75"):
    """Bar chart of the receptive-field height of every layer (from ``receptive_field``).

    Returns
    -------
    dict
        ``{"bars": BarContainer, "labels": list of Text}``.
    """
    if ax is None:
        from .maps import new_axes

        _, ax = new_axes()
    sizes = [rec.size[0] for rec in records]
    bars = ax.bar(np.arange(len(records)), sizes, color=color, edgecolor="0.3")
    shown = milestone_layers(records)
    labels = [ax.text(i, s, f"{rec.size[0]}×{rec.size[1]}", ha="center", va="bottom", fontsize=7,
                      visible=i in shown) for i, (s, rec) in enumerate(zip(sizes, records))]
    ax.set_xticks(sorted(shown), [f"{i + 1} {records[i].name}" for i in sorted(shown)],
                  rotation=60, fontsize=7, ha="right")
    ax.set_ylabel("receptive field (pixels)", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(0, max(sizes) * 1.18 + 1)
    return {"bars": bars, "labels": labels}


def milestone_layers(records, most=14):
    """Indices of the bars to label: all of a short stack; of a long one (a real network) the last
    layer at each resolution (before the jump changes) and the last layer, at most ``most``."""
    n = len(records)
    if n <= most:
        return set(range(n))
    keep = sorted({i for i in range(n - 1) if records[i + 1].jump != records[i].jump} | {n - 1})
    step = -(-len(keep) // most)
    return set(keep[::-1][::step])


def set_rf_bars(bars, upto, color="tab:red", rest="0.85"):
    """Colour the bars of layers ``0..upto`` (the current one darkest) and grey out the rest."""
    for i, bar in enumerate(bars):
        if i < upto:
            bar.set_facecolor("#f4a3a3")
        elif i == upto:
            bar.set_facecolor(color)
        else:
            bar.set_facecolor(rest)
    return bars
