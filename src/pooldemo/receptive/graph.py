"""Receptive fields of any tf.keras model: a walk over its graph of layers.

Every tensor gets a field per axis (size, jump, start, length; see
:mod:`pooldemo.receptive.closed_form`). A layer with one input applies the closed-form step of its
spec; a merge (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate) takes the union of
its inputs' fields and records whether their centres line up (Araujo et al. 2019 discuss networks
whose paths are not aligned); a nested model is walked with its inputs' fields. Global pooling,
Flatten and anything computed from them (a squeeze-and-excitation gate multiplied back into a map)
make a unit see the whole input: such a field is the same box for every unit (jump 0 once it is
spread over a map again).

Understood: Conv2D (any dilation and groups), DepthwiseConv2D, SeparableConv2D, Max- and
AveragePooling2D (both paddings, TensorFlow's split of 'same'), ZeroPadding2D, Cropping2D, global
pooling, Flatten, the merges above, nested models, and the pointwise layers of :data:`POINTWISE`
(Dense and Reshape only where they keep positions apart). Keras's output shapes are checked
against the arithmetic's. Any other layer raises a ValueError naming it, and ``custom``
declares it (``{"my_layer": "pointwise"}``, ``"merge"`` or a spec such as
``specs.Conv2D(kernel_size=3, strides=2)``). TensorFlow is not imported here: the model is read.
"""

from __future__ import annotations

from .closed_form import Axis, input_pair, record, step
from .specs import LayerSpec, MaxBlurPooling2D

__all__ = ["model_records", "chain_specs", "layer_spec", "POINTWISE"]

_CONV = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D"}
_POOL = {"MaxPooling2D", "AveragePooling2D"}
_GLOBAL = {"GlobalMaxPooling2D", "GlobalAveragePooling2D"}
_MERGE = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
#: layers that work on each position (and each channel group) alone, by class name
POINTWISE = {"InputLayer", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
             "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
             "ActivityRegularization", "BatchNormalization", "LayerNormalization",
             "UnitNormalization", "Rescaling", "Normalization", "LayerScale", "Identity",
             "Dense", "EinsumDense", "Reshape", "StochasticDepth"}
_DECLARED = ("pointwise", "merge")


def model_records(model, input_size=None, custom=None):
    """Closed-form receptive field of every layer output of a tf.keras model (see
    :func:`pooldemo.receptive_field`)."""
    custom = _check_custom(custom)
    inputs = list(model.inputs)
    if len(inputs) != 1:
        raise ValueError(f"the model has {len(inputs)} inputs; the receptive field needs one "
                         f"image input")
    shape = tuple(inputs[0].shape[1:])
    if len(shape) != 3:
        raise ValueError(f"the model's input must be an image (H, W, C), got shape {shape}")
    sizes = input_pair(input_size) if input_size is not None else tuple(shape[:2])
    field = _Field(tuple(Axis(1, 1, 0.0, n) for n in sizes), False)
    walker = _Walker(custom, sized=None not in sizes, check_shapes=input_size is None)
    walker.walk(model, [field], prefix="")
    return walker.records


def chain_specs(model):
    """The specs of a model whose layers form a chain, and its input size (or None)."""
    shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else ()
    specs = [layer_spec(layer) for layer in model.layers]
    size = (shape[0], shape[1]) if len(shape) == 3 and None not in shape[:2] else None
    return specs, size


def layer_spec(layer, custom=None):
    """The spec of a keras layer with one input, or a ValueError naming it and its type."""
    kind = _kind(layer, custom or {})
    if isinstance(kind, LayerSpec):
        return kind
    if kind == "merge":
        raise ValueError(f"layer {layer.name!r} of type {type(layer).__name__} merges several "
                         f"inputs: it has no spec in a chain; pass the model to receptive_field")
    raise ValueError(f"layer {layer.name!r} is a nested model: pass the model to "
                     f"receptive_field")


# --- internals ----------------------------------------------------------------------------------

class _Field:
    """Field of one tensor: per-axis state and whether it is a global summary."""

    __slots__ = ("axes", "whole", "aligned", "offset")

    def __init__(self, axes, whole, aligned=None, offset=None):
        self.axes, self.whole, self.aligned, self.offset = axes, whole, aligned, offset


class _Walker:
    def __init__(self, custom, sized, check_shapes):
        self.custom, self.sized, self.check_shapes = custom, sized, check_shapes
        self.records = []

    def walk(self, model, in_fields, prefix):
        """Fields of ``model``'s outputs given its inputs' fields; records every layer output
        (in the order of ``model.layers``, a keras operation such as ``x + y`` after the layer
        computed before it; a layer called twice gets ``name#1`` ...)."""
        fields = {id(t): f for t, f in zip(model.inputs, in_fields)}
        calls = {}  # id(layer) -> [(output fields, records of a nested model)]
        listed = {id(ly) for ly in model.layers}
        after, anchor = {}, None  # keras operations (``x + y``) are no layers: placed after one
        for layer, node in self._order(model):
            args = [fields[id(t)] for t in node.input_tensors]
            outs, inner = self._apply(layer, node, args, prefix)
            for t, f in zip(node.output_tensors, outs):
                fields[id(t)] = f
            calls.setdefault(id(layer), []).append((outs, inner))
            if id(layer) in listed:
                anchor = id(layer)
            elif len(calls[id(layer)]) == 1:
                after.setdefault(anchor, []).append(layer)
        order = after.get(None, []) + [ly for layer in model.layers
                                       for ly in [layer] + after.get(id(layer), [])]
        for layer in order:
            kind = _kind(layer, self.custom)
            label = kind if isinstance(kind, str) else kind.kind
            if type(layer).__name__ == "InputLayer" and id(layer.output) in fields:
                calls.setdefault(id(layer), [([fields[id(layer.output)]], [])])
            for k, (outs, inner) in enumerate(calls.get(id(layer), [])):
                self.records.extend(inner)
                name = prefix + layer.name + (f"#{k}" if k else "")
                for f in outs:
                    self.records.append(record(name, label, f.axes, self.sized, f.whole,
                                               f.aligned, f.offset))
        return [fields[id(t)] for t in model.outputs]

    @staticmethod
    def _order(model):
        """(layer, node) of every layer call of ``model``, each after the calls it depends on."""
        inputs = {id(t) for t in model.inputs}
        seen, order = set(), []
        stack = [(t, False) for t in reversed(model.outputs)]
        while stack:
            tensor, ready = stack.pop()
            if id(tensor) in inputs:
                continue
            layer, node_index, _ = tensor._keras_history
            key = (id(layer), node_index)
            if key in seen:
                continue
            node = layer._inbound_nodes[node_index]
            if ready:
                seen.add(key)
                order.append((layer, node))
                continue
            stack.append((tensor, True))
            stack.extend((t, False) for t in reversed(node.input_tensors) if id(t) not in inputs)
        return order

    def _apply(self, layer, node, args, prefix):
        """(output fields, records of a nested model) of one layer call."""
        kind = _kind(layer, self.custom, node)
        name = prefix + layer.name
        if kind == "model":
            inner = _Walker(self.custom, self.sized, self.check_shapes)
            outs = inner.walk(layer, args, prefix=name + "/")
            return outs, inner.records
        if kind == "merge":
            return [self._merge(name, node, args)], []
        if len(args) != 1:
            raise ValueError(f"layer {name!r} of type {type(layer).__name__} has {len(args)} "
                             f"inputs; declare it custom={{{layer.name!r}: 'merge'}} if it "
                             f"merges them")
        (f,) = args
        if kind.kind == "pointwise" or (kind.kind == "flatten" and f.whole):
            out = _Field(f.axes, f.whole)
        else:
            out = _Field(tuple(step(kind, a, st, f.whole) for a, st in enumerate(f.axes)),
                         f.whole or kind.kind in ("global", "flatten"))
        self._check_shape(name, node.output_tensors[0], out)
        return [out], []

    def _merge(self, name, node, args):
        sizes = [tuple(a.n for a in f.axes) for f in args]
        n_out = tuple(max((s[a] for s in sizes if s[a] is not None), default=None)
                      for a in range(2))
        # a 1x1 input spread over a larger map, or a global summary, is one box for every unit
        fixed = [f for f, s in zip(args, sizes) if f.whole or (s == (1, 1) and n_out != (1, 1))]
        local = [f for f in args if not any(f is g for g in fixed)]
        whole = any(f.whole for f in args)
        aligned = offset = None
        axes = []
        for a in range(2):
            if local:
                jumps = {f.axes[a].j for f in local}
                if len(jumps) > 1:
                    raise ValueError(f"layer {name!r} merges inputs whose units are "
                                     f"{sorted(jumps)} pixels apart along axis {a}: their union "
                                     f"is not one receptive field per unit")
            n = n_out[a]
            if fixed:  # every unit: the fixed boxes and every local unit's box
                span = [_bounds(f.axes[a]) for f in fixed]
                span += [_bounds(f.axes[a], last=True) for f in local]
                lo, hi = min(b[0] for b in span), max(b[1] for b in span)
                j = 0 if (n or 1) > 1 else max(f.axes[a].j for f in args)
            else:
                span = [_bounds(f.axes[a]) for f in local]
                lo, hi = min(b[0] for b in span), max(b[1] for b in span)
                j = local[0].axes[a].j
            axes.append(Axis(int(round(hi - lo)) + 1, j, (lo + hi) / 2, n))
        if len(local) > 1:
            offset = tuple(max(f.axes[a].start for f in local) - min(f.axes[a].start
                                                                     for f in local)
                           for a in range(2))
            aligned = offset == (0, 0)
        out = _Field(tuple(axes), whole, aligned, offset)
        self._check_shape(name, node.output_tensors[0], out)
        return out

    def _check_shape(self, name, tensor, field):
        if not self.check_shapes:
            return
        shape = tuple(tensor.shape[1:])
        want = shape[:2] if len(shape) == 3 else (1, 1)
        got = tuple(a.n for a in field.axes)
        if None not in want and got != tuple(want):
            raise ValueError(f"layer {name!r}: the arithmetic gives a {got} output, Keras "
                             f"{tuple(want)}; the layer does something the receptive-field "
                             f"arithmetic does not model")


def _bounds(axis, last=False):
    """(first, last) input cell of unit 0's box (of every unit's boxes with ``last``)."""
    half = (axis.r - 1) / 2
    lo, hi = axis.start - half, axis.start + half
    if last and axis.n is not None:
        hi += (axis.n - 1) * axis.j
    return lo, hi


def _check_custom(custom):
    if custom is None:
        return {}
    if not isinstance(custom, dict):
        raise TypeError(f"custom must be a dict {{layer name or class name: 'pointwise', 'merge' "
                        f"or a LayerSpec}}, got {type(custom).__name__}")
    for key, value in custom.items():
        if not isinstance(key, str):
            raise TypeError(f"custom keys must be layer or class names (str), got {key!r}")
        if not (isinstance(value, LayerSpec) or value in _DECLARED):
            raise ValueError(f"custom[{key!r}] must be 'pointwise', 'merge' or a LayerSpec "
                             f"(e.g. pooldemo.specs.Conv2D(3)), got {value!r}")
    return custom


def _names(layer):
    return [c.__name__ for c in type(layer).__mro__]


def _kind(layer, custom, node=None):
    """'model', 'merge' or the LayerSpec of a layer."""
    cls = type(layer).__name__
    declared = custom.get(layer.name, custom.get(cls))
    if declared is not None:
        return LayerSpec("pointwise", name=layer.name) if declared == "pointwise" else \
            declared if declared == "merge" else declared
    names = _names(layer)
    if "Functional" in names or "Sequential" in names:
        return "model"
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(f"layer {layer.name!r} of type {cls} uses data_format="
                         f"{layer.data_format!r}; only channels_last is supported")
    for base in names:
        if base == "MaxBlurPooling2D":  # pooldemo.antialias
            return MaxBlurPooling2D(layer.strides, layer.padding, name=layer.name)
        if base in _CONV:
            return LayerSpec("conv", layer.kernel_size, layer.strides, layer.padding,
                             layer.dilation_rate, name=layer.name)
        if base in _POOL:
            return LayerSpec("pool", layer.pool_size, layer.strides, layer.padding,
                             name=layer.name)
        if base == "ZeroPadding2D":
            return LayerSpec("zeropad", pad=layer.padding, name=layer.name)
        if base == "Cropping2D":
            return LayerSpec("crop", pad=layer.cropping, name=layer.name)
        if base in _GLOBAL:
            return LayerSpec("global", name=layer.name)
        if base == "Flatten":
            return LayerSpec("flatten", name=layer.name)
        if base in _MERGE:
            axis = getattr(layer, "axis", -1)
            if base == "Concatenate" and axis not in (-1, 3):
                raise ValueError(f"layer {layer.name!r} of type {cls} concatenates along axis "
                                 f"{axis}; only the channel axis keeps receptive fields apart")
            return "merge"
        if base in POINTWISE:
            _check_pointwise(layer, base, node)
            return LayerSpec("pointwise", name=layer.name)
    why = {"UpSampling2D": ": it repeats each unit, so the centres of its output units are not "
                           "evenly spaced and have no (size, jump, start) form",
           "Conv2DTranspose": ": a transposed convolution spreads each unit over several outputs "
                              "(a fractional jump)",
           "Lambda": ": its computation is unknown",
           "GroupNormalization": ": it normalises over the whole map, not per position"}
    raise ValueError(f"layer {layer.name!r} of type {cls} is not supported by the "
                     f"receptive-field arithmetic{why.get(cls, '')}. Declare it with "
                     f"custom={{{layer.name!r}: 'pointwise'}} (or 'merge', or a spec such as "
                     f"pooldemo.specs.Conv2D(kernel_size=3, strides=2)) if you know what it does")


def _check_pointwise(layer, base, node):
    """Refuse a usually pointwise layer configured to mix positions."""
    cls = type(layer).__name__
    if base in ("LayerNormalization", "Softmax", "UnitNormalization"):
        axis = layer.axis
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        if any(a not in (-1, 3) for a in axes):
            raise ValueError(f"layer {layer.name!r} of type {cls} works over axis {axis}: it "
                             f"mixes positions, so it is not pointwise")
    if node is None:
        return
    in_shape = tuple(node.input_tensors[0].shape[1:]) if node.input_tensors else ()
    out_shape = tuple(node.output_tensors[0].shape[1:])
    if base == "Dense" and len(in_shape) not in (1, 3):
        raise ValueError(f"layer {layer.name!r} of type Dense on a {len(in_shape)}-D input "
                         f"{in_shape}: only (C,) or (H, W, C) inputs are understood")
    if base == "Reshape":
        spatial_in = in_shape[:2] if len(in_shape) == 3 else (1, 1)
        spatial_out = out_shape[:2] if len(out_shape) == 3 else (1, 1)
        if len(in_shape) not in (1, 3) or len(out_shape) not in (1, 3) \
                or tuple(spatial_in) != (1, 1) or tuple(spatial_out) != (1, 1):
            raise ValueError(f"layer {layer.name!r} of type Reshape turns {in_shape} into "
                             f"{out_shape}: only a 1x1 map or a vector can be reshaped into one "
                             f"another without moving units")
