"""Integer image shifts and how much a feature changes under them (local vs global invariance).

Shift an input by a few pixels and compare a representation before and after with
:func:`relative_change` ``||a - b|| / ||a||``: a conv feature map moves with the input (large
change), a 2x2 max-pooled map changes less for small shifts, and a global pool is unchanged as long
as nothing falls off the edge. :func:`shift_curve` gives that change for a range of shifts.

Used in: the invariance chapter and the ShiftExplorer.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import as_feature_map, as_image, check_int

__all__ = ["shift_image", "relative_change", "shift_curve", "shift_features", "invariance_curves",
           "FEATURES"]

#: the representations compared by :func:`invariance_curves`, from local to global
FEATURES = ("conv", "max_pool", "global_max", "global_average")


def shift_image(x, dx, dy, fill=0.0):
    """Shift an image by whole pixels, without wrap-around.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    dx, dy : int
        Pixels to the right (dx > 0) and down (dy > 0); negative values go left / up.
    fill : float
        Value of the pixels uncovered by the shift.

    Returns
    -------
    ndarray, same shape as ``x``; the dtype of ``x`` combined with that of ``fill``.

    Examples
    --------
    >>> shift_image(np.arange(1, 10).reshape(3, 3), 1, 0, fill=0)
    array([[0, 1, 2],
           [0, 4, 5],
           [0, 7, 8]])
    """
    arr = as_feature_map(x, "x")
    dx, dy = check_int(dx, "dx"), check_int(dy, "dy")
    if isinstance(fill, (bool, np.bool_)) or not isinstance(fill, numbers.Real):
        raise TypeError(f"fill must be a real number, got {fill!r}")
    row_axis = 1 if arr.ndim == 4 else 0
    h, w = arr.shape[row_axis], arr.shape[row_axis + 1]
    out = np.full(arr.shape, fill, dtype=np.result_type(arr, fill))
    if abs(dy) >= h or abs(dx) >= w:
        return out
    lead = (slice(None),) * row_axis
    src = lead + (slice(max(-dy, 0), h - max(dy, 0)), slice(max(-dx, 0), w - max(dx, 0)))
    dst = lead + (slice(max(dy, 0), h - max(-dy, 0)), slice(max(dx, 0), w - max(-dx, 0)))
    out[dst] = arr[src]
    return out


def relative_change(a, b):
    """``||a - b|| / ||a||`` (Frobenius norms): 0 means unchanged.

    Raises ValueError if the shapes differ or ``a`` is all zeros (the change is undefined).

    Examples
    --------
    >>> relative_change([3.0, 4.0], [3.0, 4.0]), relative_change([3.0, 4.0], [0.0, 0.0])
    (0.0, 1.0)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    norm = np.linalg.norm(a.ravel())
    if not np.isfinite(norm):
        raise ValueError("a must be finite (no NaN or infinity)")
    if norm == 0:
        raise ValueError("a is all zeros: the relative change is undefined")
    return float(np.linalg.norm((a - b).ravel()) / norm)


def shift_curve(fn, x, shifts, axis="x"):
    """Relative change of ``fn(x)`` when ``x`` is shifted by each of ``shifts`` along ``axis``.

    Parameters
    ----------
    fn : callable
        Maps an image to a representation (a feature map, a pooled map, a number).
    x : array_like
        The image, as accepted by :func:`shift_image`.
    shifts : sequence of int
    axis : {"x", "y"}
        "x" shifts right (negative: left), "y" shifts down (negative: up).

    Returns
    -------
    ndarray of float, one value per shift.

    Examples
    --------
    >>> x = np.zeros((6, 6)); x[2, 2] = 1.0
    >>> shift_curve(lambda im: im.sum(), x, [-1, 0, 1]).tolist()
    [0.0, 0.0, 0.0]
    >>> shift_curve(lambda im: im, x, [0, 1]).tolist()
    [0.0, 1.4142135623730951]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    x = as_feature_map(x, "x")
    shifts = [check_int(s, "shifts") for s in np.atleast_1d(np.asarray(shifts, dtype=object))]
    if not shifts:
        raise ValueError("shifts must not be empty")
    ref = fn(x)
    return np.array([relative_change(ref, fn(shift_image(x, s, 0) if axis == "x"
                                             else shift_image(x, 0, s))) for s in shifts])


def _features(x, kernel, pool_size):
    from .edges import conv2d
    from .pooling import global_pool, pool2d

    conv = np.maximum(conv2d(x, kernel), 0)
    return {"conv": conv, "max_pool": pool2d(conv, pool_size, reduce="max"),
            "global_max": np.asarray(global_pool(conv, "max")),
            "global_average": np.asarray(global_pool(conv, "average"))}


def shift_features(x, dx=0, dy=0, kernel="vertical", pool_size=2):
    """An image shifted by (dx, dy) and what conv, max pooling and global pooling make of it.

    The conv layer is one 3x3 filter (a name of ``pooldemo.edges.EDGE_FILTERS`` or a kernel),
    valid padding, then ReLU.

    Returns
    -------
    dict
        ``shifted`` (the input after :func:`shift_image`), ``conv`` (its ReLU feature map),
        ``max_pool`` (that map max-pooled ``pool_size x pool_size``), ``global_max`` and
        ``global_average`` (0-d arrays: the feature map pooled to one number).

    Examples
    --------
    >>> x = np.zeros((8, 8)); x[2:6, 4:] = 1.0
    >>> f, g = shift_features(x), shift_features(x, dx=-1)
    >>> f["conv"].shape, f["max_pool"].shape, float(f["global_max"]) == float(g["global_max"])
    ((6, 6), (3, 3), True)
    """
    x = as_image(x, "x", min_size=4)
    shifted = shift_image(x, dx, dy)
    return {"shifted": shifted, **_features(shifted, kernel, pool_size)}


def invariance_curves(x, shifts, dy=0, kernel="vertical", pool_size=2):
    """Relative change of each representation when ``x`` is shifted by (s, dy), s in ``shifts``.

    Compared with the unshifted image: 0 means the representation did not move at all.

    Returns
    -------
    dict
        One array per name of :data:`FEATURES` ("conv", "max_pool", "global_max",
        "global_average"), one value per shift.

    Examples
    --------
    >>> x = np.zeros((12, 12)); x[3:9, 5:] = 1.0
    >>> c = invariance_curves(x, [-1, 0, 1])
    >>> float(c["conv"][1]), bool(c["conv"][2] > 0.5), c["global_max"].tolist()
    (0.0, True, [0.0, 0.0, 0.0])
    """
    x = as_image(x, "x", min_size=4)
    shifts = [check_int(s, "shifts") for s in np.atleast_1d(np.asarray(shifts, dtype=object))]
    if not shifts:
        raise ValueError("shifts must not be empty")
    ref = _features(x, kernel, pool_size)
    if not ref["conv"].any():
        raise ValueError("the feature map of x is all zero (no edge for this filter): the "
                         "relative change is undefined")
    out = {name: [] for name in FEATURES}
    for s in shifts:
        moved = _features(shift_image(x, s, dy), kernel, pool_size)
        for name in FEATURES:
            out[name].append(relative_change(ref[name], moved[name]))
    return {name: np.array(v) for name, v in out.items()}
