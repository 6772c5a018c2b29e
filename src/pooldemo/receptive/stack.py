"""A tf.keras model built from a list of layer specs (TensorFlow imported inside).

Used to check the closed form against TensorFlow, in the receptive-field chapter and explorer.
"""

from __future__ import annotations

from .closed_form import layer_specs

__all__ = ["stack_model"]


def stack_model(specs, input_size=28, channels=1, filters=8, name="stack"):
    """A tf.keras model with the layers of a list of specs (random weights).

    Each ``conv`` spec becomes ``Conv2D(filters, kernel, stride, padding, dilation)`` with ReLU,
    each ``pool`` spec ``MaxPooling2D``, ``zeropad`` ``ZeroPadding2D``, ``crop`` ``Cropping2D``,
    ``global`` ``GlobalMaxPooling2D``, ``flatten`` ``Flatten`` and ``pointwise`` ``ReLU``.
    """
    import tensorflow as tf

    specs, _ = layer_specs(specs)
    layers = tf.keras.layers
    stack = [tf.keras.Input(shape=(input_size, input_size, channels))]
    for i, sp in enumerate(specs):
        nm = f"{sp.name}{i}"
        if sp.kind == "conv":
            stack.append(layers.Conv2D(filters, sp.kernel, sp.stride, sp.padding,
                                       dilation_rate=sp.dilation, activation="relu", name=nm))
        elif sp.kind == "pool":
            stack.append(layers.MaxPooling2D(sp.kernel, sp.stride, sp.padding, name=nm))
        elif sp.kind == "zeropad":
            stack.append(layers.ZeroPadding2D(sp.pad, name=nm))
        elif sp.kind == "crop":
            stack.append(layers.Cropping2D(sp.pad, name=nm))
        elif sp.kind == "global":
            stack.append(layers.GlobalMaxPooling2D(name=nm))
        elif sp.kind == "flatten":
            stack.append(layers.Flatten(name=nm))
        else:
            stack.append(layers.ReLU(name=nm))
    return tf.keras.Sequential(stack, name=name)
