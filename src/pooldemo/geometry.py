"""Window geometry of convolution and pooling layers: output length, padding split, window bounds.

One home for the arithmetic every other module needs (pooling, receptive fields, plots, edges and
the shape tables), the way Keras keeps one ``compute_pooling_output_shape``. Per axis, a window of
``k`` cells moved in steps of ``s`` over ``n`` cells gives

- ``padding="valid"``: ``floor((n - k) / s) + 1`` outputs (only whole windows; Dumoulin & Visin);
- ``padding="same"``: ``ceil(n / s)`` outputs, with ``max((out - 1) * s + k - n, 0)`` padded cells
  split as TensorFlow does: the odd one goes after (bottom or right).

For a dilated convolution pass the dilated extent ``d * (k - 1) + 1`` as ``k``.

Used in: pooling, receptive fields, plots, edges, shapes.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_pair, as_sizes, check_padding, check_positive_int

__all__ = ["output_length", "padding_split", "pool_output_size", "padding_amounts",
           "window_bounds"]


def output_length(n, k, s, padding, axis="", what="pool_size"):
    """Output cells along one axis of ``n`` cells (arguments already checked).

    A valid window larger than the input raises ValueError naming ``what`` (the argument that
    gave ``k``) and the ``axis``.
    """
    if padding == "same":
        return -(-n // s)
    if n < k:
        where = f"the input's {axis} size" if axis else "its input size"
        raise ValueError(f"{what} {k} is larger than {where} {n} with padding='valid'")
    return (n - k) // s + 1


def padding_split(n, k, s, padding):
    """Padded cells (before, after) along one axis (arguments already checked)."""
    if padding != "same":
        return 0, 0
    total = max((output_length(n, k, s, padding) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pool_output_size(size, pool_size, strides=None, padding="valid"):
    """Output size of a pooling (or convolution) layer along one axis (int) or two axes (pair).

    Parameters
    ----------
    size : int or pair of int
        Input size, ``i``.
    pool_size, strides : int or pair of int
        Window size ``k`` and step ``s`` (``strides=None`` means ``pool_size``, as in Keras).
    padding : {"valid", "same"}
        ``floor((i - k) / s) + 1`` for valid (Dumoulin & Visin), ``ceil(i / s)`` for same.

    Returns
    -------
    int or tuple of int
        Same form as ``size``.

    Examples
    --------
    >>> pool_output_size(28, 2)
    14
    >>> pool_output_size((7, 5), 2, strides=1, padding="same")
    (7, 5)
    """
    pair, sizes, k, s, padding = _args(size, pool_size, strides, padding, window_pairs=False)
    out = tuple(output_length(n, kk, ss, padding, axis)
                for n, kk, ss, axis in zip(sizes, k, s, "HW"))
    return out if pair else out[0]


def padding_amounts(size, pool_size, strides=None, padding="valid"):
    """Padded cells (before, after) per axis, TensorFlow's rule (the extra one goes after).

    Same forms as :func:`pool_output_size`: an int size gives one pair, a pair of sizes (or of
    window sizes) gives a pair of pairs.

    Examples
    --------
    >>> padding_amounts(5, 2, padding="same"), padding_amounts(6, 3, 1, "SAME")
    ((0, 1), (1, 1))
    >>> padding_amounts((5, 6), (2, 3), 1, "same")
    ((0, 1), (1, 1))
    """
    pair, sizes, k, s, padding = _args(size, pool_size, strides, padding, window_pairs=True)
    for n, kk, axis in zip(sizes, k, "HW"):
        output_length(n, kk, 1, padding, axis)  # a valid window larger than the input
    out = tuple(padding_split(n, kk, ss, padding) for n, kk, ss in zip(sizes, k, s))
    return out if pair else out[0]


def window_bounds(size, pool_size, strides=None, padding="valid"):
    """Input rows (or columns) covered by each window along one axis, padding excluded.

    Returns
    -------
    starts, stops : ndarray of int
        Window ``j`` covers input cells ``starts[j]:stops[j]``.

    Examples
    --------
    >>> starts, stops = window_bounds(5, 2, padding="same")
    >>> starts.tolist(), stops.tolist()
    ([0, 2, 4], [2, 4, 5])
    """
    if isinstance(size, (tuple, list, np.ndarray)):
        raise ValueError(f"size must be a single int for window_bounds, got {size!r}")
    (n,) = as_sizes(size)
    k = check_positive_int(pool_size, "pool_size")
    s = k if strides is None else check_positive_int(strides, "strides")
    return bounds(n, k, s, check_padding(padding))


def bounds(n, k, s, padding):
    """:func:`window_bounds` for checked arguments."""
    o = output_length(n, k, s, padding)
    before = padding_split(n, k, s, padding)[0] if o else 0
    # k, s and the padding may exceed int64 (window_bounds(5, 2, 10**30)): shrink them to values
    # that give the same clipped windows. A stride beyond the map only multiplies 0 (one window);
    # padding beyond the last start clips every start to 0; a window beyond the map ends at n.
    s = min(s, max(n, 1))
    cut = max(before - (o - 1) * s, 0)
    before, k = before - cut, k - cut
    k = min(k, n + before)
    starts = np.arange(o) * s - before
    return np.clip(starts, 0, n), np.clip(starts + k, 0, n)


def _args(size, pool_size, strides, padding, window_pairs):
    """Checked (pair?, sizes, k, s, padding); a pair of window sizes makes a pair if asked."""
    sizes = as_sizes(size)
    k = as_pair(pool_size, "pool_size")
    s = k if strides is None else as_pair(strides, "strides")
    pair = isinstance(size, (tuple, list, np.ndarray)) or (window_pairs and (
        isinstance(pool_size, (tuple, list, np.ndarray))
        or isinstance(strides, (tuple, list, np.ndarray))))
    if len(sizes) == 1:
        sizes = sizes * 2 if pair else sizes
    return pair, sizes, (k if pair else k[:1]), (s if pair else s[:1]), check_padding(padding)
