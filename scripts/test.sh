#!/usr/bin/env bash
# Run every test (set-up included): lint (ruff), build the book from scratch under -W, then pytest (unit,
# property-based, doctests, executed-chapter checks and browser tests on the built pages).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check src tests bench book/_ext scripts book  # lint: settings in pyproject.toml
bash scripts/build-book.sh --fresh
export TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 MPLBACKEND=Agg
.venv/bin/python -m pytest "$@"
