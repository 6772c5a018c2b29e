"""The evidence store: one committed JSON record per (experiment, setting, seed), with provenance.

Every trained or sampled result the book reports comes from a record of this store, so a chapter
reads its evidence in seconds (in the book build, in Binder, in Colab) instead of training. An
experiment *kind* is a module of :mod:`pooldemo.experiments` that declares

- ``EVIDENCE_PLAN``: ``{setting name: {"params": {...}, "seeds": (0, 1, ...), "cost": s}}``, the
  settings and seeds the book needs (``cost``: rough seconds of one run, to schedule long runs
  first), and
- ``evidence_run(params, seed)``: one run, returning a JSON-serialisable result.

A record is ``store/<kind>/<setting>/seed<seed>.json`` beside this file (or under
``$POOLDEMO_EVIDENCE``). It holds the params, the result and its provenance: a hash of the code
that produced it, the TensorFlow, Keras and numpy versions, the seed, the date, wall and CPU time
and the processor. The code hash covers the kind's module and every ``pooldemo`` module it
imports, directly or not, with docstrings and comments left out, and the setting's params: a
record whose hash differs from the code's is *stale*.

``python -m pooldemo.evidence`` computes every missing or stale record (both cores, resumable:
each record is written as soon as it is done). :func:`load` fails with :class:`EvidenceError`,
naming the record and that command, when a record is missing or stale.

Used in: every chapter with a trained network or a sampled measurement.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from .._files import atomic_write

__all__ = ["KINDS", "COMMAND", "EvidenceError", "Entry", "store_dir", "plan", "code_hash",
           "record_path", "status", "load", "load_records", "compute_record", "write_record",
           "configure_tensorflow", "source_digest"]

#: kind -> module that runs it
KINDS = {
    "mnist": "pooldemo.experiments.mnist",
    "stability": "pooldemo.experiments.stability",
    "fabric": "pooldemo.experiments.fabric",
    "shift": "pooldemo.experiments.shift",
    "edges": "pooldemo.experiments.edges",
    "census": "pooldemo.experiments.census",
}
COMMAND = "python -m pooldemo.evidence"
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class EvidenceError(RuntimeError):
    """A record the book needs is missing or stale, or a record file is damaged."""


@dataclass(frozen=True)
class Entry:
    """One planned record and its state: ``"ok"``, ``"missing"`` or ``"stale"``."""

    kind: str
    setting: str
    seed: int
    state: str
    path: Path
    cost: float = 1.0

    @property
    def label(self):
        return f"{self.kind}/{self.setting}/seed{self.seed}"


def store_dir():
    """The store's folder: ``$POOLDEMO_EVIDENCE`` if set, else ``store`` beside this module."""
    base = os.environ.get("POOLDEMO_EVIDENCE")
    return Path(base) if base else Path(__file__).resolve().parent / "store"


def _kind_module(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {tuple(KINDS)}, got {kind!r}")
    return importlib.import_module(KINDS[kind])


def plan(kind):
    """The kind's ``EVIDENCE_PLAN``: ``{setting: {"params", "seeds", "cost"}}``."""
    return _kind_module(kind).EVIDENCE_PLAN


def _setting(kind, setting):
    p = plan(kind)
    if setting not in p:
        raise ValueError(f"setting of {kind!r} must be one of {tuple(p)}, got {setting!r}")
    return p[setting]


def record_path(kind, setting, seed):
    """Where the record of (kind, setting, seed) lives."""
    return store_dir() / kind / setting / f"seed{int(seed)}.json"


@functools.cache
def _module_digest(path):
    """SHA-256 of a module's code without docstrings and comments (its AST)."""
    tree = ast.parse(Path(path).read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()


def _module_file(name):
    """The .py file of module ``name`` (a module or a package's __init__), or None."""
    if name.split(".")[0] != "pooldemo":  # a kind registered from outside the package
        spec = importlib.util.find_spec(name)
        return Path(spec.origin) if spec and spec.origin else None
    rel = Path(*name.split(".")[1:])
    if not rel.parts:  # the package itself (``from . import x`` in a top-level module)
        return _PACKAGE_ROOT / "__init__.py"
    for candidate in (_PACKAGE_ROOT / rel.with_suffix(".py"), _PACKAGE_ROOT / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _dependencies(name):
    """``pooldemo`` modules that module ``name`` imports, directly or not (itself included)."""
    seen, todo = set(), [name]
    while todo:
        mod = todo.pop()
        path = _module_file(mod)
        if path is None or mod in seen:
            continue
        seen.add(mod)
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(max(node.level - 1, 0)):
                    base = base.rpartition(".")[0]
                target = (f"{base}.{node.module}" if node.module else base) if node.level \
                    else node.module or ""
                if target.split(".")[0] != "pooldemo":
                    continue
                todo.append(target)
                todo.extend(f"{target}.{a.name}" for a in node.names)  # submodules imported
            elif isinstance(node, ast.Import):
                todo.extend(a.name for a in node.names if a.name.split(".")[0] == "pooldemo")
    return tuple(sorted(seen))


def code_hash(kind, setting):
    """Hash of the code of ``kind`` (its module and every pooldemo module it imports) and params.

    Examples
    --------
    >>> len(code_hash("edges", "default"))
    16
    """
    params = _setting(kind, setting)["params"]
    h = hashlib.sha256(json.dumps({"kind": kind, "params": params}, sort_keys=True).encode())
    for mod in _dependencies(KINDS[kind]):
        h.update(mod.encode() + b"\0" + _module_digest(str(_module_file(mod))).encode())
    return h.hexdigest()[:16]


def source_digest():
    """SHA-256 of every ``pooldemo`` source file and every record of the store in use.

    The book build compares it with the last build's: Jupyter Book's execution cache keys a
    chapter by its own code only, so after an edit of the package or a recomputed record the
    build must execute the chapters again (``scripts/build-book.sh`` does).
    """
    h = hashlib.sha256()
    store = store_dir().resolve()
    roots = [_PACKAGE_ROOT] + ([] if store.is_relative_to(_PACKAGE_ROOT) else [store])
    for root in roots:  # the default store lies inside the package: read it once
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".json") and path.is_file():
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _read(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"the evidence record {path} cannot be read ({exc}); delete it and "
                            f"run `{COMMAND}`") from None


def _stored(path, want):
    """``(state, record)`` of a record file: "missing" (None), "stale" or "ok" for hash ``want``."""
    if not path.exists():
        return "missing", None
    record = _read(path)
    return ("ok" if record.get("code_hash") == want else "stale"), record


def status(kinds=None):
    """Every planned record of ``kinds`` (default all) as an :class:`Entry` with its state."""
    entries = []
    for kind in KINDS if kinds is None else kinds:
        for setting, spec in plan(kind).items():
            want = code_hash(kind, setting)
            for seed in spec["seeds"]:
                path = record_path(kind, setting, seed)
                state, _ = _stored(path, want)
                entries.append(Entry(kind, setting, int(seed), state, path,
                                     float(spec.get("cost", 1.0))))
    return entries


def load_records(kind, setting):
    """The stored records of every planned seed of (kind, setting), in seed order.

    Raises
    ------
    EvidenceError
        If a record is missing or was made by other code (stale), naming it and the command that
        computes it.
    """
    spec = _setting(kind, setting)
    want = code_hash(kind, setting)
    records = []
    for seed in spec["seeds"]:
        path = record_path(kind, setting, seed)
        label = f"{kind}/{setting}/seed{seed}"
        state, record = _stored(path, want)
        if state == "missing":
            raise EvidenceError(f"the evidence record {label} is missing ({path}); run "
                                f"`{COMMAND}` to compute it")
        if state == "stale":
            raise EvidenceError(f"the evidence record {label} is stale: it was computed by code "
                                f"hashing {record.get('code_hash')}, the code now hashes {want}; "
                                f"run `{COMMAND}` to recompute it")
        records.append(record)
    return records


def load(kind, setting, recompute=False):
    """The results of every planned seed of (kind, setting), from the store.

    Parameters
    ----------
    kind, setting : str
        A key of :data:`KINDS` and a setting of its plan.
    recompute : bool
        Run the experiment here for every seed instead of reading the store (minutes for a
        trained network; nothing is written). The numbers equal the stored ones when TensorFlow
        runs with the store's settings (:func:`configure_tensorflow` before TensorFlow starts).

    Returns
    -------
    list of dict
        One result per seed, in seed order.
    """
    if recompute:
        return [compute_record(kind, setting, seed)["result"]
                for seed in _setting(kind, setting)["seeds"]]
    return [r["result"] for r in load_records(kind, setting)]


def configure_tensorflow(threads=1):
    """Set the environment every record is computed in; call before TensorFlow is imported.

    One thread per process (two processes use both cores), no oneDNN custom ops and no C++ log
    lines: with op determinism the same seed then gives the same numbers, bit for bit.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already started in this process: it keeps its thread pools


def _versions():
    out = {"python": platform.python_version()}
    for name in ("tensorflow", "keras", "numpy"):
        try:
            out[name] = importlib.import_module(name).__version__
        except ImportError:
            out[name] = None
    return out


def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def compute_record(kind, setting, seed):
    """Run (kind, setting, seed) in this process and return its record (not written)."""
    spec = _setting(kind, setting)
    if seed not in spec["seeds"]:
        raise ValueError(f"seed of {kind}/{setting} must be one of {tuple(spec['seeds'])}, "
                         f"got {seed!r}")
    module = _kind_module(kind)
    wall, cpu = time.perf_counter(), time.process_time()
    result = module.evidence_run(dict(spec["params"]), int(seed))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = json.loads(json.dumps(result))  # as it will read back
    return {"kind": kind, "setting": setting, "seed": int(seed), "params": spec["params"],
            "code_hash": code_hash(kind, setting), "result": result,
            "provenance": {"versions": _versions(), "date": time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                                          time.gmtime()),
                           "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                           "cpu": _cpu(), "platform": platform.platform()}}


def write_record(record):
    """Write a record to its place in the store (atomically)."""
    path = record_path(record["kind"], record["setting"], record["seed"])
    atomic_write(path, json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path
