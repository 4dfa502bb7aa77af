#!/usr/bin/env bash
# Runs `sysmt verify` on every named config in configs/ (Verilator model per config, cached), and
# prints one verdict line each; exit status 1 when any fails. Arguments go to sysmt verify
# (for example --gemms 50 --seed 7).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh sysmt >/dev/null || exit 2
fail=0
for cfg in configs/*.yaml; do
  if out=$(build/bin/sysmt verify "$cfg" "$@" 2>/dev/null); then
    echo "PASS  $cfg  $(grep -o '[0-9]* of [0-9]* bit-exact' <<<"$out")"
  else
    echo "FAIL  $cfg"
    echo "$out" | sed 's/^/      /'
    fail=1
  fi
done
exit $fail
