"""ShiftExplorer: shift a digit and watch conv features, 2x2 max pooling and global pooling.

Controls: ``dx`` and ``dy`` (whole pixels). Panels: the shifted input, its ReLU feature map from one
fixed 3x3 edge filter, that map max-pooled 2x2, and the relative change ``||a - b|| / ||a||`` of
each representation against shift dx (at the current dy), with the current shift marked. Conv
features move with the input (large change), 2x2 max pooling absorbs only part of a small shift
(local invariance), and global pooling changes only when the digit comes near the border of the
image, where the valid 3x3 convolution sees it through fewer windows or loses it (global
invariance, up to the border). The curves are computed for the image and filter shown; other
images and filters give other numbers. Used in: the invariance chapter, the explorers gallery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import shift
from .._checks import as_feature_map, as_image, check_int
from ._base import Explorer

__all__ = ["ShiftExplorer", "ShiftModel"]

_STATIC_DX = range(-4, 5)
#: which MNIST test "7" is the default image (index 0 has a crossbar)
DEFAULT_INDEX = 4
_STATIC_DY = (-2, 0, 2)


@dataclass(frozen=True, eq=False)
class ShiftModel:
    """One shift of the ShiftExplorer, from :mod:`pooldemo.shift` (no drawing).

    ``features`` is :func:`pooldemo.shift.shift_features` of the shifted image, ``curves``
    :func:`pooldemo.shift.invariance_curves` over every dx at this dy, and ``change`` each
    representation's relative change at this shift (the curves' values at dx).
    """

    dx: int
    dy: int
    features: dict
    curves: dict
    change: dict


class ShiftExplorer(Explorer):
    """Local (2x2 max pooling) vs global (global pooling) invariance to small shifts.

    Parameters
    ----------
    image : array_like (H, W) or (H, W, 1), optional
        Default: ``pooldemo.digit(7, index=4)``, an MNIST test "7" (a plain stroke). At least
        8x8, finite, with some response to ``filter``.
    dx, dy : int
        Initial shift, within ``max_shift``.
    filter : str or array_like (3, 3)
        The conv layer's filter: a name of ``pooldemo.edges.EDGE_FILTERS`` or a 3x3 kernel.
    max_shift : int, optional
        Range of the sliders, -max_shift..max_shift (1 to 8, at most a third of the image size;
        default 6 or that third if smaller).
    """

    static_dpi = 76

    def __init__(self, image=None, dx=0, dy=0, filter="vertical", max_shift=None):
        from ..edges import EDGE_FILTERS

        if image is None:
            from ..data import digit

            image = digit(7, index=DEFAULT_INDEX)
        x = as_image(image, "image", min_size=8)
        if isinstance(filter, str):
            if filter not in EDGE_FILTERS:
                raise ValueError(f"filter must be one of {tuple(EDGE_FILTERS)} or a 3x3 kernel, "
                                 f"got {filter!r}")
        else:
            k = as_feature_map(filter, "filter", ndims=(2,))
            if k.shape != (3, 3) or not np.isfinite(k).all():
                raise ValueError(f"filter must be a finite 3x3 kernel, got shape {k.shape}")
            filter = k.astype(float)
        limit = min(8, min(x.shape) // 3)
        if max_shift is None:
            max_shift = min(6, limit)
        max_shift, dx, dy = (check_int(v, n) for v, n in ((max_shift, "max_shift"), (dx, "dx"),
                                                          (dy, "dy")))
        if not 1 <= max_shift <= limit:
            raise ValueError(f"max_shift must be from 1 to {limit} for an image of shape "
                             f"{x.shape}, got {max_shift}")
        for name, value in (("dx", dx), ("dy", dy)):
            if abs(value) > max_shift:
                raise ValueError(f"{name} must be within ±max_shift={max_shift}, got {value}")
        self.x = x  # as_image gave floats
        self.filter = filter
        self.max_shift = int(max_shift)
        self.shifts = list(range(-self.max_shift, self.max_shift + 1))
        self._curves = {}
        self.curves(0)  # raises if the feature map is all zero
        self._init = {"dx": int(dx), "dy": int(dy)}
        super().__init__()

    def _build(self):
        from .. import plot

        w = self._widgets
        r = self.max_shift
        self.add_control("dx", w.IntSlider(self._init["dx"], min=-r, max=r, description="dx"),
                         play=True)
        self.add_control("dy", w.IntSlider(self._init["dy"], min=-r, max=r, description="dy"))
        first = self.features(0, 0)
        self._ymax = max(1.6, 1.1 * max(float(v.max()) for v in self.curves(0).values()))
        self.figure, self.artists = plot.shift_panels(first, self.shifts, self.curves(0), 0,
                                                      ymax=self._ymax)
        a = self.artists
        c = a["curves"]
        self.dynamic(a["input"], a["conv"], a["pooled"], *c["lines"].values(),
                     c["marker"], *c["dots"].values())

    def static_values(self, name):
        values = _STATIC_DX if name == "dx" else _STATIC_DY
        return [v for v in values if abs(v) <= self.max_shift]

    # --- the package calls -------------------------------------------------------------------

    def features(self, dx, dy):
        """:func:`pooldemo.shift.shift_features` of the image for this shift."""
        return shift.shift_features(self.x, dx, dy, kernel=self.filter)

    def curves(self, dy):
        """:func:`pooldemo.shift.invariance_curves` over all dx for this dy (cached)."""
        if dy not in self._curves:
            self._curves[dy] = shift.invariance_curves(self.x, self.shifts, dy=dy,
                                                       kernel=self.filter)
        return self._curves[dy]

    def model(self, **values):
        """The :class:`ShiftModel` of the current state (or of ``values`` given)."""
        v = {**self.state(), **values}
        dx, dy = v["dx"], v["dy"]
        curves = self.curves(dy)
        i = self.shifts.index(dx)
        return ShiftModel(dx=dx, dy=dy, features=self.features(dx, dy), curves=curves,
                          change={name: float(c[i]) for name, c in curves.items()})

    def _draw(self, dx, dy):
        from .. import plot

        m = self.model(dx=dx, dy=dy)
        top = max(float(v.max()) for v in m.curves.values())
        if top > self._ymax:
            self._ymax = 1.1 * top
            ax = self.artists["curves"]["ax"]
            ax.set_ylim(-0.03 * self._ymax, self._ymax)
            self.request_relayout()
        plot.set_shift_panels(self.artists, m.features, self.shifts, m.curves, dx)
        change = m.change
        return (f"Shift ({dx:+d}, {dy:+d}) pixels. Relative change against the unshifted image: "
                f"conv features <b>{change['conv']:.0%}</b>, 2x2 max-pooled "
                f"<b>{change['max_pool']:.0%}</b>, global max <b>{change['global_max']:.0%}</b>, "
                f"global average <b>{change['global_average']:.0%}</b>. Global max now "
                f"{float(m.features['global_max']):.3f}, global average "
                f"{float(m.features['global_average']):.4f}.")

    def alt_text(self):
        v = self.state()
        return (f"An image shifted by {v['dx']} pixels right and {v['dy']} down, its feature map "
                f"from one 3x3 filter, the 2x2 max-pooled map, and a plot of how much each "
                f"representation (conv features, max-pooled map, global max, global average) "
                f"differs from that of the unshifted image, against the horizontal shift at this "
                f"vertical shift.")
