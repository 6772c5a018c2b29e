"""FabricPoolingExplorer: global max vs global average pooling of a rip or wrinkle detector map.

Controls: ``kind`` (smooth, one rip, many wrinkles, single fold, the forum thread's example, or a
map of your own), ``count`` (rips / wrinkles / folds), ``noise``, ``detector`` (rip / wrinkle)
and ``threshold`` (the decision threshold of both heads). Panels: the fabric with its 7x7 grid of
patches, the detector map with its values, and global max next to global average as bars with the
threshold line; a bar at or above the threshold (red) means that head says "yes".

For "thread example" (and for your own maps) the left panel shows the map and the middle one a
map with the same global average spread evenly over all cells: global average cannot tell them
apart, global max can. Used in: the max-vs-average chapter, the explorers gallery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import fabric
from .._checks import as_feature_map, check_int, check_real, check_seed
from ..pooling import global_pool
from ._base import Explorer

__all__ = ["FabricPoolingExplorer", "FabricModel"]

_KINDS = [("smooth", "smooth"), ("one rip", "rip"), ("many wrinkles", "wrinkles"),
          ("single fold", "fold"), ("thread example", "thread")]
_DETECTORS = ("rip", "wrinkle")
_ANSWER = {"rip": ("rip", "no rip"), "wrinkle": ("wrinkled", "smooth")}
_STATIC_COUNTS = (1, 3, 6)
_STATIC_NOISE = (0.05, 0.1)
_STATIC_THRESHOLDS = (0.15, 0.5)
_MAX_GRID = 16


class FabricPoolingExplorer(Explorer):
    """Global max vs global average of hand-made rip / wrinkle detector maps on synthetic fabric.

    Parameters
    ----------
    maps : array_like (g, g) or dict of name -> array_like (g, g), optional
        Detector maps of your own (e.g. one channel of a trained network's last conv layer), added
        to ``kind`` as "your map: <name>". All square, the same size g (2 to 16), finite; the
        synthetic detectors then use a g x g grid too. Default: none, 7x7 grid.
    kind : {"smooth", "rip", "wrinkles", "fold", "thread"} or "user:<name>"
    count : int, optional
        Rips / wrinkles / folds, 1 to 10 (default 1, 6 and 1).
    noise : float
        Noise level of the fabric, 0 to 0.3.
    detector : {"rip", "wrinkle"}, optional
        Default: "rip" for smooth, rip and the thread example, else "wrinkle".
    threshold : float
        Decision threshold of both heads, 0.05 to 2.
    seed : int
        Seed of the synthetic fabric.
    """

    static_dpi = 80

    def __init__(self, maps=None, kind="rip", count=None, noise=0.05, detector=None,
                 threshold=0.5, seed=0):
        self.user_maps = _check_maps(maps)
        self.grid = next(iter(self.user_maps.values())).shape[0] if self.user_maps else 7
        kinds = _KINDS + [(f"your map: {name}", f"user:{name}") for name in self.user_maps]
        self._kind_values = [v for _, v in kinds]
        self._kind_options = kinds
        if kind not in self._kind_values:
            raise ValueError(f"kind must be one of {self._kind_values}, got {kind!r}")
        if count is None:
            count = fabric.DEFAULT_COUNT.get(kind) or 1
        if not 1 <= check_int(count, "count") <= 10:
            raise ValueError(f"count must be from 1 to 10, got {count!r}")
        check_real(noise, "noise", 0, 0.3)
        if detector is None:
            detector = "wrinkle" if kind in ("wrinkles", "fold") else "rip"
        if detector not in _DETECTORS:
            raise ValueError(f"detector must be one of {_DETECTORS}, got {detector!r}")
        check_real(threshold, "threshold", 0.05, 2)
        self.seed = check_seed(seed)
        top = max([2.0] + [float(np.max(m)) for m in self.user_maps.values()])
        low = min([0.0] + [float(np.min(m)) for m in self.user_maps.values()])
        self._ylim = (low * 1.15, top * 1.15)
        self._cache = {}
        self._init = dict(kind=kind, count=int(count), noise=float(noise), detector=detector,
                          threshold=float(threshold))
        super().__init__()

    # --- building ----------------------------------------------------------------------------

    def _build(self):
        from .. import plot

        w = self._widgets
        i = self._init
        self.add_control("kind", w.Dropdown(options=self._kind_options, value=i["kind"],
                                            description="fabric"))
        self.add_control("count", w.IntSlider(i["count"], min=1, max=10, description="count"))
        self.add_control("noise", w.FloatSlider(i["noise"], min=0.0, max=0.3, step=0.05,
                                                description="noise"))
        self.add_control("detector", w.Dropdown(options=list(_DETECTORS), value=i["detector"],
                                                description="detector"))
        self.add_control("threshold", w.FloatSlider(i["threshold"], min=0.05, max=2.0, step=0.05,
                                                    description="threshold"))
        self.figure, self.artists = plot.fabric_panels(grid=self.grid)
        self.artists["bars"]["ax"].set_ylim(*self._ylim)
        a = self.artists
        for side in ("left", "right"):
            self.dynamic(a[side]["image"], a[side]["map"], *a[side]["lines"], a[side]["title"],
                         *[t for row in a[side]["texts"] for t in row])
        self.dynamic(*a["bars"]["bars"], *a["bars"]["values"], a["bars"]["threshold"])

    def _sync_ranges(self, change):
        # picking a fabric picks its detector (as the HTML face does); change it afterwards freely
        if change["owner"] is self.controls["kind"]:
            natural = {"rip": "rip", "wrinkles": "wrinkle", "fold": "wrinkle"}.get(change["new"])
            if natural:
                self.controls["detector"].value = natural

    def static_values(self, name):
        if name == "count":
            return list(_STATIC_COUNTS)
        if name == "noise":
            return list(_STATIC_NOISE)
        if name == "threshold":
            return list(_STATIC_THRESHOLDS)
        return super().static_values(name)

    def valid_state(self, values):
        kind = values["kind"]
        # the page shows each fabric with its own detector (smooth with both)
        if kind == "rip":
            return values["detector"] == "rip"
        if kind in ("wrinkles", "fold"):
            return values["detector"] == "wrinkle"
        # the other kinds ignore count (and, but smooth, noise and detector): one state each
        if values["count"] != _STATIC_COUNTS[0]:
            return False
        if kind == "smooth":
            return True
        return values["noise"] == _STATIC_NOISE[0] and values["detector"] == _DETECTORS[0]

    # --- the package calls -------------------------------------------------------------------

    def fabric_and_maps(self, kind, count, noise):
        """The fabric image and its detector maps (cached per kind, count and noise)."""
        key = (kind, count if kind != "smooth" else None, round(float(noise), 6))
        if key not in self._cache:
            image = fabric.fabric_image(kind, count=key[1], noise=key[2], seed=self.seed)
            self._cache[key] = (image, fabric.detector_maps(image, grid=self.grid))
        return self._cache[key]

    def current_maps(self, kind, count, noise, detector):
        """(left image or None, left map or None, right map, names) for a state."""
        if kind == "thread":
            ex = fabric.thread_example(self.grid)
            return None, ex["one_rip"], ex["faint_everywhere"], ("one rip", "faint")
        if kind.startswith("user:"):
            m = self.user_maps[kind[5:]]
            even = np.full(m.shape, float(global_pool(m, "average")))
            return None, m, even, ("your map", "spread")
        image, maps = self.fabric_and_maps(kind, count, noise)
        return image, None, maps[detector], None

    # --- the model and drawing ----------------------------------------------------------------

    def model(self, **values):
        """The :class:`FabricModel` of the current state (or of ``values`` given)."""
        v = {**self.state(), **values}
        kind, count, noise, detector = v["kind"], v["count"], v["noise"], v["detector"]
        image, left, right, names = self.current_maps(kind, count, noise, detector)
        shown = [m for m in (left, right) if m is not None]
        pooled = tuple((float(global_pool(m, "max")), float(global_pool(m, "average")))
                       for m in shown)
        if kind == "thread":
            cells = self.grid ** 2
            vmax, titles = 2.0, ("one rip (thread)", f"{cells} cells of 2/{cells}")
        elif names:
            vmax = max(float(np.max(np.abs(left))), 1e-12)
            titles = (kind[5:], "same average, spread evenly")
        else:
            vmax = 2.0 if detector == "rip" else 1.0
            noun = {"rip": "rip", "wrinkles": "wrinkle", "fold": "fold"}.get(kind)
            desc = f"{count} {noun}{'s' * (count > 1)}" if noun else "smooth"
            titles = (f"fabric: {desc}", f"{detector} detector ({self.grid}x{self.grid})")
        yes, no = _ANSWER["rip" if kind == "thread" else detector]
        if names and kind.startswith("user:"):
            yes, no = "yes", "no"
        return FabricModel(kind=kind, detector=detector, threshold=v["threshold"], image=image,
                           left=left, right=right, names=names, pooled=pooled, vmax=vmax,
                           titles=titles, answers=(yes, no))

    def _draw(self, kind, count, noise, detector, threshold):
        from .. import plot

        m = self.model(kind=kind, count=count, noise=noise, detector=detector,
                       threshold=threshold)
        c = self.controls
        c["count"].disabled = kind not in ("rip", "wrinkles", "fold")
        c["detector"].disabled = c["noise"].disabled = kind == "thread" or kind.startswith("user:")
        plot.set_fabric_panels(self.artists, left_image=m.image, left_map=m.left,
                               right_map=m.right, values=m.pooled, threshold=threshold,
                               vmax=m.vmax, titles=m.titles, names=m.names,
                               show_zeros=bool(m.names))
        return _readout(m)

    def alt_text(self):
        v = self.state()
        if v["kind"] == "thread" or v["kind"].startswith("user:"):
            return ("Two detector maps with their values: one with a single strong cell and one "
                    "with the same total spread evenly, and bars of their global max and global "
                    "average with the decision threshold.")
        return (f"A synthetic {v['kind']} fabric image with a {self.grid}x{self.grid} grid, its "
                f"{v['detector']} detector map with values, and bars of the map's global max and "
                f"global average against a threshold of {v['threshold']:.2f}.")


@dataclass(frozen=True, eq=False)
class FabricModel:
    """What one state of the FabricPoolingExplorer shows, from :mod:`pooldemo.fabric` and
    :func:`pooldemo.pooling.global_pool` (no drawing).

    Attributes
    ----------
    kind, detector, threshold : the state
    image : ndarray or None
        The synthetic fabric (None for the thread example and your maps).
    left, right : ndarray or None
        The left map (thread example, your map) and the right (detector) map.
    names : (str, str) or None
        Names of the two maps when two are compared.
    pooled : tuple of (float, float)
        (global max, global average) of each map shown.
    vmax : float
        Top of the maps' colour scale.
    titles : (str, str)
    answers : (str, str)
        What a head says at or above the threshold, and below it.
    """

    kind: str
    detector: str
    threshold: float
    image: np.ndarray | None
    left: np.ndarray | None
    right: np.ndarray
    names: tuple | None
    pooled: tuple
    vmax: float
    titles: tuple
    answers: tuple


def _readout(m):
    """The readout HTML of a :class:`FabricModel`."""
    yes, no = m.answers
    parts = []
    for k, (mx, avg) in enumerate(m.pooled):
        who = f"<i>{m.names[k]}</i>: " if m.names else ""
        parts.append(
            f"{who}global max <b>{mx:.2f}</b> → max head says "
            f"<b>{yes if mx >= m.threshold else no}</b>; global average <b>{avg:.3f}</b> → "
            f"average head says "
            f"<b>{yes if avg >= m.threshold else no}</b> (threshold {m.threshold:.2f}).")
    if m.names and np.isclose(m.pooled[0][1], m.pooled[1][1]):
        parts.append(f"Both maps have global average {m.pooled[0][1]:.3f}: only global "
                     f"max tells them apart.")
    return "<br>".join(parts)


def _check_maps(maps):
    if maps is None:
        return {}
    if not isinstance(maps, dict):
        maps = {"map": maps}
    if not maps:
        raise ValueError("maps must not be empty")
    out, shape = {}, None
    for name, m in maps.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"maps keys must be non-empty strings, got {name!r}")
        arr = as_feature_map(m, f"maps[{name!r}]", ndims=(2,)).astype(float)
        if arr.shape[0] != arr.shape[1] or not 2 <= arr.shape[0] <= _MAX_GRID:
            raise ValueError(f"maps[{name!r}] must be square, 2x2 to {_MAX_GRID}x{_MAX_GRID}, got "
                             f"shape {arr.shape}")
        if shape is not None and arr.shape != shape:
            raise ValueError(f"all maps must have the same shape, got {shape} and {arr.shape} "
                             f"for maps[{name!r}]")
        if not np.isfinite(arr).all():
            raise ValueError(f"maps[{name!r}] must hold finite numbers, got NaN or inf")
        shape = arr.shape
        out[name] = arr
    return out
