"""Frames of the no-kernel face, stored small: a shared palette, key frames and patches.

The states of an explorer differ from one another in a small part of the picture (a window
outline moves, a bar grows, one panel changes while the others stay). :func:`encode_frames`
therefore stores a few **key frames** whole and every other frame as a **patch**: the rectangles
where it differs from its nearest key frame, cut out and stacked into one small PNG. The page
pastes a patch's rectangles over its key frame on a canvas (see the script in ``_base``), which
gives back exactly the frame that was rendered.

All frames of one explorer are mapped onto one palette of at most 256 colours (Pillow's fast
octree on all frames together, no dithering), so a pixel that did not change has the same palette
index in every frame: a patch never shows a seam, and "did this pixel change" is an exact test.
"""

from __future__ import annotations

import io

import numpy as np

__all__ = ["encode_frames", "compose", "png_of", "CELL"]

#: side of the square cells in which changes are looked for (pixels)
CELL = 16
#: a frame whose patch would cover more than this share of the picture's cells is stored whole
KEY_SHARE = 0.4
#: longest chain of patches over patches before a frame is stored whole
MAX_DEPTH = 4


def encode_frames(frames, colors=256):
    """Encode RGB frames (a list of equal-shape (H, W, 3) uint8 arrays) for the no-kernel face.

    Returns
    -------
    images : list of bytes
        PNG files: key frames and patches, each stored once.
    refs : list
        Per frame: an ``int`` (the index of the image that is the whole frame) or
        ``[base, patch, rects]``: paste each ``(sx, sy, w, h, dx, dy)`` rectangle of image
        ``patch`` (source x, y, size) at ``(dx, dy)`` over the picture of frame ``base``, an
        earlier frame (itself whole or patched; chains are at most ``MAX_DEPTH`` long).
    """
    from PIL import Image

    if not frames:
        return [], []
    shape = frames[0].shape
    if any(f.shape != shape for f in frames) or len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"frames must be equal-shape (H, W, 3) arrays, got "
                         f"{sorted({f.shape for f in frames})}")
    indexed, palette = _palette_indices(frames, colors)
    images, by_bytes, refs, depth = [], {}, [], []

    def store(png):
        if png not in by_bytes:
            by_bytes[png] = len(images)
            images.append(png)
        return by_bytes[png]

    cells = -(-shape[0] // CELL) * -(-shape[1] // CELL)
    signatures = [_cell_signatures(idx) for idx in indexed]
    for i, idx in enumerate(indexed):
        # the earlier frame that differs in the fewest cells (chains stay short); the cell
        # signatures only choose the base: the rectangles come from the exact comparison
        best = min(((int(np.count_nonzero(signatures[j] != signatures[i])), j) for j in range(i)
                    if depth[j] < MAX_DEPTH), default=None)
        if best is None or best[0] > KEY_SHARE * cells:
            refs.append(store(_png(idx, palette, Image)))
            depth.append(0)
            continue
        base = best[1]
        rects = changed_rects(indexed[base] != idx)
        if not rects:  # the same picture as an earlier frame
            refs.append(refs[base])
            depth.append(depth[base])
            continue
        width = max(w for _, _, w, _ in rects)
        sheet = np.zeros((sum(h for _, _, _, h in rects), width), dtype=np.uint8)
        placed, y = [], 0
        for x0, y0, w, h in rects:
            sheet[y:y + h, :w] = idx[y0:y0 + h, x0:x0 + w]
            placed.append([0, y, w, h, x0, y0])
            y += h
        refs.append([base, store(_png(sheet, palette, Image)), placed])
        depth.append(depth[base] + 1)
    return images, refs


def compose(images, refs, i):
    """Frame ``i`` as the page's script draws it (RGB array), for tests."""
    from PIL import Image

    def rgb(k):
        return np.asarray(Image.open(io.BytesIO(images[k])).convert("RGB"))

    ref = refs[i]
    if isinstance(ref, int):
        return rgb(ref)
    base, patch, rects = ref
    out, sheet = compose(images, refs, base).copy(), rgb(patch)
    for sx, sy, w, h, dx, dy in rects:
        out[dy:dy + h, dx:dx + w] = sheet[sy:sy + h, sx:sx + w]
    return out


def png_of(rgb):
    """One (H, W, 3) frame as a PNG (exact palette when it has at most 256 colours)."""
    from PIL import Image

    indexed, palette = _palette_indices([rgb], 256)
    return _png(indexed[0], palette, Image)


def changed_rects(mask, cell=CELL):
    """Rectangles ``(x, y, w, h)`` that together cover every True pixel of a 2-D mask.

    The mask is looked at in ``cell x cell`` blocks; blocks with a change that touch (8
    neighbours) form one rectangle, trimmed to the changed pixels; overlapping rectangles merge.
    """
    h, w = mask.shape
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.zeros((gh * cell, gw * cell), dtype=bool)
    padded[:h, :w] = mask
    grid = padded.reshape(gh, cell, gw, cell).any(axis=(1, 3))
    seen = np.zeros_like(grid)
    boxes = []
    for r, c in zip(*np.nonzero(grid)):
        if seen[r, c]:
            continue
        seen[r, c] = True
        stack, box = [(r, c)], [r, r, c, c]
        while stack:
            i, j = stack.pop()
            box = [min(box[0], i), max(box[1], i), min(box[2], j), max(box[3], j)]
            for a in range(max(i - 1, 0), min(i + 2, gh)):
                for b in range(max(j - 1, 0), min(j + 2, gw)):
                    if grid[a, b] and not seen[a, b]:
                        seen[a, b] = True
                        stack.append((a, b))
        boxes.append([box[0] * cell, min((box[1] + 1) * cell, h),
                      box[2] * cell, min((box[3] + 1) * cell, w)])
    boxes = _merge(boxes)
    rects = []
    for r0, r1, c0, c1 in boxes:  # trim to the changed pixels
        sub = mask[r0:r1, c0:c1]
        rows, cols = np.nonzero(sub.any(axis=1))[0], np.nonzero(sub.any(axis=0))[0]
        rects.append((int(c0 + cols[0]), int(r0 + rows[0]), int(cols[-1] - cols[0] + 1),
                      int(rows[-1] - rows[0] + 1)))
    return sorted(rects, key=lambda r: (r[1], r[0]))


def _cell_signatures(idx, cell=CELL):
    """One number per ``cell x cell`` block of an index array (equal blocks, equal numbers)."""
    h, w = idx.shape
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.zeros((gh * cell, gw * cell), dtype=np.float64)
    padded[:h, :w] = idx
    blocks = padded.reshape(gh, cell, gw, cell).transpose(0, 2, 1, 3).reshape(gh, gw, -1)
    weights = np.random.default_rng(0).random(cell * cell)
    return blocks @ weights


def _merge(boxes):
    """Merge overlapping [r0, r1, c0, c1) boxes until none overlap."""
    boxes = [list(b) for b in boxes]
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]:
                    boxes[i] = [min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]),
                                max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def _palette_indices(frames, colors):
    """Palette indices of every frame and the shared palette (flat RGB list)."""
    from PIL import Image

    stacked = np.ascontiguousarray(np.concatenate(frames, axis=0))
    im = Image.fromarray(stacked)
    found = im.getcolors(maxcolors=colors)  # None when there are more colours than that
    if found is not None:  # exact: every colour has its own entry
        palette = np.array(sorted(c for _, c in found), dtype=np.uint32).reshape(-1, 3)
        key = (palette[:, 0] << 16) | (palette[:, 1] << 8) | palette[:, 2]
        flat = stacked.reshape(-1, 3).astype(np.uint32)
        packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
        idx = np.searchsorted(key, packed).astype(np.uint8).reshape(stacked.shape[:2])
    else:
        q = im.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        idx = np.asarray(q)
        palette = np.asarray(q.getpalette()[:3 * colors], dtype=np.uint8).reshape(-1, 3)
    h = frames[0].shape[0]
    return ([idx[i * h:(i + 1) * h] for i in range(len(frames))],
            palette.astype(np.uint8).ravel().tolist())


def _png(idx, palette, Image):
    """A palette PNG of an index array, carrying only the palette entries it uses."""
    used, local = np.unique(idx, return_inverse=True)
    pal = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)[used]
    h, w = idx.shape
    im = Image.frombytes("P", (w, h), local.astype(np.uint8).reshape(h, w).tobytes())
    im.putpalette(pal.ravel().tolist())
    out = io.BytesIO()
    im.save(out, format="png", optimize=True, compress_level=9)
    return out.getvalue()
