#!/usr/bin/env bash
# Installs everything Wave's build, tests and demo need on Debian 12 (run as root, or with
# sudo available).  Idempotent and quick when everything is there already.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libssl-dev libcurl4-openssl-dev libhiredis-dev libmongoc-dev libbson-dev libre2-dev rapidjson-dev
  doctest-dev libbenchmark-dev libmosquitto-dev libcrypt-dev
  clang libclang-rt-14-dev llvm
  redis-server mosquitto mosquitto-clients
  python3 python3-pytest python3-bcrypt python3-venv
  wrk nginx-light
)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v go >/dev/null || missing+=(golang-go)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian packages start their daemons; Wave's tests start their own on free ports.
for service in redis-server mosquitto; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl stop "$service" || true
  fi
done
# FerretDB (MongoDB-compatible, SQLite backend) for the MongoDB tests, unless a MongoDB is given.
if [ -z "${WAVE_TEST_MONGO_URI:-}" ]; then
  "$(dirname "$0")/install-ferretdb.sh" "${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}/bin"
fi
# Schemathesis and openapi-spec-validator (PyPI, pinned) for tests/server, in a venv.
"$(dirname "$0")/install-python-tools.sh"
