"""Drawing for the shift explorer and the invariance chapter (see pooldemo.plot).

- :func:`invariance_plot` draws relative change vs shift for conv features, max-pooled features
  and global pooling (local vs global invariance), with the current shift marked;
- :func:`shift_panels` / :func:`set_shift_panels` build and update the explorer's four panels:
  shifted input, conv feature map, its max-pooled version, and the curves.
"""

from __future__ import annotations

import numpy as np

from .maps import new_axes

__all__ = ["CURVE_STYLES", "invariance_plot", "set_invariance_plot", "shift_panels",
           "set_shift_panels"]

#: label and colour of each representation of :data:`pooldemo.shift.FEATURES`
CURVE_STYLES = {
    "conv": ("conv features", "tab:blue"),
    "max_pool": ("2x2 max-pooled", "tab:orange"),
    "global_max": ("global max", "tab:green"),
    "global_average": ("global average", "tab:purple"),
}


def invariance_plot(shifts, curves, current=0, ax=None, ymax=None,
                    axis_label="shift dx (pixels), dy as set"):
    """Relative change vs shift, one line per representation, the current shift marked.

    Parameters
    ----------
    shifts : sequence of int
    curves : dict name -> array
        As returned by :func:`pooldemo.shift.invariance_curves`.
    current : int
        The shift to mark (a vertical line and one dot per curve).

    Returns
    -------
    dict
        ``lines`` and ``dots`` (name -> Line2D), ``marker`` (the vertical Line2D), ``ax``.
    """
    if ax is None:
        _, ax = new_axes(size=3.2)
    shifts = np.asarray(shifts)
    lines, dots = {}, {}
    for k, (name, values) in enumerate(curves.items()):
        label, color = CURVE_STYLES.get(name, (name, f"C{k}"))
        ls = "--" if name == "global_average" else "-"
        (lines[name],) = ax.plot(shifts, values, ls, marker=".", color=color, label=label, lw=1.5)
        (dots[name],) = ax.plot([], [], "o", color=color, ms=7, mec="black")
    marker = ax.axvline(current, color="0.3", lw=1, ls=":")
    top = max(1.5, 1.1 * max(float(np.max(v)) for v in curves.values()))
    ax.set_ylim(-0.03 * (ymax or top), ymax or top)
    ax.set_xlim(shifts.min() - 0.5, shifts.max() + 0.5)
    ax.set_xlabel(axis_label, fontsize=8)
    ax.set_ylabel("relative change ‖a−b‖/‖a‖", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper center", ncols=2, frameon=False,
              bbox_to_anchor=(0.5, 1.22))
    artists = {"lines": lines, "dots": dots, "marker": marker, "ax": ax}
    set_invariance_plot(artists, shifts, curves, current)
    return artists


def set_invariance_plot(artists, shifts, curves, current):
    """Update :func:`invariance_plot` (no new artists)."""
    shifts = np.asarray(shifts)
    at = np.flatnonzero(shifts == current)
    for name, values in curves.items():
        artists["lines"][name].set_data(shifts, values)
        dot = artists["dots"][name]
        dot.set_data(shifts[at], np.asarray(values)[at])
    artists["marker"].set_xdata([current, current])
    return artists


def shift_panels(features, shifts, curves, current=0, size=2.4, ymax=None):
    """The explorer's figure: shifted input | conv features | max-pooled | curves.

    ``features`` is a :func:`pooldemo.shift.shift_features` result; colour scales are fixed from
    it (so later shifts are drawn on the same scale).

    Returns
    -------
    (Figure, dict)
        ``input``, ``conv``, ``pooled`` (AxesImage), ``titles`` (three Text), ``curves``
        (:func:`invariance_plot` artists).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size * 4.6, size * 1.15), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.6])
    top = max(float(features["conv"].max()), 1e-12)
    lo = float(min(features["shifted"].min(), 0))
    hi = float(max(features["shifted"].max(), lo + 1e-12))
    imgs = {
        "input": axes[0].imshow(features["shifted"], cmap="gray", vmin=lo, vmax=hi,
                                interpolation="nearest"),
        "conv": axes[1].imshow(features["conv"], cmap="viridis", vmin=0, vmax=top,
                               interpolation="nearest"),
        "pooled": axes[2].imshow(features["max_pool"], cmap="viridis", vmin=0, vmax=top,
                                 interpolation="nearest"),
    }
    # the shapes do not change with the shift: static titles (the shift and the numbers belong
    # in the explorer's readout, which is free to update)
    h, w = features["shifted"].shape
    ch, cw = features["conv"].shape
    ph, pw = features["max_pool"].shape
    names = [f"input, shifted  {h}x{w}", f"conv + ReLU  {ch}x{cw}", f"2x2 max-pooled  {ph}x{pw}"]
    titles = [ax.set_title(name, fontsize=8) for ax, name in zip(axes[:3], names)]
    for ax in axes[:3]:
        ax.set_xticks([])
        ax.set_yticks([])
    artists = {**imgs, "titles": titles,
               "curves": invariance_plot(shifts, curves, current, ax=axes[3], ymax=ymax),
               "axes": axes}
    set_shift_panels(artists, features, shifts, curves, current)
    return fig, artists


def set_shift_panels(artists, features, shifts, curves, current):
    """Update :func:`shift_panels` from new features and curves."""
    artists["input"].set_data(features["shifted"])
    artists["conv"].set_data(features["conv"])
    artists["pooled"].set_data(features["max_pool"])
    set_invariance_plot(artists["curves"], shifts, curves, current)
    return artists
