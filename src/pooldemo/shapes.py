"""Small convnets whose down-sampling and head vary, and a per-layer table of what that changes.

:func:`build_convnet` stacks ``blocks`` 3x3 ReLU convolutions (one per block, 32 filters then 64,
Chollet's MNIST layout) with a 2x2 down-sampling step between blocks: max or average pooling, a
stride-2 convolution instead (the all-convolutional net), or nothing. The head is ``Flatten`` then
``Dense(10)``, or global pooling then ``Dense(10)``. :func:`layer_table` lists per layer the output
shape, the parameters (from Keras), the receptive field (from :mod:`pooldemo.receptive`) and
the multiply-accumulates (from :func:`pooldemo.models.count_macs`). :func:`convnet_table` gives
the same table for :func:`build_convnet`'s networks by arithmetic alone, without TensorFlow (a
model build costs 0.1-0.2 s; the ShapeExplorer needs the table on every first visit of a setting).

TensorFlow is imported inside the functions that need it.

Used in: the chapters on what goes wrong without pooling and on receptive fields, the ShapeExplorer.
"""

from __future__ import annotations

import numbers

from ._checks import check_choice, check_positive_int
from .geometry import output_length
from .models import convnet

__all__ = ["DOWNSAMPLERS", "HEADS", "build_convnet", "convnet_sizes", "convnet_table",
           "layer_table"]

#: the words of :data:`pooldemo.models.DOWNSAMPLERS` and :data:`pooldemo.models.HEADS` whose
#: networks the arithmetic of :func:`convnet_sizes` and :func:`convnet_table` covers
DOWNSAMPLERS = ("max", "average", "strided", "none")
HEADS = ("flatten", "global_average", "global_max")


MAX_FILTERS = 4096  # per layer; more would not fit a demonstration (or TensorFlow's int32 shapes)
MAX_INPUT_SIZE = 2048  # pixels per side
MAX_BLOCKS = (MAX_INPUT_SIZE - 1) // 2  # each valid 3x3 conv takes 2 pixels: no input allows more


def check_filters(filters, blocks):
    """Filters per block as a tuple: an int ``f`` gives (f, 2f, 2f, ...); at most MAX_FILTERS."""
    blocks = check_positive_int(blocks, "blocks")
    if blocks > MAX_BLOCKS:
        raise ValueError(f"blocks must be at most {MAX_BLOCKS} (each 3x3 convolution takes 2 "
                         f"pixels of an input of at most {MAX_INPUT_SIZE}), got {blocks!r}")
    if isinstance(filters, numbers.Integral) and not isinstance(filters, bool):
        f = check_positive_int(filters, "filters")
        filters = (f,) + (2 * f,) * (blocks - 1)
    elif isinstance(filters, (tuple, list)):
        if len(filters) != blocks:
            raise ValueError(f"filters must hold one count per block ({blocks}), got {filters!r}")
        filters = tuple(check_positive_int(f, "filters") for f in filters)
    else:
        raise TypeError(f"filters must be an int or a tuple of ints, got {filters!r}")
    if max(filters) > MAX_FILTERS:
        raise ValueError(f"filters must be at most {MAX_FILTERS} per layer, got {filters!r}")
    return filters


def check_input_size(input_size):
    """The square input's side as an int, at most MAX_INPUT_SIZE."""
    input_size = check_positive_int(input_size, "input_size")
    if input_size > MAX_INPUT_SIZE:
        raise ValueError(f"input_size must be at most {MAX_INPUT_SIZE}, got {input_size!r}")
    return input_size


def _check(blocks, downsample, head, filters, input_size):
    blocks = check_positive_int(blocks, "blocks")
    check_choice(downsample, "downsample", DOWNSAMPLERS)
    check_choice(head, "head", HEADS)
    filters = check_filters(filters, blocks)
    return blocks, downsample, head, filters, check_input_size(input_size)


def convnet_sizes(blocks=3, downsample="max", input_size=28):
    """Spatial size after each conv and down-sampling layer, or raise if the input runs out.

    Cheap (no TensorFlow): lets callers know whether a setting is possible before building it.

    Returns
    -------
    list of (layer name, size)

    Examples
    --------
    >>> convnet_sizes(3, "max")
    [('conv1', 26), ('pool1', 13), ('conv2', 11), ('pool2', 5), ('conv3', 3)]
    """
    blocks, downsample, _, _, n = _check(blocks, downsample, "flatten", 1, input_size)
    sizes = []
    for b in range(1, blocks + 1):
        stride = 2 if downsample == "strided" and b > 1 else 1
        if n < 3:
            where = f"conv{b}" + (" (stride 2)" if stride == 2 else "")
            raise ValueError(
                f"blocks={blocks} is too many for input_size={input_size} with "
                f"downsample={downsample!r}: {where} gets a {n}x{n} input, smaller than its 3x3 "
                f"kernel")
        n = output_length(n, 3, stride, "valid")
        sizes.append((f"conv{b}", n))
        if b < blocks and downsample in ("max", "average"):
            if n < 2:
                raise ValueError(
                    f"blocks={blocks} is too many for input_size={input_size} with "
                    f"downsample={downsample!r}: pool{b} gets a {n}x{n} input, smaller than its "
                    f"2x2 window")
            n = output_length(n, 2, 2, "valid")
            sizes.append((f"pool{b}", n))
    return sizes


def build_convnet(blocks=3, downsample="max", head="flatten", filters=32, input_size=28,
                  n_classes=10):
    """A tf.keras convnet: ``blocks`` conv blocks, a down-sampling step between them, a head.

    :func:`pooldemo.models.convnet` with one 3x3 convolution per block.

    Parameters
    ----------
    blocks : int
        Number of 3x3 ReLU convolutions (valid padding), one per block.
    downsample : {"max", "average", "strided", "none"}
        Between blocks: ``MaxPooling2D(2)``, ``AveragePooling2D(2)``, nothing but the next
        convolution has stride 2 ("strided"), or nothing ("none").
    head : {"flatten", "global_average", "global_max"}
        ``Flatten`` or global pooling, then ``Dense(n_classes, softmax)``.
    filters : int or tuple of int
        An int ``f`` gives ``f`` filters in block 1 and ``2 f`` after (32, 64, 64 as in Chollet's
        book); a tuple gives one count per block.
    input_size : int
        Height and width of the single-channel input.

    Raises
    ------
    ValueError
        When a layer would get an input smaller than its window; the message names the settings.

    Examples
    --------
    >>> build_convnet().count_params()
    61514
    """
    blocks, downsample, head, filters, input_size = _check(blocks, downsample, head, filters,
                                                           input_size)
    n_classes = check_positive_int(n_classes, "n_classes")
    convnet_sizes(blocks, downsample, input_size)  # raises with the settings named
    return convnet(filters, downsample, head, input_size=input_size, n_classes=n_classes,
                   name=f"convnet_{blocks}_{downsample}_{head}")


def __getattr__(name):
    if name == "DOWNSAMPLE":
        import warnings

        warnings.warn("pooldemo.shapes.DOWNSAMPLE is now DOWNSAMPLERS", DeprecationWarning,
                      stacklevel=2)
        return DOWNSAMPLERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def layer_table(model):
    """One row per layer of a tf.keras model: shape, parameters, receptive field and cost.

    Returns
    -------
    list of dict
        Keys ``name``, ``type`` (Keras class name), ``output_shape`` (without the batch axis),
        ``params`` (``layer.count_params()``), ``rf_size`` and ``jump`` ((rows, cols) pairs from
        :func:`pooldemo.receptive_field`) and ``macs`` (multiply-accumulates or comparisons of
        one forward pass, 0 for Flatten).

    Examples
    --------
    >>> rows = layer_table(build_convnet(2, "max"))
    >>> [r["rf_size"][0] for r in rows]
    [3, 4, 8, 28, 28]
    """
    if not (hasattr(model, "layers") and hasattr(model, "inputs")):
        raise TypeError(f"model must be a tf.keras model, got {type(model).__name__}")
    from .models import count_macs
    from .receptive import receptive_field

    records = receptive_field(model)
    macs = count_macs(model)
    rows = []
    for layer, rec in zip(model.layers, records):
        rows.append({
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": tuple(int(d) for d in layer.output.shape[1:]),
            "params": int(layer.count_params()),
            "rf_size": tuple(int(v) for v in rec.size),
            "jump": tuple(int(v) for v in rec.jump),
            "macs": int(macs.get(layer.name, 0)),
        })
    return rows


def convnet_table(blocks=3, downsample="max", head="flatten", filters=32, input_size=28,
                  n_classes=10):
    """``layer_table(build_convnet(...))`` computed without TensorFlow (same rows, tested).

    Conv2D (3x3, valid): ``(9 c_in + 1) c_out`` parameters, ``h w 9 c_in c_out`` MACs; 2x2
    pooling: ``h w c 4`` operations; global pooling: one per input value; Dense:
    ``(n_in + 1) n_out`` parameters, ``n_in n_out`` MACs; receptive fields from the closed form
    of :func:`pooldemo.receptive_field`.

    Raises
    ------
    ValueError
        As :func:`build_convnet`, for impossible settings (the message names them).

    Examples
    --------
    >>> [(r["name"], r["params"]) for r in convnet_table(2, "max", "global_average")]
    [('conv1', 320), ('pool1', 0), ('conv2', 18496), ('global_average', 0), ('classes', 650)]
    """
    from .receptive import LayerSpec, receptive_field
    from .receptive.specs import Conv2D, Flatten, GlobalPooling2D, MaxPooling2D

    blocks, downsample, head, filters, input_size = _check(blocks, downsample, head, filters,
                                                           input_size)
    n_classes = check_positive_int(n_classes, "n_classes")
    sizes = dict(convnet_sizes(blocks, downsample, input_size))  # raises with the settings named
    specs, rows = [], []
    n, channels = input_size, 1

    def add(spec, kind, shape, params, macs):
        specs.append(spec)
        rows.append({"name": spec.name, "type": kind, "output_shape": shape, "params": params,
                     "macs": macs})

    for b in range(1, blocks + 1):
        stride = 2 if downsample == "strided" and b > 1 else 1
        out, n = filters[b - 1], sizes[f"conv{b}"]
        add(Conv2D(3, stride, name=f"conv{b}"), "Conv2D", (n, n, out),
            (9 * channels + 1) * out, n * n * 9 * channels * out)
        channels = out
        if b < blocks and downsample in ("max", "average"):
            n = sizes[f"pool{b}"]
            kind = "MaxPooling2D" if downsample == "max" else "AveragePooling2D"
            add(MaxPooling2D(2, name=f"pool{b}"), kind, (n, n, channels), 0, n * n * channels * 4)
    if head == "flatten":
        n_in = n * n * channels
        add(Flatten(name="flatten"), "Flatten", (n_in,), 0, 0)
    else:
        n_in = channels
        kind = "GlobalAveragePooling2D" if head == "global_average" else "GlobalMaxPooling2D"
        add(GlobalPooling2D(name=head), kind, (channels,), 0, n * n * channels)
    add(LayerSpec("pointwise", name="classes"), "Dense", (n_classes,),
        (n_in + 1) * n_classes, n_in * n_classes)
    for row, record in zip(rows, receptive_field(specs, input_size)):
        row["rf_size"] = tuple(int(v) for v in record.size)
        row["jump"] = tuple(int(v) for v in record.jump)
    return rows
