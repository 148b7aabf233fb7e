#!/usr/bin/env bash
# Builds Wave's libFuzzer targets with clang (the `fuzz` preset) and runs each for a while.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]   (default 20; CI uses a short run)
# Crashes are written to build/fuzz/artifacts/ and make this script fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
artifacts="$root/build/fuzz/artifacts"
# Every UBSan report stops the target and leaves its input (only reports in other projects'
# headers, listed in ubsan.supp, are silenced).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/fuzz/ubsan.supp}
mkdir -p "$artifacts"
status=0
for fuzzer in build/fuzz/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  corpus="$root/build/fuzz/corpus/${name#fuzz_}"
  mkdir -p "$corpus"
  seeds="$root/tests/fuzz/corpus/${name#fuzz_}"
  [ -d "$seeds" ] || seeds=""
  echo "== $name (${seconds}s)"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name-" "$corpus" $seeds 2>"$artifacts/$name.log"; then
    echo "FAILED: $name (see $artifacts/$name.log)"; tail -40 "$artifacts/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$artifacts/$name.log" | tr '\n' ' '; echo
  fi
done
exit $status
