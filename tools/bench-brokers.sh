#!/usr/bin/env bash
# Broker benchmarks (issue 9): reconnect storms through VerneMQ + wave-server webhooks and
# through VerneMQ's own MongoDB auth (bcrypt cost 14), and publish rates through each path
# versus the same broker without Wave.  Builds the release preset (libwave, wave-server,
# wave_mosquitto.so), starts Redis, FerretDB and the app endpoint on free loopback ports,
# runs tools/bench/brokers.py (its docstring lists the BENCH_* knobs) and stops everything.
#   tools/bench-brokers.sh            e.g. BENCH_CLIENTS=500 BENCH_STORM_SECONDS=20 tools/bench-brokers.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python=/usr/bin/python3
cmake --preset release >/dev/null
cmake --build --preset release --target wave wave_server wave_mosquitto -j "${WAVE_BENCH_JOBS:-2}"
build="$root/build/release"
state=$(mktemp -d "${TMPDIR:-/tmp}/wave-bench-brokers.XXXXXX")
cleanup() { "$python" tests/harness/servers.py stop-all "$state" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
for kind in redis mongo app; do "$python" tests/harness/servers.py start "$kind" "$state"; done
export WAVE_LIBRARY="$build/libwave.so"
export WAVE_SERVER="$build/examples/server/wave-server"
export WAVE_MOSQUITTO_PLUGIN="$build/examples/mosquitto-plugin/wave_mosquitto.so"
"$python" tools/bench/brokers.py "$state"
