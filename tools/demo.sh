#!/usr/bin/env bash
# Wave's main job, end to end on one machine: builds the release preset, starts real Redis,
# FerretDB (MongoDB) and a stand-in for the app's auth endpoint on free loopback ports,
# then logs two app users in with the `wave` CLI, creates a group, shows the VerneMQ ACLs,
# checks topics and who sent a message, revokes a token, and stops the servers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export WAVE_FERRETDB="${WAVE_FERRETDB:-${WAVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wave-tools}/bin/ferretdb}"
tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target wave_cli

wave="$root/build/release/examples/wave"
state=$(mktemp -d)
python=/usr/bin/python3
cleanup() { "$python" tests/harness/servers.py stop-all "$state"; rm -rf "$state"; }
trap cleanup EXIT
for kind in redis mongo app; do "$python" tests/harness/servers.py start "$kind" "$state"; done

cat > "$state/wave.json" <<JSON
{
  "authenticationCheckEndpoint": "$(cat "$state/app.uri")",
  "tokenValidationRegex": "[A-Za-z0-9:._-]{8,256}",
  "redisURI": "$(cat "$state/redis.uri")",
  "mongoURI": "$(cat "$state/mongo.uri")",
  "mongoDatabase": "wave_demo",
  "bcryptCost": 10
}
JSON
export WAVE_CONFIG_FILE_PATH="$state/wave.json"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "wave config check"; "$wave" config check
say "echo user:alice:token-1 | wave login"
alice=$(printf 'user:alice:token-1' | "$wave" login); echo "$alice"
say "echo user:bob:token-1 | wave login"
bob=$(printf 'user:bob:token-1' | "$wave" login); echo "$bob"
alice_id=$(printf '%s' "$alice" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["internalWaveUserID"])')
bob_id=$(printf '%s' "$bob" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["internalWaveUserID"])')
say "echo user:alice:token-1 | wave resolve bob carol"
printf 'user:alice:token-1' | "$wave" resolve bob carol
say "echo user:alice:token-1 | wave group create friends --member bob"
printf 'user:alice:token-1' | "$wave" group create friends --member bob
say "echo user:bob:token-1 | wave group list"
printf 'user:bob:token-1' | "$wave" group list
say "wave acl private $alice_id"; "$wave" acl private "$alice_id"
say "wave topic sender conversations/private/$alice_id/$bob_id"
"$wave" topic sender "conversations/private/$alice_id/$bob_id"
say "wave topic covers conversations/private/+/$bob_id conversations/private/#   (bob may not read everyone's mail)"
"$wave" topic covers "conversations/private/+/$bob_id" "conversations/private/#" && echo covered || echo "not covered (exit $?)"
say "echo user:alice:token-2 | wave login   (token rotation keeps the identity)"
printf 'user:alice:token-2' | "$wave" login | "$python" -c 'import json,sys; print("internalWaveUserID:", json.load(sys.stdin)["internalWaveUserID"])'
say "echo user:alice:token-2 | wave revoke"; printf 'user:alice:token-2' | "$wave" revoke
echo; echo "demo finished: servers stopped"
