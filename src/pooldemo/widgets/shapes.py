"""ShapeExplorer: what down-sampling and the head do to shapes, parameters and receptive fields.

Controls: ``blocks`` (number of conv blocks), ``downsample`` (max / average pooling, stride-2
convolutions, none) and ``head`` (flatten / global average / global max), then ``Dense(10)``. Each
setting is a network of :func:`pooldemo.shapes.build_convnet`, tabulated by
:func:`pooldemo.shapes.convnet_table` (the same numbers as the Keras model, without building it;
cached per setting); the figure shows per layer the number of output values, the parameters and the
receptive field, and the readout the full table. Settings that cannot be built (too many blocks
for the input) are reported, not raised. Used in: the chapter on what goes wrong without pooling,
the explorers gallery.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .. import shapes
from .._checks import check_positive_int
from ._base import Explorer

__all__ = ["ShapeExplorer", "ShapeModel"]

_TABLES = {}  # (blocks, downsample, head, filters, input_size) -> rows or error message


def convnet_table(blocks, downsample, head, filters=32, input_size=28):
    """:func:`pooldemo.shapes.convnet_table`, cached; the error message for impossible settings."""
    key = (blocks, downsample, head, filters, input_size)
    if key not in _TABLES:
        try:
            _TABLES[key] = shapes.convnet_table(blocks, downsample, head, filters, input_size)
        except ValueError as exc:
            _TABLES[key] = str(exc)
    return _TABLES[key]


class ShapeExplorer(Explorer):
    """Blocks, down-sampling and head of a small MNIST convnet, and what they cost.

    Parameters
    ----------
    blocks : int
        Initial number of conv blocks, 1 to ``max_blocks``.
    downsample : {"max", "average", "strided", "none"}
    head : {"flatten", "global_average", "global_max"}
    max_blocks : int
        Largest value of the blocks control (4 shows that two poolings per block soon leave
        nothing of a 28x28 input).
    filters, input_size : int
        As in :func:`pooldemo.shapes.build_convnet`.
    """

    static_dpi = 80
    #: lay out once (the placeholders reserve room for the longest names), then keep it
    freeze_layout = True

    def __init__(self, blocks=3, downsample="max", head="flatten", max_blocks=4, filters=32,
                 input_size=28):
        self._max_blocks = check_positive_int(max_blocks, "max_blocks")
        if self._max_blocks > 6:
            raise ValueError(f"max_blocks must be at most 6, got {max_blocks}")
        blocks = check_positive_int(blocks, "blocks")
        if blocks > self._max_blocks:
            raise ValueError(f"blocks {blocks} is larger than max_blocks {self._max_blocks}")
        if downsample not in shapes.DOWNSAMPLERS:
            raise ValueError(f"downsample must be one of {shapes.DOWNSAMPLERS}, got {downsample!r}")
        if head not in shapes.HEADS:
            raise ValueError(f"head must be one of {shapes.HEADS}, got {head!r}")
        self.filters = check_positive_int(filters, "filters")
        shapes.check_filters(self.filters, max_blocks)  # a clear error now, not in an update
        self.input_size = shapes.check_input_size(input_size)
        if self.input_size < 3:
            raise ValueError(f"input_size must be at least 3 (one 3x3 conv), got {input_size}")
        self._init = dict(blocks=blocks, downsample=downsample, head=head)
        super().__init__()

    def _build(self):
        from .. import plot

        w = self._widgets
        init = self._init
        self.add_control("blocks", w.IntSlider(init["blocks"], min=1, max=self._max_blocks,
                                               description="conv blocks"))
        self.add_control("downsample", w.Dropdown(
            options=[("max pooling", "max"), ("average pooling", "average"),
                     ("stride-2 conv", "strided"), ("none", "none")],
            value=init["downsample"], description="between blocks"))
        self.add_control("head", w.Dropdown(
            options=[("flatten + Dense(10)", "flatten"),
                     ("global average + Dense(10)", "global_average"),
                     ("global max + Dense(10)", "global_max")],
            value=init["head"], description="head"))
        self.figure, axes = plot.new_axes(3, size=2.5)
        self.figure.set_size_inches(7.8, 3.0)
        max_rows = 2 * self._max_blocks + 1
        self.artists = plot.layer_bars(None, axes, max_rows=max_rows, input_size=self.input_size)
        self.total_text = self.figure.suptitle("total parameters", fontsize=11, fontweight="bold")
        a = self.artists
        self.dynamic(*[b for bars in a["bars"] for b in bars],
                     *[t for texts in a["values"] for t in texts], *a["labels"], a["message"],
                     self.total_text)

    def model(self, **values):
        """The :class:`ShapeModel` of the current state (or of ``values`` given)."""
        v = {**self.state(), **values}
        table = convnet_table(v["blocks"], v["downsample"], v["head"], self.filters,
                              self.input_size)
        if isinstance(table, str):
            return ShapeModel(v["blocks"], v["downsample"], v["head"], None, None, table)
        return ShapeModel(v["blocks"], v["downsample"], v["head"], table,
                          sum(r["params"] for r in table), None)

    def _draw(self, blocks, downsample, head):
        from .. import plot

        m = self.model(blocks=blocks, downsample=downsample, head=head)
        if m.error is not None:
            plot.set_layer_bars(self.artists, [], message=_wrap(m.error))
            self.total_text.set_text(f"{blocks} blocks, {downsample}, {head} head: cannot be built")
            readout = (f'<b style="color:#b00020">Not possible</b> ({blocks} blocks, '
                       f"{html.escape(downsample)} down-sampling, {html.escape(head)} head): "
                       f"{html.escape(m.error)}. Use fewer blocks, or down-sample less.")
        else:
            plot.set_layer_bars(self.artists, m.rows)
            self.total_text.set_text(f"total {m.total_params:,} parameters")
            readout = _table_html(m.rows, m.total_params)
        return readout

    def alt_text(self):
        v = self.state()
        return (f"Three bar charts, one row per layer of a convnet with {v['blocks']} conv blocks, "
                f"{v['downsample']} down-sampling and a {v['head']} head: output values and "
                f"parameters on log scales, and receptive-field width in pixels.")


@dataclass(frozen=True)
class ShapeModel:
    """One setting of the ShapeExplorer, from :func:`pooldemo.shapes.convnet_table`.

    ``rows`` (per layer: name, type, output shape, parameters, receptive field, jump, MACs) and
    ``total_params`` are None and ``error`` says why when the network cannot be built.
    """

    blocks: int
    downsample: str
    head: str
    rows: list | None
    total_params: int | None
    error: str | None


def _wrap(text, width=26):
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def _table_html(rows, total):
    dense = rows[-1]["params"]
    head = (f'<div style="font-size:1.15em"><b>Total: {total:,} parameters</b> — the final Dense '
            f"layer holds {dense:,} ({dense / total:.0%}).</div>")
    td = "<td style='padding:1px 8px'>"
    num = "<td style='padding:1px 8px;text-align:right'>"
    cells = "".join(
        f"<tr>{td}{html.escape(r['name'])}</td>{td}{r['type']}</td>"
        f"{td}{'×'.join(map(str, r['output_shape']))}</td>"
        f"{num}{r['params']:,}</td>{num}{r['rf_size'][0]}</td>{num}{r['jump'][0]}</td>"
        f"{num}{r['macs']:,}</td></tr>" for r in rows)
    return (head + '<table style="font-size:0.9em;border-collapse:collapse">'
            "<tr><th>layer</th><th>type</th><th>output shape</th><th>params</th>"
            "<th>RF (px)</th><th>jump</th><th>MACs</th></tr>" + cells + "</table>")
