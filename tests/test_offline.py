"""Offline by default (GitHub issue 7).

- The opt-in full MNIST, ``load_mnist("keras")``, fails fast with a clear RuntimeError when the
  network is blocked, and never hangs.
- The book build runs with scripts/offline/sitecustomize.py enabled (``POOLDEMO_OFFLINE=1`` and
  that folder on ``PYTHONPATH``, set by scripts/build-book.sh): its kernels may talk to Jupyter
  over loopback, but a chapter cell that connects to a public address fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import nbformat
import pytest
from conftest import BOOK, ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

GUARD = ROOT / "scripts" / "offline"
PUBLIC = ("93.184.216.34", 80)  # a public address (example.com's old one); never reached


def guarded_env(tmp_path, on=True):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg", KERAS_HOME=str(tmp_path),
               HOME=str(tmp_path), POOLDEMO_CACHE=str(tmp_path / "cache"))
    if on:
        env["POOLDEMO_OFFLINE"] = "1"
        env["PYTHONPATH"] = os.pathsep.join([str(GUARD)] + [p for p in [env.get("PYTHONPATH")] if p])
    else:
        env.pop("POOLDEMO_OFFLINE", None)
    return env


def test_keras_mnist_fails_fast_and_clearly_offline(tmp_path):
    """A fresh Keras home (no cached download) and sockets blocked: RuntimeError in < 30 s."""
    code = (
        "import json, time\n"
        "import pooldemo\n"
        "import tensorflow\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    pooldemo.load_mnist('keras', timeout=5)\n"
        "    out = {'error': None}\n"
        "except Exception as exc:\n"
        "    out = {'error': type(exc).__name__, 'message': str(exc)}\n"
        "out['seconds'] = time.perf_counter() - t\n"
        "print('RESULT' + json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=guarded_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)  # imports are slow on a busy machine
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert line, proc.stderr[-2000:]
    out = json.loads(line[0][len("RESULT"):])
    assert out["error"] == "RuntimeError", out
    assert "internet" in out["message"] and "load_mnist('offline')" in out["message"]
    assert out["seconds"] < 30, out


def test_keras_mnist_in_the_test_process_is_blocked_too(tf, monkeypatch, tmp_path):
    """Under the suite's own socket block (conftest.py), with no cached file: RuntimeError."""
    import keras

    import pooldemo

    if hasattr(keras.config, "keras_home"):
        monkeypatch.setattr(keras.src.utils.file_utils.config, "keras_home", lambda: str(tmp_path),
                            raising=False)
    real_get_file = keras.utils.get_file

    def get_file(*args, **kwargs):  # never read a download cached by an earlier online run
        kwargs["cache_dir"] = str(tmp_path)
        return real_get_file(*args, **kwargs)

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    monkeypatch.setattr(keras.src.datasets.mnist, "get_file", get_file, raising=False)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="needs the internet"):
        pooldemo.load_mnist("keras", timeout=5)
    assert time.perf_counter() - start < 30


def test_build_script_enables_the_guard():
    script = (ROOT / "scripts" / "build-book.sh").read_text()
    assert "POOLDEMO_OFFLINE=1" in script and "scripts/offline" in script
    assert (GUARD / "sitecustomize.py").exists()


def chapter_with_cell(source):
    """pooling_computes with ``source`` as a new cell right after the set-up cell."""
    nb = nbformat.read(BOOK / "pooling_computes.ipynb", as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(source))
    return nb


def run_chapter(nb, env, monkeypatch, stop_after):
    for key in ("POOLDEMO_OFFLINE", "PYTHONPATH"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells = nb.cells[:first_code + 1 + stop_after]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    return nb


PROBE = (
    "import socket\n"
    f"socket.create_connection({PUBLIC!r}, timeout=5)\n"
)


def test_chapter_cell_connecting_out_fails_under_the_guard(tmp_path, monkeypatch):
    start = time.perf_counter()
    with pytest.raises(CellExecutionError) as info:
        run_chapter(chapter_with_cell(PROBE), guarded_env(tmp_path), monkeypatch, stop_after=1)
    msg = str(info.value)
    assert "ConnectionRefusedError" in msg and "POOLDEMO_OFFLINE=1" in msg, msg[-1500:]
    assert "create_connection" in msg
    assert time.perf_counter() - start < 120


def test_chapter_runs_under_the_guard_with_loopback(tmp_path, monkeypatch):
    """The guard allows what a chapter legitimately does, loopback included."""
    loopback = (
        "import socket, os\n"
        "assert os.environ.get('POOLDEMO_OFFLINE') == '1'\n"
        "assert socket.socket.connect.__module__ == 'sitecustomize'\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "socket.create_connection(server.getsockname(), timeout=5).close()\n"
        "print('loopback ok')\n"
    )
    nb = run_chapter(chapter_with_cell(loopback), guarded_env(tmp_path), monkeypatch, stop_after=4)
    texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("loopback ok" in t for t in texts)
