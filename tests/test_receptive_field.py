"""Closed-form receptive fields (Araujo et al.) agree with the book's numbers and TensorFlow."""

import numpy as np
import pytest
from pooldemo.specs import Conv2D as conv
from pooldemo.specs import Flatten as flatten
from pooldemo.specs import GlobalPooling2D as global_pool_layer
from pooldemo.specs import MaxPooling2D as pool
from pooldemo.specs import ZeroPadding2D as zero_pad

import pooldemo
from pooldemo import empirical_receptive_field, receptive_field, unit_box
from pooldemo.models import chollet_convnet
from pooldemo.receptive import stack_model

CASES = {
    "F1": ([conv(3)], 3),
    "F2∘F1": ([conv(3), conv(3)], 5),
    "M∘F1": ([conv(3), pool(2)], 4),
    "F2∘M∘F1": ([conv(3), pool(2), conv(3)], 8),
    "two stride-2 convs": ([conv(3, 2), conv(3, 2)], 7),
    "chollet without pooling": ([conv(3), conv(3), conv(3)], 7),
    "chollet with pooling": ([conv(3), pool(2), conv(3), pool(2), conv(3)], 18),
}


@pytest.mark.parametrize("name", CASES)
def test_closed_form(name):
    specs, size = CASES[name]
    assert receptive_field(specs)[-1].size == (size, size)


def test_worked_64_example_shapes():
    assert receptive_field([conv(3), conv(3)], 64)[-1].output_size == (60, 60)
    assert receptive_field([conv(3), pool(2), conv(3)], 64)[-1].output_size == (29, 29)


def test_vgg16_per_layer():
    # Araujo et al.: pool1 6, conv2_1 10, pool2 16, pool3 44, pool4 100, pool5 212
    blocks = [2, 2, 3, 3, 3]
    specs = []
    for b, n in enumerate(blocks, 1):
        specs += [conv(3, padding="same", name=f"conv{b}_{i}") for i in range(1, n + 1)]
        specs.append(pool(2, name=f"pool{b}"))
    sizes = {r.name: r.size[0] for r in receptive_field(specs, 224)}
    assert [sizes[k] for k in ("pool1", "conv2_1", "pool2", "pool3", "pool4", "pool5")] == \
        [6, 10, 16, 44, 100, 212]


def test_keras_vgg16_model(tf):
    vgg = tf.keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    rec = {r.name: r for r in receptive_field(vgg)}
    assert rec["block5_pool"].size == (212, 212)
    assert rec["block5_pool"].output_size == (7, 7)


@pytest.mark.parametrize("name", CASES)
def test_empirical_matches_closed_form(tf, name):
    specs, _ = CASES[name]
    model = stack_model(specs, input_size=32)
    rec = receptive_field(model)[-1]
    out = model.outputs[0].shape
    unit = (out[1] // 2, out[2] // 2)
    mask = empirical_receptive_field(model, unit=unit)
    (top, bottom), (left, right) = unit_box(rec, *unit, clip_to=(32, 32))
    want = np.zeros_like(mask)
    want[top:bottom + 1, left:right + 1] = True
    np.testing.assert_array_equal(mask, want)


@pytest.mark.parametrize("specs", [
    [conv(3, 1, "same", 2), pool(3, 2, "same"), conv(3, 2, "same")],
    [zero_pad(2), conv(5, 2), pool(2, 1), conv(3, 1, dilation_rate=3)],
    [conv((3, 5), (1, 2)), pool((2, 3))],
])
def test_empirical_matches_closed_form_padding_dilation(tf, specs):
    model = stack_model(specs, input_size=33)
    rec = receptive_field(model)[-1]
    for unit in [(0, 0), (1, 2)]:
        mask = empirical_receptive_field(model, unit=unit)
        (top, bottom), (left, right) = unit_box(rec, *unit, clip_to=(33, 33))
        want = np.zeros_like(mask)
        want[top:bottom + 1, left:right + 1] = True
        np.testing.assert_array_equal(mask, want)


def test_chollet_model_through_max_pooling(tf):
    model = chollet_convnet()
    rec = {r.name: r for r in receptive_field(model)}
    assert rec["conv3"].size == (18, 18)
    mask = empirical_receptive_field(model, layer="conv3", unit=(1, 1))
    assert mask.sum() == 18 * 18
    full = empirical_receptive_field(model, layer="classes")
    (top, bottom), _ = unit_box(rec["flatten"], 0, 0, clip_to=(28, 28))
    assert full.sum() == (bottom - top + 1) ** 2 == 26 * 26


def test_global_needs_input_size_and_sees_everything():
    with pytest.raises(ValueError, match="pass input_size"):
        receptive_field([conv(3), global_pool_layer()])
    rec = receptive_field([conv(3), global_pool_layer()], 10)[-1]
    assert rec.size == (10, 10) and rec.output_size == (1, 1)
    assert receptive_field([conv(3), pool(2), flatten()], 9)[-1].size == (8, 8)


def test_bad_specs(tf):
    with pytest.raises(ValueError, match="kind must be one of"):
        receptive_field([{"kind": "lstm"}])
    with pytest.raises(ValueError, match="stride 2: its padding depends on the input size"):
        receptive_field([conv(3, 2, "same")])
    with pytest.raises(TypeError, match="kernel_size must be a positive integer, got 2.5"):
        conv(2.5)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), tf.keras.layers.UpSampling2D()])
    with pytest.raises(ValueError, match="UpSampling2D is not supported"):
        receptive_field(model)


@pytest.mark.parametrize("old,new,args", [
    ("conv", "Conv2D", (3, 2, "same", 1)), ("pool", "MaxPooling2D", (3, 2, "same")),
    ("zero_pad", "ZeroPadding2D", (((1, 2), (0, 1)),)),
    ("global_pool_layer", "GlobalPooling2D", ()),
    ("flatten", "Flatten", ()),
])
def test_old_spec_names_warn_and_give_the_same_spec(old, new, args):
    with pytest.warns(DeprecationWarning, match=f"pooldemo.{old} is deprecated.*specs.{new}"):
        got = getattr(pooldemo, old)(*args)
    assert got == getattr(pooldemo.specs, new)(*args)


def test_old_conv_names_its_old_argument():
    with pytest.warns(DeprecationWarning), \
            pytest.raises(TypeError, match="kernel must be a positive integer, got 2.5"):
        pooldemo.conv(2.5)


def test_conv_stack_moved_with_a_warning(tf):
    with pytest.warns(DeprecationWarning, match="conv_stack is deprecated.*stack_model"):
        model = pooldemo.models.conv_stack([conv(3), pool(2)], input_size=12, filters=2)
    assert [type(ly).__name__ for ly in model.layers] == ["Conv2D", "MaxPooling2D"]
