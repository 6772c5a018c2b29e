#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtual environment in .venv with the book toolchain,
# TensorFlow (CPU), pooldemo itself (editable) and, for `setup.sh dev`, the test tools and
# Debian's chromium for the browser tests. Safe to re-run: it reinstalls only when a requirements
# file or pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-book}
case "$what" in
  book) req=requirements.txt ;;
  dev) req=requirements-dev.txt ;;
  *) echo "usage: scripts/setup.sh [book|dev]" >&2; exit 2 ;;
esac

py=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$py" -c 'import sys; assert sys.version_info >= (3, 10), f"Python >= 3.10 needed, found {sys.version}"'
[ -x .venv/bin/python ] || "$py" -m venv .venv

stamp=.venv/.installed-$what
want=$(cat requirements*.txt requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$req"
  echo "$want" > "$stamp"
fi

# axe-core (npm) for the accessibility check of the built pages (tests/test_site.py)
if [ "$what" = dev ] && [ ! -f build/axe/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || { echo "the accessibility test needs npm (Node.js)" >&2; exit 1; }
  npm install --silent --no-audit --no-fund --prefix build/axe axe-core@4.14.1
fi

if [ "$what" = dev ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2
  fi
fi
