"""The tf.keras models the book uses have Chollet's parameter counts."""

import subprocess
import sys

import pytest

from pooldemo.models import DOWNSAMPLERS, HEADS, chollet_convnet, convnet


def test_parameter_counts(tf):
    assert chollet_convnet(downsample="none", head="none").count_params() == 55_744
    assert chollet_convnet().count_params() == 93_322
    base = chollet_convnet(downsample="none", head="none")
    assert base.outputs[0].shape[1:] == (22, 22, 64)
    dense512 = tf.keras.layers.Dense(512)
    dense512.build((None, 22 * 22 * 64))
    assert dense512.count_params() == 15_860_224
    pooled = chollet_convnet(head="none")
    assert pooled.outputs[0].shape[1:] == (3, 3, 64)


def test_import_does_not_load_tensorflow_or_matplotlib():
    code = ("import sys, pooldemo; pooldemo.pool2d([[1, 2], [3, 4]]); "
            "print(sorted(m for m in ('tensorflow', 'matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_old_keyword_still_works_with_a_warning(tf):
    with pytest.warns(DeprecationWarning, match="downsample"):
        old = chollet_convnet(pooling="average")
    assert [ly.name for ly in old.layers] == [ly.name for ly in chollet_convnet("average").layers]


def test_one_builder_every_word(tf):
    """Every down-sampling word and head builds, and the bad ones are named."""
    for down in DOWNSAMPLERS:
        for head in HEADS:
            model = convnet((4, 4, 4), down, head, input_size=28)
            assert model.output_shape[-1] == (4 if head == "none" else 10)
    per_gap = convnet((32, 64, 64), ("none", "max"), input_size=14)
    assert [ly.name for ly in per_gap.layers][:4] == ["conv1", "conv2", "pool2", "conv3"]
    dilated = convnet((8, 8, 8), "none", "none", dilation_rate=[1, 2, 6])
    assert dilated.output_shape == (None, 28 - 18, 28 - 18, 8)
    with pytest.raises(ValueError, match="downsample must be one of .* got 'min'"):
        convnet(downsample="min")
    with pytest.raises(ValueError, match="head must be one of"):
        convnet(head="dense")
    with pytest.raises(ValueError, match="dilation_rate must be one value or a list"):
        convnet(dilation_rate=[1, 2])
    with pytest.raises(TypeError, match="filters"):
        convnet(filters=32)
