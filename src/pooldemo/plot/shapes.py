"""Drawing for the shapes explorer and chapter (see pooldemo.plot).

A convnet as three bar charts sharing one row per layer: how many numbers each layer outputs,
how many parameters it has (both on log scales) and how wide its receptive field is.
"""

from __future__ import annotations

import numpy as np

from .maps import new_axes

__all__ = ["layer_bars", "set_layer_bars"]

_COLOURS = {"Conv2D": "tab:blue", "MaxPooling2D": "tab:orange", "AveragePooling2D": "tab:green",
            "Flatten": "tab:gray", "GlobalMaxPooling2D": "tab:orange",
            "GlobalAveragePooling2D": "tab:green", "Dense": "tab:red"}


def layer_bars(rows=None, axes=None, max_rows=10, input_size=28, max_params=1e7,
               max_values=1e7):
    """Bars per layer: output values, parameters, receptive field (``rows`` from layer_table).

    Bars for ``max_rows`` layers are made once (unused ones hidden) so that
    :func:`set_layer_bars` can show another network without new artists. Axis limits are fixed.

    Returns
    -------
    dict
        ``bars`` (three lists of Rectangle), ``values`` (three lists of Text), ``labels`` (layer
        names, Text left of the first axes), ``titles`` (three Text), ``message`` (a Text for
        networks that cannot be built), ``axes``.
    """
    if axes is None:
        _, axes = new_axes(3, size=2.6)
    axes = list(np.ravel(axes))
    if len(axes) != 3:
        raise ValueError(f"axes must hold 3 Axes, got {len(axes)}")
    y = np.arange(max_rows)
    out = {"axes": axes, "bars": [], "values": []}
    limits = [(1, max_values), (1, max_params), (0, input_size * 1.35)]
    titles = ["output values (log)", "parameters (log)", "receptive field (pixels)"]
    out["titles"] = []
    for ax, lim, title in zip(axes, limits, titles):
        if lim[0] > 0:
            ax.set_xscale("log")
        ax.set_xlim(*lim)
        ax.set_ylim(max_rows - 0.5, -0.5)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        out["titles"].append(ax.set_title(title, fontsize=9))
        base = lim[0]
        bars = ax.barh(y, np.zeros(max_rows), left=base, height=0.7, color="tab:blue")
        out["bars"].append(list(bars))
        out["values"].append([ax.text(base, i, "", va="center", ha="left", fontsize=7)
                              for i in y])
    from matplotlib.transforms import blended_transform_factory

    where = blended_transform_factory(axes[0].transAxes, axes[0].transData)
    # placeholders as wide as the longest layer name, so a layout engine leaves room for them
    out["labels"] = [axes[0].text(-0.03, i, "global_average", transform=where, ha="right",
                                  va="center", fontsize=7) for i in y]
    axes[2].axvline(input_size, color="black", lw=1, ls="--")
    axes[2].text(input_size, max_rows - 0.6, f" input {input_size}", fontsize=7, va="bottom")
    out["message"] = axes[1].text(0.5, 0.5, "", transform=axes[1].transAxes, ha="center",
                                  va="center", fontsize=9, color="#b00020")
    if rows is not None:
        set_layer_bars(out, rows)
    return out


def set_layer_bars(artists, rows, message=""):
    """Show ``rows`` (from :func:`pooldemo.shapes.layer_table`) or, if ``message``, only it."""
    n_max = len(artists["bars"][0])
    rows = [] if message else list(rows)
    if len(rows) > n_max:
        raise ValueError(f"rows has {len(rows)} layers, the bars were made for {n_max}")
    artists["message"].set_text(message)
    for i in range(n_max):
        visible = i < len(rows)
        artists["labels"][i].set_visible(visible)
        for bars, texts in zip(artists["bars"], artists["values"]):
            bars[i].set_visible(visible)
            texts[i].set_visible(visible)
        if not visible:
            continue
        r = rows[i]
        colour = _COLOURS.get(r["type"], "tab:purple")
        n_out = int(np.prod(r["output_shape"]))
        shape = "×".join(f"{d:,}" for d in r["output_shape"])
        values = [(n_out, shape), (r["params"], f"{r['params']:,}"),
                  (r["rf_size"][0], f"{r['rf_size'][0]}")]
        for k, (bars, texts, (v, label)) in enumerate(zip(artists["bars"], artists["values"],
                                                          values)):
            base = bars[i].get_x()
            width = max(v - base, 0) if k < 2 else v
            bars[i].set_width(width)
            bars[i].set_color(colour)
            texts[i].set_x(base + width if k == 2 else max(v, base))
            texts[i].set_text(" " + label)
        artists["labels"][i].set_text(r["name"])
    return artists
