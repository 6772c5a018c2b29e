"""PoolingExplorer: slide one pooling window over a feature map and watch what it produces.

Controls: ``pool_size``, ``strides``, ``padding``, ``reduce`` and ``position`` (which output cell;
play-able). The input panel outlines the current window (hatched cells are padding), marks the cell
the gradient flows to (max and min) and rings tied cells; the output panel outlines the produced
cell. Used in: the chapter on what pooling computes, the explorers gallery.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .. import geometry, pooling
from .._checks import as_image, check_padding, check_positive_int
from ._base import Explorer

__all__ = ["PoolingExplorer", "PoolingModel", "pooling_model", "EXAMPLE"]

#: built-in 6x6 map with ties inside several 2x2 and 3x3 windows
EXAMPLE = np.array([[1, 3, 2, 2, 0, 4],
                    [3, 0, 2, 2, 1, 1],
                    [5, 1, 0, 7, 6, 6],
                    [2, 5, 3, 1, 6, 2],
                    [0, 2, 8, 8, 1, 0],
                    [1, 4, 8, 3, 2, 9]], dtype=float)

_MAX_POOL = 4
_SAME_AS_POOL = 0  # value of the strides control meaning "strides = pool_size"


class PoolingExplorer(Explorer):
    """One pooling window at a time: where it sits, what it sees, what it outputs.

    Parameters
    ----------
    x : array_like (H, W), "example" or "digit"
        The feature map: a 2-D array, the built-in 6x6 example with ties, or an MNIST 7.
    pool_size : int, 1-4
    strides : int 1-4 or None
        None means the pool size, as in Keras.
    padding : {"valid", "same"}
    reduce : {"max", "average", "min", "median"}
    """

    freeze_layout = True
    static_dpi = 80  # values printed in cells stay legible in the no-kernel view

    def __init__(self, x="example", pool_size=2, strides=None, padding="valid", reduce="max"):
        self.x = _feature_map(x)
        h, w = self.x.shape
        self._pool_max = min(_MAX_POOL, h, w)
        self._init = dict(
            pool_size=_in_range(pool_size, "pool_size", 1, _MAX_POOL),
            strides=_SAME_AS_POOL if strides is None else _in_range(strides, "strides", 1, 4),
            padding=check_padding(padding),
            reduce=_reduction(reduce))
        if self._init["padding"] == "valid" and self._init["pool_size"] > min(h, w):
            raise ValueError(f"pool_size {pool_size} is larger than the input {self.x.shape} with "
                             f"padding='valid'")
        self.annotate = max(h, w) <= 12
        self._shown_output = None  # (shape, reduce, bytes) of the output map drawn now
        super().__init__()

    # --- building ----------------------------------------------------------------------------

    def _build(self):
        from .. import plot

        w = self._widgets
        init = self._init
        self.add_control("pool_size", w.IntSlider(init["pool_size"], min=1,
                                                  max=max(self._pool_max, init["pool_size"]),
                                                  description="pool size"))
        self.add_control("strides", w.Dropdown(
            options=[("same as pool size", _SAME_AS_POOL)] + [(str(s), s) for s in range(1, 5)],
            value=init["strides"], description="strides"))
        self.add_control("padding", w.Dropdown(options=["valid", "same"], value=init["padding"],
                                               description="padding"))
        self.add_control("reduce", w.Dropdown(options=list(pooling.REDUCTIONS),
                                              value=init["reduce"], description="reduce"))
        n = self._out_count(init)
        self.add_control("position", w.IntSlider(0, min=0, max=n - 1, description="window"),
                         play=True)

        x = self.x
        lo, hi = float(np.min(x)), float(np.max(x))
        cmap = "viridis" if self.annotate else "Greys_r"
        size = 3.2 if self.annotate else 3.0
        self.figure, (ax_in, ax_out) = plot.new_axes(2, size=size)
        fontsize = 9 if max(x.shape) <= 8 else 7
        plot.feature_map(x, ax_in, annotate=self.annotate, cmap=cmap, vmin=lo, vmax=hi,
                         title=f"input {x.shape[0]}×{x.shape[1]}", fmt="{:g}", fontsize=fontsize)
        self.ax_in, self.ax_out = ax_in, ax_out
        self.padding_strips = self.dynamic(*plot.padding_strips(ax_in))
        self.window = self.dynamic(plot.window_rect(ax_in, 0, 0, 1, 1, color="tab:red"))
        self.ties = self.dynamic(ax_in.plot([], [], "o", ms=22 if self.annotate else 6, mfc="none",
                                            mec="white", mew=1.5)[0])
        self.argmax = self.dynamic(ax_in.plot([], [], "*", ms=16 if self.annotate else 9,
                                              mfc="tab:orange", mec="black", mew=0.8)[0])
        # the output map: one image whose data and extent change, texts for every possible
        # cell, a title; all dynamic (pasted from stamps; drawn in the axes' order: image,
        # frame, texts, then the outlined cell), so the output panel's background never changes
        self.out_image = ax_out.imshow(np.zeros((1, 1)), cmap=cmap, vmin=lo, vmax=hi,
                                       interpolation="nearest")
        ax_out.set_xticks([])
        ax_out.set_yticks([])
        self.out_title = ax_out.set_title("output", fontsize=fontsize)
        self.out_texts = []
        if self.annotate:
            for i in range(x.shape[0]):
                self.out_texts.append([ax_out.text(j, i, "", ha="center", va="center",
                                                   fontsize=fontsize, visible=False)
                                       for j in range(x.shape[1])])
        self.out_cell = plot.window_rect(ax_out, 0, 0, 1, 1, color="tab:red")
        self.dynamic(self.out_image, *ax_out.spines.values(),
                     *[t for row in self.out_texts for t in row], self.out_title, self.out_cell)

    # --- the model and drawing ----------------------------------------------------------------

    def model(self, **values):
        """The :class:`PoolingModel` of the current state (or of ``values`` given)."""
        v = {**self.state(), **values}
        return pooling_model(self.x, v["pool_size"], v["strides"], v["padding"], v["reduce"],
                             v["position"])

    def _draw(self, pool_size, strides, padding, reduce, position):
        from .. import plot

        m = pooling_model(self.x, pool_size, strides, padding, reduce, position)
        h, w = self.x.shape
        (top, bottom), (left, right) = m.pad_rows, m.pad_cols
        oh, ow = m.output.shape
        # the input panel's limits make the background: one per padding seen
        if (m.pad_rows, m.pad_cols) != self._layout:
            self.ax_in.set_xlim(-0.5 - left, w - 0.5 + right)
            self.ax_in.set_ylim(h - 0.5 + bottom, -0.5 - top)
            self.request_relayout((m.pad_rows, m.pad_cols))
        plot.set_padding(self.padding_strips, self.x.shape, m.pad_rows, m.pad_cols)
        # the whole window, padded cells included, is outlined; padded cells are hatched
        plot.set_window(self.window, m.window_top, m.window_left, m.pool_size, m.pool_size)
        plot.set_window(self.out_cell, m.row, m.col, 1, 1)
        self._set_output(m)
        if m.argmax is not None:
            self.argmax.set_data([m.argmax[1]], [m.argmax[0]])
            self.ties.set_data([c for _, c in m.ties], [r for r, _ in m.ties])
        self.argmax.set_visible(m.argmax is not None)
        self.ties.set_visible(m.tie_count > 1)
        return _readout(m)

    def _set_output(self, m):
        """The output panel (all dynamic): the pooled map, its values and its title."""
        y = m.output
        oh, ow = y.shape
        if (y.shape, m.reduce, y.tobytes()) == self._shown_output:
            return
        self._shown_output = (y.shape, m.reduce, y.tobytes())
        self.out_image.set_data(y)
        self.out_image.set_extent((-0.5, ow - 0.5, oh - 0.5, -0.5))
        self.ax_out.set_xlim(-0.5, ow - 0.5)
        self.ax_out.set_ylim(oh - 0.5, -0.5)
        self.out_title.set_text(f"{m.reduce} pool → {oh}×{ow}")
        mid = np.mean(self.out_image.get_clim())
        for i, row in enumerate(self.out_texts):
            for j, text in enumerate(row):
                inside = i < oh and j < ow
                text.set_visible(inside)
                if inside:
                    text.set_text(f"{y[i, j]:.3g}")
                    text.set_color("white" if y[i, j] < mid else "black")

    def alt_text(self):
        v = self.state()
        return (f"{v['reduce']} pooling of a {self.x.shape[0]}×{self.x.shape[1]} map with pool "
                f"size {v['pool_size']}: the current window is outlined in red on the input and "
                f"its output cell on the pooled map.")

    # --- controls and the static face --------------------------------------------------------

    def _out_count(self, values):
        s = values["pool_size"] if values["strides"] == _SAME_AS_POOL else values["strides"]
        oh, ow = pooling.pool_output_size(self.x.shape, values["pool_size"], s, values["padding"])
        return oh * ow

    def _sync_ranges(self, change):
        if change["owner"] is not self.controls["position"]:
            try:
                n = self._out_count(self.state())
            except Exception:  # e.g. pool larger than the input: update() shows the error
                n = 1
            self.controls["position"].max = max(n - 1, 0)

    def valid_state(self, values):
        try:
            return values["position"] < self._out_count(values)
        except ValueError:
            return False

    def static_values(self, name):
        if self.annotate:  # small maps: overlapping 3/2 windows as well as the usual ones
            pools, strides = [2, 3], [_SAME_AS_POOL, 2]
        else:
            pools, strides = [2, 3], [_SAME_AS_POOL]
        pools = [p for p in pools if p <= self._pool_max] or [1]
        if name == "pool_size":
            return pools
        if name == "strides":
            return strides
        if name == "position":
            counts = [self._out_count(dict(pool_size=p, strides=s, padding=pad))
                      for p in pools for s in strides for pad in ("valid", "same")
                      if p <= min(self.x.shape) or pad == "same"]
            if max(counts) <= 36:
                return list(range(max(counts)))
            # large maps: a few windows, each present in every setting
            return sorted(set(np.linspace(0, min(counts) - 1, 6).astype(int).tolist()))
        return super().static_values(name)


@dataclass(frozen=True, eq=False)
class PoolingModel:
    """What one state of the PoolingExplorer shows, computed by :mod:`pooldemo.pooling` and
    :mod:`pooldemo.geometry` (no drawing).

    Attributes
    ----------
    pool_size, strides, padding, reduce, position : the state (``strides`` resolved: an int)
    output : ndarray (oh, ow)
        ``pool2d`` of the whole map.
    row, col : int
        The output cell of window ``position`` (row-major).
    rows, cols : (int, int)
        Input cells ``rows[0]:rows[1]``, ``cols[0]:cols[1]`` the window covers, padding excluded.
    pad_rows, pad_cols : (int, int)
        Padded cells (before, after) per axis.
    window_top, window_left : int
        The window's first cell in input coordinates (negative inside the padding).
    window : ndarray
        The input cells of the window.
    value : float
        ``output[row, col]``.
    argmax : (int, int) or None
        For max and min: the input cell the gradient flows to (TensorFlow's tie rule).
    tie_count : int
        For max and min: how many cells of the window hold the value; else 1.
    ties : tuple of (int, int)
        For max and min: those cells, in input coordinates; else empty.
    """

    pool_size: int
    strides: int
    padding: str
    reduce: str
    position: int
    output: np.ndarray
    row: int
    col: int
    rows: tuple
    cols: tuple
    pad_rows: tuple
    pad_cols: tuple
    window_top: int
    window_left: int
    window: np.ndarray
    value: float
    argmax: tuple | None
    tie_count: int
    ties: tuple

    @property
    def padded_cells(self):
        """Cells of the window that lie in the padding."""
        return self.pool_size ** 2 - self.window.size


def pooling_model(x, pool_size, strides, padding, reduce, position):
    """The :class:`PoolingModel` of a state (``strides`` 0 means the pool size)."""
    k = pool_size
    s = k if strides == _SAME_AS_POOL else strides
    y = pooling.pool2d(x, k, s, padding, reduce)
    oh, ow = y.shape
    if not 0 <= position < oh * ow:
        raise ValueError(f"position {position} is outside the {oh}x{ow} output")
    r, c = divmod(position, ow)
    (r0, r1), (c0, c1) = ([int(b[r]) for b in geometry.window_bounds(x.shape[0], k, s, padding)],
                          [int(b[c]) for b in geometry.window_bounds(x.shape[1], k, s, padding)])
    pad_rows, pad_cols = geometry.padding_amounts(x.shape, k, s, padding)
    window = x[r0:r1, c0:c1]
    value = y[r, c]
    argmax, tie_count, ties = None, 1, ()
    if reduce in ("max", "min"):
        sign = 1 if reduce == "max" else -1
        rows, cols = pooling.pool_argmax(sign * x, k, s, padding)
        argmax = (int(rows[r, c]), int(cols[r, c]))
        tie_count = int(pooling.pool_tie_counts(sign * x, k, s, padding)[r, c])
        ties = tuple((int(i) + r0, int(j) + c0) for i, j in zip(*np.nonzero(window == value)))
    return PoolingModel(pool_size=k, strides=s, padding=padding, reduce=reduce,
                        position=position, output=y, row=r, col=c, rows=(r0, r1), cols=(c0, c1),
                        pad_rows=tuple(pad_rows), pad_cols=tuple(pad_cols),
                        window_top=r * s - pad_rows[0], window_left=c * s - pad_cols[0],
                        window=window, value=value, argmax=argmax, tie_count=tie_count,
                        ties=ties)


def _readout(m):
    """The readout HTML of a :class:`PoolingModel`."""
    oh, ow = m.output.shape
    (r0, r1), (c0, c1) = m.rows, m.cols
    if m.argmax is not None:
        arg = "argmax" if m.reduce == "max" else "argmin"
        note = (f"The gradient flows only to the {arg} cell (row {m.argmax[0]}, col "
                f"{m.argmax[1]}, ★).")
        if m.tie_count > 1:
            note += (f" <b>Tie:</b> {m.tie_count} cells hold the {m.reduce} {m.value:g} "
                     f"(ringed); the first in row-major order gets the gradient, as in "
                     f"TensorFlow.")
    elif m.reduce == "average":
        n = m.window.size
        note = f"The gradient is shared equally: 1/{n} to each of the {n} real cells."
    else:
        note = "The median picks a middle value; no single cell stands for the window."
    values = "" if m.window.size > 36 else (
        "<code>" + html.escape(np.array2string(m.window, separator=", ",
                                                formatter={"float_kind": "{:g}".format}))
        + "</code>")
    padded = m.padded_cells
    return (f"Window {m.position + 1} of {oh * ow} → output row {m.row}, col {m.col}: input "
            f"rows {r0}–{r1 - 1}, cols {c0}–{c1 - 1}"
            + (f" ({padded} padded cells, left out)" if padded else "")
            + f". {values} <b>{m.reduce} = {m.value:.4g}</b>. {note}")


def _feature_map(x):
    if isinstance(x, str):
        if x == "example":
            return EXAMPLE.copy()
        if x == "digit":
            from ..data import digit

            return np.asarray(digit(7), dtype=float)
        raise ValueError(f"x must be a 2-D array, 'example' or 'digit', got {x!r}")
    return as_image(x, "x")


def _in_range(value, name, lo, hi):
    value = check_positive_int(value, name)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value!r}")
    return value


def _reduction(reduce):
    if not isinstance(reduce, str) or reduce not in pooling.REDUCTIONS:
        raise ValueError(f"reduce must be one of {pooling.REDUCTIONS}, got {reduce!r}")
    return reduce
