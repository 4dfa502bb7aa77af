#!/usr/bin/env bash
# Installs every Debian package SySMT needs (build, simulation, synthesis, plots, the Slurm test
# cluster). Idempotent: quiet when everything is present; uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  googletest libgtest-dev libbenchmark-dev
  verilator iverilog libsystemc-dev
  yosys opensta qflow-tech-osu018
  gnuplot-nox
  slurm-wlm munge
  clang-format
  clang libclang-rt-14-dev
  zlib1g-dev dataset-fashion-mnist
)
# libtorch-dev is needed only to retrain the network (cmake -DSYSMT_WITH_TORCH=ON, docs/accuracy.md).

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
