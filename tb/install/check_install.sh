#!/usr/bin/env bash
# The installed tool works alone: copies the source tree (tracked files only) to a scratch folder,
# builds the tool only (-DBUILD_TESTING=OFF), installs it to a prefix, deletes that source copy and its
# build folder, then runs the installed sysmt from an empty folder: generate, verify (Verilator) and
# synth (Yosys, OpenSTA) of a named config taken from <prefix>/share/sysmt. Any failure exits non-zero.
#   check_install.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sysmt-install-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "[install-check] $*"; }

step "copying the tracked source files"
mkdir "$work/src"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/src")
step "configuring and building the tool only (BUILD_TESTING=OFF)"
cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$work/configure.log"
cmake --build "$work/build" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
step "installing into a prefix, then deleting the source copy and the build folder"
cmake --install "$work/build" --prefix "$work/prefix" >"$work/install.log"
rm -rf "$work/src" "$work/build"
[ ! -e "$work/prefix/share/sysmt/src/verify/verify_main.cpp" ] && { echo "harness not installed"; exit 1; }

mkdir "$work/run" && cd "$work/run"
sysmt="$work/prefix/bin/sysmt"
cfg="$work/prefix/share/sysmt/configs/sysmt_2t_1x1.yaml"
step "installed: $("$sysmt" --version)"
step "generate"
"$sysmt" generate -q "$cfg" -o rtl
test -s rtl/sysmt_2t_1x1.v
step "verify (Verilator build of the installed harness)"
"$sysmt" verify "$cfg" --gemms 3 --cache "$work/cache" | tee verify.out
grep -q "PASS" verify.out
step "synth"
"$sysmt" synth "$cfg" -o synth --abc-runs 1 >synth.out
test -s synth/sysmt_2t_1x1.synth.json
step "all three ran from the installed prefix alone"
