"""Synthetic grey fabric with rips, wrinkles and folds, and hand-made 7x7 detector maps.

The max-vs-average chapter asks (after a well-known forum thread) which global pooling suits two
networks that share a VGG-16-like body ending in a 7x7 grid of cells: network A decides whether
the fabric has a **rip**, network B whether it has **wrinkles** (many) or is smooth (at most a
single fold). This module makes such images and plays the last conv layer by hand:

- the fabric is a fine sinusoidal weave (period 4 pixels) plus Gaussian noise, grey about 0.55;
- a **rip** is a dark hole (an ellipse with a frayed edge, intensity near 0) covering about 3 % of
  the image;
- a **wrinkle** is an elongated shaded ridge (light on one side, dark on the other) at a random
  orientation; a **fold** is one longer ridge, locally just like one wrinkle.

:func:`detector_maps` cuts the image into ``grid x grid`` patches. The rip detector is
``clip(4 x fraction of hole-dark pixels, 0, 2)``: a patch wholly covered by a hole gives 2.0 and
so does one about two-thirds covered (the 4x4 blur trims a hole's edge by about 1.5 pixels). The
wrinkle detector measures gradient energy after a 4x4 box blur (which removes the period-4 weave
exactly and most of the noise) and squashes it to [0, 1]: a patch holding a ridge gives about 1.0,
plain fabric about 0.

Used in: the max-vs-average chapter and the FabricPoolingExplorer.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_feature_map,
    check_nonnegative_int,
    check_positive_int,
    check_real,
    check_seed,
)
from .pooling import pool2d

__all__ = ["FABRIC_KINDS", "DEFAULT_COUNT", "fabric_image", "detector_maps", "thread_example",
           "fabric_dataset", "DARK_LEVEL", "RIP_GAIN"]

FABRIC_KINDS = ("smooth", "rip", "wrinkles", "fold")
#: rips, wrinkles or folds of each kind when ``count`` is None
DEFAULT_COUNT = {"smooth": 0, "rip": 1, "wrinkles": 6, "fold": 1}

#: a (4x4-blurred) pixel darker than this counts as part of a hole
DARK_LEVEL = 0.2
#: rip response per unit hole fraction of a patch (clipped to 2.0)
RIP_GAIN = 4.0
_WEAVE_PERIOD = 4
_BASE = 0.55
# wrinkle detector: RMS gradient (per pixel, after the blur) mapped to [0, 1] by a smooth step
_GRAD_LOW, _GRAD_HIGH = 0.012, 0.035


def _frame(size, rng):
    """A random centre and angle, drawn from ``rng``, and the rotated pixel coordinates (u, v)
    around them, (size, size) each: u along the angle, v across it."""
    c = np.arange(size, dtype=np.float64)
    margin = 0.2 * size
    cy, cx = rng.uniform(margin, size - margin, 2)
    theta = rng.uniform(0, np.pi)
    cos, sin = np.cos(theta), np.sin(theta)
    dx, dy = (c - cx)[None, :], (c - cy)[:, None]  # a row and a column: broadcasting is cheap
    return dx * cos + dy * sin, -dx * sin + dy * cos


def _weave(size, rng, noise):
    wave = np.sin(2 * np.pi / _WEAVE_PERIOD * (np.arange(size, dtype=np.float64) + 0.5))
    img = _BASE + (0.07 * wave[None, :]) * wave[:, None]
    return img + noise * rng.standard_normal((size, size))


def _ridge(size, rng, length, strength):
    """A shaded ridge (derivative-of-Gaussian profile across, tapered along) at a random angle."""
    u, v = _frame(size, rng)
    width = max(1.6, size / 36)
    across = (v / width) * np.exp(0.5 - 0.5 * (v / width) ** 2)   # peak 1 at v = width
    along = np.exp(-((2 * u / length) ** 4))
    return strength * across * along


def _hole(size, rng, scale=1.0):
    """Mask (0..1, 1 = hole) of an elliptic hole with a frayed edge, ``scale`` times the usual."""
    a, b = size * scale * rng.uniform(0.11, 0.13), size * scale * rng.uniform(0.075, 0.09)
    u, v = _frame(size, rng)
    rho = np.hypot(u / a, v / b)
    phi = np.arctan2(v, u)
    edge = 1.0 + sum(rng.uniform(-0.06, 0.06) * np.cos(m * phi + rng.uniform(0, 2 * np.pi))
                     for m in (3, 5, 8))
    fray = 0.12 * rng.standard_normal((size, size))          # loose threads at the edge
    return np.clip((edge + fray - rho) / 0.08 + 0.5, 0, 1)


def _render(size, rips, wrinkles, folds, noise, rng, rip_scale=1.0):
    img = _weave(size, rng, noise)
    for _ in range(wrinkles):
        img += _ridge(size, rng, length=rng.uniform(0.28, 0.36) * size,
                      strength=rng.uniform(0.16, 0.22))
    for _ in range(folds):
        img += _ridge(size, rng, length=rng.uniform(0.5, 0.6) * size,
                      strength=rng.uniform(0.16, 0.22))
    for _ in range(rips):
        hole = _hole(size, rng, rip_scale)
        dark = 0.03 + 0.02 * np.abs(rng.standard_normal((size, size)))
        img = img * (1 - hole) + dark * hole
    return np.clip(img, 0, 1).astype(np.float32)


def fabric_image(kind="smooth", size=112, count=None, noise=0.05, seed=0):
    """A synthetic grey fabric image.

    Parameters
    ----------
    kind : {"smooth", "rip", "wrinkles", "fold"}
        Plain weave; weave with ``count`` rips; with ``count`` wrinkles; with ``count`` folds.
    size : int
        Image height and width, at least 28.
    count : int or None
        Number of rips / wrinkles / folds (default 1 rip, 6 wrinkles, 1 fold; must be 0 or None
        for "smooth").
    noise : float in [0, 1]
        Standard deviation of the added Gaussian noise.
    seed : int
        Same seed, same image.

    Returns
    -------
    ndarray, shape (size, size), float32 in [0, 1]

    Examples
    --------
    >>> img = fabric_image("rip", size=56, seed=1)
    >>> img.shape, img.dtype, bool(img.min() < 0.1), bool(np.median(img) > 0.4)
    ((56, 56), dtype('float32'), True, True)
    """
    if kind not in FABRIC_KINDS:
        raise ValueError(f"kind must be one of {FABRIC_KINDS}, got {kind!r}")
    size = check_positive_int(size, "size")
    if size < 28:
        raise ValueError(f"size must be at least 28, got {size}")
    count = DEFAULT_COUNT[kind] if count is None else check_nonnegative_int(count, "count")
    if kind == "smooth" and count:
        raise ValueError(f"count must be 0 or None for kind='smooth', got {count}")
    noise = check_real(noise, "noise", 0, 1)
    rng = np.random.default_rng(check_seed(seed))
    n = {k: (count if k == kind else 0) for k in FABRIC_KINDS}
    return _render(size, n["rip"], n["wrinkles"], n["fold"], noise, rng)


def _box4(img):
    """Mean of every 4x4 window, (H-3, W-3): each window's rows summed left to right, then the
    row sums top to bottom (the order numpy's ``mean`` over a window view uses: same values)."""
    p = _WEAVE_PERIOD
    h, w = img.shape
    rows = img[:, :w - p + 1].copy()
    for j in range(1, p):
        rows += img[:, j:w - p + 1 + j]
    total = rows[:h - p + 1].copy()
    for i in range(1, p):
        total += rows[i:h - p + 1 + i]
    return total / (p * p)


def detector_maps(image, grid=7):
    """Hand-made rip and wrinkle detector maps on a ``grid x grid`` grid of patches.

    Parameters
    ----------
    image : array_like, shape (H, W), values in [0, 1]
        A fabric image (square or not), at least ``4 * grid`` pixels on each side.
    grid : int
        Cells per side (7, like the 7x7 output of VGG-16's convolutional part).

    Returns
    -------
    dict
        ``"rip"``: ``clip(RIP_GAIN * fraction of hole-dark pixels, 0, 2)`` per patch (a patch
        wholly covered by a hole gives 2.0); ``"wrinkle"``: gradient energy of the 4x4-blurred
        image squashed to [0, 1] (about 1.0 for a patch holding a wrinkle ridge, about 0 for plain
        weave). Both (grid, grid) float64.

    Examples
    --------
    >>> maps = detector_maps(fabric_image("rip", seed=0))
    >>> maps["rip"].shape, round(float(maps["rip"].max()), 1)
    ((7, 7), 2.0)
    >>> float(detector_maps(fabric_image("smooth"))["rip"].max())
    0.0
    """
    grid = check_positive_int(grid, "grid")
    img = as_feature_map(image, "image", ndims=(2,)).astype(np.float64)
    if min(img.shape) < 4 * grid:
        raise ValueError(f"image must be at least {4 * grid} pixels on each side for grid={grid}, "
                         f"got shape {img.shape}")
    if not np.isfinite(img).all():
        raise ValueError("image must not contain NaN or infinity")
    blurred = _box4(img)                          # (H-3, W-3), weave removed
    # back to the image's shape: blurred pixel (r, c) is centred at image (r + 1.5, c + 1.5)
    pad = ((1, 2), (1, 2))
    dark = np.pad(blurred < DARK_LEVEL, pad, mode="edge")
    gy, gx = np.gradient(blurred)
    energy = np.pad(gx ** 2 + gy ** 2, pad, mode="edge")
    # the rim of a hole is a strong edge too: the wrinkle detector ignores it
    rim = pool2d(dark, 9, strides=1, padding="same")  # dark grown by 4 pixels all round
    energy[rim] = 0.0
    rip = np.clip(RIP_GAIN * _patch_means(dark.astype(np.float64), grid), 0, 2)
    rms = np.sqrt(_patch_means(energy, grid))
    t = np.clip((rms - _GRAD_LOW) / (_GRAD_HIGH - _GRAD_LOW), 0, 1)
    wrinkle = t * t * (3 - 2 * t)                 # smooth step
    return {"rip": rip, "wrinkle": wrinkle}


def _patch_means(values, grid):
    h, w = values.shape
    rows = np.linspace(0, h, grid + 1).astype(int)
    cols = np.linspace(0, w, grid + 1).astype(int)
    return np.array([[values[rows[i]:rows[i + 1], cols[j]:cols[j + 1]].mean()
                      for j in range(grid)] for i in range(grid)])


def thread_example(grid=7):
    """The forum thread's two rip maps: one cell of 2.0, and 2/grid**2 everywhere.

    Both have the same global average (2/49 ~ 0.04 for grid 7); only global max tells them apart.

    Examples
    --------
    >>> from pooldemo import global_pool
    >>> ex = thread_example()
    >>> [round(float(global_pool(m, "average")), 4) for m in ex.values()]
    [0.0408, 0.0408]
    >>> [float(global_pool(m, "max")) for m in ex.values()]
    [2.0, 0.0408...]
    """
    grid = check_positive_int(grid, "grid")
    if grid < 2:
        raise ValueError(f"grid must be at least 2, got {grid}")
    one = np.zeros((grid, grid))
    one[grid // 2, min(grid // 2 + 1, grid - 1)] = 2.0
    return {"one_rip": one, "faint_everywhere": np.full((grid, grid), 2.0 / grid ** 2)}


def fabric_dataset(task, n, size=56, seed=0, noise=0.05, rip_scale=1.0):
    """Balanced labelled fabric images for training network A ("rip") or B ("wrinkles").

    Parameters
    ----------
    task : {"rip", "wrinkles"}
        "rip": label 1 = one rip, 0 = no rip (either may have 0-3 wrinkles or a fold).
        "wrinkles": label 1 = 3 to 8 wrinkles, 0 = smooth or a single fold (half each).
    n : int
        Number of images (at least 2); labels alternate so the classes differ by at most one.
    size : int
        Image size (at least 28).
    seed : int
        Same seed, same data set.
    noise : float in [0, 1]
        Noise level of every image.
    rip_scale : float in (0, 1]
        Size of the rips relative to the default (about 3 % of the image); smaller rips on a
        noisier weave make network A's task harder.

    Returns
    -------
    X : ndarray, shape (n, size, size, 1), float32
    y : ndarray, shape (n,), int64

    Examples
    --------
    >>> X, y = fabric_dataset("wrinkles", 6, size=28, seed=3)
    >>> X.shape, X.dtype, y.tolist().count(1)
    ((6, 28, 28, 1), dtype('float32'), 3)
    """
    if task not in ("rip", "wrinkles"):
        raise ValueError(f"task must be 'rip' or 'wrinkles', got {task!r}")
    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be at least 2 (one image per class), got {n}")
    size = check_positive_int(size, "size")
    if size < 28:
        raise ValueError(f"size must be at least 28, got {size}")
    noise = check_real(noise, "noise", 0, 1)
    if check_real(rip_scale, "rip_scale", 0, 1) == 0:
        raise ValueError(f"rip_scale must be in (0, 1], got {rip_scale!r}")
    rng = np.random.default_rng(check_seed(seed))
    y = rng.permutation(np.arange(n) % 2).astype(np.int64)
    X = np.empty((n, size, size, 1), np.float32)
    for i, label in enumerate(y):
        if task == "rip":
            extra = rng.integers(0, 5)              # 0-3 wrinkles, or (4) one fold
            wrinkles, folds = (0, 1) if extra == 4 else (int(extra), 0)
            X[i, ..., 0] = _render(size, int(label), wrinkles, folds, noise, rng, rip_scale)
        elif label:
            X[i, ..., 0] = _render(size, 0, int(rng.integers(3, 9)), 0, noise, rng)
        else:
            X[i, ..., 0] = _render(size, 0, 0, int(rng.integers(0, 2)), noise, rng)
    return X, y
