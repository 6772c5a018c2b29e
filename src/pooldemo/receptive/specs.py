"""Layer specs: one layer as the receptive-field arithmetic sees it, with Keras's names.

``pooldemo.specs`` is this module. Each factory takes the arguments of the Keras layer it stands
for, so ``specs.Conv2D(kernel_size=3, strides=2, padding="same")`` describes
``tf.keras.layers.Conv2D(filters, kernel_size=3, strides=2, padding="same")`` (the number of
filters does not change a receptive field).

Used in: the receptive-field chapters, the ReceptiveFieldExplorer, ShapeExplorer and shapes tables.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._checks import as_pair, check_padding

__all__ = ["LayerSpec", "KINDS", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
           "AveragePooling2D", "ZeroPadding2D", "Cropping2D", "GlobalPooling2D",
           "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Flatten", "Pointwise",
           "MaxBlurPooling2D"]

#: what a layer does to a receptive field: ``crop`` removes the ``pad`` cells instead of adding them
KINDS = ("conv", "pool", "zeropad", "global", "flatten", "pointwise", "crop")


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """One layer as the receptive-field arithmetic sees it.

    ``kernel``, ``stride`` and ``dilation`` are (height, width) pairs; ``pad`` is
    ((top, bottom), (left, right)) for ``kind="zeropad"`` (cells added) and ``kind="crop"``
    (cells removed), and for a "conv" or "pool" with ``padding="valid"`` the cells the layer pads
    its input with before its windows (an explicit padding, as in Zhang's blur pool).

    Examples
    --------
    >>> LayerSpec("conv", 3, 2).stride
    (2, 2)
    """

    kind: str
    kernel: tuple = (1, 1)
    stride: tuple = (1, 1)
    padding: str = "valid"
    dilation: tuple = (1, 1)
    pad: tuple = ((0, 0), (0, 0))
    name: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        for field in ("kernel", "stride", "dilation"):
            object.__setattr__(self, field, as_pair(getattr(self, field), field))
        object.__setattr__(self, "padding", check_padding(self.padding))
        object.__setattr__(self, "pad", _pad_pairs(self.pad))
        if not self.name:
            object.__setattr__(self, "name", self.kind)


def Conv2D(kernel_size=3, strides=1, padding="valid", dilation_rate=1, name=""):  # noqa: N802
    """Spec of ``tf.keras.layers.Conv2D`` (any number of filters or groups).

    Examples
    --------
    >>> Conv2D(3, strides=2).stride, Conv2D(3, dilation_rate=2).dilation
    ((2, 2), (2, 2))
    """
    return LayerSpec("conv", as_pair(kernel_size, "kernel_size"), as_pair(strides, "strides"),
                     padding, as_pair(dilation_rate, "dilation_rate"), name=name or "conv")


def DepthwiseConv2D(kernel_size=3, strides=1, padding="valid", dilation_rate=1,  # noqa: N802
                    name=""):
    """Spec of ``DepthwiseConv2D``: the same window as :func:`Conv2D`, one channel at a time."""
    return Conv2D(kernel_size, strides, padding, dilation_rate, name=name or "depthwise_conv")


def SeparableConv2D(kernel_size=3, strides=1, padding="valid", dilation_rate=1,  # noqa: N802
                    name=""):
    """Spec of ``SeparableConv2D``: a depthwise window then a 1x1 convolution."""
    return Conv2D(kernel_size, strides, padding, dilation_rate, name=name or "separable_conv")


def MaxPooling2D(pool_size=2, strides=None, padding="valid", name=""):  # noqa: N802
    """Spec of ``MaxPooling2D`` (``strides=None`` means ``pool_size``, as in Keras).

    Examples
    --------
    >>> MaxPooling2D(3, strides=2, padding="same").kernel
    (3, 3)
    """
    pool_size = as_pair(pool_size, "pool_size")
    strides = pool_size if strides is None else as_pair(strides, "strides")
    return LayerSpec("pool", pool_size, strides, padding, name=name or "pool")


def AveragePooling2D(pool_size=2, strides=None, padding="valid", name=""):  # noqa: N802
    """Spec of ``AveragePooling2D``: the same window as :func:`MaxPooling2D`."""
    return MaxPooling2D(pool_size, strides, padding, name=name or "pool")


def MaxBlurPooling2D(strides=2, padding="reflect", name=""):  # noqa: N802
    """Spec of :class:`pooldemo.antialias.MaxBlurPooling2D`: a 2x2 max (stride 1), then a 3x3 blur.

    Together one 4x4 window moved by ``strides``; with ``padding="reflect"`` the max map is padded
    by one cell on each side first, which is one input cell too (the max has stride 1).

    Examples
    --------
    >>> spec = MaxBlurPooling2D()
    >>> spec.kernel, spec.stride, spec.pad
    ((4, 4), (2, 2), ((1, 1), (1, 1)))
    """
    if padding not in ("reflect", "valid"):
        raise ValueError(f"padding must be 'reflect' or 'valid', got {padding!r}")
    return LayerSpec("pool", 4, strides, "valid", pad=1 if padding == "reflect" else 0,
                     name=name or "blur_pool")


def ZeroPadding2D(padding=1, name=""):  # noqa: N802
    """Spec of ``ZeroPadding2D(padding)``: an int, a pair, or ((top, bottom), (left, right))."""
    return LayerSpec("zeropad", pad=padding, name=name or "zeropad")


def Cropping2D(cropping=1, name=""):  # noqa: N802
    """Spec of ``Cropping2D(cropping)``: an int, a pair, or ((top, bottom), (left, right)).

    Examples
    --------
    >>> Cropping2D(((1, 0), (2, 2))).pad
    ((1, 0), (2, 2))
    """
    return LayerSpec("crop", pad=cropping, name=name or "crop")


def GlobalPooling2D(name=""):  # noqa: N802
    """Spec of a global (max or average) pooling layer: its unit sees the whole input."""
    return LayerSpec("global", name=name or "global_pool")


def GlobalMaxPooling2D(name=""):  # noqa: N802
    """Spec of ``GlobalMaxPooling2D``."""
    return GlobalPooling2D(name=name)


def GlobalAveragePooling2D(name=""):  # noqa: N802
    """Spec of ``GlobalAveragePooling2D``."""
    return GlobalPooling2D(name=name)


def Flatten(name=""):  # noqa: N802
    """Spec of ``Flatten``: the unit after it sees the whole input, like global pooling."""
    return LayerSpec("flatten", name=name or "flatten")


def Pointwise(name=""):  # noqa: N802
    """Spec of a layer that works on each position alone (activation, normalisation, Dense...)."""
    return LayerSpec("pointwise", name=name or "pointwise")


def _pad_pairs(pad):
    def nonneg(v):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"pad must hold non-negative integers, got {pad!r}")
        return int(v)

    if isinstance(pad, (int, np.integer)) and not isinstance(pad, (bool, np.bool_)):
        p = nonneg(pad)
        return ((p, p), (p, p))
    if isinstance(pad, (tuple, list)) and len(pad) == 2:
        if all(isinstance(v, (tuple, list)) and len(v) == 2 for v in pad):
            return tuple((nonneg(a), nonneg(b)) for a, b in pad)
        if not any(isinstance(v, (tuple, list)) for v in pad):
            return tuple((nonneg(v), nonneg(v)) for v in pad)
    raise ValueError(f"pad must be an int, a pair, or ((top, bottom), (left, right)); got {pad!r}")
