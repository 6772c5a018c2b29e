"""How much class information survives max pooling of edge maps, and of the raw image? (cached)

A deliberately simple probe, no training: MNIST digits go through the four hand-made edge filters
of :data:`pooldemo.edges.EDGE_FILTERS` (ReLU, ``padding="same"``), the four edge maps are max-pooled
with a ``k x k`` window and stride ``k``, and a **nearest class mean** classifier (one average
feature vector per digit class, from the training digits) labels the test digits. The same is done
with the raw image max-pooled alike, and both again with average pooling. The accuracy says how
much of what tells digits apart is still in the pooled representation, for ``k`` from 1 (no
pooling) to 14 (a 2x2 map). The book's evidence (:data:`EVIDENCE_PLAN`) repeats the probe on the
five cross-validation folds of the offline digits.

Used in: "Edges, then pooling".
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_fold, check_positive_int
from ..data import load_mnist
from ..edges import EDGE_FILTERS, correlate
from ..pooling import pool2d
from ._cache import cached_json

__all__ = ["batch_edge_maps", "pooled_features", "nearest_mean_accuracy", "pooling_probe",
           "EVIDENCE_PLAN", "evidence_run"]

_VERSION = 2
#: the book's evidence: the probe on each of the five folds (no randomness besides the fold)
EVIDENCE_PLAN = {"default": {"params": {"pool_sizes": [1, 2, 4, 7, 14]},
                             "seeds": (0, 1, 2, 3, 4), "cost": 5}}
_KINDS = {"edges": (True, "max"), "image": (False, "max"), "edges_average": (True, "average"),
          "image_average": (False, "average")}


def batch_edge_maps(images, filters=None):
    """ReLU edge maps of a batch ``(N, H, W)``, ``padding="same"``: array ``(N, H, W, F)``.

    Equal to :func:`pooldemo.edges.edge_maps` image by image, vectorised over the batch.

    Examples
    --------
    >>> x = np.zeros((1, 4, 4)); x[0, :, 2:] = 1
    >>> batch_edge_maps(x, ["vertical"])[0, 1, :, 0].tolist()
    [0.0, 4.0, 4.0, 0.0]
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or min(images.shape) == 0:
        raise ValueError(f"images must be a non-empty (N, H, W) array, got shape {images.shape}")
    names = list(EDGE_FILTERS) if filters is None else list(filters)
    for name in names:
        check_choice(name, "filters", EDGE_FILTERS)
    return np.maximum(np.stack([correlate(images, name, "same") for name in names], axis=-1), 0)


def pooled_features(images, pool_size, edges=True, reduce="max"):
    """Flattened features: pooled edge maps (``edges=True``) or the pooled image.

    ``reduce`` is the pooling ("max" or "average"), window and stride ``pool_size``.
    """
    pool_size = check_positive_int(pool_size, "pool_size")
    maps = batch_edge_maps(images) if edges else np.asarray(images, np.float32)[..., None]
    if pool_size > 1:
        maps = pool2d(maps, pool_size=pool_size, reduce=reduce)
    return maps.reshape(len(maps), -1)


def nearest_mean_accuracy(train_x, train_y, test_x, test_y):
    """Test accuracy of the nearest class mean classifier (Euclidean distance).

    Examples
    --------
    >>> nearest_mean_accuracy(np.array([[0.], [1.]]), np.array([0, 1]),
    ...                       np.array([[0.2], [0.9]]), np.array([0, 1]))
    1.0
    """
    train_x, test_x = np.asarray(train_x, float), np.asarray(test_x, float)
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    classes = np.unique(train_y)
    means = np.stack([train_x[train_y == c].mean(axis=0) for c in classes])
    dist = (test_x ** 2).sum(1)[:, None] - 2 * test_x @ means.T + (means ** 2).sum(1)[None]
    return float(np.mean(classes[dist.argmin(axis=1)] == test_y))


def evidence_run(params, seed):
    """The probe on cross-validation fold ``seed``."""
    result = _probe(dict(params, n_train=4000, n_test=1000, fold=seed))
    del result["settings"]
    return result


def pooling_probe(pool_sizes=(1, 2, 4, 7, 14), n_train=4000, n_test=1000, fold=0, cache=True):
    """Nearest-mean accuracy on pooled edge maps and on the pooled image, per pool size (cached).

    Returns
    -------
    dict
        ``pool_sizes``, ``map_side`` (side of the pooled map); accuracy per pool size of the
        max-pooled edge maps (``edges``), the max-pooled image (``image``) and both average-pooled
        (``edges_average``, ``image_average``); ``features_edges`` / ``features_image`` (feature
        count per pool size); ``settings``.
    """
    pool_sizes = [check_positive_int(k, "pool_sizes") for k in pool_sizes]
    if not pool_sizes or max(pool_sizes) > 28:
        raise ValueError(f"pool_sizes must be 1 to 28 and not empty, got {pool_sizes}")
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test")
    fold = check_fold(fold)
    settings = dict(pool_sizes=pool_sizes, n_train=n_train, n_test=n_test, fold=int(fold),
                    version=_VERSION)
    return cached_json("edges_probe", settings, lambda: _probe(settings), cache=cache, indent=1)


def _probe(settings):
    """:func:`pooling_probe` without the cache."""
    pool_sizes, n_train, n_test = settings["pool_sizes"], settings["n_train"], settings["n_test"]
    data = load_mnist("offline", fold=settings["fold"])
    xtr, ytr = data.x_train[:n_train], data.y_train[:n_train]
    xte, yte = data.x_test[:n_test], data.y_test[:n_test]
    result = dict(pool_sizes=pool_sizes, map_side=[28 // k for k in pool_sizes],
                  **{kind: [] for kind in _KINDS}, features_edges=[], features_image=[],
                  settings=settings)
    for k in pool_sizes:
        for kind, (use_edges, reduce) in _KINDS.items():
            ftr = pooled_features(xtr, k, use_edges, reduce)
            fte = pooled_features(xte, k, use_edges, reduce)
            result[kind].append(nearest_mean_accuracy(ftr, ytr, fte, yte))
            if reduce == "max":
                result[f"features_{kind}"].append(int(ftr.shape[1]))
    return result
