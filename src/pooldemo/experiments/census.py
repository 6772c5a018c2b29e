"""A census of ten Keras Applications networks: how they down-sample, and what one unit sees.

For each model (``tf.keras.applications.X(weights=None)``, not trained: only the architecture is
read) one record holds

- ``downsampling``: every layer that shrinks the map, in order, as a max pool, average pool,
  strided convolution (``skips_inputs`` when its kernel is smaller than its stride), patchify
  convolution (kernel == stride), or a global average / max pooling (the head, or the squeeze of a
  squeeze-and-excitation block), with its kernel, stride, input and output size, stage (the k-th
  resolution the body reaches), and the closed-form receptive field after it (size, jump, and
  whether it is already the whole input);
- ``head`` (how the classifier reads the last map), ``se_blocks``, ``params``, merges and how
  many of them join paths whose fields are not centred alike (Araujo et al. 2019);
- ``closed_form``: the field of the last spatial layer at the model's default input size, and
  ``closed_form_without_se``: the same if every squeeze-and-excitation gate looked at one position
  only (the field of the convolutions themselves; None for a model without SE blocks);
- ``measured``: the field of the centre unit of the last spatial layer measured on the model
  itself (:func:`pooldemo.receptive.measure_field`) at the smallest input (a multiple of 32) in
  which the closed-form field of that unit fits, beside the closed form's box at that size;
- ``published``: Araujo et al.'s figures for the TF-Slim network of the same name, if they publish
  one (:data:`pooldemo.receptive.PUBLISHED`), our closed form at the same layer and input, and --
  where the two differ -- our figure recomputed with TF-Slim's stem (TensorFlow's 'same' padding
  for the first max pooling instead of Keras's ``ZeroPadding2D(1)``), which is where they differ.

Used in: "Pooling in modern networks".
"""

from __future__ import annotations

from .._checks import check_choice, check_seed
from ..receptive import PUBLISHED, measure_field, receptive_field, specs, unit_box

__all__ = ["MODELS", "EVIDENCE_PLAN", "evidence_run", "census", "downsampling",
           "fitting_input_size", "measure_model"]

#: the ten networks, with rough seconds of one census run (build, closed form, measurement)
MODELS = {"VGG16": 4, "ResNet50": 8, "ResNet50V2": 8, "MobileNet": 4, "MobileNetV2": 5,
          "InceptionV3": 12, "Xception": 8, "DenseNet121": 20, "EfficientNetB0": 6,
          "ConvNeXtTiny": 8}
#: nothing here is trained or sampled (no weights are used), so one run is the whole answer
SAMPLED = False
#: one setting per model; seed 0 only (nothing is random: no weights are used)
EVIDENCE_PLAN = {name.lower(): {"params": {"model": name}, "seeds": (0,), "cost": cost}
                 for name, cost in MODELS.items()}
_KINDS = {"MaxPooling2D": "max pool", "AveragePooling2D": "average pool",
          "GlobalAveragePooling2D": "global average", "GlobalMaxPooling2D": "global max"}
_CONVS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
#: TF-Slim's stem for ResNets: 'same' max pooling where Keras pads one cell on every side
_SLIM_STEM = {"pool1_pad": "pointwise", "pool1_pool": specs.MaxPooling2D(3, 2, "same")}


def evidence_run(params, seed):
    """The census of one model (``params["model"]``); ``seed`` is unused (always 0)."""
    check_seed(seed)
    return census(params["model"])


def census(name):
    """Everything the census records for one model (see the module docstring)."""
    import tensorflow as tf

    check_choice(name, "name", MODELS)
    tf.keras.backend.clear_session()  # layer names restart: the record is the same every run
    model = _build(name, include_top=True)
    records = receptive_field(model)
    by_name = {r.name: r for r in records}
    spatial = [r for r in records if r.output_size and r.output_size != (1, 1)]
    last = spatial[-1]
    steps = downsampling(model, by_name)
    heads = [s for s in steps if s["role"] == "head"]
    merges = [r for r in records if r.kind == "merge"]
    misaligned = [r for r in merges if r.aligned is False]
    result = {
        "model": name, "input_size": list(model.inputs[0].shape[1:3]),
        "params": int(model.count_params()),
        "downsampling": steps,
        "head": heads[-1]["type"] if heads else "flatten + dense",
        "se_blocks": sum(1 for s in steps if s["role"] == "squeeze"),
        "merges": len(merges), "misaligned_merges": len(misaligned),
        "largest_centre_offset": max((max(r.centre_offset) for r in misaligned), default=0.0),
        "closed_form": _field(last),
        "closed_form_without_se": _without_se(model, steps),
        "measured": measure_model(name),
        "published": _published(name),
    }
    return result


def downsampling(model, records=None):
    """Every layer of ``model`` (nested models included) that shrinks the map, in order."""
    records = records or {r.name: r for r in receptive_field(model)}
    steps = []
    for name, layer in _layers(model):
        cls = type(layer).__name__
        if cls not in _KINDS and cls not in _CONVS:
            continue
        shape_in, shape_out = _shape(_inputs(layer)[0]), _shape(layer.output)
        if cls.startswith("Global"):
            role = "squeeze" if _feeds_multiply(model, layer) else "head"
            steps.append({"layer": name, "type": _KINDS[cls], "role": role,
                          "input": shape_in, "output": [1, 1]})
            continue
        strides = tuple(getattr(layer, "strides", (1, 1)) or (1, 1))
        if max(strides) == 1:
            continue
        kernel = tuple(getattr(layer, "pool_size", None) or layer.kernel_size)
        if cls in _KINDS:
            kind = _KINDS[cls]
        else:
            kind = "patchify conv" if kernel == strides else "strided conv"
        rec = records[name]
        steps.append({"layer": name, "type": kind, "role": "body", "kernel": list(kernel),
                      "stride": list(strides), "skips_inputs": any(k < s for k, s in
                                                                  zip(kernel, strides)),
                      "input": shape_in, "output": shape_out, "field_after": list(rec.size),
                      "jump_after": list(rec.jump), "whole_after": rec.whole})
    sizes = sorted({s["output"][0] for s in steps if s["role"] == "body"}, reverse=True)
    for s in steps:  # stage k: the k-th resolution the body down-samples to
        s["stage"] = sizes.index(s["output"][0]) + 1 if s["role"] == "body" else None
    return steps


def fitting_input_size(name, start=224, step=32):
    """(smallest input size, a multiple of ``step`` from ``start``, in which the closed-form field
    of the centre unit of the last spatial layer lies inside the input; that model)."""
    size = start
    while True:
        model = _build(name, include_top=False, input_size=size)
        records = receptive_field(model)
        last = [r for r in records if r.output_size and r.output_size != (1, 1)][-1]
        unit = (last.output_size[0] // 2, last.output_size[1] // 2)
        (top, bottom), (left, right) = unit_box(last, *unit)
        if last.whole or (top >= 0 and left >= 0 and bottom < size and right < size):
            return size, model, last
        size = max(size + step, -(-(last.size[0] + step) // step) * step)


def measure_model(name):
    """The measured field of the centre unit of the last spatial layer against the closed form."""
    size, model, last = fitting_input_size(name)
    meas = measure_field(model, layer=_top_name(last.name))
    closed = unit_box(last, *meas.unit, clip_to=(size, size))
    return {"input_size": size, "layer": last.name, "unit": list(meas.unit),
            "closed_form_box": [list(b) for b in closed],
            "measured_box": [list(b) for b in meas.box],
            "equal": closed == meas.box, "field": _field(last),
            "pixels_reached": int(meas.mask.sum()), "min_gradient": meas.min_positive}


# --- internals ----------------------------------------------------------------------------------

def _build(name, include_top, input_size=None):
    import tensorflow as tf

    kwargs = {} if input_size is None else {"input_shape": (input_size, input_size, 3)}
    return getattr(tf.keras.applications, name)(weights=None, include_top=include_top, **kwargs)


def _field(rec):
    return {"layer": rec.name, "label": rec.label, "size": list(rec.size),
            "jump": list(rec.jump), "start": list(rec.start), "whole": rec.whole,
            "output_size": list(rec.output_size)}


def _without_se(model, steps):
    """The last spatial layer's field if every squeeze-and-excitation gate were computed at each
    position instead of over the whole map (the convolutions' own field); None without SE."""
    squeezes = {s["layer"]: "pointwise" for s in steps if s["role"] == "squeeze"}
    if not squeezes:
        return None
    size = tuple(model.inputs[0].shape[1:3])
    records = receptive_field(model, input_size=size, custom=squeezes)
    return _field([r for r in records if r.output_size and r.output_size != (1, 1)][-1])


def _published(name):
    pub = PUBLISHED.get(name)
    if pub is None:
        return None
    tf_size = pub["resolution"]
    model = _build(name, include_top=False, input_size=tf_size)
    rec = {r.name: r for r in receptive_field(model)}[pub["keras_layer"]]
    ours = {"size": rec.size[0], "effective_stride": rec.jump[0],
            "effective_padding": (rec.size[0] - 1) / 2 - rec.start[0]}
    out = {"theirs": dict(pub), "ours": ours,
           "equal": all(ours[k] == pub[k] for k in ours)}
    if not out["equal"] and all(n in [ly.name for ly in model.layers] for n in _SLIM_STEM):
        slim = receptive_field(model, input_size=tf_size, custom=_SLIM_STEM)
        rec = {r.name: r for r in slim}[pub["keras_layer"]]
        out["with_slim_stem"] = {"size": rec.size[0], "effective_stride": rec.jump[0],
                                 "effective_padding": (rec.size[0] - 1) / 2 - rec.start[0]}
    return out


def _layers(model, prefix=""):
    for layer in model.layers:
        classes = {c.__name__ for c in type(layer).__mro__}
        if classes & {"Functional", "Sequential"}:
            yield from _layers(layer, prefix + layer.name + "/")
        else:
            yield prefix + layer.name, layer


def _top_name(name):
    return name.split("/")[0]


def _shape(tensor):
    shape = tuple(tensor.shape[1:])
    return [int(v) for v in shape[:2]] if len(shape) == 3 else [1, 1]


def _feeds_multiply(model, layer, depth=6):
    """Whether ``layer``'s output reaches a Multiply within ``depth`` layers (it is then the
    squeeze of a squeeze-and-excitation block, not the head)."""
    frontier = {id(layer.output)}
    for _ in range(depth):
        nxt = set()
        for _, other in _layers(model):
            if any(id(t) in frontier for t in _inputs(other)):
                if type(other).__name__ == "Multiply":
                    return True
                nxt.add(id(other.output))
        frontier = nxt
    return False


def _inputs(layer):
    try:
        x = layer.input
    except (AttributeError, ValueError):
        return []
    return x if isinstance(x, (list, tuple)) else [x]
