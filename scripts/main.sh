#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs the main job on the default
# configuration: the golden NB-SMT model for 1, 2 and 4 threads on a ResNet-18 conv layer shaped GEMM
# (M = 196, K = 2304, N = 256), printing hazard statistics and error against the exact GEMM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
mkdir -p reports
for t in 1 2 4; do
  echo "== sysmt_${t}t_16x16 =="
  build/gen/sysmt gemm "configs/sysmt_${t}t_16x16.yaml" --random 196x2304x256 --seed 1 \
    -o "reports/gemm_${t}t.csv" --stats "reports/gemm_${t}t.json"
done
echo "main: outputs and statistics in reports/"
