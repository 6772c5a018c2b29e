#!/usr/bin/env bash
# Build the book to book/_build/html (set-up included). `--fresh` empties book/_build first, so every
# chapter executes (the tests and CI use it); without it the execution cache makes an unchanged
# rebuild take seconds. Any warning or failing cell fails the build (-W).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh book
if [ "${1:-}" = "--fresh" ]; then rm -rf book/_build; fi
# TF_CPP_MIN_LOG_LEVEL=3: TensorFlow 2.21 writes harmless C++ ERROR-level lines (absl) to stderr
# during fit(), and stderr in a cell fails the strict build. No MPLBACKEND: kernels use inline.
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 PYTHONHASHSEED=0
export POOLDEMO_CACHE="$PWD/book/_build/.pooldemo-cache"
# offline guard: the build and its kernels may connect to loopback only (scripts/offline)
export POOLDEMO_OFFLINE=1 PYTHONPATH="$PWD/scripts/offline${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/jupyter-book build book -W -n --keep-going
echo "Built: book/_build/html/index.html"
