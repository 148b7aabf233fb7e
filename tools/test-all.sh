#!/usr/bin/env bash
# Runs every Wave test on a Debian 12 machine: installs what is missing, builds the `ci`
# preset (RelWithDebInfo, warnings as errors, benchmarks built), runs the whole CTest suite
# (unit, integration and e2e; the real servers are started by CTest fixtures on free
# loopback ports), runs each libFuzzer target briefly, then the whole suite again under
# ASan+UBSan.  Set WAVE_SKIP_ASAN=1 or WAVE_FUZZ_SECONDS=0 to leave a stage out locally.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export WAVE_FERRETDB="${WAVE_FERRETDB:-${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}/bin/ferretdb}"
tools/install-deps.sh

stage() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

stage "build (ci preset)"
cmake --preset ci >/dev/null
cmake --build --preset ci
stage "tests (ci preset)"
ctest --preset ci -j2

fuzz_seconds=${WAVE_FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" != "0" ]; then
  stage "fuzz (${fuzz_seconds}s per target)"
  tests/fuzz/run.sh "$fuzz_seconds"
fi

if [ "${WAVE_SKIP_ASAN:-0}" != "1" ]; then
  stage "build (asan preset)"
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  stage "tests (asan preset)"
  ctest --preset asan -j2
fi
stage "all tests passed"
