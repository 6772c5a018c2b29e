"""Receptive fields of a stack of convolution and pooling layers.

The closed form follows Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
Networks" (Distill, 2019). Per axis, a layer with kernel ``k``, stride ``s``, dilation ``d`` and
``p`` padded cells before the input turns the previous layer's receptive-field size ``r``, jump
(effective stride) ``j`` and start (centre of the first unit, in input coordinates) into::

    k' = d * (k - 1) + 1
    r  = r + (k' - 1) * j
    start = start + ((k' - 1) / 2 - p) * j
    j  = j * s

Pooling layers are layers like any other here: a 2x2 pool with stride 2 has k = s = 2 and no
weights. Global pooling and ``Flatten`` see every unit of the layer before them.

:func:`empirical_receptive_field` measures the same thing on a real ``tf.keras`` model by sending an
impulse through it, so the closed form can be checked against TensorFlow, max pooling included.
:func:`effective_receptive_field` gives Luo et al.'s (2016) gradient heat map.

Used in: the receptive-field chapter, the ReceptiveFieldExplorer and ShapeExplorer.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ._checks import check_padding, check_positive_int

__all__ = [
    "LayerSpec",
    "RFRecord",
    "conv",
    "pool",
    "zero_pad",
    "global_pool_layer",
    "flatten",
    "receptive_field",
    "unit_box",
    "layer_specs",
    "empirical_receptive_field",
    "effective_receptive_field",
]

KINDS = ("conv", "pool", "zeropad", "global", "flatten", "pointwise")


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """One layer as the receptive-field arithmetic sees it.

    ``kernel``, ``stride`` and ``dilation`` are (height, width) pairs; ``pad`` is
    ((top, bottom), (left, right)) for ``kind="zeropad"``.
    """

    kind: str
    kernel: tuple = (1, 1)
    stride: tuple = (1, 1)
    padding: str = "valid"
    dilation: tuple = (1, 1)
    pad: tuple = ((0, 0), (0, 0))
    name: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        for field in ("kernel", "stride", "dilation"):
            object.__setattr__(self, field, _pair(getattr(self, field), field))
        object.__setattr__(self, "padding", check_padding(self.padding))
        object.__setattr__(self, "pad", _pad_pairs(self.pad))
        if not self.name:
            object.__setattr__(self, "name", self.kind)


@dataclasses.dataclass(frozen=True)
class RFRecord:
    """Receptive field of the units of one layer, per axis as (rows, cols) pairs.

    ``output_size`` is None when no ``input_size`` was given.
    """

    name: str
    kind: str
    size: tuple
    jump: tuple
    start: tuple
    output_size: tuple | None


def conv(kernel=3, stride=1, padding="valid", dilation=1, name=""):
    """Spec of a convolution, e.g. ``conv(3)`` for Keras's ``Conv2D(filters, 3)``."""
    return LayerSpec("conv", kernel, stride, padding, dilation, name=name or "conv")


def pool(pool_size=2, strides=None, padding="valid", name=""):
    """Spec of a max or average pooling layer (``strides=None`` means ``pool_size``)."""
    strides = pool_size if strides is None else strides
    return LayerSpec("pool", pool_size, strides, padding, name=name or "pool")


def zero_pad(pad=1, name=""):
    """Spec of ``ZeroPadding2D(pad)``: an int, a pair, or ((top, bottom), (left, right))."""
    return LayerSpec("zeropad", pad=pad, name=name or "zeropad")


def global_pool_layer(name=""):
    """Spec of a global (max or average) pooling layer."""
    return LayerSpec("global", name=name or "global_pool")


def flatten(name=""):
    """Spec of ``Flatten``: the unit after it sees the whole input, like global pooling."""
    return LayerSpec("flatten", name=name or "flatten")


def receptive_field(layers, input_size=None):
    """Receptive field of every layer of a stack, by the closed form.

    Parameters
    ----------
    layers : tf.keras model, or list of LayerSpec / dict
        A linear stack. Dicts are passed to :class:`LayerSpec` (``{"kind": "conv", "kernel": 3}``).
    input_size : int or pair of int, optional
        Input height and width. Needed for ``padding="same"`` with a stride above 1 (where
        TensorFlow's padding depends on the size) and for global pooling / Flatten. Taken from the
        model's input shape for a keras model.

    Returns
    -------
    list of RFRecord
        One per layer (pointwise layers such as Dropout or Dense after Flatten included).

    Examples
    --------
    >>> recs = receptive_field([conv(3), pool(2), conv(3)])
    >>> [r.size[0] for r in recs], [r.jump[0] for r in recs]
    ([3, 4, 8], [1, 2, 2])
    """
    specs, model_size = layer_specs(layers)
    if input_size is None:
        input_size = model_size
    sizes = _input_pair(input_size)
    state = [[1, 1, 0.0, n] for n in sizes]  # r, j, start, n per axis
    records = []
    for spec in specs:
        for axis in range(2):
            state[axis] = _step(spec, axis, *state[axis])
        records.append(RFRecord(
            name=spec.name, kind=spec.kind,
            size=tuple(st[0] for st in state), jump=tuple(st[1] for st in state),
            start=tuple(st[2] for st in state),
            output_size=None if sizes[0] is None else tuple(st[3] for st in state),
        ))
    return records


def unit_box(record, row, col, clip_to=None):
    """Input rows and columns seen by unit (row, col) of a layer: ((top, bottom), (left, right)).

    Bounds are inclusive. With ``clip_to=(H, W)`` the box is clipped to the input (padded cells
    dropped).

    Examples
    --------
    >>> rec = receptive_field([conv(3), conv(3), conv(3)])[-1]
    >>> unit_box(rec, 0, 0)
    ((0, 6), (0, 6))
    """
    box = []
    for axis, idx in enumerate((row, col)):
        centre = record.start[axis] + idx * record.jump[axis]
        half = (record.size[axis] - 1) / 2
        lo, hi = centre - half, centre + half
        if clip_to is not None:
            lo, hi = max(lo, 0), min(hi, clip_to[axis] - 1)
        box.append((int(math.floor(lo)), int(math.ceil(hi))))
    return tuple(box)


def layer_specs(layers):
    """Turn a keras model or a list of specs/dicts into (list of LayerSpec, input size or None)."""
    if hasattr(layers, "layers") and hasattr(layers, "inputs"):
        return _keras_specs(layers)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a tf.keras model or a list of layer specs, got "
                        f"{type(layers).__name__}")
    specs = []
    for i, item in enumerate(layers):
        if isinstance(item, LayerSpec):
            specs.append(item)
        elif isinstance(item, dict):
            try:
                specs.append(LayerSpec(**item))
            except TypeError as exc:
                raise ValueError(f"layer {i} {item!r} is not a valid spec: {exc}") from None
        elif hasattr(item, "get_config"):
            specs.append(_keras_layer_spec(item))
        else:
            raise TypeError(f"layer {i} must be a LayerSpec, a dict or a keras layer, got "
                            f"{type(item).__name__}: {item!r}")
    return specs, None


def empirical_receptive_field(model, layer=None, unit=None, batch_size=256):
    """Measure the receptive field of one unit of a keras model by sending impulses through it.

    The model is cut at ``layer`` (default: the last layer with a spatial output) and cloned with
    every kernel set to the positive constant ``1 / fan_in``, every bias to 0 and every activation
    to the identity. Each input image is zero except one pixel set to 1. With positive weights
    nothing cancels, and max pooling of values that are zero or positive passes any positive value
    on, so the chosen unit is positive exactly for the input pixels inside its receptive field (and
    exactly 0 elsewhere: no rounding is involved).

    Parameters
    ----------
    model : tf.keras.Model
        With a known input shape (H, W, C), made of layers :func:`receptive_field` understands.
    layer : int or str, optional
        Index or name of the layer whose unit is probed.
    unit : (row, col), optional
        Default: the centre unit.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True where an input pixel reaches the unit.
    """
    import tensorflow as tf

    sub, shape = _cut_model(model, layer)
    _layer_probe_weights(sub)
    h, w, c = shape
    out_shape = sub.output_shape[1:] if hasattr(sub, "output_shape") else sub.outputs[0].shape[1:]
    if len(out_shape) == 3:
        if unit is None:
            unit = (out_shape[0] // 2, out_shape[1] // 2)
        r, q = unit
        if not (0 <= r < out_shape[0] and 0 <= q < out_shape[1]):
            raise ValueError(f"unit {unit} is outside the layer's {tuple(out_shape[:2])} grid")
    elif unit is not None:
        raise ValueError(f"unit {unit} given but the layer's output {tuple(out_shape)} has no grid")
    mask = np.zeros(h * w, dtype=bool)
    for start in range(0, h * w, batch_size):
        idx = np.arange(start, min(start + batch_size, h * w))
        batch = np.zeros((len(idx), h * w, c), dtype="float32")
        batch[np.arange(len(idx)), idx, :] = 1.0
        out = sub(tf.constant(batch.reshape(len(idx), h, w, c)), training=False).numpy()
        val = out[:, unit[0], unit[1], :] if len(out_shape) == 3 else out.reshape(len(idx), -1)
        mask[idx] = np.any(val > 0, axis=-1)
    return mask.reshape(h, w)


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

    sub, (h, w, c) = _cut_model(model, layer, clone=False)
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


# --- internals ---------------------------------------------------------------------------------

def _pair(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(check_positive_int(v, name) for v in value)
    return (check_positive_int(value, name),) * 2


def _pad_pairs(pad):
    def nonneg(v):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"pad must hold non-negative integers, got {pad!r}")
        return int(v)

    if isinstance(pad, (int, np.integer)) and not isinstance(pad, (bool, np.bool_)):
        p = nonneg(pad)
        return ((p, p), (p, p))
    if isinstance(pad, (tuple, list)) and len(pad) == 2:
        if all(isinstance(v, (tuple, list)) and len(v) == 2 for v in pad):
            return tuple((nonneg(a), nonneg(b)) for a, b in pad)
        if not any(isinstance(v, (tuple, list)) for v in pad):
            return tuple((nonneg(v), nonneg(v)) for v in pad)
    raise ValueError(f"pad must be an int, a pair, or ((top, bottom), (left, right)); got {pad!r}")


def _input_pair(input_size):
    if input_size is None:
        return (None, None)
    values = input_size if isinstance(input_size, (tuple, list)) else (input_size, input_size)
    if len(values) != 2:
        raise ValueError(f"input_size must be an int or a pair of ints, got {input_size!r}")
    return tuple(None if v is None else check_positive_int(v, "input_size") for v in values)


def _step(spec, axis, r, j, start, n):
    """One layer of the closed form along one axis."""
    if spec.kind == "pointwise":
        return r, j, start, n
    if spec.kind == "zeropad":
        before, after = spec.pad[axis]
        return r, j, start - before * j, None if n is None else n + before + after
    if spec.kind in ("global", "flatten"):
        if n is None:
            raise ValueError(f"layer {spec.name!r} ({spec.kind}) sees the whole input: pass "
                             f"input_size to know how big that is")
        return r + (n - 1) * j, j * n, start + (n - 1) / 2 * j, 1
    k = spec.dilation[axis] * (spec.kernel[axis] - 1) + 1
    s = spec.stride[axis]
    if spec.padding == "valid":
        before = 0
        if n is not None and n < k:
            raise ValueError(f"layer {spec.name!r}: kernel {k} is larger than its input size {n}")
        out = None if n is None else (n - k) // s + 1
    elif n is not None:
        out = -(-n // s)
        before = max((out - 1) * s + k - n, 0) // 2
    elif s == 1:
        before, out = (k - 1) // 2, None
    else:
        raise ValueError(f"layer {spec.name!r} has padding='same' and stride {s}: its padding "
                         f"depends on the input size, so pass input_size")
    return r + (k - 1) * j, j * s, start + ((k - 1) / 2 - before) * j, out


_POINTWISE = {"Dense", "Dropout", "Activation", "BatchNormalization", "ReLU", "Rescaling",
              "LeakyReLU", "Softmax", "InputLayer", "SpatialDropout2D", "LayerNormalization"}


def _keras_layer_spec(layer):
    kind = type(layer).__name__
    if kind in ("Conv2D", "SeparableConv2D", "DepthwiseConv2D"):
        return LayerSpec("conv", layer.kernel_size, layer.strides, layer.padding,
                         layer.dilation_rate, name=layer.name)
    if kind in ("MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D"):
        return LayerSpec("pool", layer.pool_size, layer.strides, layer.padding, name=layer.name)
    if kind == "ZeroPadding2D":
        return LayerSpec("zeropad", pad=layer.padding, name=layer.name)
    if kind in ("GlobalMaxPooling2D", "GlobalAveragePooling2D", "GlobalMaxPool2D",
                "GlobalAvgPool2D"):
        return LayerSpec("global", name=layer.name)
    if kind == "Flatten":
        return LayerSpec("flatten", name=layer.name)
    if kind in _POINTWISE:
        return LayerSpec("pointwise", name=layer.name)
    raise ValueError(f"layer {layer.name!r} of type {kind} is not supported by the receptive-field "
                     f"arithmetic (supported: Conv2D, MaxPooling2D, AveragePooling2D, "
                     f"ZeroPadding2D, global pooling, Flatten and pointwise layers)")


def _keras_specs(model):
    shape = _model_input_shape(model)
    specs = [_keras_layer_spec(layer) for layer in model.layers]
    return specs, (shape[0], shape[1]) if shape else None


def _model_input_shape(model):
    try:
        shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, ValueError):
        return None
    return shape if len(shape) == 3 and None not in shape else None


def _cut_model(model, layer, clone=True):
    import tensorflow as tf

    shape = _model_input_shape(model)
    if shape is None:
        raise ValueError("the model needs a known input shape (H, W, C); build it with "
                         "tf.keras.Input(shape=...)")
    if layer is None:
        spatial = [i for i, ly in enumerate(model.layers) if len(ly.output.shape) == 4]
        if not spatial:
            raise ValueError("the model has no layer with a spatial (H, W, C) output")
        layer = spatial[-1]
    if isinstance(layer, str):
        target = model.get_layer(layer)
    elif isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        if not -len(model.layers) <= layer < len(model.layers):
            raise ValueError(f"layer {layer} is out of range for a model of {len(model.layers)} "
                             f"layers")
        target = model.layers[layer]
    else:
        raise TypeError(f"layer must be an index or a name, got {layer!r}")
    for ly in model.layers[: model.layers.index(target) + 1]:
        _keras_layer_spec(ly)  # refuse layers the arithmetic does not know
    sub = tf.keras.Model(model.inputs, target.output)
    if clone:
        sub = tf.keras.models.clone_model(sub, clone_function=_linear_copy)
    return sub, shape


def _linear_copy(layer):
    """A fresh copy of a layer with its activation replaced by the identity."""
    import tensorflow as tf

    if type(layer).__name__ in ("ReLU", "Softmax", "LeakyReLU"):
        return tf.keras.layers.Activation("linear", name=layer.name)
    config = layer.get_config()
    if "activation" in config:
        config["activation"] = "linear"
    return type(layer).from_config(config)


def _layer_probe_weights(model):
    """Kernels to 1 / channels in, biases to 0, batch norm to the identity."""
    for layer in model.layers:
        for var in layer.weights:
            name = var.name.split("/")[-1].split(":")[0]
            value = np.asarray(var.numpy())
            if name in ("kernel", "depthwise_kernel", "pointwise_kernel"):
                var.assign(np.full_like(value, 1.0 / value.shape[-2]))
            elif name in ("gamma", "moving_variance"):
                var.assign(np.ones_like(value))
            else:
                var.assign(np.zeros_like(value))
