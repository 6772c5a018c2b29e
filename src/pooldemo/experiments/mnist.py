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

By default the data are the offline 4,000 / 1,000 real-digit subset (:func:`pooldemo.data.load_mnist`),
with the test set as validation set; ``source="keras"`` is the full MNIST (needs the internet).
Each run measures the test accuracy, the accuracy of the trained model on its own training digits,
``shifted_accuracy`` (the test digits moved right by 0-4 pixels, zero fill, no wrap-around) and
``shift_consistency`` (the fraction of test digits whose predicted class does not change when the
digit moves).

The book's evidence (:data:`EVIDENCE_PLAN`, :func:`evidence_run`) is five runs of every variant,
one per fold of a 5-fold cross-validation of the 5,000 digits, run ``k`` on fold ``k`` with seed
``k``, stored in :mod:`pooldemo.evidence`. :func:`train_variant` trains one run directly (cached
as JSON in ``pooldemo.data.cache_dir() / "experiments"``), for example on full MNIST.

Used in: "What's wrong without pooling", "What pooling buys", "Edges and pooling", "Summary".
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_positive_int
from ..data import SOURCES, load_mnist
from ._cache import cached_json

__all__ = ["VARIANTS", "SHIFTS", "EVIDENCE_PLAN", "evidence_run", "train_variant",
           "build_variant", "shift_right", "block_average"]

SHIFTS = (0, 1, 2, 3, 4)
_VERSION = 2  # bump when training code changes, so old cached results are not reused

VARIANTS = {
    "no_pool": dict(
        description="three convolutions, no pooling, Flatten + Dense(64)",
        pooling="none", head="dense64"),
    "no_pool_dense512": dict(
        description="three convolutions, no pooling, Flatten + Dense(512)",
        pooling="none", head="dense512"),
    "max_pool": dict(
        description="Chollet's model: 2x2 max pooling after conv 1 and conv 2, Dense(64)",
        pooling="max", head="dense64"),
    "average_pool": dict(
        description="2x2 average pooling after conv 1 and conv 2, Dense(64)",
        pooling="average", head="dense64"),
    "strided_conv": dict(
        description="no pooling; conv 2 and conv 3 use stride 2, Dense(64)",
        pooling="strided", head="dense64"),
    "downsampled_input": dict(
        description="input block-averaged to 14x14, first pool removed: conv, conv, 2x2 max pool, "
                    "conv, Dense(64)",
        pooling="downsampled_input", head="dense64"),
    "all_conv": dict(
        description="each pool replaced by a 2x2 convolution with stride 2 (All-CNN type), "
                    "Dense(64)",
        pooling="all_conv", head="dense64"),
    "global_average": dict(
        description="2x2 max pooling, then global average pooling + Dense(10)",
        pooling="max", head="global_average"),
    "global_max": dict(
        description="2x2 max pooling, then global max pooling + Dense(10)",
        pooling="max", head="global_max"),
}


def build_variant(name):
    """The uncompiled tf.keras model of a variant.

    Examples
    --------
    >>> build_variant("max_pool").count_params()
    93322
    >>> build_variant("downsampled_input").input_shape
    (None, 14, 14, 1)
    """
    spec = _variant(name)
    from ..models import chollet_convnet

    if spec["pooling"] != "downsampled_input":
        return chollet_convnet(spec["pooling"], spec["head"], name=name)
    import tensorflow as tf

    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=(14, 14, 1)),
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Conv2D(64, 3, activation="relu", name="conv3"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense"),
        layers.Dense(10, activation="softmax", name="classes"),
    ], name=name)


def shift_right(images, pixels):
    """Move (N, H, W) images ``pixels`` columns to the right, filling with zeros (no wrap-around).

    Examples
    --------
    >>> shift_right(np.arange(4.0).reshape(1, 1, 4), 1)
    array([[[0., 0., 1., 2.]]])
    """
    images = np.asarray(images)
    if isinstance(pixels, bool) or not isinstance(pixels, (int, np.integer)) or pixels < 0:
        raise ValueError(f"pixels must be a non-negative integer, got {pixels!r}")
    out = np.zeros_like(images)
    if pixels < images.shape[-1]:
        out[..., pixels:] = images[..., :images.shape[-1] - pixels]
    return out


def block_average(images, factor=2):
    """Down-sample (N, H, W) images by averaging ``factor`` x ``factor`` blocks.

    Examples
    --------
    >>> block_average(np.arange(16.0).reshape(1, 4, 4))[0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    images = np.asarray(images)
    n, h, w = images.shape
    if h % factor or w % factor:
        raise ValueError(f"images of size {(h, w)} cannot be split into {factor}x{factor} blocks")
    return images.reshape(n, h // factor, factor, w // factor, factor).mean(axis=(2, 4))


#: the book's evidence: every variant, five runs (fold k, seed k); rough seconds per run
EVIDENCE_PLAN = {name: {"params": {"name": name, "epochs": 5, "batch_size": 64},
                        "seeds": (0, 1, 2, 3, 4),
                        "cost": {"no_pool": 70, "no_pool_dense512": 110, "strided_conv": 25,
                                 "all_conv": 25, "downsampled_input": 8}.get(name, 16)}
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
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    for label, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None:
            check_positive_int(value, label)
    if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) or not 0 <= fold < 5:
        raise ValueError(f"fold must be an integer in [0, 5), got {fold!r}")
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
    if not isinstance(name, str) or name not in VARIANTS:
        raise ValueError(f"name must be one of {tuple(VARIANTS)}, got {name!r}")
    return VARIANTS[name]


def _prepare(images, name):
    if VARIANTS[name]["pooling"] == "downsampled_input":
        images = block_average(images, 2)
    return images[..., None].astype("float32")


def _train(name, settings):
    import tensorflow as tf

    data = load_mnist(settings["source"], fold=settings["fold"])
    x_train, y_train = data.x_train[:settings["n_train"]], data.y_train[:settings["n_train"]]
    x_test, y_test = data.x_test[:settings["n_test"]], data.y_test[:settings["n_test"]]
    tf.keras.utils.set_random_seed(settings["seed"])
    tf.config.experimental.enable_op_determinism()
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
        labels = predict(shift_right(x_test, pixels)) if pixels else base
        shifted.append(float(np.mean(labels == y_test)))
        consistency.append(float(np.mean(labels == base)))
    history = {k: [float(v) for v in fit.history[k]]
               for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return dict(name=name, description=VARIANTS[name]["description"],
                params=int(model.count_params()), test_accuracy=shifted[0],
                train_accuracy=train_accuracy, history=history, shifted_accuracy=shifted,
                shift_consistency=consistency)
