"""Chollet's MNIST convnet with and without pooling, trained offline, seeded and cached.

Every variant is the convnet of *Deep Learning with Python* (1st ed., section 5.1): three 3x3 ReLU
convolutions with 32, 64 and 64 filters, trained as in the book with rmsprop, batch 64, 5 epochs.
The variants change only the down-sampling or the head (see :data:`VARIANTS`):

- ``"downsampled_input"``: the digits are block-averaged 2x2 to 14x14 *before* the network and the
  first pooling layer is removed (conv 32 -> conv 64 -> 2x2 max pool -> conv 64 -> Dense(64)), so
  the network down-samples the raw image instead of the first feature maps. Its last map is 3x3x64,
  like the pooled model's, so the Dense head has the same 36,928 + 650 weights.

By default the data are the offline 4,000 / 1,000 real-digit subset (:func:`pooldemo.data.load_mnist`),
with the test set as validation set; ``source="keras"`` is the full MNIST (needs the internet).
``shifted_accuracy`` is the test accuracy on the test digits moved right by 0-4 pixels (zero fill,
no wrap-around) to measure how much small shifts hurt.

Results are cached as JSON in ``pooldemo.data.cache_dir() / "experiments"``, keyed by every
setting, so a chapter calling :func:`train_variant` trains once.

Used in: "What's wrong without pooling", "What pooling buys", "Edges and pooling", "Summary".
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_positive_int
from ..data import SOURCES, load_mnist
from ._cache import cached_json

__all__ = ["VARIANTS", "SHIFTS", "train_variant", "build_variant", "shift_right",
           "block_average", "results_table"]

SHIFTS = (0, 1, 2, 3, 4)
_VERSION = 1  # bump when training code changes, so old cached results are not reused

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


def train_variant(name, epochs=5, seed=0, source="offline", batch_size=64, n_train=None,
                  n_test=None, cache=True):
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
    cache : bool
        Read and write the JSON cache.

    Returns
    -------
    dict
        name, description, settings, params, test_accuracy, train_seconds, history (per epoch:
        loss, accuracy, val_loss, val_accuracy) and shifted_accuracy ({pixels: accuracy}, 0-4).
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
    settings = dict(name=name, epochs=epochs, seed=int(seed), source=source,
                    batch_size=batch_size, n_train=n_train, n_test=n_test,
                    variant=VARIANTS[name], version=_VERSION)
    return cached_json(f"mnist_{name}", settings, lambda: _train(name, settings), cache=cache,
                       indent=1, decode=_decode)


def results_table(results):
    """Rows (list of dicts) for a table of several :func:`train_variant` results."""
    return [dict(name=r["name"], params=r["params"], test_accuracy=r["test_accuracy"],
                 train_accuracy=r["history"]["accuracy"][-1], train_seconds=r["train_seconds"],
                 shifted_4=r["shifted_accuracy"][max(SHIFTS)]) for r in results]


# --- internals ---------------------------------------------------------------------------------

def _variant(name):
    if not isinstance(name, str) or name not in VARIANTS:
        raise ValueError(f"name must be one of {tuple(VARIANTS)}, got {name!r}")
    return VARIANTS[name]


def _decode(result):
    """JSON has only string keys: turn ``shifted_accuracy``'s back into pixel counts."""
    result["shifted_accuracy"] = {int(k): v for k, v in result["shifted_accuracy"].items()}
    return result


def _prepare(images, name):
    if VARIANTS[name]["pooling"] == "downsampled_input":
        images = block_average(images, 2)
    return images[..., None].astype("float32")


def _train(name, settings):
    import tensorflow as tf

    data = load_mnist(settings["source"])
    x_train, y_train = data.x_train[:settings["n_train"]], data.y_train[:settings["n_train"]]
    x_test, y_test = data.x_test[:settings["n_test"]], data.y_test[:settings["n_test"]]
    tf.keras.utils.set_random_seed(settings["seed"])
    tf.config.experimental.enable_op_determinism()
    model = build_variant(name)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    fit = model.fit(_prepare(x_train, name), y_train, epochs=settings["epochs"],
                    batch_size=settings["batch_size"], verbose=0,
                    validation_data=(_prepare(x_test, name), y_test))
    seconds = time.perf_counter() - start
    shifted = {}
    for pixels in SHIFTS:
        probs = model.predict(_prepare(shift_right(x_test, pixels), name), batch_size=500,
                              verbose=0)
        shifted[pixels] = float(np.mean(probs.argmax(axis=1) == y_test))
    history = {k: [float(v) for v in fit.history[k]]
               for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return dict(name=name, description=VARIANTS[name]["description"], settings=settings,
                params=int(model.count_params()), test_accuracy=shifted[0],
                train_seconds=seconds, history=history, shifted_accuracy=shifted)
