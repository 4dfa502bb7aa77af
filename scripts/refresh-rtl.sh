#!/usr/bin/env bash
# Regenerates the committed reference RTL: rtl/generated/<name>/ for every configs/<name>.yaml, and
# removes reference folders whose config is gone. The reference check (ctest -L gen-unit, test
# Reference.CommittedOutputsMatchTheGenerator) prints this command when the references are stale.
# Usage: scripts/refresh-rtl.sh [path/to/sysmt]   (default: build/bin/sysmt, as scripts/build.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."

sysmt=${1:-}
if [[ -z "$sysmt" ]]; then
  for candidate in build/bin/sysmt; do
    if [[ -x "$candidate" ]]; then sysmt=$candidate; break; fi
  done
fi
if [[ -z "$sysmt" || ! -x "$sysmt" ]]; then
  echo "refresh-rtl: no sysmt binary; build it first (scripts/build.sh sysmt)" >&2
  echo "             or pass its path: scripts/refresh-rtl.sh path/to/sysmt" >&2
  exit 2
fi

mkdir -p rtl/generated
for cfg in configs/*.yaml; do
  name=$(basename "$cfg" .yaml)
  "$sysmt" generate -q "$cfg" -o "rtl/generated/$name"
done
for dir in rtl/generated/*/; do
  name=$(basename "$dir")
  if [[ ! -f "configs/$name.yaml" ]]; then
    echo "refresh-rtl: removing rtl/generated/$name (no configs/$name.yaml)"
    rm -r -- "rtl/generated/$name"
  fi
done
echo "refresh-rtl: rtl/generated/ regenerated from configs/*.yaml with $("$sysmt" --version)"
