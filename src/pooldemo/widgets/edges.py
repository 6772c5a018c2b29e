"""EdgePoolingExplorer: pool an edge map and pool the raw image, and compare what survives.

Controls: ``filter`` (one of :data:`pooldemo.edges.EDGE_FILTERS`) and ``pool_size``. Top row: the
image and the image max-pooled; bottom row: its ReLU edge map and the edge map max-pooled, all in
input coordinates. The pooled edge map still says roughly where each edge is; the pooled image
only gets blurred and thicker. Used in: the edges-and-pooling chapter, the explorers gallery.
"""

from __future__ import annotations

from .. import edges
from .._checks import as_image, check_positive_int
from ._base import Explorer

__all__ = ["EdgePoolingExplorer"]

_POOL_SIZES = (1, 2, 3, 4, 7)
#: which MNIST test "7" is the default image
DEFAULT_INDEX = 4
_MAX_POOL = 7


class EdgePoolingExplorer(Explorer):
    """An edge filter then max pooling, next to max pooling the raw image.

    Parameters
    ----------
    image : array_like (H, W), optional
        Default: ``pooldemo.digit(7, index=4)``, an MNIST test "7" with a plain diagonal stroke
        (index 0 has a crossbar at the bottom). At least 3x3, finite values.
    filter : str
        A name of :data:`pooldemo.edges.EDGE_FILTERS`.
    pool_size : int
        1 to 7 and at most the image size (1 = no pooling).
    """

    static_dpi = 80

    def __init__(self, image=None, filter="vertical", pool_size=2):
        if image is None:
            from ..data import digit

            image = digit(7, index=DEFAULT_INDEX)
        self.x = as_image(image, "image", min_size=3)
        if filter not in edges.EDGE_FILTERS:
            raise ValueError(f"filter must be one of {tuple(edges.EDGE_FILTERS)}, got {filter!r}")
        self._pool_max = min(_MAX_POOL, *self.x.shape)
        k = check_positive_int(pool_size, "pool_size")
        if k > self._pool_max:
            raise ValueError(f"pool_size {k} must be at most {self._pool_max} for an image of "
                             f"shape {self.x.shape}")
        self._init = {"filter": filter, "pool_size": k}
        super().__init__()

    def _build(self):
        from .. import plot

        w = self._widgets
        self.add_control("filter", w.Dropdown(options=list(edges.EDGE_FILTERS),
                                              value=self._init["filter"], description="filter"))
        self.add_control("pool_size", w.IntSlider(self._init["pool_size"], min=1,
                                                  max=self._pool_max, description="pool size"))
        self.figure, axes = plot.new_axes(2, 2, size=2.3)
        self.artists = plot.edge_pooling_panels(self.x, axes)
        a = self.artists
        self.dynamic(a["pooled_image"], a["edges"], a["pooled_edges"], *a["titles"][1:],
                     *a["boxes"])

    def static_values(self, name):
        if name == "pool_size":
            return [k for k in _POOL_SIZES if k <= self._pool_max]
        return super().static_values(name)

    def model(self, **values):
        """The state's summary by :func:`pooldemo.edges.pool_edges` (a dict; no drawing)."""
        v = {**self.state(), **values}
        return edges.pool_edges(self.x, v["filter"], v["pool_size"])

    def _draw(self, filter, pool_size):
        from .. import plot

        s = self.model(filter=filter, pool_size=pool_size)
        plot.set_edge_pooling(self.artists, s, pool_size, filter)
        h, w = self.x.shape
        oh, ow = s["pooled_edges"].shape
        best = s["strongest"]
        (r0, r1), (c0, c1) = best["rows"], best["cols"]
        if best["value"] > 0:
            where = (f"Strongest pooled {filter}-edge response <b>{best['value']:.2f}</b> in the "
                     f"block rows {r0}–{r1}, cols {c0}–{c1} (outlined): centred "
                     f"{(c0 + c1) / 2 / (w - 1):.0%} of the way from the left and "
                     f"{(r0 + r1) / 2 / (h - 1):.0%} from the top.")
            ce, cp = s["centre"], s["pooled_centre"]
            where += (f" Centre of all {filter}-edge response: row {ce[0]:.1f}, col {ce[1]:.1f} "
                      f"before pooling, row {cp[0]:.1f}, col {cp[1]:.1f} after.")
        else:
            where = f"This image has no {filter} edge (the ReLU edge map is all zero)."
        keep = (f"Pooling {pool_size}×{pool_size} keeps {oh}×{ow} = {oh * ow} of {h * w} cells "
                f"({s['kept']:.1%}).")
        ink = (f" Raw image: {s['ink']:.0%} of cells are at least half as bright as the brightest"
               f" before pooling, {s['pooled_ink']:.0%} after: the shape only gets thicker and "
               f"blockier.")
        return f"{where}<br>{keep}{ink}"

    def alt_text(self):
        v = self.state()
        return (f"Four panels: an image and its {v['pool_size']}x{v['pool_size']} max-pooled "
                f"version on top, its {v['filter']} edge map and the pooled edge map below, "
                f"drawn at the same scale so edge positions can be compared.")
