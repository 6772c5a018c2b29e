"""How stable are a convnet's features under small shifts and smooth deformations? (cached)

A small version of the measurement of Ruderman et al. (2018): take MNIST test digits, move them by
one or two pixels or bend them with a smooth random displacement field, and ask how much the
network's penultimate features (the ``Dense(64)`` layer of Chollet's convnet) change. The change is
*normalised* by how much the features differ between two unrelated digits, so that a network whose
features barely depend on the input at all does not look "stable":

    sensitivity = mean ||f(x) - f(T x)|| / mean ||f(x) - f(x')||

0 means the transformation T is invisible to the features, 1 means T moves the features as far as
swapping the digit for another one. It is measured for a network at initialisation and after a
brief training, with and without pooling (variants of :data:`pooldemo.experiments.mnist.VARIANTS`).
The book's evidence (:data:`EVIDENCE_PLAN`) is five runs per network: run ``k`` trains on
cross-validation fold ``k`` of the offline digits, measures on that fold's test digits and uses
seed ``k`` for the weights, the deformations and the pairing.

Used in: "Alternatives and critiques".
"""

from __future__ import annotations

import numpy as np

from .._checks import check_fold, check_positive_int, check_seed
from ..data import load_mnist
from ..shift import shift_image
from ._cache import cached_json
from ._determinism import deterministic
from .mnist import VARIANTS, build_variant

__all__ = ["smooth_deformation", "warp", "feature_sensitivity", "stability_experiment",
           "TRANSFORMS", "EVIDENCE_PLAN", "evidence_run"]

_VERSION = 2
TRANSFORMS = ("shift_1", "shift_2", "deform")


def smooth_deformation(shape, strength=1.0, grid=4, seed=0):
    """A smooth random displacement field (dy, dx), each of ``shape``, in pixels.

    Random normal displacements on a coarse ``grid`` x ``grid`` lattice, interpolated bilinearly
    to ``shape`` and scaled so that the largest displacement is ``strength`` pixels.

    Examples
    --------
    >>> dy, dx = smooth_deformation((28, 28), strength=1.5, seed=1)
    >>> dy.shape, round(float(max(abs(dy).max(), abs(dx).max())), 6)
    ((28, 28), 1.5)
    """
    if len(shape) != 2 or min(shape) < 2:
        raise ValueError(f"shape must be a pair of sizes >= 2, got {shape!r}")
    if not np.isfinite(strength) or strength < 0:
        raise ValueError(f"strength must be a finite number >= 0, got {strength!r}")
    grid = check_positive_int(grid, "grid")
    if grid < 2:
        raise ValueError(f"grid must be at least 2, got {grid!r}")
    rng = np.random.default_rng(seed)
    coarse = rng.normal(size=(2, grid, grid))
    rows = np.linspace(0, grid - 1, shape[0])
    cols = np.linspace(0, grid - 1, shape[1])
    fields = [_bilinear(c, *np.meshgrid(rows, cols, indexing="ij")) for c in coarse]
    peak = max(np.abs(f).max() for f in fields)
    scale = strength / peak if peak > 0 else 0.0
    return fields[0] * scale, fields[1] * scale


def warp(image, dy, dx):
    """Sample ``image`` (H, W) at (row + dy, col + dx) with bilinear interpolation, zero outside.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> warp(x, np.zeros((3, 3)), np.full((3, 3), 1.0))
    array([[1., 2., 0.],
           [4., 5., 0.],
           [7., 8., 0.]])
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {image.shape}")
    if np.shape(dy) != image.shape or np.shape(dx) != image.shape:
        raise ValueError(f"dy and dx must have the image's shape {image.shape}, got "
                         f"{np.shape(dy)} and {np.shape(dx)}")
    r, c = np.meshgrid(np.arange(image.shape[0]), np.arange(image.shape[1]), indexing="ij")
    padded = np.pad(image, 1)
    return _bilinear(padded, r + np.asarray(dy) + 1, c + np.asarray(dx) + 1, outside=0.0)


def feature_sensitivity(features, transformed, seed=0):
    """Mean feature change under a transformation divided by the mean change between digits.

    Parameters
    ----------
    features, transformed : array (N, D)
        Features of N images and of the same images transformed.
    seed : int
        Seeds the random pairing of different images for the denominator.

    Examples
    --------
    >>> f = np.eye(4)
    >>> float(feature_sensitivity(f, f))
    0.0
    """
    f = np.asarray(features, dtype=float).reshape(len(features), -1)
    t = np.asarray(transformed, dtype=float).reshape(len(transformed), -1)
    if f.shape != t.shape or len(f) < 2:
        raise ValueError(f"features and transformed must have the same shape (N >= 2, D), got "
                         f"{f.shape} and {t.shape}")
    perm = np.random.default_rng(seed).permutation(len(f))
    # no image paired with itself
    perm = np.where(perm == np.arange(len(f)), np.roll(perm, 1), perm)
    between = np.linalg.norm(f - f[perm], axis=1).mean()
    if between == 0:
        return float("inf") if np.any(f != t) else 0.0
    return float(np.linalg.norm(f - t, axis=1).mean() / between)


#: the book's evidence: four networks, five runs each (fold k, seed k)
EVIDENCE_PLAN = {name: {"params": {"variant": name, "epochs": 1, "n_images": 300,
                                   "strength": 1.5},
                        "seeds": (0, 1, 2, 3, 4), "cost": 20 if name == "no_pool" else 8}
                 for name in ("no_pool", "max_pool", "strided_conv", "all_conv")}


def evidence_run(params, seed):
    """One evidence run: ``{"pixels", "init", "trained", "test_accuracy"}`` for one network."""
    settings = dict(params, seed=seed, fold=seed, n_train=None)
    return _run_variant(params["variant"], settings)


def stability_experiment(variants=("no_pool", "max_pool", "strided_conv"), epochs=1, seed=0,
                         n_images=300, strength=1.5, n_train=None, fold=0, cache=True):
    """Feature sensitivity to 1- and 2-pixel shifts and smooth deformations, before and after
    training.

    Parameters
    ----------
    variants : sequence of str
        Keys of :data:`pooldemo.experiments.mnist.VARIANTS` (28x28-input variants).
    epochs : int
        Length of the brief training (rmsprop, batch 64, on the offline training digits).
    seed : int
        Seeds the weights, the training, the deformations and the pairing.
    n_images : int
        Test digits used for the measurement.
    strength : float
        Largest displacement of the smooth deformation, in pixels.
    n_train : int, optional
        Use only the first n training digits (quick tests).
    fold : int
        Cross-validation fold of the offline digits (0-4).
    cache : bool
        Read and write the JSON cache.

    Returns
    -------
    dict
        ``{"settings": ..., "pixels": {transform: s}, "results": {variant: {"init": {transform: s},
        "trained": {transform: s}, "test_accuracy": a}}}`` with s the sensitivity of
        :func:`feature_sensitivity` (for "pixels", of the raw images).
    """
    variants = tuple(variants)
    for v in variants:
        if v not in VARIANTS or VARIANTS[v].get("input_size", 28) != 28:
            raise ValueError(f"variants must be 28x28-input keys of VARIANTS, got {v!r}")
    epochs = check_positive_int(epochs, "epochs")
    n_images = check_positive_int(n_images, "n_images")
    if n_images < 2:
        raise ValueError(f"n_images must be at least 2, got {n_images}")
    if n_train is not None:
        check_positive_int(n_train, "n_train")
    fold = check_fold(fold)
    seed = check_seed(seed)
    settings = dict(variants=list(variants), epochs=epochs, seed=int(seed), n_images=n_images,
                    strength=float(strength), n_train=n_train, fold=int(fold), version=_VERSION)
    return cached_json("stability", settings, lambda: _run(settings), cache=cache, indent=1)


# --- internals ---------------------------------------------------------------------------------

def _bilinear(a, r, c, outside=None):
    """Bilinear interpolation of 2-D ``a`` at float coordinates (r, c), clamped or ``outside``."""
    h, w = a.shape
    inside = (r >= 0) & (r <= h - 1) & (c >= 0) & (c <= w - 1)
    r = np.clip(r, 0, h - 1)
    c = np.clip(c, 0, w - 1)
    r0 = np.minimum(np.floor(r).astype(int), h - 2)
    c0 = np.minimum(np.floor(c).astype(int), w - 2)
    fr, fc = r - r0, c - c0
    out = (a[r0, c0] * (1 - fr) * (1 - fc) + a[r0 + 1, c0] * fr * (1 - fc)
           + a[r0, c0 + 1] * (1 - fr) * fc + a[r0 + 1, c0 + 1] * fr * fc)
    if outside is not None:
        out = np.where(inside, out, outside)
    return out


def _transformed_sets(images, strength, seed):
    deformed = np.stack([warp(x, *smooth_deformation(x.shape, strength, seed=seed * 100003 + i))
                         for i, x in enumerate(images)])
    return {"shift_1": shift_image(images[..., None], 1, 0)[..., 0],
            "shift_2": shift_image(images[..., None], 2, 0)[..., 0],
            "deform": deformed.astype(images.dtype)}


def _sensitivities(fn, images, sets, seed):
    base = fn(images)
    return {name: feature_sensitivity(base, fn(t), seed=seed) for name, t in sets.items()}


def _run(settings):
    out = {"settings": settings, "results": {}}
    for name in settings["variants"]:
        run = _run_variant(name, settings)
        out["pixels"] = run.pop("pixels")
        out["results"][name] = run
    return out


def _run_variant(name, settings):
    """Sensitivities of one network at initialisation and after training, and its accuracy."""
    import tensorflow as tf

    data = load_mnist(fold=settings["fold"])
    x_train, y_train = data.x_train[:settings["n_train"]], data.y_train[:settings["n_train"]]
    images = data.x_test[:settings["n_images"]]
    seed = settings["seed"]
    sets = _transformed_sets(images, settings["strength"], seed)
    deterministic(seed)
    model = build_variant(name)
    penultimate = tf.keras.Model(model.inputs, model.layers[-2].output)

    def features(x):
        return penultimate.predict(x[..., None], batch_size=500, verbose=0)

    init = _sensitivities(features, images, sets, seed)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train[..., None], y_train, epochs=settings["epochs"], batch_size=64, verbose=0)
    trained = _sensitivities(features, images, sets, seed)
    probs = model.predict(data.x_test[..., None], batch_size=500, verbose=0)
    return {"pixels": _sensitivities(lambda x: x.reshape(len(x), -1), images, sets, seed),
            "init": init, "trained": trained,
            "test_accuracy": float(np.mean(probs.argmax(1) == data.y_test))}
