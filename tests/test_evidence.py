"""The evidence store (pooldemo.evidence): complete, current, recomputable, and failing loudly.

The store in src/pooldemo/evidence/store must hold a current record of every planned run: a store
that drifted from the code (a record missing, or made by code that has changed since) fails here.
``test_records_recompute_exactly`` recomputes one record of every kind from scratch, in a fresh
process with the store's TensorFlow settings, and compares every number with the stored one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

from pooldemo import evidence
from pooldemo.evidence import run as runner

PY = ROOT / ".venv" / "bin" / "python"


def test_store_is_complete_and_current():
    entries = evidence.status()
    bad = [f"{e.state} {e.label}" for e in entries if e.state != "ok"]
    assert not bad, f"run `{evidence.COMMAND}`: {bad}"
    assert len(entries) >= 5 * len(evidence.KINDS)


def test_every_compared_setting_has_at_least_five_runs():
    """Anything trained or sampled has five runs; a kind that declares itself unsampled (the
    census reads architectures) has one, and its run must not depend on the seed."""
    import importlib

    for kind, module in evidence.KINDS.items():
        sampled = getattr(importlib.import_module(module), "SAMPLED", True)
        for setting, spec in evidence.plan(kind).items():
            assert len(spec["seeds"]) >= (5 if sampled else 1), f"{kind}/{setting}"
    assert importlib.import_module(evidence.KINDS["mnist"]).__dict__.get("SAMPLED", True)


def test_records_carry_provenance_and_the_store_is_small():
    paths = sorted(evidence.store_dir().rglob("*.json"))
    total = sum(p.stat().st_size for p in paths)
    assert total <= 5 * 2 ** 20, f"store is {total / 2 ** 20:.2f} MB"
    for path in paths:
        rec = json.loads(path.read_text())
        assert path == evidence.record_path(rec["kind"], rec["setting"], rec["seed"])
        prov = rec["provenance"]
        assert set(prov["versions"]) >= {"tensorflow", "keras", "numpy"}
        assert prov["wall_seconds"] > 0 and prov["cpu_seconds"] > 0 and prov["cpu"]
        assert prov["date"].endswith("UTC") and len(rec["code_hash"]) == 16


def test_records_recompute_exactly():
    """One record of every kind, recomputed from scratch, equals the stored one."""
    labels = [f"{kind}/{next(iter(evidence.plan(kind)))}/seed0" for kind in evidence.KINDS]
    labels[0] = "mnist/max_pool/seed1"  # the cheapest trained MNIST run, another fold
    proc = subprocess.run([str(PY), "-m", "pooldemo.evidence", "--verify", *labels],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.count("equal to the store") == len(labels), proc.stdout


def test_verify_reports_a_difference(tmp_path, monkeypatch):
    """The comparison is not vacuous: a changed stored value is found and named."""
    label = "edges/default/seed2"
    store = tmp_path / "store"
    shutil.copytree(evidence.store_dir() / "edges", store / "edges")
    dst = store / "edges" / "default" / "seed2.json"
    rec = json.loads(dst.read_text())
    rec["result"]["edges"][1] += 0.001
    dst.write_text(json.dumps(rec))
    monkeypatch.setenv("POOLDEMO_EVIDENCE", str(store))
    assert runner.verify([label]) == 1


def test_missing_and_stale_records_name_the_record_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("POOLDEMO_EVIDENCE", str(tmp_path))
    with pytest.raises(evidence.EvidenceError, match=r"fabric/rip_global_max/seed0 is missing"
                                                     r".*python -m pooldemo.evidence"):
        evidence.load("fabric", "rip_global_max")
    rec = json.loads((ROOT / "src/pooldemo/evidence/store/fabric/rip_global_max/seed0.json")
                     .read_text())
    rec["code_hash"] = "0" * 16
    path = evidence.record_path("fabric", "rip_global_max", 0)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(rec))
    with pytest.raises(evidence.EvidenceError, match=r"seed0 is stale.*0000000000000000.*"
                                                     r"python -m pooldemo.evidence"):
        evidence.load("fabric", "rip_global_max")
    path.write_text("{not json")
    with pytest.raises(evidence.EvidenceError, match="cannot be read"):
        evidence.load("fabric", "rip_global_max")


@pytest.mark.parametrize("call, match", [
    (lambda: evidence.load("nope", "x"), "kind must be one of"),
    (lambda: evidence.load("mnist", "nope"), "setting of 'mnist' must be one of"),
    (lambda: evidence.compute_record("edges", "default", 7), "seed of edges/default"),
])
def test_bad_names_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_code_hash_ignores_docstrings_and_comments_but_not_code(tmp_path):
    a = tmp_path / "a.py"
    a.write_text('"""Doc."""\n\ndef f(x):\n    """Doc."""\n    return x + 1  # comment\n')
    b = tmp_path / "b.py"
    b.write_text('"""Other doc."""\n\n\ndef f(x):\n    # another comment\n    return x + 1\n')
    c = tmp_path / "c.py"
    c.write_text('def f(x):\n    return x + 2\n')
    digest = evidence._module_digest
    assert digest(str(a)) == digest(str(b)) != digest(str(c))


def test_dependencies_follow_imports_inside_functions():
    deps = evidence._dependencies("pooldemo.experiments.mnist")
    assert "pooldemo.models" in deps  # imported inside build_variant
    assert "pooldemo.data" in deps and "pooldemo.experiments.mnist" in deps
    assert not any(d.startswith("pooldemo.widgets") for d in deps)
    assert "pooldemo._kernels" in evidence._dependencies("pooldemo.pooling")  # compiled loops
    assert evidence._module_file("pooldemo").name == "__init__.py"  # ``from . import x``


FAKE = '''
EVIDENCE_PLAN = {"s": {"params": {"k": 2}, "seeds": (0, 1, 2), "cost": 1}}
CALLS = []


def evidence_run(params, seed):
    CALLS.append(seed)
    return {"value": params["k"] * seed}
'''


def test_runner_computes_missing_and_stale_records_only(tmp_path, monkeypatch):
    pkg = tmp_path / "pooldemo_fake_kind.py"
    pkg.write_text(textwrap.dedent(FAKE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(evidence.KINDS, "fake", "pooldemo_fake_kind")
    monkeypatch.setattr(runner, "_worker_init", lambda: None)
    monkeypatch.setenv("POOLDEMO_EVIDENCE", str(tmp_path / "store"))
    import pooldemo_fake_kind as fake

    assert runner.compute_missing(["fake"], jobs=1) == [f"fake/s/seed{i}" for i in range(3)]
    assert [r for r in evidence.load("fake", "s")] == [{"value": 0}, {"value": 2}, {"value": 4}]
    assert runner.compute_missing(["fake"], jobs=1) == []      # resumable: nothing left to do
    path = evidence.record_path("fake", "s", 1)
    rec = json.loads(path.read_text())
    rec["code_hash"] = "stale"
    path.write_text(json.dumps(rec))
    fake.CALLS.clear()
    assert runner.compute_missing(["fake"], jobs=1) == ["fake/s/seed1"]
    assert fake.CALLS == [1]
    assert evidence.load("fake", "s", recompute=True) == [{"value": 0}, {"value": 2},
                                                          {"value": 4}]


def test_status_command_exit_code(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "pooldemo.evidence", "--status"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and "records up to date" in ok.stdout, ok.stdout + ok.stderr
    empty = subprocess.run([sys.executable, "-m", "pooldemo.evidence", "--status", "--kind",
                            "edges"], capture_output=True, text=True, timeout=300,
                           env={"POOLDEMO_EVIDENCE": str(tmp_path), "PATH": "/usr/bin"})
    assert empty.returncode == 1 and "missing  edges/default/seed0" in empty.stdout


def test_the_wheel_carries_a_current_store(tmp_path):
    """Colab and `pip install` users get the records: the wheel holds them, and they are current
    for the code in the same wheel (read from the unpacked wheel, not from this checkout)."""
    import zipfile

    proc = subprocess.run([str(PY), "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w",
                           str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("pooldemo-*.whl")
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    records = list((unpacked / "pooldemo" / "evidence" / "store").rglob("*.json"))
    assert len(records) == len(evidence.status())
    check = ("import pooldemo.evidence as e, sys; "
             f"assert str(e.store_dir()).startswith({str(unpacked)!r}), e.store_dir(); "
             "bad = [x.label for x in e.status() if x.state != 'ok']; "
             "print(len(e.status()), bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([str(PY), "-c", check], capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
                         cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]

