#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test except the `long`
# label (run those with: ctest --test-dir build -L long). Then builds the fuzz targets of the input
# readers with clang in build-fuzz/ and runs each for 60 s (docs/reliability.md; SYSMT_SKIP_FUZZ=1 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build -j "$(nproc)" -LE long --output-on-failure "$@"
if [ "${SYSMT_SKIP_FUZZ:-0}" != 1 ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSYSMT_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j "$(nproc)" --target fuzz_config fuzz_csv
  ctest --test-dir build-fuzz -j "$(nproc)" -L fuzz --output-on-failure
fi
