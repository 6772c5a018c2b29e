"""The JSON result cache shared by the experiments: one file per prefix and settings.

A result lives in ``cache_dir() / "experiments" / f"{prefix}_{key}.json"``, where ``key`` is the
first 16 hex digits of the SHA-256 of the settings as sorted-key JSON: every setting that can
change a number is part of the file name, so changed settings never reuse an old result. A miss
is computed while holding a lock on ``<file>.lock``: two processes wanting the same result (two
chapters executing at once in the book build) compute it once, the second waits and reads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os

from .._files import atomic_write, exclusive_lock
from ..data import cache_dir

__all__ = ["cached_json"]


def cached_json(prefix, settings, compute, cache=True, indent=None, decode=None):
    """Return ``compute()`` as it reads back from JSON, from the cache file when there is one.

    On a miss the result is computed, written atomically (:func:`pooldemo._files.atomic_write`)
    and returned *as read back from that JSON text*, so a caller gets the same value on a hit and
    on a miss (lists, not tuples; string dict keys unless ``decode`` converts them).

    Parameters
    ----------
    prefix : str
        Start of the file name, e.g. ``"shift"`` or ``f"mnist_{name}"``.
    settings : dict
        Everything the result depends on, JSON-serialisable; hashed into the file name.
    compute : callable
        Called without arguments on a miss; returns a JSON-serialisable result.
    cache : bool
        Read and write the cache file. If false, neither happens (the result is still
        round-tripped through JSON).
    indent : int, optional
        ``json.dumps`` indent of the written file.
    decode : callable, optional
        Applied to the decoded JSON before it is returned, on a hit and on a miss. A cache file
        that is not valid JSON, or that ``decode`` rejects with ValueError or KeyError, counts as a
        miss: the result is computed again and the file overwritten.

    Returns
    -------
    object
        ``decode(json.loads(json.dumps(compute())))``, or the same read from the cache file.

    Notes
    -----
    Failing to write the file (read-only or full disk) is not an error: it only costs computing
    the result again next time. Failing to read an existing file (no permission) is an error.

    Examples
    --------
    >>> cached_json("demo", {"n": 3}, lambda: {1: (2.0, 3.0)}, cache=False)
    {'1': [2.0, 3.0]}
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    if not prefix or any(sep in prefix for sep in (os.sep, os.altsep, "/") if sep):
        raise ValueError(f"prefix must be a non-empty file name part, got {prefix!r}")
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a dict, got {type(settings).__name__}")
    if not callable(compute):
        raise TypeError(f"compute must be callable, got {type(compute).__name__}")
    if decode is None:
        def decode(result):
            return result
    try:
        key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    except TypeError as exc:
        raise TypeError(f"settings for {prefix!r} must be JSON-serialisable: {exc}") from exc
    path = cache_dir() / "experiments" / f"{prefix}_{key}.json"
    hit = _read(path, decode) if cache else None
    if hit is not None:
        return hit[0]
    lock = path.with_name(path.name + ".lock")
    with exclusive_lock(lock) if cache else contextlib.nullcontext():
        hit = _read(path, decode) if cache else None  # made by another process while we waited
        if hit is not None:
            return hit[0]
        result = compute()
        try:
            text = json.dumps(result, indent=indent)
        except TypeError as exc:
            raise TypeError(f"the result for {prefix!r} must be JSON-serialisable: {exc}") from exc
        if cache:
            try:
                atomic_write(path, text)
            except OSError:
                pass  # an unwritable cache only costs computing the result again next time
    return decode(json.loads(text))


def _read(path, decode):
    """``(decoded result,)`` from the cache file, or None if it is missing or damaged."""
    if not path.exists():
        return None
    try:
        return (decode(json.loads(path.read_bytes())),)
    except (ValueError, KeyError):
        return None  # a damaged cache file is computed again and overwritten
