#!/usr/bin/env bash
# Long libFuzzer runs of every target (ASan+UBSan: the `fuzz` preset), each until it has run
# RUNS inputs or SECONDS have passed, whichever comes first.  The corpus of each target is
# kept between runs in build/fuzz/corpus/<target> (seeded from tests/fuzz/corpus), so every
# run starts where the last one stopped.  Crashes, leaks and timeouts are written to
# build/fuzz/artifacts/ and make the script fail.  Prints one line per target: inputs run,
# coverage (libFuzzer's edge count "cov" and feature count "ft"), corpus size, findings.
#   tools/fuzz-long.sh [RUNS [SECONDS]]          defaults: 10000000 inputs, 1800 s
#   WAVE_FUZZ_TARGETS="fuzz_config fuzz_topic_match" tools/fuzz-long.sh   only these
#   WAVE_FUZZ_PARALLEL=2 tools/fuzz-long.sh      targets run two at a time (one core each)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10000000}
seconds=${2:-1800}
parallel=${WAVE_FUZZ_PARALLEL:-1}
. "$root/tests/fuzz/common.sh"
fuzz_prepare

run_one() {
  local fuzzer=$1 name log
  name=$(basename "$fuzzer")
  log="$artifacts/$name.long.log"
  local status=0
  fuzz_run "$fuzzer" -runs="$runs" -max_total_time="$seconds" >"$log" 2>&1 || status=$?
  local executed cov ft units findings
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  units=$(find "$(fuzz_corpus "$fuzzer")" -type f | wc -l)
  findings=$(find "$artifacts" -maxdepth 1 -name "$name-*" -newer "$log.start" 2>/dev/null | wc -l)
  printf '%-32s %12s inputs  cov %6s  ft %7s  corpus %6s  findings %s%s\n' "$name" "${executed:-?}" \
    "${cov:-?}" "${ft:-?}" "$units" "$findings" "$([ "$status" -eq 0 ] || echo "  FAILED (see $log)")"
  return "$status"
}

targets=()
for fuzzer in build/fuzz/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  if [ -n "${WAVE_FUZZ_TARGETS:-}" ] && ! grep -qw "$(basename "$fuzzer")" <<<"$WAVE_FUZZ_TARGETS"; then continue; fi
  touch "$artifacts/$(basename "$fuzzer").long.log.start"
  targets+=("$fuzzer")
done
echo "fuzz-long: ${#targets[@]} targets, up to $runs inputs or ${seconds}s each, $parallel at a time"
status=0
running=0
for fuzzer in "${targets[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || status=1  # whichever target ends first frees its core
    running=$((running - 1))
  fi
  run_one "$fuzzer" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
