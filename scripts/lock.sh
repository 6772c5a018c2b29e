#!/usr/bin/env bash
# Regenerate requirements.lock: install requirements-dev.txt (which includes requirements.txt)
# into a fresh virtual environment WITHOUT the current lock, then pip freeze. Review the diff,
# run `bash scripts/test.sh`, commit both. A changed TensorFlow, Keras or numpy can change the
# trained results: `python -m pooldemo.evidence --verify ...` tells (tests/test_evidence.py).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$py" -m venv "$tmp/venv"
grep -v '^-c ' requirements.txt > "$tmp/requirements.txt"
sed 's#^-r requirements.txt#-r '"$tmp"'/requirements.txt#' requirements-dev.txt > "$tmp/requirements-dev.txt"
"$tmp/venv/bin/python" -m pip install --quiet --upgrade pip
"$tmp/venv/bin/python" -m pip install --quiet -r "$tmp/requirements-dev.txt"
{
  echo "# Exact versions of every package the book, the tests and Binder install (a constraints file:"
  echo "# requirements.txt applies it with -c, so scripts/setup.sh, .ci/run and Binder all get these)."
  echo "# Regenerate with: bash scripts/lock.sh   (a fresh venv, the requirements without this file, pip freeze)"
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v -e '^pooldemo' -e '@ file://'
} > requirements.lock
echo "requirements.lock: $(grep -vc '^#' requirements.lock) packages"
