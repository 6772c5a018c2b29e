"""Atomic file writes for the caches: a reader sees the old file or the new one, never half of one.

Used by :mod:`pooldemo.data` (the MNIST split) and :mod:`pooldemo.experiments._cache` (results).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write"]


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
