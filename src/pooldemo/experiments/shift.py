"""How much do a conv layer's outputs change when a real digit moves by 0-8 pixels? (cached)

One seeded, randomly initialised ``Conv2D(16, 3, activation="relu")`` layer looks at MNIST test
digits moved right by ``s`` pixels. For each read-out we measure the relative change
``||f(x) - f(shift(x, s))|| / ||f(x)||`` (:func:`pooldemo.shift.relative_change`), averaged over
the digits:

- ``"conv"``: the 26x26x16 feature maps themselves (no pooling);
- ``"max_pool"``: 2x2 max pooling, stride 2, after the conv layer;
- ``"blur_pool"``: Zhang's (2019) anti-aliased version: 2x2 max with stride 1, then a 3x3
  binomial blur, then keep every second cell;
- ``"strided_conv"``: the same kernels applied with stride 2 (the conv maps subsampled 2:1);
- ``"global_max"`` and ``"global_average"``: one number per channel for the whole map.

Invariance asks ``f(shift(x)) == f(x)``. The stride-2 read-outs are also tested for
*equivariance* -- does shifting the input by ``s`` shift the output by ``s / 2``? -- which is only
possible for even ``s``; for odd ``s`` the error is measured against the better of the two
neighbouring whole-cell shifts (:func:`equivariance_error`).

A random layer is used on purpose: nothing has been learnt, so whatever stability appears comes
from the architecture (pooling, stride, blur), not from training.

Used in: "Local jitter or global invariance?".
"""

from __future__ import annotations

import numpy as np

from .._checks import check_fold, check_positive_int, check_seed
from ..antialias import max_blur_pool2d
from ..data import load_mnist
from ..pooling import global_pool, pool2d
from ._cache import cached_json
from ._determinism import deterministic

__all__ = ["READOUTS", "STRIDED", "EVIDENCE_PLAN", "evidence_run", "readouts",
           "equivariance_error", "shift_experiment"]

_VERSION = 2
#: the book's evidence: five random layers (seed k) on 100 test digits of fold k each
EVIDENCE_PLAN = {"default": {"params": {"n_digits": 100, "max_shift": 8, "filters": 16},
                             "seeds": (0, 1, 2, 3, 4), "cost": 3}}
READOUTS = ("conv", "max_pool", "blur_pool", "strided_conv", "global_max", "global_average")
STRIDED = ("max_pool", "blur_pool", "strided_conv")


def readouts(features, conv_stride2):
    """All read-outs of :data:`READOUTS` for conv features ``(N, H, W, C)``.

    ``conv_stride2`` is the same layer applied with stride 2 (given, because it needs TensorFlow).
    Returns a dict name -> array with the batch axis first.
    """
    features = np.asarray(features, dtype=float)
    return {
        "conv": features,
        "max_pool": pool2d(features, pool_size=2),
        "blur_pool": max_blur_pool2d(features, padding="valid"),
        "strided_conv": np.asarray(conv_stride2, dtype=float),
        "global_max": global_pool(features, "max"),
        "global_average": global_pool(features, "average"),
    }


def equivariance_error(reference, shifted, s):
    """Relative error of ``shifted`` against ``reference`` moved right by ``s / 2`` cells.

    For odd ``s`` there is no whole-cell shift, so the smaller error of ``floor(s/2)`` and
    ``ceil(s/2)`` is reported. Arrays are ``(H, W, C)``; the comparison ignores the first
    ``ceil(s/2)`` columns (they enter from outside the map).

    Examples
    --------
    >>> a = np.zeros((1, 6, 1)); a[0, 1] = 1.0
    >>> b = np.zeros((1, 6, 1)); b[0, 2] = 1.0
    >>> float(equivariance_error(a, b, 2))
    0.0
    """
    reference, shifted = np.asarray(reference, float), np.asarray(shifted, float)
    if reference.shape != shifted.shape or reference.ndim != 3:
        raise ValueError(f"reference and shifted must be equal (H, W, C) arrays, got "
                         f"{reference.shape} and {shifted.shape}")
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
        raise ValueError(f"s must be a non-negative integer, got {s!r}")
    skip = -(-s // 2)
    width = reference.shape[1]
    if skip >= width:
        raise ValueError(f"s={s} moves everything out of a map {width} cells wide")
    errors = []
    for cells in sorted({s // 2, skip}):
        moved = reference[:, skip - cells:width - cells]
        target = shifted[:, skip:]
        norm = np.linalg.norm(moved)
        errors.append(np.linalg.norm(moved - target) / norm if norm > 0 else 0.0)
    return min(errors)


def evidence_run(params, seed):
    """One evidence run: a layer seeded ``seed`` on the test digits of fold ``seed``."""
    result = _run(dict(params, seed=seed, fold=seed))
    del result["settings"]
    return result


def shift_experiment(n_digits=100, max_shift=8, filters=16, seed=0, fold=0, cache=True):
    """Relative change of every read-out for shifts 0..``max_shift`` (cached JSON).

    Parameters
    ----------
    n_digits : int
        First test digits of the offline MNIST split to average over.
    max_shift : int
        Largest shift to the right, in pixels.
    filters : int
        Channels of the random conv layer.
    seed : int
        Seeds the layer's initial weights.
    fold : int
        Cross-validation fold of the offline digits whose test digits are used (0-4).
    cache : bool
        Read and write the JSON cache.

    Returns
    -------
    dict
        ``shifts`` (list), ``invariance`` {readout: mean relative change per shift},
        ``invariance_std`` (same shape, spread over digits), ``equivariance`` {strided readout:
        mean equivariance error per shift} and ``settings``.
    """
    n_digits = check_positive_int(n_digits, "n_digits")
    max_shift = check_positive_int(max_shift, "max_shift")
    filters = check_positive_int(filters, "filters")
    if max_shift > 12:
        raise ValueError(f"max_shift must be at most 12 pixels for 28x28 digits, got {max_shift}")
    seed, fold = check_seed(seed), check_fold(fold)
    settings = dict(n_digits=n_digits, max_shift=max_shift, filters=filters, seed=int(seed),
                    fold=int(fold), version=_VERSION)
    return cached_json("shift", settings, lambda: _run(settings), cache=cache, indent=1)


def _run(settings):
    import tensorflow as tf

    from ..shift import relative_change, shift_image

    data = load_mnist("offline", fold=settings["fold"])
    x = data.x_test[:settings["n_digits"]].astype("float32")[..., None]
    if x.max() > 1.0:
        x = x / 255.0
    deterministic(settings["seed"])
    conv = tf.keras.layers.Conv2D(settings["filters"], 3, activation="relu")
    conv.build((None, 28, 28, 1))
    kernel, bias = (w.numpy() for w in conv.weights)

    def apply(images):
        images = tf.constant(images)
        full = tf.nn.relu(tf.nn.conv2d(images, kernel, 1, "VALID") + bias).numpy()
        strided = tf.nn.relu(tf.nn.conv2d(images, kernel, 2, "VALID") + bias).numpy()
        return readouts(full, strided)

    base = apply(x)
    shifts = list(range(settings["max_shift"] + 1))
    inv = {name: [] for name in READOUTS}
    inv_std = {name: [] for name in READOUTS}
    equi = {name: [] for name in STRIDED}
    for s in shifts:
        moved = apply(shift_image(x, s, 0))
        for name in READOUTS:
            change = [relative_change(a, b) for a, b in zip(base[name], moved[name])]
            inv[name].append(float(np.mean(change)))
            inv_std[name].append(float(np.std(change)))
        for name in STRIDED:
            errors = [equivariance_error(a, b, s) for a, b in zip(base[name], moved[name])]
            equi[name].append(float(np.mean(errors)))
    return dict(shifts=shifts, invariance=inv, invariance_std=inv_std, equivariance=equi,
                settings=settings)
