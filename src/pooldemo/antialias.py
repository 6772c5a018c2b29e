"""Anti-aliased ("blur") max pooling, after Zhang, "Making Convolutional Networks Shift-Invariant
Again" (ICML 2019): a dense 2x2 max (stride 1), then a 3x3 binomial blur taken with a stride.

Plain 2x2 stride-2 max pooling samples the max map every other cell, so a one-pixel shift of the
input can change which cells are kept: it aliases. Blurring the dense max map with the binomial
filter ``[1, 2, 1] / 4`` (in each direction) before subsampling removes the frequencies that alias.

- :func:`max_blur_pool2d`: the numpy computation (channels last, like :func:`pooldemo.pool2d`).
- ``MaxBlurPooling2D``: the same as a tf.keras layer (TensorFlow loads when this name is first
  used); a test checks that the two agree.

``padding="reflect"`` is Zhang's layer: the max map is padded by one cell on each side by
reflection, so a ``2k``-sized map gives ``k`` cells, as 2x2 max pooling does. ``padding="valid"``
blurs only where the whole 3x3 filter fits (two cells fewer before the stride).

Used in: the invariance chapter and "Pooling in modern networks"; the MNIST "blur_pool" runs.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_feature_map, check_choice, check_positive_int
from .pooling import pool2d

__all__ = ["BINOMIAL", "PADDINGS", "max_blur_pool2d", "MaxBlurPooling2D"]  # noqa: F822 (lazy)

#: the 1-D blur filter; the 2-D filter is its outer product (sums to 1)
BINOMIAL = np.array([1.0, 2.0, 1.0]) / 4.0
PADDINGS = ("reflect", "valid")


def max_blur_pool2d(x, strides=2, padding="reflect"):
    """Zhang's MaxBlurPool: 2x2 max (stride 1), 3x3 binomial blur, keep every ``strides``-th cell.

    Parameters
    ----------
    x : array, (H, W), (H, W, C) or (N, H, W, C)
        Feature maps, channels last.
    strides : int
        Subsampling step after the blur.
    padding : {"reflect", "valid"}
        "reflect" pads the max map by one cell on each side by reflection (Zhang's layer);
        "valid" blurs only where the whole filter fits.

    Returns
    -------
    ndarray of float64
        Same number of axes as ``x``.

    Examples
    --------
    >>> max_blur_pool2d(np.eye(6), padding="valid")
    array([[0.875 , 0.3125],
           [0.3125, 0.875 ]])
    >>> max_blur_pool2d(np.eye(4)).shape, max_blur_pool2d(np.eye(26)).shape
    ((2, 2), (13, 13))
    """
    strides = check_positive_int(strides, "strides")
    check_choice(padding, "padding", PADDINGS)
    arr = as_feature_map(x, "x")
    hw = (0, 1) if arr.ndim in (2, 3) else (1, 2)
    least = 4 if padding == "valid" else 3  # reflection needs a max map of 2
    if min(arr.shape[hw[0]], arr.shape[hw[1]]) < least:
        raise ValueError(f"x must be at least {least}x{least} to max-pool and blur with "
                         f"padding={padding!r}, got shape {arr.shape}")
    m = pool2d(arr.astype(float), pool_size=2, strides=1)
    if padding == "reflect":
        width = [(0, 0)] * m.ndim
        for axis in hw:
            width[axis] = (1, 1)
        m = np.pad(m, width, mode="reflect")
    for axis in hw:  # separable [1, 2, 1] / 4 blur over whole windows
        n = m.shape[axis] - 2
        m = sum(w * np.take(m, range(i, i + n), axis=axis) for i, w in enumerate(BINOMIAL))
    index = [slice(None)] * m.ndim
    for axis in hw:
        index[axis] = slice(None, None, strides)
    return m[tuple(index)]


def _keras_layer():
    import tensorflow as tf

    @tf.keras.utils.register_keras_serializable(package="pooldemo")
    class MaxBlurPooling2D(tf.keras.layers.Layer):
        """Zhang's anti-aliased max pooling as a Keras layer (see :mod:`pooldemo.antialias`)."""

        def __init__(self, strides=2, padding="reflect", **kwargs):
            super().__init__(**kwargs)
            self.strides = check_positive_int(strides, "strides")
            self.padding = check_choice(padding, "padding", PADDINGS)

        def call(self, x):
            m = tf.nn.max_pool2d(x, 2, 1, "VALID")
            if self.padding == "reflect":
                m = tf.pad(m, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
            channels = x.shape[-1]
            kernel = np.outer(BINOMIAL, BINOMIAL)[:, :, None, None]
            kernel = tf.constant(np.tile(kernel, (1, 1, channels, 1)), dtype=x.dtype)
            return tf.nn.depthwise_conv2d(m, kernel, [1, self.strides, self.strides, 1],
                                          "VALID")

        def compute_output_shape(self, input_shape):
            n, h, w, c = input_shape
            lost = 2 if self.padding == "reflect" else 4  # cells the max and blur leave out

            def size(v):
                return None if v is None else (v - lost) // self.strides + 1
            return (n, size(h), size(w), c)

        def get_config(self):
            return dict(super().get_config(), strides=self.strides, padding=self.padding)

    return MaxBlurPooling2D


def __getattr__(name):
    if name == "MaxBlurPooling2D":
        cls = _keras_layer()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
