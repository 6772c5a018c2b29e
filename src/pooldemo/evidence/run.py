"""The evidence command, `python -m pooldemo.evidence`: compute every missing or stale record.

    python -m pooldemo.evidence                 # compute what is missing or stale (both cores)
    python -m pooldemo.evidence --status        # list the records' states; exit 1 if any is not ok
    python -m pooldemo.evidence --kind fabric   # only some kinds
    python -m pooldemo.evidence --verify mnist/max_pool/seed0 ...
                                                # recompute records here, compare with the store

Resumable: each record is written the moment it is done, so an interrupted run loses at most the
records in progress. Long runs start first; a progress bar shows the ETA.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import time


def _worker_init():
    from . import configure_tensorflow

    configure_tensorflow(threads=1)


def _work(kind, setting, seed):
    from . import compute_record, write_record

    record = compute_record(kind, setting, seed)
    write_record(record)
    return f"{kind}/{setting}/seed{seed}", record["provenance"]["wall_seconds"]


def _progress(total):
    try:
        from tqdm import tqdm
    except ImportError:  # plain lines instead of a bar
        return None
    return tqdm(total=total, unit="s", unit_scale=False, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} est. s [{elapsed}<{remaining}]")


def compute_missing(kinds=None, jobs=2):
    """Compute every missing or stale record of ``kinds``; return the labels computed."""
    from . import status

    todo = sorted((e for e in status(kinds) if e.state != "ok"), key=lambda e: -e.cost)
    if not todo:
        print("evidence store: every record is up to date")
        return []
    total = sum(e.cost for e in todo)
    print(f"evidence store: {len(todo)} records to compute (about {total / max(jobs, 1) / 60:.0f} "
          f"min on {jobs} processes)", flush=True)
    bar = _progress(total)
    done, start = [], time.perf_counter()

    def finished(entry, label, seconds):
        done.append(label)
        if bar is not None:
            bar.update(entry.cost)
            bar.set_postfix_str(f"{label} {seconds:.0f} s")
        else:
            print(f"[{len(done)}/{len(todo)}] {label} {seconds:.0f} s", flush=True)

    if jobs == 1:  # in this process, one record after another
        _worker_init()
        for e in todo:
            finished(e, *_work(e.kind, e.setting, e.seed))
    else:
        context = multiprocessing.get_context("spawn")  # TensorFlow does not survive fork
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                    initializer=_worker_init) as pool:
            futures = {pool.submit(_work, e.kind, e.setting, e.seed): e for e in todo}
            for future in cf.as_completed(futures):
                finished(futures[future], *future.result())
    if bar is not None:
        bar.close()
    print(f"evidence store: {len(done)} records in {time.perf_counter() - start:.0f} s")
    return done


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def differences(stored, fresh):
    """Leaves of two results that differ: a list of ``(path, stored, fresh)``."""
    a, b = _flatten(stored), _flatten(fresh)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def verify(labels):
    """Recompute records in this process and compare each with the store (exactly)."""
    from . import compute_record, load_records

    _worker_init()
    failed = 0
    for label in labels:
        try:
            kind, setting, seed = label.split("/")
            seed = int(seed.removeprefix("seed"))
        except ValueError:
            raise SystemExit(f"--verify takes KIND/SETTING/seedN, got {label!r}") from None
        stored = next(r for r in load_records(kind, setting) if r["seed"] == seed)
        fresh = compute_record(kind, setting, seed)
        diff = differences(stored["result"], fresh["result"])
        if diff:
            failed += 1
            print(f"{label}: DIFFERS from the store in {len(diff)} values, e.g.")
            for path, x, y in diff[:5]:
                print(f"  {path}: stored {x!r}, recomputed {y!r}")
            print(f"  stored with {stored['provenance']['versions']}, recomputed with "
                  f"{fresh['provenance']['versions']}")
        else:
            print(f"{label}: equal to the store ({len(_flatten(fresh['result']))} values, "
                  f"{fresh['provenance']['wall_seconds']:.0f} s)")
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pooldemo.evidence",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--kind", action="append", help="only this kind (repeatable)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--status", action="store_true", help="list states, compute nothing")
    parser.add_argument("--verify", nargs="+", metavar="KIND/SETTING/seedN",
                        help="recompute these records and compare them with the store")
    args = parser.parse_args(argv)
    from . import KINDS, status

    for kind in args.kind or ():
        if kind not in KINDS:
            parser.error(f"--kind must be one of {tuple(KINDS)}, got {kind!r}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.verify:
        return 1 if verify(args.verify) else 0
    if args.status:
        entries = status(args.kind)
        for e in entries:
            if e.state != "ok":
                print(f"{e.state:8s} {e.label}")
        bad = sum(e.state != "ok" for e in entries)
        print(f"{len(entries) - bad} of {len(entries)} records up to date")
        return 1 if bad else 0
    compute_missing(args.kind, args.jobs)
    return 0

