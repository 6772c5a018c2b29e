#!/usr/bin/env bash
# Build only some chapters, strictly, for quick checks while writing:
#   bash scripts/build-chapters.sh receptive_fields invariance
# Copies book/ to build/chapters-<names> with a _toc.yml of the landing page, the named chapters
# and the bibliography, and builds it from scratch with scripts/build-book.sh (same settings).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: scripts/build-chapters.sh CHAPTER [CHAPTER ...]" >&2; exit 2; }
for c in "$@"; do
  [ -f "book/$c.ipynb" ] || [ -f "book/$c.md" ] || { echo "no chapter book/$c.ipynb or .md" >&2; exit 2; }
done
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
bash scripts/build-book.sh --fresh --book "$out"
