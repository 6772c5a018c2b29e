"""pooldemo.fabric (synthetic fabric, detector maps, thread example, data sets) and pooldemo.shift."""

import numpy as np
import pytest

from pooldemo import global_pool
from pooldemo.fabric import (
    DARK_LEVEL,
    FABRIC_KINDS,
    detector_maps,
    fabric_dataset,
    fabric_image,
    thread_example,
)
from pooldemo.shift import relative_change, shift_curve, shift_image

# --- fabric_image ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", FABRIC_KINDS)
@pytest.mark.parametrize("size", [28, 56, 112])
def test_fabric_image_shape_range_dtype(kind, size):
    img = fabric_image(kind, size=size, noise=0.1, seed=2)
    assert img.shape == (size, size) and img.dtype == np.float32
    assert img.min() >= 0 and img.max() <= 1


@pytest.mark.parametrize("kind", FABRIC_KINDS)
def test_fabric_image_deterministic_and_seed_dependent(kind):
    a, b = fabric_image(kind, seed=5), fabric_image(kind, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, fabric_image(kind, seed=6))


def test_rip_is_a_small_dark_hole():
    for seed in range(5):
        smooth, rip = fabric_image("smooth", seed=seed), fabric_image("rip", seed=seed)
        hole = (rip < 0.15).mean()
        assert 0.01 < hole < 0.06, hole          # a few percent of the image
        assert (smooth < 0.15).mean() == 0
    assert (fabric_image("rip", count=3, seed=1) < 0.15).mean() > hole


def test_noise_zero_is_pure_weave_and_noise_adds_spread():
    clean = fabric_image("smooth", noise=0.0)
    np.testing.assert_allclose(clean.mean(), 0.55, atol=0.01)
    assert fabric_image("smooth", noise=0.1).std() > clean.std() + 0.05


@pytest.mark.parametrize("kwargs, exc", [
    (dict(kind="torn"), ValueError), (dict(size=20), ValueError), (dict(size=5.0), TypeError),
    (dict(count=-1, kind="rip"), ValueError), (dict(count=1.5, kind="rip"), TypeError),
    (dict(kind="smooth", count=2), ValueError), (dict(noise=-0.1), ValueError),
    (dict(noise=float("nan")), TypeError), (dict(noise="low"), TypeError),
    (dict(seed=-1), ValueError), (dict(seed=0.5), TypeError),
])
def test_fabric_image_bad_input(kwargs, exc):
    with pytest.raises(exc, match=next(iter(k for k in kwargs if k != "kind"), "kind")):
        fabric_image(**kwargs)


# --- detector_maps --------------------------------------------------------------------------------

def test_detector_maps_shapes_and_ranges():
    for kind in FABRIC_KINDS:
        maps = detector_maps(fabric_image(kind, noise=0.2, seed=1), grid=7)
        assert set(maps) == {"rip", "wrinkle"}
        assert maps["rip"].shape == maps["wrinkle"].shape == (7, 7)
        assert 0 <= maps["rip"].min() and maps["rip"].max() <= 2
        assert 0 <= maps["wrinkle"].min() and maps["wrinkle"].max() <= 1
    assert detector_maps(fabric_image("rip", size=60), grid=5)["rip"].shape == (5, 5)


@pytest.mark.parametrize("seed", range(6))
def test_rip_detector_fires_near_two_on_rips_only(seed):
    assert detector_maps(fabric_image("rip", seed=seed))["rip"].max() > 1.8
    for kind in ("smooth", "wrinkles", "fold"):
        assert detector_maps(fabric_image(kind, seed=seed))["rip"].max() < 0.2


def test_rip_detector_is_documented_formula():
    img = np.full((56, 56), 0.55)
    img[:8, :8] = 0.0                      # exactly patch (0, 0) of a 7x7 grid: a full hole
    img[8:16, 8:12] = 0.0                  # half of patch (1, 1)
    img[24:32, 24:30] = 0.0                # three quarters of patch (3, 3)
    rip = detector_maps(img)["rip"]
    assert rip[0, 0] == pytest.approx(2.0)
    # the 4x4 blur trims ~1.5 px from each side of a hole: 8 x (4 - 1.5) of 64 pixels, times 4
    assert rip[1, 1] == pytest.approx(4 * 8 * 2.5 / 64, abs=0.3)
    assert rip[3, 3] > 1.8                  # near saturation: most of a patch is about as good as all
    assert rip[4:, 4:].max() == 0
    assert DARK_LEVEL < 0.55


def test_wrinkle_detector_counts_wrinkles_roughly():
    def total(kind, count, seed):
        return detector_maps(fabric_image(kind, count=count, seed=seed))["wrinkle"].sum()

    for seed in range(4):
        smooth, fold = total("smooth", None, seed), total("fold", 1, seed)
        few, many = total("wrinkles", 2, seed), total("wrinkles", 8, seed)
        assert smooth < 0.5 < fold < many
        assert few < many
        m = detector_maps(fabric_image("fold", seed=seed))["wrinkle"]
        assert m.max() > 0.9                     # the fold's own patches look like wrinkles
    # one wrinkle touches roughly 1-4 patches
    per = [total("wrinkles", 1, s) for s in range(8)]
    assert 0.5 < np.mean(per) < 4.5


def test_wrinkle_detector_ignores_weave_and_hole_rim():
    assert detector_maps(fabric_image("smooth", noise=0.0))["wrinkle"].max() == 0
    assert detector_maps(fabric_image("rip", noise=0.0))["wrinkle"].max() < 0.2


def test_global_pooling_separates_the_cases_like_the_thread():
    rip = detector_maps(fabric_image("rip"))["rip"]
    assert global_pool(rip, "max") > 1.8 and global_pool(rip, "average") < 0.3
    wr = [detector_maps(fabric_image("wrinkles", seed=s))["wrinkle"] for s in range(3)]
    fo = [detector_maps(fabric_image("fold", seed=s))["wrinkle"] for s in range(3)]
    # global max: a fold looks like many wrinkles; global average: it does not
    assert min(global_pool(m, "max") for m in fo) > 0.9
    assert max(global_pool(m, "average") for m in fo) < min(global_pool(m, "average") for m in wr)


@pytest.mark.parametrize("image, grid, exc, word", [
    (np.zeros((20, 20)), 7, ValueError, "28"), (np.zeros((56, 56, 3)), 7, ValueError, "image"),
    (np.zeros((56, 56)), 0, ValueError, "grid"), (np.zeros((56, 56)), 2.0, TypeError, "grid"),
    (np.full((56, 56), np.nan), 7, ValueError, "NaN"), ("fabric", 7, TypeError, "image"),
])
def test_detector_maps_bad_input(image, grid, exc, word):
    with pytest.raises(exc, match=word):
        detector_maps(image, grid=grid)


# --- thread_example --------------------------------------------------------------------------------

def test_thread_example_numbers():
    ex = thread_example()
    one, faint = ex["one_rip"], ex["faint_everywhere"]
    assert one.shape == faint.shape == (7, 7)
    assert (one == 2.0).sum() == 1 and (one == 0).sum() == 48
    assert global_pool(one, "max") == 2.0
    assert global_pool(one, "average") == pytest.approx(2 / 49) == pytest.approx(0.0408, abs=1e-4)
    assert global_pool(faint, "average") == pytest.approx(global_pool(one, "average"))
    assert global_pool(faint, "max") == pytest.approx(2 / 49)
    assert thread_example(5)["faint_everywhere"][0, 0] == pytest.approx(2 / 25)
    with pytest.raises(ValueError, match="grid"):
        thread_example(1)


# --- fabric_dataset --------------------------------------------------------------------------------

@pytest.mark.parametrize("task", ["rip", "wrinkles"])
def test_fabric_dataset_shapes_balance_determinism(task):
    X, y = fabric_dataset(task, 41, size=56, seed=4)
    assert X.shape == (41, 56, 56, 1) and X.dtype == np.float32 and y.dtype == np.int64
    assert set(y.tolist()) == {0, 1} and abs(int(y.sum()) - 20) <= 1
    assert X.min() >= 0 and X.max() <= 1
    X2, y2 = fabric_dataset(task, 41, size=56, seed=4)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(fabric_dataset(task, 41, size=56, seed=5)[0], X)


def test_fabric_dataset_labels_match_content():
    X, y = fabric_dataset("rip", 40, seed=0)
    rip_max = np.array([detector_maps(x[..., 0])["rip"].max() for x in X])
    assert (rip_max[y == 1] > 1.0).all() and (rip_max[y == 0] < 0.2).all()
    X, y = fabric_dataset("wrinkles", 40, seed=0)
    total = np.array([detector_maps(x[..., 0])["wrinkle"].mean() for x in X])
    assert total[y == 1].mean() > 2 * total[y == 0].mean()
    assert (np.array([detector_maps(x[..., 0])["rip"].max() for x in X]) < 0.2).all()


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(task="holes", n=4), ValueError, "task"), (dict(task="rip", n=1), ValueError, "n"),
    (dict(task="rip", n=0), ValueError, "n"), (dict(task="rip", n=4, size=10), ValueError, "size"),
    (dict(task="rip", n=4, noise=2.0), ValueError, "noise"),
    (dict(task="rip", n=4, seed=-3), ValueError, "seed"),
])
def test_fabric_dataset_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        fabric_dataset(**kwargs)


# --- shift -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 6), (5, 6, 2), (3, 5, 6, 2)])
def test_shift_by_zero_is_identity(shape):
    x = np.random.default_rng(0).random(shape)
    np.testing.assert_array_equal(shift_image(x, 0, 0), x)


@pytest.mark.parametrize("dx, dy", [(1, 0), (0, 2), (-2, 1), (3, -3), (-1, -1)])
def test_shift_and_back_restores_what_did_not_fall_off(dx, dy):
    x = np.random.default_rng(1).random((3, 7, 8, 2))
    back = shift_image(shift_image(x, dx, dy), -dx, -dy)
    rows = slice(max(-dy, 0), 7 - max(dy, 0))
    cols = slice(max(-dx, 0), 8 - max(dx, 0))
    np.testing.assert_array_equal(back[:, rows, cols], x[:, rows, cols])
    keep = np.zeros((7, 8), bool)
    keep[rows, cols] = True
    assert (back[:, ~keep] == 0).all()


def test_shift_direction_fill_and_dtype():
    x = np.arange(12.0).reshape(3, 4)
    out = shift_image(x, 1, -1, fill=-5.0)
    np.testing.assert_array_equal(out[:2, 1:], x[1:, :3])
    assert (out[2] == -5).all() and (out[:, 0] == -5).all()
    assert shift_image(x.astype(np.float32), 1, 0).dtype == np.float32
    assert (shift_image(x, 4, 0, fill=7.0) == 7).all()          # everything fell off
    assert (shift_image(x, 0, -3, fill=1.0) == 1).all()
    np.testing.assert_array_equal(shift_image(x, np.int64(1), 0), shift_image(x, 1, 0))


@pytest.mark.parametrize("args, exc, word", [
    ((np.zeros((3, 3)), 1.5, 0), TypeError, "dx"), ((np.zeros((3, 3)), 0, True), TypeError, "dy"),
    ((np.zeros(3), 1, 0), ValueError, "x"), ((np.zeros((3, 3)), 1, 0, "zero"), TypeError, "fill"),
    ((np.array([["a"]]), 1, 0), TypeError, "x"),
])
def test_shift_bad_input(args, exc, word):
    with pytest.raises(exc, match=word):
        shift_image(*args)


def test_relative_change():
    a = np.array([[3.0, 0.0], [0.0, 4.0]])
    assert relative_change(a, a) == 0.0
    assert relative_change(a, 2 * a) == pytest.approx(1.0)
    assert relative_change(a, np.zeros_like(a)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        relative_change(a, a[0])
    with pytest.raises(ValueError, match="zeros"):
        relative_change(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        relative_change([np.nan], [1.0])


def test_shift_curve_local_vs_global():
    x = np.zeros((12, 12))
    x[4:6, 4:6] = 1.0                                     # a 2x2 blob aligned with 2x2 pooling
    shifts = [-2, -1, 0, 1, 2]
    ident = shift_curve(lambda im: im, x, shifts)
    glob = shift_curve(lambda im: global_pool(im, "max"), x, shifts)
    np.testing.assert_allclose(glob, 0.0)                 # global max: unchanged
    assert ident[2] == 0 and (ident[[0, 1, 3, 4]] > 0.9).all()
    ys = shift_curve(lambda im: im, x, shifts, axis="y")
    np.testing.assert_allclose(ys, ident)                 # symmetric blob
    assert shift_curve(lambda im: im, x, np.array([1]), axis="y").shape == (1,)


@pytest.mark.parametrize("args, kwargs, exc, word", [
    ((None, np.ones((4, 4)), [1]), {}, TypeError, "fn"),
    ((np.sum, np.ones((4, 4)), [1]), {"axis": "z"}, ValueError, "axis"),
    ((np.sum, np.ones((4, 4)), [0.5]), {}, TypeError, "shifts"),
    ((np.sum, np.ones((4, 4)), []), {}, ValueError, "shifts"),
])
def test_shift_curve_bad_input(args, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        shift_curve(*args, **kwargs)


# --- shift_features and invariance_curves -----------------------------------------------------------

def test_shift_features_match_the_package_pipeline():
    from pooldemo.edges import conv2d
    from pooldemo.shift import shift_features

    x = np.random.default_rng(3).random((10, 12))
    f = shift_features(x, dx=2, dy=-1, kernel="horizontal")
    np.testing.assert_array_equal(f["shifted"], shift_image(x, 2, -1))
    conv = np.maximum(conv2d(shift_image(x, 2, -1), "horizontal"), 0)
    np.testing.assert_allclose(f["conv"], conv)
    np.testing.assert_allclose(f["max_pool"], pooldemo_pool(conv))
    assert float(f["global_max"]) == pytest.approx(conv.max())
    assert float(f["global_average"]) == pytest.approx(conv.mean())


def pooldemo_pool(m):
    from pooldemo import pool2d

    return pool2d(m, 2)


def test_invariance_curves_equal_relative_change_by_hand():
    from pooldemo.shift import FEATURES, invariance_curves, shift_features

    x = np.zeros((16, 16))
    x[5:11, 6:9] = 1.0
    c = invariance_curves(x, [-2, 0, 3], dy=1)
    assert set(c) == set(FEATURES)
    ref = shift_features(x)
    for k, s in enumerate([-2, 0, 3]):
        moved = shift_features(x, s, 1)
        for name in FEATURES:
            assert c[name][k] == pytest.approx(relative_change(ref[name], moved[name]))
    assert (c["global_max"] == 0).all()               # nothing fell off: global max unchanged
    assert (c["conv"] > 0.3).all()                    # dy=1 alone already moves the conv map


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(x=np.ones((12, 12)), shifts=[1]), ValueError, "all zero"),
    (dict(x=np.eye(3), shifts=[1]), ValueError, "4x4"),
    (dict(x=np.full((6, 6), np.nan), shifts=[1]), ValueError, "NaN"),
    (dict(x=np.eye(6), shifts=[]), ValueError, "shifts"),
    (dict(x=np.eye(6), shifts=[0.5]), TypeError, "shifts"),
])
def test_invariance_curves_bad_input(kwargs, exc, word):
    from pooldemo.shift import invariance_curves

    with pytest.raises(exc, match=word):
        invariance_curves(**kwargs)
