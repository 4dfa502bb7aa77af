#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the tool, and runs the main job on the
# default configuration (16x16 array): generate the 1T, 2T and 4T arrays, verify each against the
# golden model (Verilator, random GEMMs), synthesize and compare their areas and fmax (Yosys, OpenSTA,
# OSU 0.18 um cells), evaluate ResNet-18 (speedup and numerical error), and write reports/summary.md
# with the paper's table beside ours. Arguments go to `sysmt flow` (see `build/bin/sysmt flow --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh sysmt
build/bin/sysmt flow "$@"
