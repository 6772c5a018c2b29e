"""What every explorer shares: controls, a figure drawn once and updated cheaply, two faces.

An explorer is one object with two faces:

- **live** (a Jupyter kernel): an ipywidgets ``VBox`` of controls, an ``Image`` showing the
  figure rendered by Agg (no front-end extension needed: JupyterLab, Notebook 7, VS Code, Colab),
  a readout and an error box;
- **no kernel** (the built book, nbviewer, a saved notebook): ``to_html()`` renders every state of
  the controls' *static values* (a bounded grid, see :meth:`Explorer.static_values`) and emits
  plain ``<input>``/``<select>`` controls with a small inline script that shows the pre-rendered
  pictures. They are stored small (:mod:`pooldemo.widgets._frames`): a few whole key frames and,
  for every other state, the rectangles where it differs from an earlier frame, which the script
  pastes back on a canvas. Nothing is fetched from anywhere.

``_repr_mimebundle_`` carries the widget view, a PNG of the current state and an HTML face, and
honours ``include``/``exclude``. The multi-state HTML face costs seconds and up to a megabyte, so
it is rendered only where it is needed: in the book build (``scripts/build-book.sh`` sets
``POOLDEMO_STATIC_FACE=1``), or when asked (``explorer.static_face = True``, or
``explorer.to_html()``). Elsewhere (a live kernel) the HTML face is the current picture and readout
alone, with no controls, so a saved notebook stays small and never shows a dead slider. The
book's ``_config.yml`` tells myst-nb to render the HTML face.

Speed: artists that change with a control are registered with :meth:`Explorer.dynamic` and drawn
*animated*; an update restores the saved background and redraws only those (blitting), then
encodes a PNG with fast compression (:func:`_fast_png`). Dynamic texts and images are pasted from
a cache of pixels already made (:class:`pooldemo.widgets._stamps.Stamps`): drawing text and
resampling images are the slowest parts of an update, and a control usually changes only some of
the artists, while the same strings come back as it moves to and fro. A subclass calls
:meth:`Explorer.request_relayout` when a change moves axes limits or layout, which costs a full
draw; with ``freeze_layout = True`` the axes stay where the first draw put them (later full draws
skip the layout engine) and each layout's background is drawn once and kept. ``with ex.hold():``
changes several controls with a single redraw.

The HTML face renders every combination of static values that :meth:`Explorer.valid_state`
accepts (at most ``max_static_states``); when the reader picks a combination that was not
rendered, the page shows the nearest one that was, keeping the control just moved.

A subclass implements ``_build()`` (make controls via :meth:`add_control`, the figure and its
artists) and ``_draw(**values)`` (update artists from a pure model of the state, computed by the
package's functions; return the readout HTML), and may override ``_sync_ranges(change)`` (keep
other controls' ranges consistent with a change). Callbacks never do math of their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import itertools
import json
import os
import struct
import traceback
import zlib

import numpy as np

from ._frames import compose, encode_frames, png_of
from ._stamps import Stamps

__all__ = ["Explorer"]

_SCRIPT = """
(function () {
  var root = document.getElementById(__ID__);
  var data = JSON.parse(root.querySelector('script[type="application/json"]').textContent);
  var img = root.querySelector('img.pd-image'), out = root.querySelector('.pd-readout');
  // the start state's picture is in the page itself (img src), so it shows without JavaScript;
  // the data carry it once, as null. A frame is a whole image (a number) or [base frame, patch
  // image, rectangles]: the patch's rectangles pasted over the base frame's picture.
  var first = img.getAttribute('src');
  var loaded = data.images.map(function (b64) {
    var im = new Image();
    im.src = b64 ? 'data:image/png;base64,' + b64 : first;
    return im;
  });
  var pictures = {}, wanted = null;
  function parts(f, acc) {
    var ref = data.frames[f];
    if (typeof ref === 'number') { acc.push(loaded[ref]); return acc; }
    acc.push(loaded[ref[1]]);
    return parts(ref[0], acc);
  }
  function canvasOf(f) {
    var ref = data.frames[f], c;
    if (typeof ref === 'number') {
      var im = loaded[ref];
      c = document.createElement('canvas');
      c.width = im.naturalWidth; c.height = im.naturalHeight;
      c.getContext('2d').drawImage(im, 0, 0);
      return c;
    }
    c = canvasOf(ref[0]);
    var g = c.getContext('2d'), patch = loaded[ref[1]];
    ref[2].forEach(function (r) {
      g.drawImage(patch, r[0], r[1], r[2], r[3], r[4], r[5], r[2], r[3]);
    });
    return c;
  }
  function picture(f) {
    if (!(f in pictures)) {
      var ref = data.frames[f];
      pictures[f] = typeof ref === 'number' ? loaded[ref].src : canvasOf(f).toDataURL('image/png');
    }
    return pictures[f];
  }
  function showFrame(f) {
    wanted = f;
    var waiting = parts(f, []).filter(function (im) { return !im.complete; });
    if (!waiting.length) { img.src = picture(f); return; }
    waiting.forEach(function (im) {
      im.addEventListener('load', function () { if (wanted === f) showFrame(f); });
    });
  }
  var inputs = Array.prototype.slice.call(root.querySelectorAll('[data-pd-control]'));
  function key(idx) { return idx.join(','); }
  function current() { return inputs.map(function (el) { return parseInt(el.value, 10); }); }
  function show(changed) {
    var idx = current(), k = key(idx);
    // a state missing from the grid (e.g. a window position past the last window for this pool
    // size): go to the nearest precomputed state, keeping the control just moved and the
    // drop-downs as they are if possible
    if (!(k in data.states)) {
      var best = null, bestCost = Infinity;
      Object.keys(data.states).forEach(function (s) {
        var v = s.split(',').map(Number), cost = 0;
        for (var c = 0; c < v.length; c++) {
          if (v[c] === idx[c]) continue;
          if (c === changed) cost += 1e6;
          else if (inputs[c].tagName !== 'INPUT') cost += 1e3;
          cost += Math.abs(v[c] - idx[c]);
        }
        if (cost < bestCost) { bestCost = cost; best = v; }
      });
      if (best) {
        idx = best; k = key(idx);
        inputs.forEach(function (el, i) { el.value = idx[i]; });
      }
    }
    var st = data.states[k];
    if (!st) { out.textContent = 'This combination was not precomputed.'; return; }
    showFrame(st[0]);
    out.innerHTML = st[1];
    inputs.forEach(function (el, i) {
      var lab = root.querySelector('[data-pd-value="' + i + '"]');
      if (lab) lab.textContent = data.labels[i][parseInt(el.value, 10)];
    });
  }
  inputs.forEach(function (el, i) {
    el.addEventListener('input', function () { show(i); });
    el.addEventListener('change', function () { show(i); });
  });
  Array.prototype.forEach.call(root.querySelectorAll('button[data-pd-play]'), function (b) {
    var timer = null, i = parseInt(b.getAttribute('data-pd-play'), 10), el = inputs[i];
    b.addEventListener('click', function () {
      if (timer) { clearInterval(timer); timer = null; b.textContent = '\\u25B6 play'; return; }
      b.textContent = '\\u25A0 stop';
      timer = setInterval(function () {
        // the next value of this control with the others as they are; after the last, 0
        var idx = current();
        idx[i] += 1;
        el.value = idx[i] > parseInt(el.max, 10) || !(key(idx) in data.states) ? 0 : idx[i];
        show(i);
      }, 600);
    });
  });
  show(-1);
})();
"""

_STYLE = """
<style>
.pd-explorer{border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;margin:0.5em 0;
  font-family:system-ui,sans-serif;font-size:0.9em;max-width:100%;overflow-x:auto}
.pd-explorer .pd-controls{display:flex;flex-wrap:wrap;gap:4px 18px;margin-bottom:6px}
.pd-explorer label{display:flex;align-items:center;gap:6px;white-space:nowrap}
.pd-explorer img.pd-image{max-width:100%;height:auto;display:block}
.pd-explorer .pd-readout{margin-top:4px}
.pd-explorer .pd-note{color:#57606a;font-size:0.85em;margin-top:4px}
@media print{.pd-explorer .pd-controls,.pd-explorer .pd-note{display:none}}
html[data-theme="dark"] .pd-explorer{border-color:#8b949e}
html[data-theme="dark"] .pd-explorer .pd-note{color:#3d444d}
html[data-theme="dark"] .pd-explorer code{color:inherit}
</style>
"""


class Explorer:
    """Base class of the pooldemo explorers (see the module docstring)."""

    #: upper bound on the number of precomputed states of the HTML face
    max_static_states = 400
    #: dots per inch of the live image and of the static images
    dpi = 80
    static_dpi = 64
    #: keep the axes where the first full draw put them (set True when the layout never changes)
    freeze_layout = False
    #: backgrounds kept, one per layout key seen (see :meth:`request_relayout`)
    max_backgrounds = 24
    #: whether ``_repr_mimebundle_`` renders the multi-state no-kernel face: None means only
    #: where it is needed (environment variable POOLDEMO_STATIC_FACE=1, set by the book build)
    static_face = None

    def __init__(self):
        import ipywidgets as widgets

        self._widgets = widgets
        #: the controls by name (ipywidgets); their values are the explorer's state
        self.controls = {}
        self._dynamic = []            # artists redrawn on every update (animated)
        self._background = None       # pixels of everything else, restored before each update
        self._backgrounds = {}        # (layout key, dpi) -> saved background
        self._layout = None           # layout key of the current background
        self._needs_relayout = False  # set by request_relayout() during a _draw
        self._held = 0                # depth of hold() blocks: update at the end of the outermost
        self._syncing = False         # inside _sync_ranges: control changes do not update
        self._html_cache = {}         # static face, rendered once per set of static values
        self._html_count = 0          # faces rendered, for distinct element ids on a page
        self.last_error = None
        self._build()
        self._stamps = Stamps(self.figure)  # pixels of unchanged dynamic texts and images
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        self.error = widgets.HTML()
        self._box = None
        self.relayout()
        self.update()

    # --- for subclasses ----------------------------------------------------------------------

    def _build(self):
        raise NotImplementedError

    def _draw(self, **values):
        raise NotImplementedError

    def alt_text(self):
        """One sentence describing the current figure (alt text of images)."""
        return f"{type(self).__name__} figure"

    def add_control(self, name, widget, play=False):
        """Register a control: ``self.controls[name]``, part of the state."""
        if name in self.controls:
            raise ValueError(f"a control named {name!r} exists already")
        widget.style = {"description_width": "initial"}
        self.controls[name] = widget
        widget._pd_play = play
        return widget

    def _sync_ranges(self, change):
        """Adjust other controls' ranges after ``change`` (override; no update meanwhile).

        Called before the update that ``change`` triggers; changes made here (e.g. a slider's
        ``max``, which may clamp its value) do not trigger updates of their own.
        """

    def dynamic(self, *artists):
        """Mark artists that change with the controls: they are redrawn on every update."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def static_values(self, name):
        """Values of control ``name`` that the HTML face precomputes (override to restrict)."""
        return _widget_values(self.controls[name])

    # --- state and drawing -------------------------------------------------------------------

    def state(self):
        """Current control values, by name."""
        return {name: w.value for name, w in self.controls.items()}

    def relayout(self):
        """Full draw (after a change of axes limits or layout): saves the background."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = self.figure.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.figure)
        canvas.draw()
        if self.freeze_layout and self.figure.get_layout_engine() is not None:
            # the first full draw placed the axes; later full draws keep them (a third faster)
            self.figure.set_layout_engine("none")
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        if self._layout is not None and self.freeze_layout:
            if len(self._backgrounds) >= self.max_backgrounds:
                self._backgrounds.pop(next(iter(self._backgrounds)))
            self._backgrounds[self._layout, self.figure.dpi] = self._background

    @contextlib.contextmanager
    def hold(self):
        """Change several controls with one redraw at the end: ``with ex.hold(): ...``."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
            if not self._held:
                self.update()

    def update(self):
        """Redraw from the current control values; errors go to ``self.error``, not silence."""
        if self._held:
            return
        try:
            text = self._render(self.state())
        except Exception as exc:  # shown to the reader, kept for tests
            self.last_error = exc
            self.error.value = ('<pre style="color:#b00020;white-space:pre-wrap">'
                                + html.escape("".join(traceback.format_exception_only(exc)))
                                + "</pre>")
            return
        self.last_error = None
        self.error.value = ""
        self.readout.value = text
        self.image.value = self.png()

    def _render(self, values):
        text = self._draw(**values)
        canvas = self.figure.canvas
        if self._needs_relayout or self._background is None:
            self._needs_relayout = False
            saved = self._backgrounds.get((self._layout, self.figure.dpi))
            if saved is not None and self._layout is not None:
                self._background = saved  # a layout seen before: its background, no drawing
            else:
                self.relayout()
        canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible() and artist.figure is not None:
                self._stamps.draw(artist)  # unchanged texts and images pasted, the rest drawn
        return text or ""

    def request_relayout(self, layout=None):
        """Ask for a new background at the end of this update (call it from ``_draw``).

        ``layout`` is a hashable key of everything drawn in the background (axes limits,
        static texts and images); with ``freeze_layout``, the background of each key is drawn
        once and restored when the key comes back. None: draw it again every time.
        """
        self._layout = layout
        self._needs_relayout = True

    def png(self, compress_level=1, palette=False):
        """The current canvas as PNG bytes (fast compression; palette for smaller pages).

        The default (what a live update sends) is :func:`_fast_png`; a palette or another
        compression level goes through Pillow.
        """
        from PIL import Image

        buf = self.figure.canvas.buffer_rgba()
        if compress_level == 1 and not palette:
            return _fast_png(np.asarray(buf))
        h, w = np.asarray(buf).shape[:2]
        im = Image.frombuffer("RGBA", (w, h), buf, "raw", "RGBA", 0, 1).convert("RGB")
        if palette:
            im = im.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        out = io.BytesIO()
        im.save(out, format="png", compress_level=compress_level, optimize=palette)
        return out.getvalue()

    def _on_change(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            self._sync_ranges(change)
        finally:
            self._syncing = False
        self.update()

    # --- faces -------------------------------------------------------------------------------

    @property
    def widget(self):
        """The live face: controls, image, readout and error box."""
        if self._box is None:
            w = self._widgets
            items = []
            for name, control in self.controls.items():
                if control._pd_play and isinstance(control, w.IntSlider):
                    play = w.Play(min=control.min, max=control.max, interval=600,
                                  description=f"play {name}")
                    w.jslink((play, "value"), (control, "value"))
                    w.dlink((control, "max"), (play, "max"))
                    items.append(w.HBox([control, play]))
                else:
                    items.append(control)
            controls = w.HBox(items, layout=w.Layout(flex_flow="row wrap"))
            self._box = w.VBox([controls, self.image, self.readout, self.error])
        return self._box

    def static_states(self):
        """Names and static values of the controls; the HTML face renders every valid combination.

        Raises ValueError when more than ``max_static_states`` combinations are valid.
        """
        names = list(self.controls)
        grids = [list(self.static_values(n)) for n in names]
        product = int(np.prod([len(g) for g in grids]))
        if product > 100 * self.max_static_states:
            raise ValueError(f"{type(self).__name__}: the static values span {product} "
                             f"combinations; restrict static_values")
        total = sum(1 for values in self._static_values_product(names, grids)
                    if self.valid_state(values))
        if total > self.max_static_states:
            raise ValueError(f"{type(self).__name__}: the HTML view would hold {total} states, "
                             f"more than max_static_states={self.max_static_states}; restrict "
                             f"static_values")
        return names, grids

    def _static_values_product(self, names, grids):
        saved = self.state()
        for idx in itertools.product(*(range(len(g)) for g in grids)):
            values = dict(saved)
            values.update({n: grids[i][j] for i, (n, j) in enumerate(zip(names, idx))})
            yield values

    def to_html(self):
        """The no-kernel face: pre-rendered states and a small inline script, self-contained."""
        names, grids = self.static_states()
        saved = self.state()
        cache_key = (tuple(names), repr(grids), self.static_dpi)
        if cache_key not in self._html_cache:  # the states do not depend on the live state
            self._html_cache[cache_key] = self._render_static(names, grids, saved)
        states, frames, images = self._html_cache[cache_key]
        labels = [[_label(v, self.controls[n]) for v in g] for n, g in zip(names, grids)]
        start = [_index_of(g, saved[n]) for n, g in zip(names, grids)]
        # the start state is drawn into the HTML itself (picture and readout), so the face shows
        # with JavaScript off, in print and in previews that strip scripts
        first = states.get(",".join(map(str, start)))
        src, readout = "", ""
        if first is not None:
            ref = frames[first[0]]
            if isinstance(ref, int):  # a whole image: carried once, by the img
                images = list(images)
                src = f' src="data:image/png;base64,{images[ref]}"'
                images[ref] = None
            else:  # a patched frame: the img carries it whole
                src = f' src="data:image/png;base64,{self._frame_png(frames, images, first[0])}"'
            readout = first[1]
        payload = json.dumps({"states": states, "frames": frames, "images": images,
                              "labels": labels}, separators=(",", ":"))
        # distinct ids when one explorer is shown twice on a page, the same ids on every build
        self._html_count += 1
        uid = "pd-" + hashlib.sha1(f"{payload}{start}{self._html_count}".encode()).hexdigest()[:12]
        parts = [_STYLE, f'<div class="pd-explorer" id="{uid}">', '<div class="pd-controls">']
        for i, (name, grid) in enumerate(zip(names, grids)):
            control = self.controls[name]
            desc = html.escape(control.description or name)
            if _is_numeric_grid(control):
                parts.append(
                    f'<label>{desc} <input type="range" data-pd-control="{i}" min="0" '
                    f'max="{len(grid) - 1}" step="1" value="{start[i]}" '
                    f'aria-label="{desc}"> <span data-pd-value="{i}">'
                    f'{html.escape(labels[i][start[i]])}'
                    f'</span></label>')
                if control._pd_play:
                    parts.append(f'<button type="button" data-pd-play="{i}">\u25B6 play</button>')
            else:
                options = "".join(
                    f'<option value="{j}"{" selected" if j == start[i] else ""}>'
                    f'{html.escape(lab)}</option>' for j, lab in enumerate(labels[i]))
                parts.append(f'<label>{desc} <select data-pd-control="{i}" aria-label="{desc}">'
                             f'{options}</select></label>')
        parts.append("</div>")
        parts.append(f'<img class="pd-image"{src} alt="{html.escape(self.alt_text())}">')
        parts.append(f'<div class="pd-readout">{readout}</div>')
        parts.append(f'<div class="pd-note">No-kernel view: {len(states)} states computed when '
                     f'this page was built. Run the notebook for every setting.</div>')
        parts.append(f'<script type="application/json">{_json_for_script(payload)}</script>')
        parts.append(f"<script>{_SCRIPT.replace('__ID__', json.dumps(uid))}</script></div>")
        return "".join(parts)

    def _render_static(self, names, grids, saved):
        """Render every valid static state: (states, frame refs, images as base64)."""
        import base64

        saved_dpi = self.figure.dpi
        frames, frame_of, states = [], {}, {}
        try:
            self.figure.set_dpi(self.static_dpi)
            self._background = None
            for values, idx in zip(self._static_values_product(names, grids),
                                   itertools.product(*(range(len(g)) for g in grids))):
                if not self.valid_state(values):
                    continue
                text = self._render(values)
                rgb = np.asarray(self.figure.canvas.buffer_rgba())[..., :3]
                raw = hashlib.sha1(np.ascontiguousarray(rgb)).hexdigest()
                if raw not in frame_of:  # each distinct picture once
                    frame_of[raw] = len(frames)
                    frames.append(rgb.copy())
                states[",".join(map(str, idx))] = [frame_of[raw], text]
        finally:
            self.figure.set_dpi(saved_dpi)
            self._background = None
            self._render(saved)
        images, refs = encode_frames(frames)
        return states, refs, [base64.b64encode(png).decode("ascii") for png in images]

    @staticmethod
    def _frame_png(frames, images, i):
        """Frame ``i`` of the static face as one whole PNG (base64)."""
        import base64

        decoded = [None if b is None else base64.b64decode(b) for b in images]
        return base64.b64encode(png_of(compose(decoded, frames, i))).decode("ascii")

    def valid_state(self, values):
        """Whether a combination of control values exists (override, e.g. window positions)."""
        return True

    def current_html(self):
        """A light HTML face: the current picture and readout, no controls (nothing dead)."""
        import base64

        png = base64.b64encode(self.png()).decode("ascii")
        return (f'{_STYLE}<div class="pd-explorer"><img class="pd-image" '
                f'src="data:image/png;base64,{png}" alt="{html.escape(self.alt_text())}">'
                f'<div class="pd-readout">{self.readout.value}</div><div class="pd-note">'
                f'The current state. Run the cell in a Jupyter kernel for the live explorer; '
                f'<code>to_html()</code> gives a no-kernel face with every precomputed state.'
                f'</div></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        def wanted(mime):
            return (not include or mime in include) and not (exclude and mime in exclude)

        bundle = {}
        if hasattr(self.widget, "_repr_mimebundle_"):  # ipywidgets 8
            view = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        else:  # ipywidgets 7 (Colab) displays through _ipython_display_; this is its view
            view = {"application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}}
        bundle.update((k, v) for k, v in view.items() if wanted(k))
        if wanted("text/html"):
            static = self.static_face
            if static is None:
                static = os.environ.get("POOLDEMO_STATIC_FACE") == "1"
            bundle["text/html"] = self.to_html() if static else self.current_html()
        if wanted("image/png"):
            bundle["image/png"] = self.png()
        if wanted("text/plain"):
            bundle["text/plain"] = f"<{type(self).__name__}: {self.alt_text()}>"
        return bundle


def _fast_png(rgba):
    """PNG bytes of an (H, W, 4) uint8 image: "Up" filter on every row, zlib level 1.

    About twice as fast as Pillow on an explorer figure: the filter is one contiguous numpy
    subtraction (RGBA keeps rows contiguous; the constant alpha column filters to zeros and costs
    little), and Pillow's per-row adaptive filter choice is skipped.
    """
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or 0 in rgba.shape:
        raise ValueError(f"rgba must be a non-empty (H, W, 4) array, got shape {rgba.shape}")
    h, w = rgba.shape[:2]
    flat = rgba.reshape(h, 4 * w)
    rows = np.empty((h, 1 + 4 * w), dtype=np.uint8)
    rows[:, 0] = 2  # filter type Up: each byte minus the byte above it (mod 256)
    rows[0, 1:] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.data, 1)) + chunk(b"IEND", b""))


def _widget_values(control):
    options = getattr(control, "options", None)
    if options is not None:
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if type(control).__name__ == "Checkbox":
        return [False, True]
    if hasattr(control, "min") and hasattr(control, "max"):
        if isinstance(control.value, (int, np.integer)):
            return list(range(control.min, control.max + 1, control.step))
        return list(np.round(np.arange(control.min, control.max + control.step / 2,
                                       control.step), 10))
    raise TypeError(f"no static values for control {control!r}; override static_values")


def _is_numeric_grid(control):
    return hasattr(control, "min") and hasattr(control, "max") and not hasattr(control, "options")


def _label(value, control=None):
    for option in getattr(control, "options", None) or ():
        if isinstance(option, tuple) and option[1] == value:
            return str(option[0])
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _index_of(grid, value):
    for i, v in enumerate(grid):
        if v == value:
            return i
    return 0


def _json_for_script(text):
    """JSON safe inside <script>: no closing tag or comment opener can appear."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
