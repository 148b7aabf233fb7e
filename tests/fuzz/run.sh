#!/usr/bin/env bash
# Builds Wave's libFuzzer targets with clang (the `fuzz` preset) and runs each for a while.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]   (default 20; CI uses a short run)
# Crashes are written to build/fuzz/artifacts/ and make this script fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
. "$root/tests/fuzz/common.sh"
fuzz_prepare
status=0
for fuzzer in build/fuzz/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  echo "== $name (${seconds}s)"
  if ! fuzz_run "$fuzzer" -max_total_time="$seconds" 2>"$artifacts/$name.log"; then
    echo "FAILED: $name (see $artifacts/$name.log)"; tail -40 "$artifacts/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$artifacts/$name.log" | tr '\n' ' '; echo
  fi
done
exit $status
