#!/usr/bin/env bash
# Formats every C++ file of the project with clang-format (.clang-format at the root).
#   scripts/format.sh           reformat in place
#   scripts/format.sh --check   list the files that differ and exit 1 (the test `Format.TreeIsFormatted`)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format not found (scripts/install-deps.sh installs it)" >&2; exit 3; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [[ "${1:-}" == "--check" ]]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then echo "not formatted: $f"; bad=1; fi
  done
  [[ $bad -eq 0 ]] && echo "format: ${#files[@]} files formatted" || echo "format: run scripts/format.sh"
  exit $bad
fi
clang-format -i "${files[@]}"
