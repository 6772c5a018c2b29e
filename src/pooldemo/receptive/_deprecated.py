"""The spec factories' old names, kept for one release (each call warns with the replacement)."""

from __future__ import annotations

import warnings

from .._checks import as_pair
from . import specs

__all__ = ["conv", "pool", "zero_pad", "global_pool_layer", "flatten", "DEPRECATED"]

#: old name -> its replacement
DEPRECATED = {"conv": "pooldemo.specs.Conv2D(kernel_size, strides, padding, dilation_rate)",
              "pool": "pooldemo.specs.MaxPooling2D(pool_size, strides, padding)",
              "zero_pad": "pooldemo.specs.ZeroPadding2D(padding)",
              "global_pool_layer": "pooldemo.specs.GlobalPooling2D()",
              "flatten": "pooldemo.specs.Flatten()"}


def _warn(old):
    warnings.warn(f"pooldemo.{old} is deprecated and will be removed in the next release; use "
                  f"{DEPRECATED[old]}", DeprecationWarning, stacklevel=3)


def conv(kernel=3, stride=1, padding="valid", dilation=1, name=""):
    """Deprecated: use :func:`pooldemo.specs.Conv2D`."""
    _warn("conv")
    return specs.Conv2D(as_pair(kernel, "kernel"), as_pair(stride, "stride"), padding,
                        as_pair(dilation, "dilation"), name=name)


def pool(pool_size=2, strides=None, padding="valid", name=""):
    """Deprecated: use :func:`pooldemo.specs.MaxPooling2D`."""
    _warn("pool")
    return specs.MaxPooling2D(pool_size, strides, padding, name=name)


def zero_pad(pad=1, name=""):
    """Deprecated: use :func:`pooldemo.specs.ZeroPadding2D`."""
    _warn("zero_pad")
    return specs.ZeroPadding2D(pad, name=name)


def global_pool_layer(name=""):
    """Deprecated: use :func:`pooldemo.specs.GlobalPooling2D`."""
    _warn("global_pool_layer")
    return specs.GlobalPooling2D(name=name)


def flatten(name=""):
    """Deprecated: use :func:`pooldemo.specs.Flatten`."""
    _warn("flatten")
    return specs.Flatten(name=name)
