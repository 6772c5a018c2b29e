"""Argument checks shared by every module: validate at the top, name the value in the error.

One rule for the error type: a value of the wrong *type* (a string where a number belongs, a float
where an integer belongs, a bool anywhere a number belongs) raises ``TypeError``; a value of the
right type that is out of range or not one of the choices raises ``ValueError``. Both messages name
the argument and quote the value.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_pair", "as_sizes", "as_feature_map", "as_image", "check_padding",
           "check_positive_int", "check_nonnegative_int", "check_int", "check_seed", "check_fold",
           "check_choice", "check_real"]


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _int_at_least(value, name, low, what):
    """``value`` as a Python int if it is an integer >= ``low``, else raise naming ``what``."""
    if not _is_int(value):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if low is not None and value < low:
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_int(value, name):
    """Return ``value`` as a Python int if it is an integer (of any sign), else raise."""
    return _int_at_least(value, name, None, "an integer")


def check_positive_int(value, name):
    """Return ``value`` as a Python int if it is a positive integer, else raise."""
    return _int_at_least(value, name, 1, "a positive integer")


def check_nonnegative_int(value, name):
    """Return ``value`` as a Python int if it is an integer >= 0, else raise."""
    return _int_at_least(value, name, 0, "a non-negative integer")


def check_seed(seed, name="seed"):
    """A random seed: a non-negative integer."""
    return check_nonnegative_int(seed, name)


def check_fold(fold, n_folds=5):
    """A cross-validation fold: an integer in ``[0, n_folds)``."""
    if not _is_int(fold):
        raise TypeError(f"fold must be an integer in [0, {n_folds}), got {fold!r} "
                        f"({type(fold).__name__})")
    if not 0 <= fold < n_folds:
        raise ValueError(f"fold must be an integer in [0, {n_folds}), got {fold!r}")
    return int(fold)


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``, else raise ValueError listing them."""
    try:
        ok = value in choices
    except TypeError:  # unhashable, compared against a set or dict
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_real(value, name, low=None, high=None):
    """Return ``value`` as a float if it is a finite real number in ``[low, high]``, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")
    return float(value)


def as_sizes(size, name="size"):
    """An int or a pair of ints, each >= 0, as a tuple of one or two Python ints."""
    values = size if isinstance(size, (tuple, list, np.ndarray)) else (size,)
    if len(values) not in (1, 2):
        raise ValueError(f"{name} must be an int or a pair of ints, got {size!r}")
    return tuple(check_nonnegative_int(v, name) for v in values)


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
