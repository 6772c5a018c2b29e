#!/usr/bin/env bash
# Build the book to book/_build/html (set-up included). `--fresh` empties book/_build first, so every
# chapter executes (the tests and CI use it); without it the execution cache makes an unchanged
# rebuild take seconds. Any warning or failing cell fails the build (-W). `--book DIR` builds
# another copy of the book (scripts/build-chapters.sh and the benchmark use it).
# Two chapters execute at once on a multi-core machine (book/_ext/parallel_build.py);
# POOLDEMO_BUILD_JOBS=1 builds serially.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=0 book=book
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) fresh=1 ;;
    --book) [ $# -ge 2 ] || { echo "--book needs a folder" >&2; exit 2; }; book=$2; shift ;;
    *) echo "usage: scripts/build-book.sh [--fresh] [--book DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$book/_config.yml" ] || { echo "no Jupyter Book at $book (no _config.yml)" >&2; exit 2; }
bash scripts/setup.sh book
if [ "$fresh" = 1 ]; then rm -rf "$book/_build"; fi
# TF_CPP_MIN_LOG_LEVEL=3: TensorFlow 2.21 writes harmless C++ ERROR-level lines (absl) to stderr
# during fit(), and stderr in a cell fails the strict build. No MPLBACKEND: kernels use inline.
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 PYTHONHASHSEED=0
export POOLDEMO_CACHE="$(cd "$book" && pwd)/_build/.pooldemo-cache"
# explorers render their multi-state no-kernel face here (a live kernel gets a light one)
export POOLDEMO_STATIC_FACE=1
# offline guard: the build and its kernels may connect to loopback only (scripts/offline)
export POOLDEMO_OFFLINE=1 PYTHONPATH="$PWD/scripts/offline${PYTHONPATH:+:$PYTHONPATH}"
# every chapter reads its runs from the evidence store: say early, and clearly, if it is not current
if ! .venv/bin/python -m pooldemo.evidence --status >/tmp/pooldemo-evidence-status.$$ 2>&1; then
  cat /tmp/pooldemo-evidence-status.$$ >&2; rm -f /tmp/pooldemo-evidence-status.$$
  echo "The evidence store is not current: run \`.venv/bin/python -m pooldemo.evidence\` (about 25 min on 2 cores)." >&2
  exit 1
fi
rm -f /tmp/pooldemo-evidence-status.$$
# the execution cache keys a chapter by its own code only, and Sphinx re-reads only changed
# sources: after an edit of pooldemo or a recomputed record, forget both, so every chapter
# executes again with the new package and store
source=$(.venv/bin/python -c 'from pooldemo.evidence import source_digest; print(source_digest())')
stamp="$book/_build/.pooldemo-source"
if [ -d "$book/_build/.jupyter_cache" ] && [ "$(cat "$stamp" 2>/dev/null)" != "$source" ]; then
  echo "pooldemo or its evidence store changed since the last build: every chapter executes again"
  rm -rf "$book/_build/.jupyter_cache" "$book/_build/.doctrees"
fi
start=$(date +%s)
.venv/bin/jupyter-book build "$book" -W -n --keep-going
mkdir -p "$book/_build" && echo "$source" > "$stamp"
echo "Built $book in $(( $(date +%s) - start )) s: $book/_build/html/index.html"
