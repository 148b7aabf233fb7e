#!/usr/bin/env bash
# Wave's main job, end to end on one machine: installs the dependencies, builds the release
# preset, starts real Redis, FerretDB (MongoDB), a stand-in for the app's auth endpoint and
# wave-server on free loopback ports, then walks through the HTTP API with curl: two app
# users log in, one resolves the other, makes a group; the VerneMQ webhooks answer a good
# and a spoofed publish and a subscribe with one refused filter; a token is revoked; and a
# look at /metrics.  Everything started here is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export WAVE_FERRETDB="${WAVE_FERRETDB:-${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}/bin/ferretdb}"
tools/install-deps.sh
server_bin=${WAVE_SERVER:-}  # a wave-server binary to use instead of building the release preset
if [ -z "$server_bin" ]; then
  cmake --preset release >/dev/null
  # The server's CMake target (wave_server, built as the program wave-server).
  server_target=wave-server
  cmake --build --preset release --target help | grep -qE '^wave_server[: ]' && server_target=wave_server
  cmake --build --preset release --target "$server_target"
  server_bin=$(find "$root/build/release/examples" -name wave-server -type f -perm -u+x | head -n 1)
fi
state=$(mktemp -d)
python=/usr/bin/python3
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"; wait "$server_pid" || true
  fi
  "$python" tests/harness/servers.py stop-all "$state"
  rm -rf "$state"
}
trap cleanup EXIT
for kind in redis mongo app; do "$python" tests/harness/servers.py start "$kind" "$state"; done

cat > "$state/wave.json" <<JSON
{
  "authenticationCheckEndpoint": "$(cat "$state/app.uri")",
  "tokenValidationRegex": "[A-Za-z0-9:._-]{8,256}",
  "redisURI": "$(cat "$state/redis.uri")",
  "mongoURI": "$(cat "$state/mongo.uri")",
  "mongoDatabase": "wave_demo",
  "bcryptCost": 10,
  "corsAllowedOrigins": ["https://app.example.com"]
}
JSON
export WAVE_CONFIG_FILE_PATH="$state/wave.json"
"$server_bin" --listen 127.0.0.1:0 >"$state/server.log" 2>"$state/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*"msg":"listening".*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$state/server.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$state/server.err"; exit 1; }
  sleep 0.05
done
[ -n "$port" ] || { echo "wave-server did not say where it listens" >&2; cat "$state/server.err" >&2; exit 1; }
base="http://127.0.0.1:$port"
until curl -fsS "$base/healthz" >/dev/null 2>&1; do sleep 0.05; done

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
show() { "$python" -m json.tool --no-ensure-ascii 2>/dev/null || cat; }
field() { "$python" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }
api() {  # api METHOD PATH TOKEN [BODY]
  local args=(-sS -X "$1" "$base$2" -H "token: $3")
  [ $# -ge 4 ] && args+=(-H 'content-type: application/json' -d "$4")
  curl "${args[@]}"
}
hook() {  # hook NAME BODY
  curl -sS -i "$base/webhooks/$1" -H 'content-type: application/json' -H "vernemq-hook: $1" -d "$2" |
    tr -d '\r' | grep -iE '^(HTTP/|cache-control:)|^\{'
}

say "curl $base/healthz ; curl $base/readyz"
curl -sS "$base/healthz"; echo; curl -sS "$base/readyz"; echo

say "curl -X POST $base/v1/sessions -H 'token: user:alice:token-1'   (log in: MQTT credentials)"
alice=$(api POST /v1/sessions user:alice:token-1); printf '%s' "$alice" | show
say "curl -X POST $base/v1/sessions -H 'token: user:bob:token-1'"
bob=$(api POST /v1/sessions user:bob:token-1); printf '%s' "$bob" | show
alice_id=$(printf '%s' "$alice" | field content.internalWaveUserID)
alice_pw=$(printf '%s' "$alice" | field content.password)
bob_id=$(printf '%s' "$bob" | field content.internalWaveUserID)

say "curl -X POST $base/v1/profiles/mappings -H 'token: user:alice:token-1' -d '{\"userIDs\":[\"bob\",\"carol\"]}'"
api POST /v1/profiles/mappings user:alice:token-1 '{"userIDs":["bob","carol"]}' | show
say "curl -X POST $base/v1/conversations/group -H 'token: user:alice:token-1' -d '{\"name\":\"friends\",\"members\":[\"bob\",\"carol\"]}'"
group=$(api POST /v1/conversations/group user:alice:token-1 '{"name":"friends","members":["bob","carol"]}')
printf '%s' "$group" | show
group_id=$(printf '%s' "$group" | field content.groupID)
say "curl $base/v1/conversations/groups -H 'token: user:bob:token-1'"
api GET /v1/conversations/groups user:bob:token-1 | show

say "VerneMQ: auth_on_register for alice with her MQTT password"
hook auth_on_register "{\"peer_addr\":\"127.0.0.1\",\"peer_port\":50000,\"mountpoint\":\"\",\"client_id\":\"$alice_id\",\"username\":\"$alice_id\",\"password\":\"$alice_pw\",\"clean_session\":true}"
say "VerneMQ: alice publishes to conversations/private/<alice>/<bob>   (her own sender level: granted, cacheable)"
hook auth_on_publish "{\"username\":\"$alice_id\",\"client_id\":\"$alice_id\",\"mountpoint\":\"\",\"qos\":1,\"topic\":\"conversations/private/$alice_id/$bob_id\",\"payload\":\"aGk=\",\"retain\":false}"
say "VerneMQ: alice publishes to conversations/private/<bob>/<alice>   (spoofing bob as the sender: refused)"
hook auth_on_publish "{\"username\":\"$alice_id\",\"client_id\":\"$alice_id\",\"mountpoint\":\"\",\"qos\":1,\"topic\":\"conversations/private/$bob_id/$alice_id\",\"payload\":\"aGk=\",\"retain\":false}"
say "VerneMQ: bob subscribes to his inbox, everyone's mail and the group   (one refused filter: qos 128, the others granted)"
hook auth_on_subscribe "{\"username\":\"$bob_id\",\"client_id\":\"$bob_id\",\"mountpoint\":\"\",\"topics\":[{\"topic\":\"conversations/private/+/$bob_id\",\"qos\":1},{\"topic\":\"conversations/private/#\",\"qos\":1},{\"topic\":\"conversations/group/$group_id/+\",\"qos\":1}]}"

say "curl -X DELETE $base/v1/sessions -H 'token: user:alice:token-1'   (revoke)"
api DELETE /v1/sessions user:alice:token-1 | show
say "VerneMQ: auth_on_register for alice with the revoked password"
hook auth_on_register "{\"peer_addr\":\"127.0.0.1\",\"peer_port\":50000,\"mountpoint\":\"\",\"client_id\":\"$alice_id\",\"username\":\"$alice_id\",\"password\":\"$alice_pw\",\"clean_session\":true}"

say "curl $base/metrics | grep -E '^wave_(webhook_decisions|http_requests)_total'"
curl -sS "$base/metrics" | grep -E '^wave_(webhook_decisions|http_requests)_total' | grep -v ' 0$' || true
say "the request log (one JSON line per request, no token or password): last 3 lines"
tail -n 3 "$state/server.log"
echo; echo "demo finished: wave-server and the servers stop now"
