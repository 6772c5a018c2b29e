"""pooldemo.experiments._cache.cached_json and pooldemo._files.atomic_write (no TensorFlow)."""

import hashlib
import json
import os
import time

import pytest

from pooldemo._files import atomic_write
from pooldemo.experiments._cache import cached_json

SETTINGS = dict(n=3, seed=0, sizes=[1, 2])


def files(folder):
    """The folder's files but the (empty, kept) lock files of computations."""
    return [p for p in folder.iterdir() if not p.name.endswith(".lock")]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POOLDEMO_CACHE", str(tmp_path))
    return tmp_path / "experiments"


class Counter:
    """A compute function that counts its calls and returns a result JSON changes."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"sizes": (1, 2), 4: 0.5, "inf": float("inf"), "calls": self.calls}


ROUND_TRIP = {"sizes": [1, 2], "4": 0.5, "inf": float("inf"), "calls": 1}


def test_miss_computes_once_and_writes_the_file(cache):
    compute = Counter()
    result = cached_json("demo", SETTINGS, compute, indent=1)
    assert compute.calls == 1
    assert result == ROUND_TRIP  # the JSON round trip, not the tuple and int key compute returned
    key = hashlib.sha256(json.dumps(SETTINGS, sort_keys=True).encode()).hexdigest()[:16]
    assert key == "abdb66d32004f007"  # file names must not change, or every old cache misses
    assert [p.name for p in files(cache)] == [f"demo_{key}.json"]  # no temporary file left
    text = (cache / f"demo_{key}.json").read_text()
    assert text == json.dumps(Counter()(), indent=1)
    assert json.loads(text) == result


def test_hit_does_not_compute(cache):
    compute = Counter()
    first = cached_json("demo", SETTINGS, compute)
    again = cached_json("demo", dict(reversed(list(SETTINGS.items()))), compute)  # key order
    assert compute.calls == 1
    assert again == first == ROUND_TRIP
    assert cached_json("demo", dict(SETTINGS, seed=1), compute)["calls"] == 2  # new settings
    assert cached_json("other", SETTINGS, compute)["calls"] == 3  # new prefix
    assert len(list(cache.glob("*.json"))) == 3


def test_cache_false_never_reads_or_writes(cache):
    compute = Counter()
    cached_json("demo", SETTINGS, compute)
    (path,) = files(cache)
    written = path.read_text()
    assert cached_json("demo", SETTINGS, compute, cache=False) == dict(ROUND_TRIP, calls=2)
    assert cached_json("fresh", SETTINGS, compute, cache=False) == dict(ROUND_TRIP, calls=3)
    assert compute.calls == 3
    assert files(cache) == [path] and path.read_text() == written


def test_cache_false_creates_no_folder(cache):
    assert cached_json("demo", SETTINGS, Counter(), cache=False) == ROUND_TRIP
    assert not cache.exists()


def test_decode_runs_on_hit_and_miss_and_a_damaged_file_is_recomputed(cache):
    def decode(result):
        return {int(k): v for k, v in result["by_shift"].items()}

    compute = Counter()

    def shifted():
        compute()
        return {"by_shift": {0: 1.0, 1: 0.5}}

    assert cached_json("demo", SETTINGS, shifted, decode=decode) == {0: 1.0, 1: 0.5}
    assert cached_json("demo", SETTINGS, shifted, decode=decode) == {0: 1.0, 1: 0.5}
    assert compute.calls == 1
    (path,) = files(cache)
    for damaged in ('{"by_', '{"other": 1}', "\xff"):  # bad JSON, KeyError in decode, bad bytes
        path.write_bytes(damaged.encode("latin-1"))
        assert cached_json("demo", SETTINGS, shifted, decode=decode) == {0: 1.0, 1: 0.5}
        assert json.loads(path.read_text()) == {"by_shift": {"0": 1.0, "1": 0.5}}  # overwritten
    assert compute.calls == 4


def test_unwritable_cache_still_returns_the_result(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("POOLDEMO_CACHE", str(blocker))  # cache_dir()/experiments can't be made
    compute = Counter()
    assert cached_json("demo", SETTINGS, compute) == ROUND_TRIP
    assert cached_json("demo", SETTINGS, compute)["calls"] == 2


@pytest.mark.parametrize("args, error, match", [
    (("", SETTINGS, Counter()), ValueError, "prefix"),
    (("a/b", SETTINGS, Counter()), ValueError, "prefix"),
    ((None, SETTINGS, Counter()), TypeError, "prefix must be a str"),
    (("demo", [1, 2], Counter()), TypeError, "settings must be a dict"),
    (("demo", {"x": {1, 2}}, Counter()), TypeError, "settings for 'demo' must be JSON"),
    (("demo", SETTINGS, "not callable"), TypeError, "compute must be callable"),
    (("demo", SETTINGS, lambda: {"x": object()}), TypeError, "result for 'demo' must be JSON"),
])
def test_bad_input_is_a_clear_error(cache, args, error, match):
    with pytest.raises(error, match=match):
        cached_json(*args)
    assert not cache.exists() or not files(cache)


def test_atomic_write_replaces_whole_files_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a" / "b.npz"
    atomic_write(path, b"\x00\x01")
    atomic_write(path, "second")
    assert path.read_text() == "second"
    assert os.listdir(path.parent) == ["b.npz"]

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, "third")
    assert path.read_text() == "second"  # the old file is intact
    assert os.listdir(path.parent) == ["b.npz"]  # and the temporary file is gone
    with pytest.raises(TypeError, match="str or bytes"):
        atomic_write(path, 3)


def _slow_count(counter, result_queue):
    """Run in a child process: a cached computation that takes a while and counts its calls."""
    def compute():
        with open(counter, "a") as f:
            f.write("x")
        time.sleep(1.0)
        return {"value": 42}

    result_queue.put(cached_json("race", {"n": 1}, compute))


def test_two_processes_compute_a_missing_result_once(cache):
    import multiprocessing

    counter = cache.parent / "calls.txt"
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_slow_count, args=(counter, results)) for _ in range(2)]
    for p in procs:
        p.start()
    got = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert got == [{"value": 42}, {"value": 42}]
    assert counter.read_text() == "x"  # the second process waited and read the file
