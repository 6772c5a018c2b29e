"""Receptive fields measured on a real tf.keras model (TensorFlow imported inside functions).

:func:`measure_field` checks the closed form without trusting it. It copies the model (or the part
up to one layer) with every spatial layer kept as Keras builds it -- convolutions, pooling windows,
padding, cropping, merges, nested models -- but made linear and positive, in float64:

- every kernel is ``1 / fan_in`` (so a unit is an average of its inputs), every bias 0;
- every activation is the identity (ReLU6 cannot saturate, a gate cannot close);
- max pooling becomes average pooling of the same window, stride and padding; Maximum and
  Minimum merges become Average (max routes the gradient to one cell or one input only), Subtract
  becomes Add (a difference can cancel), Multiply becomes Average (a product of positive values
  depends on the same inputs, but squaring magnitudes at every gate of a deep network overflows);
- normalisation layers become the identity (LayerNormalization over identical channels would
  give 0), and so do the other pointwise layers (Rescaling, Normalization, LayerScale ...);
- with ``width=1`` every convolution and Dense layer has one output channel: the number of
  channels never changes which pixels reach a unit, and the copy of a large network at a large
  input then runs in seconds.

One backward pass of the chosen unit (summed over channels) on an input of ones gives a gradient
that is positive exactly on the pixels that reach the unit. The smallest positive value is
reported, so an underflow (a pixel lost to rounding) would show.

:func:`effective_receptive_field` gives Luo et al.'s (2016) gradient heat map with the model's own
weights.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .._checks import check_int, check_positive_int

__all__ = ["Measurement", "measure_field", "empirical_receptive_field",
           "effective_receptive_field"]

#: pointwise layers the probe replaces by the identity
_IDENTITY = {"BatchNormalization", "LayerNormalization", "UnitNormalization", "Normalization",
             "Rescaling", "LayerScale", "Dropout", "SpatialDropout2D", "GaussianNoise",
             "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Activation", "ReLU",
             "LeakyReLU", "PReLU", "ELU", "Softmax", "StochasticDepth", "Identity"}
#: smallest gradient accepted as "no underflow": far above float64's smallest normal (2.2e-308)
UNDERFLOW_MARGIN = 1e-250


@dataclasses.dataclass(frozen=True)
class Measurement:
    """What reaches one unit: ``mask`` (H, W) of bool, its bounding ``box``
    ((top, bottom), (left, right)) inclusive, and the probe's smallest positive gradient."""

    layer: str
    unit: tuple | None
    input_size: tuple
    mask: np.ndarray
    box: tuple | None
    min_positive: float


def measure_field(model, layer=None, unit=None, width=1, custom=None):
    """Measure which input pixels reach one unit of a keras model (one backward pass).

    Parameters
    ----------
    model : tf.keras.Model
        Sequential or functional, with a known input shape (H, W, C).
    layer : int or str, optional
        Index or name of the (top-level) layer whose unit is probed; default the last layer with
        a spatial output.
    unit : (row, col), optional
        Default: the centre unit. None for a layer without a spatial output.
    width : int or None
        Output channels of every convolution and Dense layer of the probe (None: the model's own).
    custom : dict, optional
        As for :func:`pooldemo.receptive_field`; layers declared ``"pointwise"`` become the
        identity in the probe (taken at your word).

    Returns
    -------
    Measurement
    """
    import tensorflow as tf

    from .closed_form import receptive_field

    receptive_field(model, custom=custom)  # refuses layers the arithmetic does not know
    if width is not None:
        width = check_positive_int(width, "width")
    sub, shape = cut_model(model, layer)
    probe = _probe(sub, shape, width, custom or {})
    h, w, c = shape
    x = tf.ones((1, h, w, c), dtype="float64")
    out_shape = tuple(probe.outputs[0].shape[1:])
    if len(out_shape) == 3:
        if unit is None:
            unit = (out_shape[0] // 2, out_shape[1] // 2)
        r, q = _unit(unit)
        if not (0 <= r < out_shape[0] and 0 <= q < out_shape[1]):
            raise ValueError(f"unit {unit} is outside the layer's {out_shape[:2]} grid")
    elif unit is not None:
        raise ValueError(f"unit {unit} given but the layer's output {out_shape} has no grid")
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = probe(x, training=False)
        target = tf.reduce_sum(y[0, r, q, :] if len(out_shape) == 3 else y)
    grad = tape.gradient(target, x)
    grad = np.zeros((h, w)) if grad is None else grad.numpy()[0].sum(axis=-1)
    if (grad < 0).any() or not np.isfinite(grad).all():
        raise RuntimeError(f"the probe's gradient has negative or non-finite values "
                           f"(min {grad.min()}): a layer of the copy is not positive and linear")
    mask = grad > 0
    positive = grad[mask]
    min_positive = float(positive.min()) if positive.size else 0.0
    if positive.size and min_positive < UNDERFLOW_MARGIN:
        raise RuntimeError(f"the smallest gradient {min_positive:.3g} is close to float64's "
                           f"underflow: pixels could be lost")
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    box = ((int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))) if rows.size else None
    return Measurement(layer=sub.layers[-1].name if layer is None else str(layer),
                       unit=None if unit is None else (r, q), input_size=(h, w), mask=mask,
                       box=box, min_positive=min_positive)


def empirical_receptive_field(model, layer=None, unit=None, width=None, custom=None):
    """Input pixels that reach one unit of a keras model, measured (see :func:`measure_field`).

    Returns
    -------
    ndarray of bool, shape (H, W)
        True where an input pixel reaches the unit.
    """
    return measure_field(model, layer, unit, width, custom).mask


def effective_receptive_field(model, layer=None, n_samples=16, seed=0):
    """Luo et al.'s effective receptive field: mean |d unit / d input| over random inputs.

    Uses the model's own weights (random at initialisation, or trained). The unit is the centre
    unit of ``layer``, summed over its channels.

    Returns
    -------
    ndarray, shape (H, W)
        Mean absolute gradient, scaled so its maximum is 1 (all zeros stay zeros).
    """
    import tensorflow as tf

    sub, (h, w, c) = cut_model(model, layer)
    n_samples = check_positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.normal(size=(n_samples, h, w, c)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = sub(x, training=False)
        if len(out.shape) == 4:
            out = out[:, out.shape[1] // 2, out.shape[2] // 2, :]
        target = tf.reduce_sum(out)
    grad = np.abs(tape.gradient(target, x).numpy()).mean(axis=(0, 3))
    top = grad.max()
    return grad / top if top > 0 else grad


def cut_model(model, layer):
    """(model from the input to ``layer``'s output, input shape (H, W, C))."""
    import tensorflow as tf

    shape = _input_shape(model)
    if layer is None:
        spatial = [i for i, ly in enumerate(model.layers) if len(ly.output.shape) == 4]
        if not spatial:
            raise ValueError("the model has no layer with a spatial (H, W, C) output")
        layer = spatial[-1]
    if isinstance(layer, str):
        target = model.get_layer(layer)
    elif isinstance(layer, (int, np.integer)) and not isinstance(layer, (bool, np.bool_)):
        if not -len(model.layers) <= layer < len(model.layers):
            raise ValueError(f"layer {layer} is out of range for a model of {len(model.layers)} "
                             f"layers")
        target = model.layers[layer]
    else:
        raise TypeError(f"layer must be an index or a name, got {layer!r}")
    if target is model.layers[-1] and len(model.outputs) == 1:
        return model, shape
    return tf.keras.Model(model.inputs, target.output), shape


def _input_shape(model):
    try:
        shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, ValueError):
        shape = ()
    if len(shape) != 3 or None in shape:
        raise ValueError("the model needs a known input shape (H, W, C); build it with "
                         "tf.keras.Input(shape=...)")
    return shape


def _unit(unit):
    if not isinstance(unit, (tuple, list)) or len(unit) != 2:
        raise ValueError(f"unit must be a (row, col) pair, got {unit!r}")
    return check_int(unit[0], "unit row"), check_int(unit[1], "unit col")


def _probe(model, shape, width, custom):
    """The float64, linear, positive copy of ``model`` described in the module docstring."""
    import tensorflow as tf

    x = tf.keras.Input(shape=shape, dtype="float64")
    copies = {}

    def copy(layer):
        if id(layer) not in copies:  # a shared layer stays shared
            copies[id(layer)] = _probe_layer(layer, width, custom)
        return copies[id(layer)]

    (y,) = _rebuild(model, [x], copy)
    probe = tf.keras.Model(x, y)
    for ly in copies.values():
        depthwise = "DepthwiseConv2D" in {c.__name__ for c in type(ly).__mro__}
        for var in getattr(ly, "weights", []):
            name = var.name.split("/")[-1].split(":")[0]
            value = np.asarray(var.numpy())
            if name == "depthwise_kernel" or (depthwise and name == "kernel"):
                var.assign(np.full_like(value, 1.0 / np.prod(value.shape[:2])))
            elif name in ("kernel", "pointwise_kernel"):
                var.assign(np.full_like(value, 1.0 / np.prod(value.shape[:-1])))
            elif name in ("bias", "beta"):
                var.assign(np.zeros_like(value))
            else:
                var.assign(np.ones_like(value))
    return probe


def _rebuild(model, inputs, copy):
    """Call the copies of ``model``'s layers on ``inputs`` in the model's order; nested models
    are rebuilt layer by layer (so they take whatever channels reach them)."""
    from .graph import _Walker

    tensors = {id(t): new for t, new in zip(model.inputs, inputs)}
    for layer, node in _Walker._order(model):
        args = [tensors[id(t)] for t in node.input_tensors]
        classes = {c.__name__ for c in type(layer).__mro__}
        if classes & {"Functional", "Sequential"}:
            outs = _rebuild(layer, args, copy)
        elif "Layer" not in classes:  # a keras operation on symbolic tensors (``x + y``)
            outs = _probe_operation(layer, classes)(*args)
        else:
            outs = copy(layer)(args if len(args) > 1 else args[0])
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for t, new in zip(node.output_tensors, outs):
            tensors[id(t)] = new
    return [tensors[id(t)] for t in model.outputs]


def _probe_operation(op, classes):
    """The operation itself, or the Average / Add that replaces it as for merge layers."""
    import tensorflow as tf

    if classes & {"Maximum", "Minimum", "Multiply"}:
        return lambda *args: tf.keras.layers.Average(dtype="float64")(list(args))
    if "Subtract" in classes:
        return lambda *args: tf.keras.layers.Add(dtype="float64")(list(args))
    return op


@functools.cache
def _identity_class():
    """A layer returning its input that accepts the arguments any pointwise layer was called
    with (``training``, ``mask``)."""
    import tensorflow as tf

    class ProbeIdentity(tf.keras.layers.Layer):
        def call(self, inputs, training=None, mask=None):
            return inputs

        def compute_output_shape(self, input_shape):
            return input_shape

    return ProbeIdentity


def _probe_layer(layer, width, custom):
    import tensorflow as tf

    L = tf.keras.layers
    cls = type(layer).__name__
    names = {c.__name__ for c in type(layer).__mro__}
    config = layer.get_config()
    config["dtype"] = "float64"
    declared = custom.get(layer.name, custom.get(cls))
    if declared == "pointwise" or names & _IDENTITY:
        return _identity_class()(name=layer.name, dtype="float64")
    if names & {"MaxPooling2D"}:
        return L.AveragePooling2D(layer.pool_size, layer.strides, layer.padding, name=layer.name,
                                  dtype="float64")
    if names & {"GlobalMaxPooling2D"}:
        return L.GlobalAveragePooling2D(keepdims=layer.keepdims, name=layer.name,
                                        dtype="float64")
    if names & {"Maximum", "Minimum", "Multiply"}:
        return L.Average(name=layer.name, dtype="float64")
    if names & {"Subtract"}:
        return L.Add(name=layer.name, dtype="float64")
    if "activation" in config:
        config["activation"] = "linear"
    if width is not None:
        for key in ("filters", "units"):
            if key in config:
                config[key] = width
        if "groups" in config:
            config["groups"] = 1
        if "depth_multiplier" in config:
            config["depth_multiplier"] = 1
        if cls == "Reshape":
            config["target_shape"] = tuple(config["target_shape"][:-1]) + (-1,)
    return type(layer).from_config(config)
