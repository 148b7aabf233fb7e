#!/usr/bin/env bash
# Benchmarks the Wave service against real servers: builds bench_service in Release, starts
# redis-server, FerretDB (MongoDB) and the harness's app endpoint on free loopback ports in a
# temporary directory (tests/harness/servers.py), runs the benchmark, and stops them.
#   tools/bench-service.sh [Google Benchmark flags...]
# Environment: WAVE_BENCH_BUILD_DIR (default build/bench-release), WAVE_BENCH_JOBS (2),
# WAVE_FERRETDB / WAVE_TEST_MONGO_URI as for the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WAVE_BENCH_BUILD_DIR:-$root/build/bench-release}
python=$(command -v python3)

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWAVE_BUILD_BENCHMARKS=ON \
  -DWAVE_BUILD_TESTS=OFF -DWAVE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target bench_service -j "${WAVE_BENCH_JOBS:-2}"

state=$(mktemp -d "${TMPDIR:-/tmp}/wave-bench.XXXXXX")
cleanup() {
  "$python" "$root/tests/harness/servers.py" stop-all "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT INT TERM
for kind in redis mongo app; do
  "$python" "$root/tests/harness/servers.py" start "$kind" "$state"
done
export WAVE_BENCH_REDIS_URI=$(cat "$state/redis.uri")
export WAVE_BENCH_MONGO_URI=$(cat "$state/mongo.uri")
export WAVE_BENCH_APP_URI=$(cat "$state/app.uri")
echo "redis $WAVE_BENCH_REDIS_URI  mongo $WAVE_BENCH_MONGO_URI  app $WAVE_BENCH_APP_URI" >&2
"$build/tests/bench/bench_service" "$@"
