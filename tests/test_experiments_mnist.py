"""pooldemo.experiments.mnist: variants, seeded training, cache (tiny slices, 1 epoch)."""

import numpy as np
import pytest

from pooldemo.experiments import mnist

TINY = dict(epochs=1, n_train=192, n_test=100)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POOLDEMO_CACHE", str(tmp_path))
    return tmp_path


def test_variants_build_with_expected_shapes(tf):
    params = {name: mnist.build_variant(name).count_params() for name in mnist.VARIANTS}
    assert params["max_pool"] == 93322
    assert params["no_pool_dense512"] == 55744 + 15860224 + 5130
    assert params["downsampled_input"] == 93322  # last map 3x3x64, as with pooling
    model = mnist.build_variant("downsampled_input")
    assert model.input_shape == (None, 14, 14, 1)
    assert model.get_layer("conv3").output.shape[1:] == (3, 3, 64)
    for name, spec in mnist.VARIANTS.items():
        assert spec["description"]
        assert mnist.build_variant(name).output_shape == (None, 10)


def test_training_is_seeded_and_cached(cache, tf, monkeypatch):
    first = mnist.train_variant("max_pool", seed=3, **TINY)
    again = mnist.train_variant("max_pool", seed=3, cache=False, **TINY)
    for key in ("params", "test_accuracy", "history", "shifted_accuracy"):
        assert first[key] == again[key], key
    assert len(first["shifted_accuracy"]) == len(first["shift_consistency"]) == len(mnist.SHIFTS)
    assert first["test_accuracy"] == first["shifted_accuracy"][0]
    assert first["shift_consistency"][0] == 1.0
    assert all(0 <= c <= 1 for c in first["shift_consistency"])
    assert np.isclose(first["history"]["val_accuracy"][-1], first["test_accuracy"], atol=1e-6)
    assert len(first["history"]["loss"]) == 1 and first["train_seconds"] > 0
    assert len(list((cache / "experiments").glob("mnist_max_pool_*.json"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("cache miss: retrained")

    monkeypatch.setattr(mnist, "_train", no_training)
    hit = mnist.train_variant("max_pool", seed=3, **TINY)
    assert hit == first
    with pytest.raises(AssertionError, match="cache miss"):
        mnist.train_variant("max_pool", seed=4, **TINY)  # another seed is another key


def test_downsampled_input_trains(cache, tf):
    res = mnist.train_variant("downsampled_input", **TINY)
    assert res["params"] == 93322
    assert 0.0 <= res["test_accuracy"] <= 1.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="no_such"), "name must be one of"),
    (dict(name="max_pool", source="web"), "source must be one of"),
    (dict(name="max_pool", epochs=0), "epochs"),
    (dict(name="max_pool", seed=-1), "seed"),
    (dict(name="max_pool", n_train=0), "n_train"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mnist.train_variant(**kwargs)


def test_prepared_digits_and_random_shifts():
    """The 14x14 variant sees 2x2 block means; the random-shift offsets are in range and seeded."""
    y = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    small = mnist._prepare(y, "downsampled_input")
    assert small.shape == (3, 14, 14, 1) and small.dtype == np.float32
    assert np.isclose(small[1, 2, 3, 0], y[1, 4:6, 6:8].mean())
    assert mnist._prepare(y, "max_pool").shape == (3, 28, 28, 1)
    pairs = mnist.random_shift_pairs(500, seed=3)
    assert pairs.shape == (500, 2, 2) and np.abs(pairs).max() == mnist.RANDOM_SHIFT
    assert np.array_equal(pairs, mnist.random_shift_pairs(500, seed=3))
    assert not np.array_equal(pairs, mnist.random_shift_pairs(500, seed=4))
    with pytest.raises(ValueError, match="seed"):
        mnist.random_shift_pairs(5, seed=-1)


def test_all_conv_has_the_pooled_shapes_and_field_and_strided_conv_does_not(tf):
    """All-CNN type: a learned 2x2/2 conv per pool; Strided-CNN type: a smaller field."""
    import pooldemo

    pooled, allconv = mnist.build_variant("max_pool"), mnist.build_variant("all_conv")
    strided = mnist.build_variant("strided_conv")
    for layer in ("conv1", "conv2", "conv3"):
        assert allconv.get_layer(layer).output.shape == pooled.get_layer(layer).output.shape
    assert allconv.count_params() == 93322 + (2 * 2 * 32 * 32 + 32) + (2 * 2 * 64 * 64 + 64)

    def field(model):
        return {r.name: r.size[0] for r in pooldemo.receptive_field(model)}["conv3"]

    assert field(pooled) == field(allconv) == 18 and field(strided) == 9


def test_training_accuracy_is_measured_on_the_trained_model(cache, tf):
    """Not Keras's running average over the last epoch: the trained model on its training set."""
    from pooldemo.data import load_mnist

    res = mnist.train_variant("max_pool", seed=1, **TINY)
    n = TINY["n_train"]
    assert res["train_accuracy"] != res["history"]["accuracy"][-1]
    assert res["train_accuracy"] * n == pytest.approx(round(res["train_accuracy"] * n))
    assert len(load_mnist().x_train[:n]) == n


def test_folds_are_disjoint_stratified_and_cover_every_digit():
    from pooldemo.data import N_FOLDS, load_mnist

    tests = [load_mnist(fold=k) for k in range(N_FOLDS)]
    allx = np.concatenate([t.x_test for t in tests]).reshape(-1, 784)
    assert len(np.unique(allx, axis=0)) == len(np.unique(
        np.concatenate([tests[0].x_train, tests[0].x_test]).reshape(-1, 784), axis=0))
    for t in tests:
        assert np.bincount(t.y_test).tolist() == [100] * 10
        assert len(t.x_train) == 4000
    with pytest.raises(ValueError, match="fold must be an integer in \\[0, 5\\), got 5"):
        load_mnist(fold=5)
    with pytest.raises(ValueError, match="fold must be 0"):
        load_mnist("keras", fold=1)
