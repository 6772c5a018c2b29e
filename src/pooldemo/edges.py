"""Hand-made 3x3 edge filters, single-channel convolution and block down-sampling, in numpy.

A first convolution layer of a trained convnet learns filters that look much like these: each one
responds where the image brightness changes in one direction. Pooling such an *edge map* keeps
roughly where each edge is; pooling the raw image only blurs it (the edges-and-pooling chapter).

Filters are named after the direction of the edge line they find (Sobel weights):

- "vertical": brightness rises from left to right (an edge line running up and down);
- "horizontal": brightness rises from top to bottom;
- "diagonal": an edge line running from top-left to bottom-right, brighter above it;
- "anti-diagonal": an edge line running from bottom-left to top-right, brighter below it.

:func:`conv2d` is cross-correlation, as ``tf.keras.layers.Conv2D`` computes it (no kernel flip),
with Keras's ``padding`` rule for stride 1 (checked against TensorFlow in the tests).

Used in: the edges-and-pooling chapter, the EdgePoolingExplorer, the 14x14-input experiment.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_feature_map, check_padding, check_positive_int
from .geometry import output_length, padding_split
from .pooling import pool2d

__all__ = ["EDGE_FILTERS", "conv2d", "correlate", "edge_maps", "downsample", "pool_edges"]


def _frozen(rows):
    k = np.array(rows, dtype=np.float32)
    k.setflags(write=False)
    return k


EDGE_FILTERS = {
    "vertical": _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "horizontal": _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "diagonal": _frozen([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]),
    "anti-diagonal": _frozen([[-2, -1, 0], [-1, 0, 1], [0, 1, 2]]),
}


def conv2d(x, kernel, padding="valid"):
    """Cross-correlate single-channel maps with a kernel, like ``Conv2D`` (stride 1, no bias).

    Parameters
    ----------
    x : array_like, shape (H, W)
        Real values (:func:`correlate` takes a stack of maps).
    kernel : array_like, shape (kh, kw)
        The weights; a name of :data:`EDGE_FILTERS` is accepted too.
    padding : {"valid", "same"}
        "valid": only whole windows, output ``(H - kh + 1, W - kw + 1)``. "same": zero padding,
        output ``(H, W)``, split as TensorFlow splits it (:func:`pooldemo.geometry.padding_split`).

    Returns
    -------
    ndarray of float (float32 for float32 or integer input of up to 16 bits)

    Examples
    --------
    >>> x = np.array([[0, 0, 1, 1]] * 4)
    >>> conv2d(x, "vertical")
    array([[4., 4.],
           [4., 4.]])
    >>> conv2d(x, np.ones((2, 2)), padding="same")[0]
    array([0., 2., 4., 2.])
    """
    return correlate(as_feature_map(x, "x", ndims=(2,)), kernel, padding)


def correlate(maps, kernel, padding="valid"):
    """:func:`conv2d` of a stack of single-channel maps ``(..., H, W)`` (e.g. a batch of digits).

    Examples
    --------
    >>> correlate(np.array([[[0, 0, 1, 1]] * 3] * 2), "vertical").tolist()
    [[[4.0, 4.0]], [[4.0, 4.0]]]
    """
    x = as_feature_map(maps, "maps", ndims=(2, 3, 4))
    k = _kernel(kernel)
    padding = check_padding(padding)
    if x.size == 0:
        raise ValueError(f"x must not be empty, got shape {x.shape}")
    x = x.astype(np.result_type(x.dtype, np.float32))
    (kh, kw), (h, w) = k.shape, x.shape[-2:]
    oh = output_length(h, kh, 1, padding, "H", what="kernel")
    ow = output_length(w, kw, 1, padding, "W", what="kernel")
    pads = [(0, 0)] * (x.ndim - 2) + [padding_split(h, kh, 1, padding),
                                      padding_split(w, kw, 1, padding)]
    x = np.pad(x, pads)
    out = np.zeros(x.shape[:-2] + (oh, ow), x.dtype)
    for i in range(kh):  # one shifted, weighted copy of the maps per kernel cell
        for j in range(kw):
            if k[i, j]:
                out += x.dtype.type(k[i, j]) * x[..., i:i + oh, j:j + ow]
    return out


def edge_maps(image, filters=None, relu=True, padding="valid"):
    """Run a 2-D image through edge filters: {name: edge map}.

    Parameters
    ----------
    image : array_like, shape (H, W)
    filters : None, str, list of str or dict
        None: all :data:`EDGE_FILTERS`; names pick some of them; a dict maps names to kernels.
    relu : bool
        Keep only positive responses, as a ReLU after the convolution does.
    padding : {"valid", "same"}
        As in :func:`conv2d`.

    Examples
    --------
    >>> maps = edge_maps(np.array([[0, 0, 1, 1]] * 3), filters=["vertical", "horizontal"])
    >>> {name: m.tolist() for name, m in maps.items()}
    {'vertical': [[4.0, 4.0]], 'horizontal': [[0.0, 0.0]]}
    """
    if filters is None:
        filters = dict(EDGE_FILTERS)
    elif isinstance(filters, str):
        filters = {filters: _kernel(filters)}
    elif isinstance(filters, dict):
        filters = {name: _kernel(k) for name, k in filters.items()}
    elif isinstance(filters, (list, tuple)):
        filters = {name: _kernel(name) for name in filters}
    else:
        raise TypeError(f"filters must be None, a name, a list of names or a dict of kernels, "
                        f"got {type(filters).__name__}")
    if not filters:
        raise ValueError("filters must name at least one filter, got none")
    if not isinstance(relu, (bool, np.bool_)):
        raise TypeError(f"relu must be True or False, got {relu!r}")
    out = {}
    for name, k in filters.items():
        y = conv2d(image, k, padding)
        out[name] = np.maximum(y, 0) if relu else y
    return out


def downsample(image, factor=2):
    """Shrink an image by averaging ``factor x factor`` blocks (rows/columns left over are dropped).

    :func:`pooldemo.pool2d` with ``reduce="average"`` and window and stride ``factor``; used to make
    14x14 MNIST inputs.

    Parameters
    ----------
    image : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    factor : int
        Block size, at most the image height and width.

    Examples
    --------
    >>> downsample(np.arange(16).reshape(4, 4))
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = as_feature_map(image, "image")
    factor = check_positive_int(factor, "factor")
    hw_axis = 1 if x.ndim == 4 else 0
    h, w = x.shape[hw_axis], x.shape[hw_axis + 1]
    if factor > h or factor > w:
        raise ValueError(f"factor {factor} is larger than the image size {(h, w)}")
    return pool2d(x.astype(np.result_type(x.dtype, np.float32)), factor, reduce="average")


def _kernel(kernel):
    if isinstance(kernel, str):
        if kernel not in EDGE_FILTERS:
            raise ValueError(f"kernel must be one of {tuple(EDGE_FILTERS)} or an array, "
                             f"got {kernel!r}")
        return EDGE_FILTERS[kernel]
    k = as_feature_map(kernel, "kernel", ndims=(2,))
    if k.size == 0:
        raise ValueError(f"kernel must not be empty, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel must hold finite numbers, got NaN or inf")
    return k


def pool_edges(image, kernel="vertical", pool_size=2):
    """Pool an edge map and the raw image alike, and say where the edges went.

    The edge map is ``ReLU(conv2d(image, kernel, padding="same"))`` so it shares the image's
    coordinates; both it and the image are max-pooled with ``pool_size`` windows and strides
    (valid padding, as ``MaxPooling2D(pool_size)``). Pooled cell ``(i, j)`` covers input rows
    ``i k .. i k + k - 1`` and the same columns.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Finite real values.
    kernel : str or array_like
        A name of :data:`EDGE_FILTERS` or a 2-D kernel.
    pool_size : int
        At most the image height and width.

    Returns
    -------
    dict
        ``edges`` and ``pooled_edges``, ``pooled_image``; ``strongest``: value and input ``rows``
        / ``cols`` (inclusive) of the block holding the largest pooled edge response;
        ``centre`` and ``pooled_centre``: response-weighted mean (row, col) of the edge map and
        of the pooled map in input coordinates (None when there is no response); ``kept``: the
        fraction of cells the pooled map keeps; ``ink`` and ``pooled_ink``: the fraction of
        cells at least half as bright as the image's maximum, before and after pooling.

    Examples
    --------
    >>> x = np.zeros((8, 8)); x[:, 5:] = 1
    >>> s = pool_edges(x, "vertical", 4)
    >>> s["pooled_edges"].tolist(), s["strongest"]["cols"], s["kept"]
    ([[0.0, 4.0], [0.0, 4.0]], (4, 7), 0.0625)
    """

    x = as_feature_map(image, "image", ndims=(2,))
    if x.size == 0:
        raise ValueError(f"image must not be empty, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("image must hold finite numbers, got NaN or inf")
    k = check_positive_int(pool_size, "pool_size")
    if k > min(x.shape):
        raise ValueError(f"pool_size {k} is larger than the image {x.shape}")
    edges = np.maximum(conv2d(x, kernel, padding="same"), 0)
    pooled = pool2d(edges, k)
    pooled_image = pool2d(x.astype(float), k)
    i, j = np.unravel_index(np.argmax(pooled), pooled.shape)
    centres = [np.arange(n) * k + (k - 1) / 2 for n in pooled.shape]
    top = float(np.max(x))
    return {
        "edges": edges,
        "pooled_edges": pooled,
        "pooled_image": pooled_image,
        "strongest": {"value": float(pooled[i, j]), "rows": (int(i * k), int(i * k + k - 1)),
                      "cols": (int(j * k), int(j * k + k - 1))},
        "centre": _weighted_centre(edges, [np.arange(n) for n in edges.shape]),
        "pooled_centre": _weighted_centre(pooled, centres),
        "kept": pooled.size / edges.size,
        "ink": float(np.mean(x >= top / 2)) if top > 0 else 0.0,
        "pooled_ink": float(np.mean(pooled_image >= top / 2)) if top > 0 else 0.0,
    }


def _weighted_centre(w, coords):
    total = float(w.sum())
    if total <= 0:
        return None
    return (float((w.sum(axis=1) * coords[0]).sum() / total),
            float((w.sum(axis=0) * coords[1]).sum() / total))
