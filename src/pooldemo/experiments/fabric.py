"""Network A (rip?) and network B (wrinkled?) with a global max or a global average head (cached).

A small stand-in for the thread's design (VGG-16's conv part -> a new conv to 2 x 7 x 7 -> global
pooling -> softmax(2)): three 3x3 conv + 2x2 max-pool blocks take a 56x56 fabric image
(:func:`pooldemo.fabric.fabric_dataset`) down to 7x7, a 1x1 conv makes one 7x7 evidence map per
class, a global max or global average pool turns each map into one number, and a softmax decides.
Both heads are trained on both tasks for several seeds; the test accuracies and, for one seed, the
learned 7x7 maps of a few test images are returned so that one can see *how* a head solved a task.

Used in: "Max or average?".
"""

from __future__ import annotations

import functools
import time

import numpy as np

from .._checks import check_choice, check_positive_int, check_seed
from ._cache import cached_json
from ._determinism import deterministic

__all__ = ["TASKS", "POOLS", "EVIDENCE_PLAN", "evidence_run", "build_fabric_net",
           "train_fabric", "fabric_experiment", "accuracy_table"]

_VERSION = 2
TASKS = ("rip", "wrinkles")
#: the global pools networks A and B end with (over two class maps)
POOLS = ("global_max", "global_average")


def build_fabric_net(head="global_max", size=56, filters=(8, 8, 16)):
    """The small A/B network: conv blocks to 7x7, a 1x1 conv to 2 maps, a global pool, softmax.

    :func:`pooldemo.models.convnet` with 'same' 3x3 convolutions, a 2x2 max pool after each, and
    the "maps_global_max" or "maps_global_average" head.

    Parameters
    ----------
    head : {"global_max", "global_average"}
        The global pool over the two class maps (:data:`POOLS`).
    size : int
        Input side; must be divisible by 8 (three 2x2 pools).
    filters : tuple of int
        Channels of the three conv blocks.

    Returns
    -------
    tf.keras.Model
        Its layer ``"maps"`` outputs the two (size/8) x (size/8) class maps.
    """
    from ..models import convnet

    check_choice(head, "head", POOLS)
    size = check_positive_int(size, "size")
    if size % 8:
        raise ValueError(f"size must be divisible by 8, got {size}")
    filters = tuple(filters)
    # fabric is grey (about 0.55, spread about 0.2): centre and scale it so training starts well
    return convnet(filters, ["max"] * len(filters), f"maps_{head}", input_size=size,
                   padding="same", n_classes=2, rescale=(1 / 0.2, -0.55 / 0.2),
                   name=f"fabric_{head}")


#: the book's evidence: both tasks x both heads, five runs each; run k draws its own training
#: and test images (seeds 1000 + k, 2000 + k) and initialises with seed k. Network A's rips are
#: small (RIP_SCALE of the default) on a noisy weave, so the task can tell the heads apart.
NOISE, RIP_SCALE = 0.12, 0.35
EVIDENCE_PLAN = {f"{task}_{head}": {"params": {"task": task, "head": head, "n_train": 240,
                                               "n_test": 200, "epochs": 10, "size": 56,
                                               "n_maps": 4, "filters": [8, 8, 16],
                                               "noise": NOISE, "rip_scale": RIP_SCALE},
                                    "seeds": (0, 1, 2, 3, 4), "cost": 6}
                 for task in ("rip", "wrinkles") for head in ("global_max", "global_average")}


def evidence_run(params, seed):
    """One evidence run of the A/B networks (see :data:`EVIDENCE_PLAN`)."""
    return _train(dict(params, seed=seed, data_seed=seed))


def train_fabric(task, head, seed=0, n_train=240, n_test=200, epochs=10, size=56, n_maps=4,
                 filters=(8, 8, 16), noise=0.05, rip_scale=1.0, cache=True):
    """Train one network (task x head x seed) and return its test accuracy and example maps.

    Parameters
    ----------
    task : {"rip", "wrinkles"}
        Network A or network B (see :func:`pooldemo.fabric.fabric_dataset`).
    head : {"global_max", "global_average"}
    seed : int
        Seeds the network's weights and the batch order; the images are the same for every seed
        (training set generated with seed 1000, test set with seed 2000).
    n_train, n_test, epochs, size, filters
        Data set sizes, epochs (Adam, learning rate 3e-3, batch 32), image side, conv channels.
    n_maps : int
        How many test images per label to return learned maps for.
    noise, rip_scale : float
        Weave noise and rip size (:func:`pooldemo.fabric.fabric_dataset`).
    cache : bool
        Read and write the JSON cache.

    Returns
    -------
    dict
        task, head, seed, test_accuracy, train_accuracy, train_seconds, and ``maps``: for the
        first ``n_maps`` test images of each label, the learned evidence map (class-1 map minus
        class-0 map, 7x7) with the label.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    check_choice(head, "head", POOLS)
    seed = check_seed(seed)
    for name, value in (("n_train", n_train), ("n_test", n_test), ("epochs", epochs),
                        ("size", size)):
        check_positive_int(value, name)
    filters = [check_positive_int(f, "filters") for f in filters]
    settings = dict(task=task, head=head, seed=int(seed), n_train=n_train, n_test=n_test,
                    epochs=epochs, size=size, n_maps=n_maps, filters=filters, noise=noise,
                    rip_scale=rip_scale, data_seed=0, version=_VERSION)

    def compute():
        start = time.perf_counter()
        result = _train(settings)
        return dict(result, settings=settings, train_seconds=time.perf_counter() - start)

    return cached_json(f"fabric_{task}_{head}", settings, compute, cache=cache)


def fabric_experiment(seeds=(0, 1, 2), **kwargs):
    """:func:`train_fabric` for every task, head and seed; a list of result dicts."""
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    return [train_fabric(task, head, seed=seed, **kwargs)
            for task in TASKS for head in POOLS for seed in seeds]


def accuracy_table(results):
    """Mean, min and max test accuracy per (task, head) from :func:`fabric_experiment` results.

    Examples
    --------
    >>> rows = accuracy_table([dict(task="rip", head="global_max", test_accuracy=a)
    ...                        for a in (0.9, 1.0)])
    >>> rows[0]["mean"], rows[0]["min"], rows[0]["max"], rows[0]["n"]
    (0.95, 0.9, 1.0, 2)
    """
    groups = {}
    for r in results:
        groups.setdefault((r["task"], r["head"]), []).append(r["test_accuracy"])
    return [dict(task=t, head=h, mean=round(float(np.mean(a)), 10), min=float(min(a)),
                 max=float(max(a)), n=len(a)) for (t, h), a in groups.items()]


@functools.lru_cache(maxsize=8)
def _dataset(task, n, size, seed, noise, rip_scale):
    """The same images for every head (generated once per process)."""
    from ..fabric import fabric_dataset

    x, y = fabric_dataset(task, n, size=size, seed=seed, noise=noise, rip_scale=rip_scale)
    x.flags.writeable = False
    return x, y


def _train(settings):
    import tensorflow as tf

    n_train, n_test = settings["n_train"], settings["n_test"]
    # training and test sets from different generator seeds
    look = (settings["noise"], settings["rip_scale"])
    x_train, y_train = _dataset(settings["task"], n_train, settings["size"],
                                1000 + settings["data_seed"], *look)
    x_test, y_test = _dataset(settings["task"], n_test, settings["size"],
                              2000 + settings["data_seed"], *look)
    deterministic(settings["seed"])
    model = build_fabric_net(settings["head"], size=settings["size"],
                             filters=settings["filters"])
    model.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=settings["epochs"], batch_size=32, verbose=0)

    def accuracy(x, y):
        return float(np.mean(model(x, training=False).numpy().argmax(axis=1) == y))

    maps_model = tf.keras.Model(model.inputs[0], model.get_layer("maps").output)
    examples = []
    for label in (0, 1):
        index = np.flatnonzero(y_test == label)[:settings["n_maps"]]
        if index.size:
            m = maps_model(x_test[index], training=False).numpy()
            for i, mm in zip(index, m):
                examples.append(dict(index=int(i), label=label,
                                     evidence=(mm[..., 1] - mm[..., 0]).round(5).tolist()))
    return dict(task=settings["task"], head=settings["head"], seed=settings["seed"],
                test_accuracy=accuracy(x_test, y_test), train_accuracy=accuracy(x_train, y_train),
                maps=examples)


def __getattr__(name):
    if name == "HEADS":
        import warnings

        warnings.warn("pooldemo.experiments.fabric.HEADS is now POOLS (the models' HEADS are "
                      "pooldemo.models.HEADS)", DeprecationWarning, stacklevel=2)
        return POOLS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
