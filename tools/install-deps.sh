#!/usr/bin/env bash
# Installs everything Wave's build, tests and demo need on Debian 12 (run as root, or with
# sudo available).  Idempotent and quick when everything is there already.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libssl-dev libcurl4-openssl-dev libhiredis-dev libmongoc-dev libbson-dev libre2-dev rapidjson-dev
  doctest-dev libbenchmark-dev libmosquitto-dev mosquitto-dev libcrypt-dev libboost-dev libcli11-dev
  clang libclang-rt-14-dev llvm
  redis-server mosquitto mosquitto-clients
  python3 python3-pytest python3-bcrypt python3-venv python3-pip python3-paho-mqtt
  wrk nginx-light
)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v go >/dev/null || missing+=(golang-go)
# Debian starts the daemons of the packages it installs (redis-server, mosquitto...).  Wave's
# tests start their own on free ports, and services already running here are not ours to
# stop.  So, for the length of the install only, a policy-rc.d forbids starting any (exit 101:
# "action forbidden", honoured by invoke-rc.d and deb-systemd-invoke); a policy the machine
# already has is left as it is.
policy=/usr/sbin/policy-rc.d
remove_policy() { "${sudo_cmd[@]}" rm -f "$policy"; }
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  own_policy=0
  if [ ! -e "$policy" ]; then
    own_policy=1
    trap remove_policy EXIT
    trap 'exit 130' INT TERM HUP
    printf '#!/bin/sh\n# Written by Wave'"'"'s tools/install-deps.sh while it installs packages.\nexit 101\n' |
      "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$own_policy" -eq 1 ]; then
    remove_policy
    trap - EXIT INT TERM HUP
  fi
fi
# FerretDB (MongoDB-compatible, SQLite backend) for the MongoDB tests, unless a MongoDB is given.
if [ -z "${WAVE_TEST_MONGO_URI:-}" ]; then
  "$(dirname "$0")/install-ferretdb.sh" "${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}/bin"
fi
# Schemathesis and openapi-spec-validator (PyPI, pinned) for tests/server, in a venv.
"$(dirname "$0")/install-python-tools.sh"
