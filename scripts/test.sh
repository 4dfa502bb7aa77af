#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test except the `long`
# label (run those with: ctest --test-dir build -L long).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build -j "$(nproc)" -LE long --output-on-failure "$@"
