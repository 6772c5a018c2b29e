"""Tests for pooldemo.experiments.shift and pooldemo.experiments.fabric."""

import json

import numpy as np
import pytest

import pooldemo
from pooldemo.antialias import max_blur_pool2d
from pooldemo.experiments import fabric as fab
from pooldemo.experiments import shift as sh

# --- Zhang's 1-D example and blur pooling ------------------------------------------------------

def test_zhang_1d_example_with_pool2d():
    x = np.array([[0, 0, 1, 1, 0, 0, 1, 1]], dtype=float)
    pooled = pooldemo.pool2d(x, pool_size=(1, 2))
    shifted = pooldemo.pool2d(np.roll(x, -1, axis=1), pool_size=(1, 2))
    assert pooled.tolist() == [[0, 1, 0, 1]]
    assert shifted.tolist() == [[1, 1, 1, 1]]


def test_blur_pool_varies_less_than_max_pool_under_one_pixel_shifts():
    rng = np.random.default_rng(1)
    x = rng.random((40, 40))
    moved = np.zeros_like(x)
    moved[:, 1:] = x[:, :-1]
    # compare each against the best half-cell alignment: blur pooling changes less
    e_max = sh.equivariance_error(pooldemo.pool2d(x)[..., None], pooldemo.pool2d(moved)[..., None], 1)
    e_blur = sh.equivariance_error(max_blur_pool2d(x, padding="valid")[..., None],
                                    max_blur_pool2d(moved, padding="valid")[..., None], 1)
    assert e_blur < e_max


def test_equivariance_error():
    a = np.zeros((1, 8, 1))
    a[0, 2] = 1.0
    b = np.zeros((1, 8, 1))
    b[0, 3] = 1.0
    assert sh.equivariance_error(a, b, 2) == 0.0    # moved by exactly one cell
    assert sh.equivariance_error(a, b, 1) == 0.0    # ceil(1/2) = 1 cell fits too
    assert sh.equivariance_error(a, a, 2) > 0.9     # did not move at all
    with pytest.raises(ValueError, match="shapes|arrays"):
        sh.equivariance_error(a, b[:, :4], 2)
    with pytest.raises(ValueError, match="s must"):
        sh.equivariance_error(a, b, -1)
    with pytest.raises(ValueError, match="out of a map"):
        sh.equivariance_error(a, b, 16)


def test_readouts_match_pooling_functions():
    f = np.random.default_rng(2).random((2, 10, 10, 3))
    r = sh.readouts(f, f[:, ::2, ::2])
    assert set(r) == set(sh.READOUTS)
    np.testing.assert_allclose(r["global_max"], f.max(axis=(1, 2)))
    np.testing.assert_allclose(r["global_average"], f.mean(axis=(1, 2)))
    np.testing.assert_allclose(r["max_pool"], pooldemo.pool2d(f, 2))


# --- the shift experiment on real digits -------------------------------------------------------

@pytest.fixture(scope="module")
def small_shift(tmp_path_factory):
    pytest.importorskip("tensorflow")
    return sh.shift_experiment(n_digits=8, max_shift=3, filters=4, seed=0, cache=False)


def test_shift_experiment_shapes_and_zero_at_zero(small_shift):
    r = small_shift
    assert r["shifts"] == [0, 1, 2, 3]
    for name in sh.READOUTS:
        assert len(r["invariance"][name]) == 4
        assert r["invariance"][name][0] == 0.0
    assert set(r["equivariance"]) == set(sh.STRIDED)


def test_global_pooling_is_far_more_shift_invariant_than_maps(small_shift):
    inv = small_shift["invariance"]
    for s in (1, 2, 3):
        assert inv["global_max"][s] < 0.1 * inv["conv"][s]
        assert inv["global_average"][s] < 0.1 * inv["conv"][s]
        assert inv["max_pool"][s] < inv["conv"][s]
        assert inv["blur_pool"][s] < inv["max_pool"][s]


def test_stride_two_readouts_are_equivariant_only_for_even_shifts(small_shift):
    eq = small_shift["equivariance"]
    for name in ("max_pool", "strided_conv"):
        assert eq[name][2] == pytest.approx(0.0, abs=1e-6)
        assert eq[name][1] > 0.1 and eq[name][3] > 0.1
    assert eq["blur_pool"][1] < eq["max_pool"][1]


def test_shift_experiment_cache_roundtrip(tmp_path, monkeypatch):
    pytest.importorskip("tensorflow")
    monkeypatch.setenv("POOLDEMO_CACHE", str(tmp_path))
    first = sh.shift_experiment(n_digits=3, max_shift=1, filters=2, seed=1)
    files = list((tmp_path / "experiments").glob("shift_*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text()) == first
    assert sh.shift_experiment(n_digits=3, max_shift=1, filters=2, seed=1) == first


@pytest.mark.parametrize("kwargs, match", [(dict(n_digits=0), "n_digits"),
                                           (dict(max_shift=13), "max_shift"),
                                           (dict(seed=-1), "seed"),
                                           (dict(filters=1.5), "filters")])
def test_shift_experiment_rejects_bad_settings(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sh.shift_experiment(**kwargs)


# --- the fabric A/B networks --------------------------------------------------------------------

def test_build_fabric_net(tf):
    for head, layer in (("global_max", "GlobalMaxPooling2D"),
                        ("global_average", "GlobalAveragePooling2D")):
        model = fab.build_fabric_net(head)
        assert model.get_layer("maps").output.shape[1:] == (7, 7, 2)
        assert type(model.get_layer(head)).__name__ == layer
        assert model.outputs[0].shape[1:] == (2,)
    with pytest.raises(ValueError, match="head"):
        fab.build_fabric_net("flatten")
    with pytest.raises(ValueError, match="size"):
        fab.build_fabric_net("global_max", size=50)


def test_fabric_head_pools_the_maps_as_the_thread_says(tf):
    # the head is exactly global max / global average of the 7x7 maps, then softmax
    model = fab.build_fabric_net("global_average")
    x = np.random.default_rng(0).random((2, 56, 56, 1)).astype("float32")
    maps = tf.keras.Model(model.inputs[0], model.get_layer("maps").output)(x).numpy()
    expected = tf.nn.softmax(pooldemo.global_pool(maps, "average")).numpy()
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5)


def test_train_fabric_small_run_and_cache(tf, tmp_path, monkeypatch):
    monkeypatch.setenv("POOLDEMO_CACHE", str(tmp_path))
    r = fab.train_fabric("rip", "global_max", seed=0, n_train=32, n_test=16, epochs=1, n_maps=2)
    assert 0.0 <= r["test_accuracy"] <= 1.0
    assert (r["task"], r["head"], r["seed"]) == ("rip", "global_max", 0)
    assert [m["label"] for m in r["maps"]] == [0, 0, 1, 1]
    assert np.asarray(r["maps"][0]["evidence"]).shape == (7, 7)
    again = fab.train_fabric("rip", "global_max", seed=0, n_train=32, n_test=16, epochs=1,
                             n_maps=2)
    assert again == r
    assert len(list((tmp_path / "experiments").glob("fabric_rip_global_max_*.json"))) == 1


@pytest.mark.parametrize("args, match", [(("hole", "global_max"), "task"),
                                         (("rip", "median"), "head")])
def test_train_fabric_rejects_bad_names(args, match):
    with pytest.raises(ValueError, match=match):
        fab.train_fabric(*args)
    with pytest.raises(ValueError, match="seed"):
        fab.train_fabric("rip", "global_max", seed=-2)
    with pytest.raises(ValueError, match="seeds"):
        fab.fabric_experiment(seeds=())


def test_accuracy_table_groups_by_task_and_head():
    results = [dict(task=t, head=h, test_accuracy=a)
               for t, h, a in (("rip", "global_max", 1.0), ("rip", "global_max", 0.8),
                               ("wrinkles", "global_average", 0.7))]
    rows = {(r["task"], r["head"]): r for r in fab.accuracy_table(results)}
    assert rows[("rip", "global_max")]["mean"] == pytest.approx(0.9)
    assert rows[("rip", "global_max")]["min"] == 0.8
    assert rows[("wrinkles", "global_average")]["n"] == 1


# --- the edges probe (edges-and-pooling chapter) -------------------------------------------------

def test_batch_edge_maps_equal_edge_maps_per_image():
    from pooldemo import edges
    from pooldemo.experiments import edges as ee
    x = pooldemo.load_mnist().x_test[:3]
    batch = ee.batch_edge_maps(x)
    assert batch.shape == (3, 28, 28, len(edges.EDGE_FILTERS))
    for n in range(3):
        for f, name in enumerate(edges.EDGE_FILTERS):
            np.testing.assert_allclose(batch[n, ..., f],
                                       edges.edge_maps(x[n], padding="same")[name], atol=1e-5)
    with pytest.raises(ValueError, match="filters"):
        ee.batch_edge_maps(x, ["sideways"])
    with pytest.raises(ValueError, match="images"):
        ee.batch_edge_maps(x[0])


def test_pooled_features_and_nearest_mean():
    from pooldemo.experiments import edges as ee
    x = pooldemo.load_mnist().x_test[:4]
    assert ee.pooled_features(x, 14).shape == (4, 16)
    assert ee.pooled_features(x, 14, edges=False).shape == (4, 4)
    np.testing.assert_allclose(ee.pooled_features(x, 2, edges=False),
                               pooldemo.pool2d(x[..., None], 2).reshape(4, -1))
    # two well separated clusters are classified perfectly; swapped labels give 0
    a = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    y = np.array([0, 0, 1, 1])
    assert ee.nearest_mean_accuracy(a, y, a, y) == 1.0
    assert ee.nearest_mean_accuracy(a, y, a, 1 - y) == 0.0


def test_pooling_probe_edges_beat_pixels_when_pooled_hard(tmp_path, monkeypatch):
    from pooldemo.experiments import edges as ee
    monkeypatch.setenv("POOLDEMO_CACHE", str(tmp_path))
    r = ee.pooling_probe(pool_sizes=(1, 14), n_train=1000, n_test=300)
    assert r["map_side"] == [28, 2]
    assert r["features_edges"] == [3136, 16] and r["features_image"] == [784, 4]
    assert r["edges"][1] > r["image"][1] + 0.2      # 2x2 edge maps keep far more than 2x2 pixels
    assert r["image"][0] > 0.6                       # the probe itself works on raw pixels
    assert ee.pooling_probe(pool_sizes=(1, 14), n_train=1000, n_test=300) == r   # cached
    with pytest.raises(ValueError, match="pool_sizes"):
        ee.pooling_probe(pool_sizes=(29,))


@pytest.mark.parametrize("bad, exc, words", [
    (0, ValueError, "rip_scale must be in \\(0, 1\\]"), (1.5, ValueError, "rip_scale must be in"),
    (-0.2, ValueError, "rip_scale must be in"), (True, TypeError, "rip_scale must be a finite real"),
    ("small", TypeError, "rip_scale must be a finite real")])
def test_fabric_dataset_rejects_bad_rip_scale(bad, exc, words):
    """The checks' one rule: a wrong type is a TypeError, a value out of range a ValueError."""
    from pooldemo.fabric import fabric_dataset

    with pytest.raises(exc, match=words):
        fabric_dataset("rip", 4, size=28, rip_scale=bad)


def test_small_rips_are_smaller():
    from pooldemo.fabric import fabric_dataset

    def dark(scale):
        x, y = fabric_dataset("rip", 40, size=56, seed=3, noise=0.0, rip_scale=scale)
        return float((x[y == 1] < 0.1).mean())

    assert 0 < dark(0.35) < 0.3 * dark(1.0)
