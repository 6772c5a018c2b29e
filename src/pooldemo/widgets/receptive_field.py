"""ReceptiveFieldExplorer: which pixels of a digit one unit of a layer can see.

Controls: ``layer``, ``row`` and ``col`` (the unit; their ranges follow the layer's output size)
and ``erf`` (overlay Luo et al.'s effective receptive field of the layer's centre unit, measured
on a randomly initialised tf.keras model; TensorFlow is imported only then). Sizes come from the
closed form in :mod:`pooldemo.receptive`. Used in: the receptive-field chapter, the
explorers gallery.
"""

from __future__ import annotations

import html

import numpy as np

from .._checks import as_feature_map
from ..receptive import layer_specs, receptive_field, unit_box
from ..receptive.specs import Conv2D, MaxPooling2D
from ._base import Explorer

__all__ = ["ReceptiveFieldExplorer", "PRESETS"]


def _chollet(pooled):
    if pooled:
        return [Conv2D(3, name="conv1"), MaxPooling2D(2, name="pool1"), Conv2D(3, name="conv2"),
                MaxPooling2D(2, name="pool2"), Conv2D(3, name="conv3")]
    return [Conv2D(3, name="conv1"), Conv2D(3, name="conv2"), Conv2D(3, name="conv3")]


#: preset name -> (description, list of LayerSpec)
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
        self.model = None
        if isinstance(layers, str):
            if layers not in PRESETS:
                raise ValueError(f"layers must be one of the presets {tuple(PRESETS)}, a list of "
                                 f"layer specs or a tf.keras model; got {layers!r}")
            self.description, specs = PRESETS[layers]
        elif hasattr(layers, "layers") and hasattr(layers, "inputs"):
            self.model, specs, self.description = layers, layers, f"model {layers.name!r}"
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

        # the layer's grid, its title and the bars change with the layer only: background
        self.grid_image = ax_grid.imshow(np.zeros((1, 1)), cmap="Reds", vmin=0, vmax=1,
                                         interpolation="nearest")
        ax_grid.set_xticks([])
        ax_grid.set_yticks([])
        self.grid_title = ax_grid.set_title("", fontsize=9)
        self.unit_cell = self.dynamic(plot.window_rect(ax_grid, 0, 0, 1, 1, color="tab:red",
                                                       lw=1.5))
        self.unit_cell.set_fill(True)
        self.unit_cell.set_facecolor((1.0, 0.5, 0.4, 0.8))
        self.ax_grid = ax_grid

        drawn = plot.rf_size_bars(self.records, ax_bars)
        self.bars = drawn["bars"]
        ax_bars.set_title("receptive field by layer", fontsize=9)
        self._drawn_layer = None

    # --- drawing -----------------------------------------------------------------------------

    def _draw(self, layer, row, col, erf):
        from .. import plot

        rec = self.records[layer]
        oh, ow = rec.output_size
        if not (0 <= row < oh and 0 <= col < ow):
            raise ValueError(f"unit ({row}, {col}) is outside layer {rec.name!r}'s {oh}×{ow} grid")
        box = unit_box(rec, row, col)
        self.unit_box_now = box
        plot.set_rf_box(self.box, box)
        (t, b), (l, r) = box
        self.centre.set_data([(l + r) / 2], [(t + b) / 2])
        if layer != self._drawn_layer:  # a new layer: its grid, title and bars, full draw
            self._drawn_layer = layer
            self.grid_image.set_data(np.zeros((oh, ow)))
            self.grid_image.set_extent((-0.5, ow - 0.5, oh - 0.5, -0.5))
            self.ax_grid.set_xlim(-0.5, ow - 0.5)
            self.ax_grid.set_ylim(oh - 0.5, -0.5)
            self.grid_title.set_text(f"layer {layer + 1} ({rec.name}): {oh}×{ow} units")
            plot.set_rf_bars(self.bars.patches, layer)
            self.request_relayout()
        plot.set_window(self.unit_cell, row, col, 1, 1)

        note = ""
        if erf:
            heat = self.effective_rf(layer)
            self.erf_image.set_data(np.ma.masked_less(heat, 0.01))  # faint: transparent
            self.erf_image.set_visible(True)
            cr, cc = oh // 2, ow // 2
            note = (f" Heat map: effective receptive field of the centre unit ({cr}, {cc}) of a "
                    f"randomly initialised network, mean |gradient| over 16 noise images (Luo et "
                    f"al. 2016).")
            if (row, col) != (cr, cc):
                note += " <i>It is drawn for the centre unit, not the one selected.</i>"
        else:
            self.erf_image.set_visible(False)
        sizes = ", ".join(
            f"{'<b>' if i == layer else ''}{i + 1} {html.escape(x.name)}: {x.size[0]}×{x.size[1]}"
            f"{'</b>' if i == layer else ''}" for i, x in enumerate(self.records[: layer + 1]))
        outside = " (part of it lies in the padding, outside the image)" if (
            t < 0 or l < 0 or b >= self.picture.shape[0] or r >= self.picture.shape[1]) else ""
        return (f"Unit ({row}, {col}) of layer {layer + 1} ({html.escape(rec.name)}) sees input "
                f"rows {t}–{b}, cols {l}–{r}: {rec.size[0]}×{rec.size[1]} pixels{outside}; "
                f"neighbouring units are {rec.jump[0]} pixels apart. Receptive field so far: "
                f"{sizes}.{note}")

    def effective_rf(self, layer):
        """Effective receptive field of layer ``layer``'s centre unit (computed once, cached)."""
        if layer not in self._erf_cache:
            from ..receptive import effective_receptive_field

            self._erf_cache[layer] = effective_receptive_field(self._keras_model(), layer=layer)
        return self._erf_cache[layer]

    def _keras_model(self):
        if self.model is not None:
            return self.model
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

    def _on_change(self, change):
        if getattr(self, "_syncing", False):
            return
        if change["owner"] is self.controls["layer"]:
            oh, ow = self.records[change["new"]].output_size
            self._syncing = True
            try:
                self.row.max, self.col.max = oh - 1, ow - 1
            finally:
                self._syncing = False
        self.update()

    def _static_units(self, layer):
        oh, ow = self.records[layer].output_size
        return sorted({0, oh // 2, oh - 1}), sorted({0, ow // 2, ow - 1})

    def valid_state(self, values):
        rows, cols = self._static_units(values["layer"])
        oh, ow = self.records[values["layer"]].output_size
        if values["erf"]:
            return (values["row"], values["col"]) == (oh // 2, ow // 2)
        return values["row"] in rows and values["col"] in cols

    def static_values(self, name):
        if name in ("row", "col"):
            axis = 0 if name == "row" else 1
            return sorted({v for i in range(len(self.records))
                           for v in self._static_units(i)[axis]})
        return super().static_values(name)


def _image(image):
    if image is None:
        from ..data import digit

        return np.asarray(digit(7), dtype=float)
    arr = as_feature_map(image, "image", ndims=(2,))
    if arr.size == 0:
        raise ValueError(f"image must not be empty, got shape {arr.shape}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"image must hold finite numbers, got {int(np.sum(~np.isfinite(arr)))} "
                         f"NaN or infinite values")
    return arr
