"""File helpers for the caches: atomic writes (a reader sees the old file or the new one, never half
of one) and an exclusive lock (two processes do not compute the same result at once).

Used by :mod:`pooldemo.data` (the MNIST split) and :mod:`pooldemo.experiments._cache` (results).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["atomic_write", "exclusive_lock"]


@contextlib.contextmanager
def exclusive_lock(path):
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block.

    A second process asking for the same lock waits until the first leaves its block. Where
    locking is impossible (no ``fcntl``, as on Windows, or a read-only folder) the block runs
    unlocked: the lock only saves duplicate work, it is never needed for correctness.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with exclusive_lock(Path(folder) / "result.json.lock"):
    ...         print("computing")
    computing
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_write(path, data):
    """Write ``data`` to ``path`` atomically, creating missing parent folders.

    The data go to a temporary file next to ``path`` (its name holds the process id, so two
    processes filling the same cache do not collide), which :func:`os.replace` then moves into
    place. If anything fails, the temporary file is removed and the error raised again.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write or replace.
    data : str or bytes
        The contents; a str is written as UTF-8.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "new" / "result.json"
    ...     atomic_write(path, '{"a": 1}')
    ...     path.read_text(), [p.name for p in path.parent.iterdir()]
    ('{"a": 1}', ['result.json'])
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes):
        raise TypeError(f"data must be str or bytes, got {type(data).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the original error is the one worth seeing
        raise
