"""The package as a notebook author gets it: a wheel built with `python -m build`, installed in a
clean virtual environment (no TensorFlow, no book toolchain), displays an explorer."""

from __future__ import annotations

import subprocess
import sys
import venv

from conftest import ROOT

CHECK = r"""
import numpy as np, pooldemo
fmap = np.random.default_rng(0).random((12, 12))
ex = pooldemo.PoolingExplorer(fmap, pool_size=3, strides=2)
bundle = ex._repr_mimebundle_()
assert ex.last_error is None, ex.last_error
assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
assert "application/vnd.jupyter.widget-view+json" in bundle and "pd-image" in bundle["text/html"]
import importlib.util
print("FROM", pooldemo.__file__, "TF", importlib.util.find_spec("tensorflow") is not None)
"""


def test_wheel_installs_in_a_clean_venv_and_an_explorer_displays(tmp_path):
    out = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path),
                          str(ROOT)], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    (wheel,) = tmp_path.glob("pooldemo-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel), "-c",
                          str(ROOT / "requirements.lock")], capture_output=True, text=True,
                         timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    run = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert f"FROM {env_dir}" in run.stdout and "TF False" in run.stdout, run.stdout
