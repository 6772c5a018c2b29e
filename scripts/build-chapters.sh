#!/usr/bin/env bash
# Build only some chapters, strictly, for quick checks while writing:
#   bash scripts/build-chapters.sh receptive_fields invariance
# Copies book/ to a temporary folder with a _toc.yml of the landing page, the named chapters and
# the bibliography, builds it with -W into build/chapters/_build/html and prints the time it took.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: scripts/build-chapters.sh CHAPTER [CHAPTER ...]" >&2; exit 2; }
bash scripts/setup.sh book
out=build/chapters-$(echo "$@" | tr ' ' '_' | cut -c1-60)
rm -rf "$out" && mkdir -p "$out"
cp -r book/. "$out/"
rm -rf "$out/_build"
{
  echo "format: jb-book"
  echo "root: index"
  echo "parts:"
  echo "  - caption: Chapters"
  echo "    numbered: true"
  echo "    chapters:"
  for c in "$@"; do echo "      - file: $c"; done
  echo "  - caption: Reference"
  echo "    chapters:"
  echo "      - file: bibliography"
} > "$out/_toc.yml"
# TF_CPP_MIN_LOG_LEVEL=3: TensorFlow 2.21 writes harmless C++ ERROR-level lines (absl) to stderr
# during fit(), and stderr in a cell fails the strict build. No MPLBACKEND: kernels use inline.
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 PYTHONHASHSEED=0
export POOLDEMO_CACHE="$PWD/$out/_build/.pooldemo-cache"
# offline guard, as in build-book.sh: loopback connections only (scripts/offline)
export POOLDEMO_OFFLINE=1 PYTHONPATH="$PWD/scripts/offline${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
.venv/bin/jupyter-book build "$out" -W -n --keep-going
echo "Built $* in $(( $(date +%s) - start )) s: $out/_build/html"
