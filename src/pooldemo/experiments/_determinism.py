"""Seeding for the trained experiments: the same seed gives the same numbers on the same CPU."""

from __future__ import annotations


def deterministic(seed):
    """Seed Python, numpy and TensorFlow with ``seed`` and switch on TensorFlow's op determinism."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
