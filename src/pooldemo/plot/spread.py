"""Drawing the spread of repeated runs: a dot per run, the mean and its 95 % interval.

Used in: every chapter that compares trained networks.
"""

from __future__ import annotations

import numpy as np

from ..stats import summarize

__all__ = ["runs"]


def runs(groups, ax=None, scale=1.0, ylabel=None, title=None, color="tab:blue"):
    """One column per group: a dot per run, a bar for the mean and its 95 % t interval.

    Parameters
    ----------
    groups : dict
        ``{label: sequence of run results}`` (at least two runs each), drawn left to right.
    ax : matplotlib Axes, optional
        Where to draw; a new figure (not attached to pyplot) if None.
    scale : float
        Multiply every value, e.g. 100 for percent.
    ylabel, title : str, optional

    Returns
    -------
    dict
        ``"dots"``: the scatter artists, ``"means"``: the error-bar containers, one per group.
    """
    if not isinstance(groups, dict) or not groups:
        raise ValueError(f"groups must be a non-empty dict of label -> runs, got {groups!r}")
    if ax is None:
        from .maps import new_axes

        _, ax = new_axes(1, size=max(3.0, 0.8 * len(groups)))
    dots, means = [], []
    for i, values in enumerate(groups.values()):
        s = summarize(values)
        v = scale * np.asarray(values, dtype=float)
        jitter = np.linspace(-0.12, 0.12, v.size) if v.size > 1 else np.zeros(1)
        dots.append(ax.scatter(i + jitter, v, s=14, color=color, alpha=0.55, zorder=2))
        means.append(ax.errorbar(i + 0.28, scale * s.mean,
                                 yerr=[[scale * (s.mean - s.lo)], [scale * (s.hi - s.mean)]],
                                 fmt="_", color="k", ms=10, capsize=3, zorder=3))
    ax.set_xticks(range(len(groups)), [str(k) for k in groups], fontsize=8,
                  rotation=30 if len(groups) > 4 else 0,
                  ha="right" if len(groups) > 4 else "center")
    ax.set_xlim(-0.6, len(groups) - 0.3)
    ax.grid(axis="y", alpha=0.3)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    return {"dots": dots, "means": means}
