"""pooldemo.experiments.stability: deformations, warping, the normalised sensitivity, a tiny run."""

import numpy as np
import pytest

from pooldemo.experiments import stability
from pooldemo.shift import shift_image


def test_deformation_is_smooth_and_scaled():
    dy, dx = stability.smooth_deformation((28, 28), strength=2.0, seed=3)
    assert max(np.abs(dy).max(), np.abs(dx).max()) == pytest.approx(2.0)
    # smooth: neighbouring displacements differ far less than the peak
    assert np.abs(np.diff(dy, axis=0)).max() < 0.5
    assert np.abs(np.diff(dx, axis=1)).max() < 0.5
    a = stability.smooth_deformation((10, 12), seed=1)
    b = stability.smooth_deformation((10, 12), seed=1)
    c = stability.smooth_deformation((10, 12), seed=2)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])


def test_warp_identity_integer_shift_and_interpolation():
    x = np.random.default_rng(0).random((7, 9))
    zero = np.zeros_like(x)
    np.testing.assert_allclose(stability.warp(x, zero, zero), x)
    # sampling at col - 1 moves the image one column to the right, zeros entering on the left
    np.testing.assert_allclose(stability.warp(x, zero, zero - 1.0), shift_image(x, 1, 0))
    half = stability.warp(x, zero, zero + 0.5)
    np.testing.assert_allclose(half[:, :-1], (x[:, :-1] + x[:, 1:]) / 2)


def test_sensitivity_zero_for_identity_and_one_for_swapping_digits():
    f = np.random.default_rng(1).normal(size=(50, 8))
    assert stability.feature_sensitivity(f, f) == 0.0
    perm = np.random.default_rng(0).permutation(50)
    perm = np.where(perm == np.arange(50), np.roll(perm, 1), perm)
    assert stability.feature_sensitivity(f, f[perm], seed=0) == pytest.approx(1.0)
    assert stability.feature_sensitivity(f, 2 * f) > 0


@pytest.mark.parametrize("kwargs, word", [
    (dict(shape=(5,)), "shape"), (dict(shape=(5, 5), strength=-1), "strength"),
    (dict(shape=(5, 5), grid=1), "grid")])
def test_deformation_bad_input(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        stability.smooth_deformation(**kwargs)


def test_bad_input_named():
    with pytest.raises(ValueError, match="image"):
        stability.warp(np.zeros(3), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="dy and dx"):
        stability.warp(np.zeros((3, 3)), np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="features"):
        stability.feature_sensitivity(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="variants"):
        stability.stability_experiment(variants=("downsampled_input",))
    with pytest.raises(ValueError, match="n_images"):
        stability.stability_experiment(n_images=1)


def test_tiny_run_is_cached(tf, tmp_path, monkeypatch):
    monkeypatch.setenv("POOLDEMO_CACHE", str(tmp_path))
    kw = dict(variants=("max_pool",), n_images=20, n_train=64)
    first = stability.stability_experiment(**kw)
    assert list((tmp_path / "experiments").glob("stability_*.json"))
    again = stability.stability_experiment(**kw)  # read back from the JSON cache
    assert again == first
    r = first["results"]["max_pool"]
    assert set(r["init"]) == set(stability.TRANSFORMS) == set(r["trained"])
    assert all(0 <= v < 3 for v in r["init"].values())
    assert 0 <= r["test_accuracy"] <= 1
    assert first["pixels"]["shift_2"] > first["pixels"]["shift_1"]
