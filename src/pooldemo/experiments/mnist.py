"""Chollet's MNIST convnet with and without pooling, trained offline, seeded and cached.

Every variant is the convnet of *Deep Learning with Python* (1st ed., section 5.1): three 3x3 ReLU
convolutions with 32, 64 and 64 filters, trained as in the book with rmsprop, batch 64, 5 epochs.
The variants change only the down-sampling or the head (see :data:`VARIANTS`):

- ``"downsampled_input"``: the digits are block-averaged 2x2 to 14x14 *before* the network and the
  first pooling layer is removed (conv 32 -> conv 64 -> 2x2 max pool -> conv 64 -> Dense(64)), so
  the network down-samples the raw image instead of the first feature maps. Its last map is 3x3x64,
  like the pooled model's, so the Dense head has the same 36,928 + 650 weights.

- ``"all_conv"``: each pool replaced by a learned 2x2 convolution with stride 2 (Springenberg et
  al.'s All-CNN type); ``"strided_conv"`` follows their weaker Strided-CNN idea (no pool, a strided
  convolution subsamples; they stride the convolution before each removed pool, this variant the
  one after it).

- ``"blur_pool"``: each 2x2 max pool replaced by Zhang's (2019) anti-aliased max pool
  (:mod:`pooldemo.antialias`): same shapes, same weights, a fixed blur before the subsampling.

- ``"big_kernel"`` and ``"dilated"`` reach about the pooled model's receptive field (18x18) another
  way: one 18x18 convolution with stride 4 (64 filters: the same 3x3 grid of units, the same field
  and jump as the pooled model's last layer), or three 3x3 convolutions dilated 1, 2 and 6 without
  pooling (a 19x19 field: stride-1 stacks of 3x3 convolutions only reach odd sizes).

By default the data are the offline 4,000 / 1,000 real-digit subset
(:func:`pooldemo.data.load_mnist`), with the test set as validation set; ``source="keras"`` is
the full MNIST (needs the internet).
Each run measures the test accuracy, the accuracy of the trained model on its own training digits,
``shifted_accuracy`` (the test digits moved right by 0-4 pixels, zero fill, no wrap-around) and
``shift_consistency`` (the fraction of test digits whose predicted class does not change when the
digit moves), and Zhang's (2019) ``random_shift_consistency``: each test digit is shifted twice by
random offsets of up to :data:`RANDOM_SHIFT` pixels in each direction, and we count how often the
two copies get the same class (``random_shift_accuracy``: the accuracy over those copies).

The book's evidence (:data:`EVIDENCE_PLAN`, :func:`evidence_run`) is five runs of every variant,
one per fold of a 5-fold cross-validation of the 5,000 digits, run ``k`` on fold ``k`` with seed
``k``, stored in :mod:`pooldemo.evidence`. :func:`train_variant` trains one run directly (cached
as JSON in ``pooldemo.data.cache_dir() / "experiments"``), for example on full MNIST.

Used in: "What's wrong without pooling", "What pooling buys", "Edges and pooling", "Summary".
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_choice, check_fold, check_positive_int, check_seed
from ..data import SOURCES, load_mnist
from ..pooling import pool2d
from ..shift import shift_image
from ._cache import cached_json
from ._determinism import deterministic

__all__ = ["VARIANTS", "SHIFTS", "RANDOM_SHIFT", "EVIDENCE_PLAN", "evidence_run",
           "train_variant", "build_variant", "random_shift_pairs"]

SHIFTS = (0, 1, 2, 3, 4)
RANDOM_SHIFT = 3  # pixels, in each direction, for Zhang's random-shift consistency
_VERSION = 2  # bump when training code changes, so old cached results are not reused

VARIANTS = {
    "no_pool": dict(
        description="three convolutions, no pooling, Flatten + Dense(64)",
        downsample="none", head="dense64"),
    "no_pool_dense512": dict(
        description="three convolutions, no pooling, Flatten + Dense(512)",
        downsample="none", head="dense512"),
    "max_pool": dict(
        description="Chollet's model: 2x2 max pooling after conv 1 and conv 2, Dense(64)",
        downsample="max", head="dense64"),
    "average_pool": dict(
        description="2x2 average pooling after conv 1 and conv 2, Dense(64)",
        downsample="average", head="dense64"),
    "strided_conv": dict(
        description="no pooling; conv 2 and conv 3 use stride 2, Dense(64)",
        downsample="strided", head="dense64"),
    "downsampled_input": dict(
        description="input block-averaged to 14x14, first pool removed: conv, conv, 2x2 max pool, "
                    "conv, Dense(64)",
        downsample=("none", "max"), head="dense64", input_size=14),
    "all_conv": dict(
        description="each pool replaced by a 2x2 convolution with stride 2 (All-CNN type), "
                    "Dense(64)",
        downsample="all_conv", head="dense64"),
    "global_average": dict(
        description="2x2 max pooling, then global average pooling + Dense(10)",
        downsample="max", head="global_average"),
    "global_max": dict(
        description="2x2 max pooling, then global max pooling + Dense(10)",
        downsample="max", head="global_max"),
    "blur_pool": dict(
        description="Zhang's anti-aliased max pooling (2x2 max, stride 1, then a 3x3 binomial blur "
                    "with stride 2) after conv 1 and conv 2, Dense(64)",
        downsample="blur", head="dense64"),
    "big_kernel": dict(
        description="one 18x18 convolution with stride 4 (64 filters), no pooling, Dense(64)",
        filters=(64,), kernel_size=18, strides=4, downsample="none", head="dense64"),
    "dilated": dict(
        description="three 3x3 convolutions dilated 1, 2 and 6, no pooling, Dense(64)",
        dilation_rate=[1, 2, 6], downsample="none", head="dense64"),
}
_BUILD_KEYS = ("filters", "downsample", "head", "input_size", "kernel_size", "strides",
               "dilation_rate")


def build_variant(name):
    """The uncompiled tf.keras model of a variant (:func:`pooldemo.models.convnet`).

    Examples
    --------
    >>> build_variant("max_pool").count_params()
    93322
    >>> build_variant("downsampled_input").input_shape
    (None, 14, 14, 1)
    """
    from ..models import convnet

    spec = _variant(name)
    return convnet(**{k: v for k, v in spec.items() if k in _BUILD_KEYS}, name=name)


def random_shift_pairs(n, seed, max_shift=RANDOM_SHIFT):
    """Two random (dx, dy) offsets per digit, each in [-max_shift, max_shift]: shape (n, 2, 2)."""
    rng = np.random.default_rng([check_seed(seed), 2019])
    return rng.integers(-max_shift, max_shift + 1, size=(check_positive_int(n, "n"), 2, 2))


#: the book's evidence: every variant, five runs (fold k, seed k); rough seconds per run
EVIDENCE_PLAN = {name: {"params": {"name": name, "epochs": 5, "batch_size": 64},
                        "seeds": (0, 1, 2, 3, 4),
                        "cost": {"no_pool": 70, "no_pool_dense512": 110, "strided_conv": 25,
                                 "all_conv": 25, "downsampled_input": 8, "dilated": 45,
                                 "blur_pool": 25, "big_kernel": 10}.get(name, 16)}
                 for name in VARIANTS}


def evidence_run(params, seed):
    """One evidence run: variant ``params["name"]`` on fold ``seed`` with seed ``seed``."""
    settings = dict(params, seed=seed, fold=seed, source="offline", n_train=None, n_test=None)
    return _train(params["name"], settings)


def train_variant(name, epochs=5, seed=0, source="offline", batch_size=64, n_train=None,
                  n_test=None, fold=0, cache=True):
    """Train one variant of Chollet's convnet on MNIST and measure it (cached).

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS`.
    epochs, batch_size : int
        Chollet's values by default (5, 64); optimiser rmsprop.
    seed : int
        Seeds Python, numpy and TensorFlow; op determinism is switched on, so the same settings give
        the same numbers.
    source : {"offline", "keras"}
        The 4,000 / 1,000 offline subset, or the full MNIST (downloads, needs the internet).
    n_train, n_test : int, optional
        Use only the first n digits (for quick tests).
    fold : int
        Which of the five offline cross-validation folds to train and test on (0-4).
    cache : bool
        Read and write the JSON cache.

    Returns
    -------
    dict
        name, description, params, test_accuracy, train_accuracy (of the trained model on its
        training digits), history (per epoch: loss, accuracy, val_loss, val_accuracy),
        shifted_accuracy and shift_consistency (lists indexed by the pixels moved, 0-4) and
        train_seconds.
    """
    _variant(name)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_seed(seed)
    check_choice(source, "source", SOURCES)
    for label, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None:
            check_positive_int(value, label)
    fold = check_fold(fold)
    settings = dict(name=name, epochs=epochs, seed=int(seed), source=source,
                    batch_size=batch_size, n_train=n_train, n_test=n_test, fold=int(fold),
                    variant=VARIANTS[name], version=_VERSION)

    def compute():
        start = time.perf_counter()
        result = _train(name, settings)
        return dict(result, settings=settings, train_seconds=time.perf_counter() - start)

    return cached_json(f"mnist_{name}", settings, compute, cache=cache, indent=1)


# --- internals ---------------------------------------------------------------------------------

def _variant(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be one of {tuple(VARIANTS)}, got {name!r}")
    return VARIANTS[check_choice(name, "name", VARIANTS)]


def _prepare(images, name):
    images = np.asarray(images, dtype="float32")[..., None]
    if VARIANTS[name].get("input_size") == 14:  # the digits averaged 2x2 before the network
        images = pool2d(images, 2, reduce="average")
    return images


def _train(name, settings):

    data = load_mnist(settings["source"], fold=settings["fold"])
    x_train, y_train = data.x_train[:settings["n_train"]], data.y_train[:settings["n_train"]]
    x_test, y_test = data.x_test[:settings["n_test"]], data.y_test[:settings["n_test"]]
    deterministic(settings["seed"])
    model = build_variant(name)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    fit = model.fit(_prepare(x_train, name), y_train, epochs=settings["epochs"],
                    batch_size=settings["batch_size"], verbose=0,
                    validation_data=(_prepare(x_test, name), y_test))

    def predict(images):
        probs = model.predict(_prepare(images, name), batch_size=500, verbose=0)
        return probs.argmax(axis=1)

    train_accuracy = float(np.mean(predict(x_train) == y_train))
    base = predict(x_test)
    shifted, consistency = [], []   # index = pixels moved (SHIFTS is 0, 1, 2, ...)
    for pixels in SHIFTS:
        labels = predict(shift_image(x_test[..., None], pixels, 0)[..., 0]) if pixels else base
        shifted.append(float(np.mean(labels == y_test)))
        consistency.append(float(np.mean(labels == base)))
    pairs = random_shift_pairs(len(x_test), settings["seed"])
    copies = [np.stack([shift_image(img, dx, dy) for img, (dx, dy) in zip(x_test, pairs[:, i])])
              for i in (0, 1)]
    first, second = (predict(c) for c in copies)
    history = {k: [float(v) for v in fit.history[k]]
               for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return dict(name=name, description=VARIANTS[name]["description"],
                params=int(model.count_params()), test_accuracy=shifted[0],
                train_accuracy=train_accuracy, history=history, shifted_accuracy=shifted,
                shift_consistency=consistency,
                random_shift_consistency=float(np.mean(first == second)),
                random_shift_accuracy=float(np.mean(np.r_[first, second] == np.r_[y_test, y_test])))
