"""Receptive fields by the closed form of Araujo, Norris & Sim (Distill, 2019).

Per axis, a layer with kernel ``k``, stride ``s``, dilation ``d`` and ``p`` padded cells before the
input turns the previous layer's receptive-field size ``r``, jump (effective stride) ``j`` and
start (centre of the first unit, in input coordinates) into::

    k' = d * (k - 1) + 1
    r  = r + (k' - 1) * j
    start = start + ((k' - 1) / 2 - p) * j
    j  = j * s

Pooling layers are layers like any other here: a 2x2 pool with stride 2 has k = s = 2 and no
weights. Global pooling and ``Flatten`` see every unit of the layer before them; the record says so
(``whole=True``) and its size is the box of input pixels that reach it. Output lengths and
TensorFlow's 'same' padding split come from :mod:`pooldemo.geometry`.

This module walks a list of layer specs; :mod:`pooldemo.receptive.graph` walks any tf.keras
model with the same per-layer step.
"""

from __future__ import annotations

import dataclasses
import math

from .._checks import check_positive_int
from ..geometry import output_length, padding_split
from .specs import LayerSpec

__all__ = ["RFRecord", "receptive_field", "unit_box", "layer_specs"]


@dataclasses.dataclass(frozen=True)
class RFRecord:
    """Receptive field of the units of one layer, per axis as (rows, cols) pairs.

    ``output_size`` is None when no input size is known. ``whole`` is True when a unit's value
    depends on a summary of the whole map below it (global pooling, Flatten, or any path through
    them such as a squeeze-and-excitation block): ``size`` and ``start`` then give the box of
    input pixels that reach it, the same box for every unit. ``aligned`` is None except at a merge
    (Add, Concatenate, Multiply ...), where it says whether the centres of the merged inputs' fields
    coincide; ``centre_offset`` is then the largest distance between those centres, per axis.
    """

    name: str
    kind: str
    size: tuple
    jump: tuple
    start: tuple
    output_size: tuple | None
    whole: bool = False
    aligned: bool | None = None
    centre_offset: tuple | None = None

    @property
    def label(self):
        """``"whole input"`` for a global unit, else ``"rows×cols"``."""
        return "whole input" if self.whole else f"{self.size[0]}×{self.size[1]}"


def receptive_field(layers, input_size=None, custom=None):
    """Receptive field of every layer of a stack or of a tf.keras model, by the closed form.

    Parameters
    ----------
    layers : tf.keras model, or list of LayerSpec / dict
        A Sequential or functional model (merges and nested models included), or a linear stack
        of specs (``pooldemo.specs.Conv2D(3)`` ...; dicts are passed to :class:`LayerSpec`).
    input_size : int or pair of int, optional
        Input height and width. Needed for ``padding="same"`` with a stride above 1 (where
        TensorFlow's padding depends on the size) and for global pooling / Flatten. Taken from the
        model's input shape for a keras model; given, it replaces that shape (and Keras's output
        shapes are then not checked against the arithmetic's).
    custom : dict, optional
        For a keras model: layers the arithmetic does not know, by layer name or class name, each
        declared ``"pointwise"``, ``"merge"`` (several inputs, union of their fields) or given as a
        spec, e.g. ``{"my_layer": "pointwise", "MyPool": specs.MaxPooling2D(3, 2)}``.

    Returns
    -------
    list of RFRecord
        One per layer output (pointwise layers such as Dropout or Dense after Flatten included).

    Examples
    --------
    >>> from pooldemo.specs import Conv2D, MaxPooling2D
    >>> recs = receptive_field([Conv2D(3), MaxPooling2D(2), Conv2D(3)])
    >>> [r.size[0] for r in recs], [r.jump[0] for r in recs]
    ([3, 4, 8], [1, 2, 2])
    """
    if _is_model(layers):
        from .graph import model_records

        return model_records(layers, input_size, custom)
    if custom is not None:
        raise ValueError("custom applies to a tf.keras model; a list of specs needs none")
    specs, _ = layer_specs(layers)
    sizes = input_pair(input_size)
    state = [Axis(1, 1, 0.0, n) for n in sizes]
    records, whole = [], False
    for spec in specs:
        state = [step(spec, axis, st, whole) for axis, st in enumerate(state)]
        whole = whole or spec.kind in ("global", "flatten")
        records.append(record(spec.name, spec.kind, state, sizes[0] is not None, whole))
    return records


def unit_box(record, row, col, clip_to=None):
    """Input rows and columns seen by unit (row, col) of a layer: ((top, bottom), (left, right)).

    Bounds are inclusive. With ``clip_to=(H, W)`` the box is clipped to the input (padded cells
    dropped).

    Examples
    --------
    >>> from pooldemo.specs import Conv2D
    >>> rec = receptive_field([Conv2D(3), Conv2D(3), Conv2D(3)])[-1]
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
    """Turn a chain keras model or a list of specs/dicts into (list of LayerSpec, input size)."""
    if _is_model(layers):
        from .graph import chain_specs

        return chain_specs(layers)
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
            from .graph import layer_spec

            specs.append(layer_spec(item))
        else:
            raise TypeError(f"layer {i} must be a LayerSpec, a dict or a keras layer, got "
                            f"{type(item).__name__}: {item!r}")
    return specs, None


# --- the per-layer step, shared with the graph walk ---------------------------------------------

@dataclasses.dataclass(frozen=True)
class Axis:
    """Field of one tensor along one axis: size r, jump j, centre of unit 0, output length n."""

    r: int
    j: int
    start: float
    n: int | None


def record(name, kind, axes, sized, whole=False, aligned=None, centre_offset=None):
    """An :class:`RFRecord` from the per-axis state."""
    return RFRecord(name=name, kind=kind, size=tuple(a.r for a in axes),
                    jump=tuple(a.j for a in axes), start=tuple(a.start for a in axes),
                    output_size=tuple(a.n for a in axes) if sized else None, whole=whole,
                    aligned=aligned, centre_offset=centre_offset)


def step(spec, axis, st, whole=False):
    """One layer of the closed form along one axis.

    On a ``whole`` field every unit already sees the same box: a window over such units sees that
    box too, so only the output length changes.
    """
    r, j, start, n = st.r, st.j, st.start, st.n
    if spec.kind == "pointwise":
        return st
    if spec.kind in ("zeropad", "crop"):
        before, after = spec.pad[axis]
        sign = 1 if spec.kind == "zeropad" else -1
        if n is not None and sign < 0 and before + after >= n:
            raise ValueError(f"layer {spec.name!r} crops {before + after} cells from an input "
                             f"of {n}")
        n = None if n is None else n + sign * (before + after)
        return Axis(r, j, start if whole else start - sign * before * j, n)
    if spec.kind in ("global", "flatten"):
        if n is None:
            raise ValueError(f"layer {spec.name!r} ({spec.kind}) sees the whole input: pass "
                             f"input_size to know how big that is")
        if whole:
            return Axis(r, j * n, start, 1)
        return Axis(r + (n - 1) * j, j * n, start + (n - 1) / 2 * j, 1)
    k = spec.dilation[axis] * (spec.kernel[axis] - 1) + 1
    s = spec.stride[axis]
    extra = spec.pad[axis]  # cells the layer pads its input with itself ('valid' windows after)
    if any(extra):
        if spec.padding != "valid":
            raise ValueError(f"layer {spec.name!r} pads explicitly and has padding="
                             f"{spec.padding!r}; explicit padding goes with 'valid'")
        n = None if n is None else n + sum(extra)
        start = start if whole else start - extra[0] * j
    if n is not None:
        out = output_length(n, k, s, spec.padding, what=f"layer {spec.name!r}: kernel")
        before = padding_split(n, k, s, spec.padding)[0]
    elif spec.padding == "valid":
        out, before = None, 0
    elif s == 1:
        out, before = None, (k - 1) // 2
    else:
        raise ValueError(f"layer {spec.name!r} has padding='same' and stride {s}: its padding "
                         f"depends on the input size, so pass input_size")
    if whole:
        return Axis(r, j * s, start, out)
    return Axis(r + (k - 1) * j, j * s, start + ((k - 1) / 2 - before) * j, out)


def input_pair(input_size):
    """``input_size`` as (rows, cols), each None or a positive int."""
    if input_size is None:
        return (None, None)
    values = input_size if isinstance(input_size, (tuple, list)) else (input_size, input_size)
    if len(values) != 2:
        raise ValueError(f"input_size must be an int or a pair of ints, got {input_size!r}")
    return tuple(None if v is None else check_positive_int(v, "input_size") for v in values)


def _is_model(obj):
    return hasattr(obj, "layers") and hasattr(obj, "inputs")

