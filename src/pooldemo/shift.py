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

from ._checks import as_feature_map

__all__ = ["shift_image", "relative_change", "shift_curve"]


def _check_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    return int(value)


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
    dx, dy = _check_int(dx, "dx"), _check_int(dy, "dy")
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
    shifts = [_check_int(s, "shifts") for s in np.atleast_1d(np.asarray(shifts, dtype=object))]
    if not shifts:
        raise ValueError("shifts must not be empty")
    ref = fn(x)
    return np.array([relative_change(ref, fn(shift_image(x, s, 0) if axis == "x"
                                             else shift_image(x, 0, s))) for s in shifts])
