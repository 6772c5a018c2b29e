"""tf.keras model builders used by the book (TensorFlow is imported inside each function).

Used in: the chapters on Chollet's convnet, receptive fields, what pooling buys and the summary.
"""

from __future__ import annotations

from ._checks import check_positive_int

__all__ = ["chollet_convnet", "conv_stack", "HEADS", "DOWNSAMPLERS", "count_macs", "count_flops"]

HEADS = ("dense64", "dense512", "global_max", "global_average", "none")
DOWNSAMPLERS = ("max", "average", "strided", "all_conv", "none")


def chollet_convnet(pooling="max", head="dense64", input_size=28, filters=(32, 64, 64),
                    n_classes=10, name=None):
    """Chollet's MNIST convnet (Deep Learning with Python, 1st ed., section 5.1) and variants.

    Three 3x3 ReLU convolutions (32, 64, 64 filters) with a 2x2 down-sampling step after the first
    two. ``pooling="max", head="dense64"`` is the book's model: 93,322 parameters.

    Parameters
    ----------
    pooling : {"max", "average", "strided", "all_conv", "none"}
        What follows conv 1 and conv 2: a 2x2/2 max or average pool, nothing ("none"),
        "strided": no pool, and conv 2 and conv 3 use stride 2 instead (after Springenberg et
        al.'s "Strided-CNN" idea, a convolution subsamples instead of a pool; they stride the
        convolution before each removed pool, here it is the one after it), or "all_conv": each pool replaced by a learned 2x2 convolution with
        stride 2 and ReLU (their "All-CNN" type: an extra layer, same shapes and receptive
        fields as the pooled model).
    head : {"dense64", "dense512", "global_max", "global_average", "none"}
        "dense64": Flatten, Dense(64, relu), Dense(n_classes) as in the book; "dense512": Flatten,
        Dense(512, relu), Dense(n_classes); "global_*": global pooling then Dense(n_classes);
        "none": the convolutional base only.
    input_size : int
        Height and width of the square single-channel input (28, or 14 for a down-sampled input).

    Examples
    --------
    >>> chollet_convnet().count_params()
    93322
    >>> chollet_convnet(pooling="none", head="none").count_params()
    55744
    """
    import tensorflow as tf

    if pooling not in DOWNSAMPLERS:
        raise ValueError(f"pooling must be one of {DOWNSAMPLERS}, got {pooling!r}")
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    input_size = check_positive_int(input_size, "input_size")
    layers = tf.keras.layers
    stack = [tf.keras.Input(shape=(input_size, input_size, 1))]
    for i, f in enumerate(filters):
        stride = 2 if pooling == "strided" and i > 0 else 1
        stack.append(layers.Conv2D(f, 3, strides=stride, activation="relu", name=f"conv{i + 1}"))
        if i < len(filters) - 1 and pooling in ("max", "average"):
            cls = layers.MaxPooling2D if pooling == "max" else layers.AveragePooling2D
            stack.append(cls(2, name=f"pool{i + 1}"))
        elif i < len(filters) - 1 and pooling == "all_conv":
            stack.append(layers.Conv2D(f, 2, strides=2, activation="relu", name=f"down{i + 1}"))
    if head in ("dense64", "dense512"):
        stack += [layers.Flatten(name="flatten"),
                  layers.Dense(64 if head == "dense64" else 512, activation="relu", name="dense"),
                  layers.Dense(n_classes, activation="softmax", name="classes")]
    elif head.startswith("global"):
        cls = layers.GlobalMaxPooling2D if head == "global_max" else layers.GlobalAveragePooling2D
        stack += [cls(name=head), layers.Dense(n_classes, activation="softmax", name="classes")]
    if name is None:
        name = f"convnet_{pooling}_{head}"
    try:
        return tf.keras.Sequential(stack, name=name)
    except ValueError as exc:
        raise ValueError(f"input_size {input_size} is too small for pooling={pooling!r}: "
                         f"{exc}") from None


def conv_stack(specs, input_size=28, channels=1, filters=8, name="stack"):
    """Deprecated: use :func:`pooldemo.receptive.stack_model` (same arguments)."""
    import importlib
    import warnings

    warnings.warn("pooldemo.models.conv_stack is deprecated and will be removed in the next "
                  "release; use pooldemo.receptive.stack_model", DeprecationWarning, stacklevel=2)
    # imported by name, not by an import statement: the evidence store hashes what this module
    # imports, and the trained models' records do not depend on the receptive-field code
    stack_model = importlib.import_module("pooldemo.receptive").stack_model
    return stack_model(specs, input_size, channels, filters, name)


def count_macs(model):
    """Multiply-accumulates (MACs) of one forward pass, per layer: {layer name: MACs}.

    One MAC is a multiplication and an addition, about 2 floating-point operations (FLOPs).

    Conv2D: out_h * out_w * k_h * k_w * c_in * c_out; Dense: n_in * n_out; pooling:
    out_h * out_w * c * k_h * k_w comparisons or additions (reported too, as they cost time
    although they have no weights).
    """
    import numpy as np

    macs = {}
    for layer in model.layers:
        kind = type(layer).__name__
        out = layer.output.shape
        inp = layer.input.shape
        if kind == "Conv2D":
            kh, kw = layer.kernel_size
            macs[layer.name] = int(np.prod(out[1:3]) * kh * kw * inp[-1] * out[-1])
        elif kind == "Dense":
            macs[layer.name] = int(inp[-1] * out[-1])
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            kh, kw = layer.pool_size
            macs[layer.name] = int(np.prod(out[1:]) * kh * kw)
        elif kind.startswith("Global"):
            macs[layer.name] = int(np.prod(inp[1:]))
    return macs


def count_flops(model):
    """Deprecated name of :func:`count_macs` (it always counted MACs, not FLOPs)."""
    import warnings

    warnings.warn("count_flops counts multiply-accumulates; use count_macs", DeprecationWarning,
                  stacklevel=2)
    return count_macs(model)
