"""ReceptiveFieldExplorer: which pixels of a digit one unit of a layer can see.

Controls: ``layer``, ``row`` and ``col`` (the unit; their ranges follow the layer's output size)
and ``erf`` (overlay Luo et al.'s effective receptive field of the layer's centre unit, measured
on a randomly initialised tf.keras model; TensorFlow is imported only then). Sizes come from the
closed form in :mod:`pooldemo.receptive`. Used in: the receptive-field chapter, the
explorers gallery.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .._checks import as_image
from ..receptive import RESNET50_STAGES, layer_specs, receptive_field, unit_box
from ..receptive.specs import Conv2D, MaxPooling2D
from ._base import Explorer

__all__ = ["ReceptiveFieldExplorer", "ReceptiveFieldModel", "receptive_field_model", "PRESETS"]


def _chollet(pooled):
    if pooled:
        return [Conv2D(3, name="conv1"), MaxPooling2D(2, name="pool1"), Conv2D(3, name="conv2"),
                MaxPooling2D(2, name="pool2"), Conv2D(3, name="conv3")]
    return [Conv2D(3, name="conv1"), Conv2D(3, name="conv2"), Conv2D(3, name="conv3")]


#: preset name -> (description, list of LayerSpec[, input side: the digit is enlarged to it])
PRESETS = {
    "chollet_no_pool": ("Chollet's convnet without pooling: three 3×3 convolutions",
                        _chollet(False)),
    "chollet_pooled": ("Chollet's convnet: conv-pool-conv-pool-conv", _chollet(True)),
    "conv_pool_conv": ("3×3 conv, 2×2 max pool, 3×3 conv",
                       [Conv2D(3, name="conv1"), MaxPooling2D(2, name="pool1"),
                        Conv2D(3, name="conv2")]),
    "two_stride2": ("two 3×3 convolutions with stride 2",
                    [Conv2D(3, 2, name="conv1_s2"), Conv2D(3, 2, name="conv2_s2")]),
    "vgg16_start": ("the start of VGG-16: conv3-conv3-pool-conv3-conv3-pool, same padding",
                    [Conv2D(3, padding="same", name="conv1_1"),
                     Conv2D(3, padding="same", name="conv1_2"), MaxPooling2D(2, name="pool1"),
                     Conv2D(3, padding="same", name="conv2_1"),
                     Conv2D(3, padding="same", name="conv2_2"), MaxPooling2D(2, name="pool2")]),
    "resnet50": ("ResNet50 (Keras): its longest path, stem to the last stage, on a 224×224 image",
                 list(RESNET50_STAGES), 224),
}


class ReceptiveFieldExplorer(Explorer):
    """The receptive field of one unit of a chosen layer, drawn on a real digit.

    Parameters
    ----------
    layers : str, list of LayerSpec, or tf.keras model
        A preset name (see ``PRESETS``), a list of specs (``pooldemo.specs.Conv2D(3)``,
        ``pooldemo.specs.MaxPooling2D(2)`` ...) or a model with a known input shape.
    image : array_like (H, W), optional
        The picture the fields are drawn on; default an MNIST 7 (28×28). For a model it must
        match the model's input height and width.
    """

    freeze_layout = True
    static_dpi = 80  # values printed in cells stay legible in the no-kernel view

    def __init__(self, layers="chollet_pooled", image=None):
        self.network = None  # the tf.keras model given, if any
        if isinstance(layers, str):
            if layers not in PRESETS:
                raise ValueError(f"layers must be one of the presets {tuple(PRESETS)}, a list of "
                                 f"layer specs or a tf.keras model; got {layers!r}")
            self.description, specs, *size = PRESETS[layers]
            if image is None and size:
                image = _enlarged_digit(size[0])
        elif hasattr(layers, "layers") and hasattr(layers, "inputs"):
            self.network, specs, self.description = layers, layers, f"model {layers.name!r}"
        else:
            specs, self.description = layers, "your layers"
        self.specs, model_size = layer_specs(specs)
        if not self.specs:
            raise ValueError("layers must hold at least one layer, got an empty list")
        self.picture = _image(image)
        if model_size is not None and tuple(model_size) != self.picture.shape:
            raise ValueError(f"image shape {self.picture.shape} does not match the model's input "
                             f"size {tuple(model_size)}; pass image= of that size")
        try:
            self.records = receptive_field(self.specs, input_size=self.picture.shape)
        except ValueError as exc:
            raise ValueError(f"image shape {self.picture.shape} is too small for these layers: "
                             f"{exc}") from None
        for rec in self.records:
            if min(rec.output_size) < 1:
                raise ValueError(f"layer {rec.name!r} has an empty output {rec.output_size} for a "
                                 f"{self.picture.shape} image")
        self._erf_cache = {}
        self._erf_model = None
        self._drawn_layer = None  # the layer whose grid, title and bars are drawn now
        super().__init__()

    # --- building ----------------------------------------------------------------------------

    def _build(self):
        from .. import plot

        w = self._widgets
        last = len(self.records) - 1
        options = [(f"{i + 1}: {rec.name} → {rec.output_size[0]}×{rec.output_size[1]}", i)
                   for i, rec in enumerate(self.records)]
        self.add_control("layer", w.Dropdown(options=options, value=last, description="layer"))
        oh, ow = self.records[last].output_size
        self.add_control("row", w.IntSlider(oh // 2, min=0, max=oh - 1, description="unit row"))
        self.add_control("col", w.IntSlider(ow // 2, min=0, max=ow - 1, description="unit col"))
        self.add_control("erf", w.Checkbox(False, description="effective RF (centre unit)"))

        self.figure, (ax_img, ax_grid, ax_bars) = plot.new_axes(3, size=2.7)
        h, w_ = self.picture.shape
        ax_img.imshow(self.picture, cmap="Greys", interpolation="nearest")
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        ax_img.set_title(f"input {h}×{w_}: what the unit sees", fontsize=9)
        # show the parts of a field that fall outside the image (padding) too
        boxes = [unit_box(rec, r, c) for rec in self.records
                 for r, c in ((0, 0), (rec.output_size[0] - 1, rec.output_size[1] - 1))]
        top = min(0, min(b[0][0] for b in boxes))
        bottom = max(h - 1, max(b[0][1] for b in boxes))
        left = min(0, min(b[1][0] for b in boxes))
        right = max(w_ - 1, max(b[1][1] for b in boxes))
        ax_img.set_xlim(left - 0.5, right + 0.5)
        ax_img.set_ylim(bottom + 0.5, top - 0.5)
        plot.rf_box(ax_img, ((0, h - 1), (0, w_ - 1)), color="0.6", lw=0.8)
        self.erf_image = self.dynamic(ax_img.imshow(np.zeros_like(self.picture), cmap="plasma",
                                                    alpha=0.75, vmin=0, vmax=1, visible=False,
                                                    interpolation="nearest"))
        self.box = self.dynamic(plot.rf_box(ax_img))
        self.centre = self.dynamic(ax_img.plot([], [], "+", color="tab:red", ms=8, mew=1.5)[0])
        self.ax_img = ax_img

        # the layer's grid, its title and the bars change with the layer: dynamic (pasted from
        # stamps; drawn in the axes' order: image, frame, title, then the unit's cell), so the
        # background never changes
        self.grid_image = ax_grid.imshow(np.zeros((1, 1)), cmap="Reds", vmin=0, vmax=1,
                                         interpolation="nearest")
        ax_grid.set_xticks([])
        ax_grid.set_yticks([])
        self.grid_title = ax_grid.set_title("", fontsize=9)
        self.unit_cell = plot.window_rect(ax_grid, 0, 0, 1, 1, color="tab:red", lw=1.5)
        self.unit_cell.set_fill(True)
        self.unit_cell.set_facecolor((1.0, 0.5, 0.4, 0.8))
        self.dynamic(self.grid_image, *ax_grid.spines.values(), self.grid_title, self.unit_cell)
        self.ax_grid = ax_grid

        drawn = plot.rf_size_bars(self.records, ax_bars)
        self.bars = drawn["bars"]
        self.dynamic(*self.bars.patches, *ax_bars.spines.values(), *drawn["labels"])
        ax_bars.set_title("receptive field by layer", fontsize=9)

    # --- the model and drawing ----------------------------------------------------------------

    def model(self, **values):
        """The :class:`ReceptiveFieldModel` of the current state (or of ``values`` given)."""
        v = {**self.state(), **values}
        return receptive_field_model(self.records, self.picture.shape, v["layer"], v["row"],
                                     v["col"], v["erf"])

    def _draw(self, layer, row, col, erf):
        from .. import plot

        m = receptive_field_model(self.records, self.picture.shape, layer, row, col, erf)
        oh, ow = m.record.output_size
        plot.set_rf_box(self.box, m.box)
        self.centre.set_data([m.centre[1]], [m.centre[0]])
        if layer != self._drawn_layer:  # a new layer: its grid, title and bars
            self._drawn_layer = layer
            self.grid_image.set_data(np.zeros((oh, ow)))
            self.grid_image.set_extent((-0.5, ow - 0.5, oh - 0.5, -0.5))
            self.ax_grid.set_xlim(-0.5, ow - 0.5)
            self.ax_grid.set_ylim(oh - 0.5, -0.5)
            name = m.record.name if len(m.record.name) <= 12 else m.record.name[:11] + "…"
            self.grid_title.set_text(f"layer {layer + 1} ({name}): {oh}×{ow} units")
            plot.set_rf_bars(self.bars.patches, layer)
        plot.set_window(self.unit_cell, row, col, 1, 1)
        if erf:
            heat = self.effective_rf(layer)
            self.erf_image.set_data(np.ma.masked_less(heat, 0.01))  # faint: transparent
        self.erf_image.set_visible(erf)
        return _readout(m, self.records)

    def effective_rf(self, layer):
        """Effective receptive field of layer ``layer``'s centre unit (computed once, cached)."""
        if layer not in self._erf_cache:
            from ..receptive import effective_receptive_field

            # a live kernel sends this at once: the first field loads TensorFlow and builds the
            # network (a second or two), the front end would otherwise look frozen
            first = self._erf_model is None and self.network is None
            shown = self.readout.value
            self.readout.value = (
                f"<i>Computing the effective receptive field of layer {layer + 1}"
                f"{' (the first one loads TensorFlow and builds the network)' if first else ''}"
                f"…</i>")
            try:
                self._erf_cache[layer] = effective_receptive_field(self._keras_model(),
                                                                   layer=layer)
            finally:
                self.readout.value = shown
        return self._erf_cache[layer]

    def _keras_model(self):
        if self.network is not None:
            return self.network
        if self._erf_model is None:
            import tensorflow as tf

            from ..receptive import stack_model

            h, w = self.picture.shape
            if h != w:
                raise ValueError(f"the effective receptive field needs a square image, got "
                                 f"{self.picture.shape}")
            tf.keras.utils.set_random_seed(0)
            self._erf_model = stack_model(self.specs, input_size=h)
        return self._erf_model

    def alt_text(self):
        v = self.state()
        rec = self.records[v["layer"]]
        return (f"A digit with the {rec.size[0]}×{rec.size[1]}-pixel receptive field of unit "
                f"({v['row']}, {v['col']}) of layer {v['layer'] + 1} ({rec.name}) outlined in red, "
                f"the layer's grid of units, and a bar chart of receptive-field size by layer.")

    # --- controls and the static face --------------------------------------------------------

    def _sync_ranges(self, change):
        if change["owner"] is self.controls["layer"]:
            oh, ow = self.records[change["new"]].output_size
            self.controls["row"].max, self.controls["col"].max = oh - 1, ow - 1

    def _static_units(self, layer):
        oh, ow = self.records[layer].output_size
        return sorted({0, oh // 2, oh - 1}), sorted({0, ow // 2, ow - 1})

    def _static_layers(self):
        """Every layer of a short stack; of a long one (a real network) the last layer at each
        resolution, as the bar chart labels them."""
        from ..plot.receptive import milestone_layers

        return sorted(milestone_layers(self.records))

    def valid_state(self, values):
        if values["layer"] not in self._static_layers():
            return False
        if values["erf"] and len(self.records) > len(self._static_layers()):
            return False  # a long stack: its effective fields need a large model; live only
        rows, cols = self._static_units(values["layer"])
        oh, ow = self.records[values["layer"]].output_size
        if values["erf"]:
            return (values["row"], values["col"]) == (oh // 2, ow // 2)
        return values["row"] in rows and values["col"] in cols

    def static_values(self, name):
        if name in ("row", "col"):
            axis = 0 if name == "row" else 1
            return sorted({v for i in self._static_layers() for v in self._static_units(i)[axis]})
        if name == "layer":
            return self._static_layers()
        if name == "erf" and len(self.records) > len(self._static_layers()):
            return [False]
        return super().static_values(name)


@dataclass(frozen=True)
class ReceptiveFieldModel:
    """What one state of the ReceptiveFieldExplorer shows, from :mod:`pooldemo.receptive_field`.

    Attributes
    ----------
    layer, row, col, erf : the state
    record : the layer's record of :func:`pooldemo.receptive_field.receptive_field`
    box : ((top, bottom), (left, right))
        Input pixels the unit sees (inclusive; may reach into the padding).
    centre : (float, float)
        Centre of the box (row, col).
    outside : bool
        Whether part of the box lies outside the image.
    erf_unit : (int, int)
        The unit whose effective receptive field the heat map shows (the layer's centre unit).
    """

    layer: int
    row: int
    col: int
    erf: bool
    record: object
    box: tuple
    centre: tuple
    outside: bool
    erf_unit: tuple


def receptive_field_model(records, image_shape, layer, row, col, erf=False):
    """The :class:`ReceptiveFieldModel` of a state, for ``records`` of an image of that shape."""
    rec = records[layer]
    oh, ow = rec.output_size
    if not (0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"unit ({row}, {col}) is outside layer {rec.name!r}'s {oh}×{ow} grid")
    box = unit_box(rec, row, col)
    (top, bottom), (left, right) = box
    outside = top < 0 or left < 0 or bottom >= image_shape[0] or right >= image_shape[1]
    return ReceptiveFieldModel(layer=layer, row=row, col=col, erf=bool(erf), record=rec,
                               box=box, centre=((top + bottom) / 2, (left + right) / 2),
                               outside=outside,
                               erf_unit=(oh // 2, ow // 2))


def _readout(m, records):
    """The readout HTML of a :class:`ReceptiveFieldModel`."""
    rec = m.record
    (top, bottom), (left, right) = m.box
    note = ""
    if m.erf:
        cr, cc = m.erf_unit
        note = (f" Heat map: effective receptive field of the centre unit ({cr}, {cc}) of a "
                f"randomly initialised network, mean |gradient| over 16 noise images (Luo et "
                f"al. 2016).")
        if (m.row, m.col) != m.erf_unit:
            note += " <i>It is drawn for the centre unit, not the one selected.</i>"
    from ..plot.receptive import milestone_layers

    shown = milestone_layers(records) | {m.layer}  # a long stack: the last layer per resolution
    sizes = ", ".join(
        f"{'<b>' if i == m.layer else ''}{i + 1} {html.escape(x.name)}: {x.size[0]}×{x.size[1]}"
        f"{'</b>' if i == m.layer else ''}" for i, x in enumerate(records[: m.layer + 1])
        if i in shown)
    outside = " (part of it lies in the padding, outside the image)" if m.outside else ""
    return (f"Unit ({m.row}, {m.col}) of layer {m.layer + 1} ({html.escape(rec.name)}) sees input "
            f"rows {top}–{bottom}, cols {left}–{right}: {rec.size[0]}×{rec.size[1]} "
            f"pixels{outside}; neighbouring units are {rec.jump[0]} pixels apart. Receptive "
            f"field so far: {sizes}.{note}")


def _enlarged_digit(side):
    """The default MNIST 7, each pixel repeated to fill a ``side`` x ``side`` picture."""
    from ..data import digit

    factor = -(-side // 28)
    big = np.kron(np.asarray(digit(7), dtype=float), np.ones((factor, factor)))
    return big[:side, :side]


def _image(image):
    if image is None:
        from ..data import digit

        return np.asarray(digit(7), dtype=float)
    return as_image(image, "image")
