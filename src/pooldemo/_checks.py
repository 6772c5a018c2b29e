"""Argument checks shared by the modules: validate at the top, name the value in the error."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_pair", "as_feature_map", "as_image", "check_padding", "check_positive_int"]


def check_positive_int(value, name):
    """Return ``value`` as a Python int if it is a positive integer, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_pair(value, name):
    """Return ``value`` (an int or a pair of ints) as a pair of positive ints."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(check_positive_int(v, name) for v in value)
    return (check_positive_int(value, name),) * 2


def check_padding(padding):
    """Return ``padding`` lower-cased if it is 'valid' or 'same', else raise."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def as_feature_map(x, name="x", ndims=(2, 3, 4)):
    """Return ``x`` as a numeric numpy array whose rank is one of ``ndims``."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like, got {type(x).__name__}: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ) or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers or booleans, got dtype {arr.dtype}")
    if arr.ndim not in ndims:
        shapes = {2: "(H, W)", 3: "(H, W, C)", 4: "(N, H, W, C)"}
        allowed = " or ".join(shapes[n] for n in ndims)
        raise ValueError(f"{name} must be shaped {allowed}, got shape {arr.shape}")
    return arr


def as_image(x, name="image", min_size=1):
    """Return a single-channel image, (H, W) or (H, W, 1), as a float (H, W) array, else raise.

    It must be at least ``min_size`` pixels on each side and hold finite numbers.
    """
    arr = as_feature_map(x, name, ndims=(2, 3))
    if arr.ndim == 3:
        if arr.shape[-1] != 1:
            raise ValueError(f"{name} must be (H, W) or (H, W, 1), got shape {arr.shape}")
        arr = arr[..., 0]
    if min(arr.shape) < min_size:
        raise ValueError(f"{name} must be at least {min_size}x{min_size}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf")
    return arr.astype(float)
