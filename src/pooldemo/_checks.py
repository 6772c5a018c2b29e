"""Argument checks shared by the modules: validate at the top, name the value in the error."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_pair", "as_feature_map", "check_padding", "check_positive_int"]


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
