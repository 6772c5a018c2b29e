"""The one convnet builder of the book, its vocabulary, and a cost count (TensorFlow loads inside).

:func:`convnet` stacks 2-D convolutions with a down-sampling step between them and a head on top;
every network of the book is one call of it: Chollet's MNIST model and its variants
(:func:`chollet_convnet`, :mod:`pooldemo.experiments.mnist`), the ShapeExplorer's networks
(:func:`pooldemo.shapes.build_convnet`) and the fabric networks A/B
(:func:`pooldemo.experiments.fabric.build_fabric_net`). The words it takes are the book's
vocabulary for down-sampling (:data:`DOWNSAMPLERS`) and heads (:data:`HEADS`).

Used in: the chapters on Chollet's convnet, receptive fields, what pooling buys, modern networks
and the summary; every trained experiment.
"""

from __future__ import annotations

from ._checks import as_pair, check_choice, check_positive_int

__all__ = ["convnet", "chollet_convnet", "conv_stack", "HEADS", "DOWNSAMPLERS", "count_macs",
           "count_flops"]

#: what may follow a convolution: a 2x2 stride-2 max or average pool, Zhang's anti-aliased max
#: pool ("blur"), no pool but the next convolution has stride 2 ("strided"), a learned 2x2
#: stride-2 convolution with ReLU ("all_conv"), or nothing ("none")
DOWNSAMPLERS = ("max", "average", "blur", "strided", "all_conv", "none")
#: what reads the last map out: "flatten" (Flatten, Dense(classes)), "dense64" / "dense512"
#: (Flatten, Dense(64 or 512, relu), Dense(classes)), "global_average" / "global_max" (global pool,
#: Dense(classes)), "maps_global_max" / "maps_global_average" (a 1x1 convolution to one map per
#: class, global pool, softmax: the fabric networks), or "none" (the convolutional base only)
HEADS = ("flatten", "dense64", "dense512", "global_average", "global_max", "maps_global_max",
         "maps_global_average", "none")


def _per_conv(value, n, name):
    """A list gives one value per convolution; an int or a tuple is Keras's value for every one."""
    values = value if isinstance(value, list) else [value] * n
    if len(values) != n:
        raise ValueError(f"{name} must be one value or a list of one per convolution ({n}), got "
                         f"{value!r}")
    return [as_pair(v, name) for v in values]


def _downsample_steps(downsample, n):
    """The step after each of ``n`` convolutions (the last one is "none" unless given)."""
    if isinstance(downsample, str):
        steps = [downsample] * (n - 1) + ["none"]
    elif isinstance(downsample, (tuple, list)) and len(downsample) in (n - 1, n):
        steps = list(downsample) + ["none"] * (n - len(downsample))
    else:
        raise ValueError(f"downsample must be one of {DOWNSAMPLERS} or one per gap between "
                         f"convolutions ({n - 1}) or per convolution ({n}), got {downsample!r}")
    for step in steps:
        check_choice(step, "downsample", DOWNSAMPLERS)
    return steps


def convnet(filters=(32, 64, 64), downsample="max", head="dense64", input_size=28, channels=1,
            kernel_size=3, strides=1, dilation_rate=1, padding="valid", n_classes=10,
            rescale=None, name=None):
    """A tf.keras convnet: convolutions, a down-sampling step after each but the last, a head.

    Parameters
    ----------
    filters : tuple of int
        Filters of each convolution (ReLU).
    downsample : str or tuple of str
        One of :data:`DOWNSAMPLERS` for every gap between convolutions, or one per gap (or per
        convolution: the last one then follows the last convolution). "strided" makes the *next*
        convolution use stride 2.
    head : str
        One of :data:`HEADS`.
    input_size, channels : int
        Square input side and channels.
    kernel_size, strides, dilation_rate : int or pair, or a list of one per convolution
        As Keras's ``Conv2D`` takes them.
    padding : {"valid", "same"}
        Of every convolution.
    rescale : (scale, offset), optional
        A first ``Rescaling(scale, offset)`` layer.

    Raises
    ------
    ValueError
        For an unknown word, or when a layer would get an input smaller than its window.

    Examples
    --------
    >>> convnet().count_params()
    93322
    >>> convnet((32, 64, 64), "none", "none").count_params()
    55744
    """
    import tensorflow as tf

    from .antialias import MaxBlurPooling2D

    if isinstance(filters, (str, bytes)) or not isinstance(filters, (tuple, list)) or not filters:
        raise TypeError(f"filters must be a non-empty tuple of ints, got {filters!r}")
    filters = [check_positive_int(f, "filters") for f in filters]
    n = len(filters)
    steps = _downsample_steps(downsample, n)
    check_choice(head, "head", HEADS)
    input_size = check_positive_int(input_size, "input_size")
    channels = check_positive_int(channels, "channels")
    n_classes = check_positive_int(n_classes, "n_classes")
    kernels = _per_conv(kernel_size, n, "kernel_size")
    conv_strides = _per_conv(strides, n, "strides")
    dilations = _per_conv(dilation_rate, n, "dilation_rate")
    layers = tf.keras.layers
    stack = [tf.keras.Input(shape=(input_size, input_size, channels))]
    if rescale is not None:
        stack.append(layers.Rescaling(rescale[0], offset=rescale[1], name="standardise"))
    for i, f in enumerate(filters):
        stride = 2 if i and steps[i - 1] == "strided" else conv_strides[i]
        stack.append(layers.Conv2D(f, kernels[i], strides=stride, padding=padding,
                                   dilation_rate=dilations[i], activation="relu",
                                   name=f"conv{i + 1}"))
        if steps[i] in ("max", "average"):
            cls = layers.MaxPooling2D if steps[i] == "max" else layers.AveragePooling2D
            stack.append(cls(2, name=f"pool{i + 1}"))
        elif steps[i] == "blur":
            stack.append(MaxBlurPooling2D(name=f"pool{i + 1}"))
        elif steps[i] == "all_conv":
            stack.append(layers.Conv2D(f, 2, strides=2, activation="relu", name=f"down{i + 1}"))
    if head in ("flatten", "dense64", "dense512"):
        stack.append(layers.Flatten(name="flatten"))
        if head != "flatten":
            stack.append(layers.Dense(64 if head == "dense64" else 512, activation="relu",
                                      name="dense"))
        stack.append(layers.Dense(n_classes, activation="softmax", name="classes"))
    elif head in ("global_average", "global_max"):
        cls = layers.GlobalMaxPooling2D if head == "global_max" else layers.GlobalAveragePooling2D
        stack += [cls(name=head), layers.Dense(n_classes, activation="softmax", name="classes")]
    elif head.startswith("maps_"):
        pool = head[len("maps_"):]
        cls = layers.GlobalMaxPooling2D if pool == "global_max" else layers.GlobalAveragePooling2D
        stack += [layers.Conv2D(n_classes, 1, name="maps"), cls(name=pool),
                  layers.Softmax(name="softmax")]
    if name is None:
        name = f"convnet_{'_'.join(dict.fromkeys(steps))}_{head}"
    try:
        return tf.keras.Sequential(stack, name=name)
    except ValueError as exc:
        raise ValueError(f"input_size {input_size} is too small for downsample={downsample!r}: "
                         f"{exc}") from None


def chollet_convnet(downsample="max", head="dense64", input_size=28, filters=(32, 64, 64),
                    n_classes=10, name=None, pooling=None):
    """Chollet's MNIST convnet (Deep Learning with Python, 1st ed., section 5.1) and variants.

    Three 3x3 ReLU convolutions (32, 64, 64 filters) with a 2x2 down-sampling step after the first
    two: :func:`convnet` with its defaults. ``downsample="max", head="dense64"`` is the book's
    model: 93,322 parameters.

    Parameters
    ----------
    downsample : {"max", "average", "blur", "strided", "all_conv", "none"}
        What follows conv 1 and conv 2 (:data:`DOWNSAMPLERS`). "strided": no pool, and conv 2
        and conv 3 use stride 2 instead (after Springenberg et al.'s "Strided-CNN" idea, a
        convolution subsamples instead of a pool; they stride the convolution before each removed
        pool, here it is the one after it). "all_conv": each pool replaced by a learned 2x2
        convolution with stride 2 and ReLU (their "All-CNN" type: an extra layer, same shapes and
        receptive fields as the pooled model).
    head : str
        One of :data:`HEADS`; "dense64" (Flatten, Dense(64, relu), Dense(10)) is the book's.
    input_size : int
        Height and width of the square single-channel input.
    pooling : str, optional
        Deprecated name of ``downsample``.

    Examples
    --------
    >>> chollet_convnet().count_params()
    93322
    >>> chollet_convnet("none", "none").count_params()
    55744
    """
    if pooling is not None:
        import warnings

        warnings.warn("chollet_convnet(pooling=...) is now chollet_convnet(downsample=...)",
                      DeprecationWarning, stacklevel=2)
        downsample = pooling
    check_choice(downsample, "downsample", DOWNSAMPLERS)
    if name is None:
        name = f"convnet_{downsample}_{head}"
    return convnet(filters, downsample, head, input_size=input_size, n_classes=n_classes,
                   name=name)


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
        elif kind == "MaxBlurPooling2D":  # a 2x2 stride-1 max, then a 3x3 blur at the output
            mh, mw = inp[1] - 1, inp[2] - 1
            macs[layer.name] = int(mh * mw * inp[-1] * 4 + np.prod(out[1:]) * 9)
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
