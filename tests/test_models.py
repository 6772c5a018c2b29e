"""The tf.keras models the book uses have Chollet's parameter counts."""

import subprocess
import sys

from pooldemo.models import chollet_convnet


def test_parameter_counts(tf):
    assert chollet_convnet(pooling="none", head="none").count_params() == 55_744
    assert chollet_convnet().count_params() == 93_322
    base = chollet_convnet(pooling="none", head="none")
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
