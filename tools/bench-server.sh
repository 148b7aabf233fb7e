#!/usr/bin/env bash
# wave-server against nginx, same machine, same run: wrk with keep-alive and Lua body scripts
# (tools/bench/*.lua).  Real Redis, FerretDB and the stand-in app endpoint (tests/harness).
# Prints requests/s and the ratio to nginx serving a static JSON file for:
#   1. cached auth_on_publish                                     (issue 8 target >= 0.5x)
#   2. auth_on_register answered from Redis, cold in-process cache (>= 0.3x)
#   3. auth_on_subscribe with 3 filters                            (>= 0.4x)
#   4. auth_on_publish p99 at a fixed moderate load while 20 logins with bcrypt cost 14 run
#      through POST /v1/sessions                                   (< 5 ms)
#   5. RSS after WAVE_BENCH_CLIENTS distinct clients registered    (<= cache bound + 30 MB)
# Environment: WAVE_SERVER (binary; default: builds the release preset), WAVE_BENCH_SECONDS
# (per run, default 30), WAVE_BENCH_CONNECTIONS (64), WAVE_BENCH_CLIENTS (1000000),
# WAVE_BENCH_LOGINS (20), WAVE_BENCH_BCRYPT_COST (14).
# Pinning: wave-server and nginx on CPU 0, wrk on CPU 1 (taskset), the same in every run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${WAVE_BENCH_SECONDS:-30}
connections=${WAVE_BENCH_CONNECTIONS:-64}
clients=${WAVE_BENCH_CLIENTS:-1000000}
logins=${WAVE_BENCH_LOGINS:-20}
cost=${WAVE_BENCH_BCRYPT_COST:-14}
python=/usr/bin/python3
for tool in wrk nginx curl redis-server taskset; do
  command -v "$tool" >/dev/null || { echo "bench-server: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
if [ -z "${WAVE_SERVER:-}" ]; then
  cmake --preset release >/dev/null
  server_target=wave-server  # the CMake target (wave_server) builds the program wave-server
  cmake --build --preset release --target help | grep -qE '^wave_server[: ]' && server_target=wave_server
  cmake --build --preset release --target "$server_target"
  WAVE_SERVER=$(find "$root/build/release/examples" -name wave-server -type f -perm -u+x | head -n 1)
fi
server_cpu=0; client_cpu=1
[ "$(nproc)" -ge 2 ] || client_cpu=0

state=$(mktemp -d)
chmod 755 "$state"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  "$python" tests/harness/servers.py stop-all "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for kind in redis mongo app; do "$python" tests/harness/servers.py start "$kind" "$state"; done

# ---- nginx -----------------------------------------------------------------------------------
nginx_port=$(free_port)
mkdir -p "$state/www" "$state/nginx-tmp"
printf '{"result":"ok"}' > "$state/www/ok.json"
chmod -R a+rX "$state/www"
sed -e "s|@STATE@|$state|g" -e "s|@PORT@|$nginx_port|g" tools/bench/nginx.conf.in > "$state/nginx.conf"
[ "$(id -u)" -eq 0 ] && sed -i '1i user root;' "$state/nginx.conf"
taskset -c "$server_cpu" nginx -p "$state" -c "$state/nginx.conf" &
pids+=($!)

# ---- wave-server: one instance with the in-process cache, one without (cold: Redis answers) --
write_config() {  # write_config FILE CACHE_SIZE
  cat > "$1" <<JSON
{
  "authenticationCheckEndpoint": "$(cat "$state/app.uri")",
  "tokenValidationRegex": "[A-Za-z0-9:._-]{8,256}",
  "redisURI": "$(cat "$state/redis.uri")",
  "mongoURI": "$(cat "$state/mongo.uri")",
  "mongoDatabase": "wave_bench",
  "bcryptCost": $cost,
  "credentialCacheSize": $2,
  "credentialCacheTTLSeconds": 3600,
  "httpTimeoutMs": 10000,
  "serverCredentialQueueLimit": 256,
  "logLevel": "warning"
}
JSON
}
start_server() {  # start_server CONFIG -> sets $started_port and $started_pid
  started_port=$(free_port)
  taskset -c "$server_cpu" "$WAVE_SERVER" --config "$1" --listen "127.0.0.1:$started_port" >"$1.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 400); do
    curl -fsS "http://127.0.0.1:$started_port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$started_pid" 2>/dev/null || { cat "$1.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "bench-server: wave-server did not become healthy" >&2; exit 1
}
write_config "$state/warm.json" 100000
write_config "$state/cold.json" 0
start_server "$state/warm.json"; warm_port=$started_port; warm_pid=$started_pid
start_server "$state/cold.json"; cold_port=$started_port
warm="http://127.0.0.1:$warm_port"; cold="http://127.0.0.1:$cold_port"
until curl -fsS "http://127.0.0.1:$nginx_port/ok.json" >/dev/null 2>&1; do sleep 0.05; done

field() { "$python" -c 'import json,sys; print(json.load(sys.stdin)["content"][sys.argv[1]])' "$1"; }
login() { curl -fsS -X POST "$warm/v1/sessions" -H "token: $1"; }
echo "bench-server: logging in two users (bcrypt cost $cost)"
alice=$(login user:benchalice:token-1); bob=$(login user:benchbob:token-1)
alice_id=$(printf '%s' "$alice" | field internalWaveUserID); alice_pw=$(printf '%s' "$alice" | field password)
bob_id=$(printf '%s' "$bob" | field internalWaveUserID)
group_id=$(curl -fsS -X POST "$warm/v1/conversations/group" -H 'token: user:benchalice:token-1' \
  -H 'content-type: application/json' -d '{"name":"bench","members":["benchbob"]}' |
  "$python" -c 'import json,sys; print(json.load(sys.stdin)["content"]["groupID"])')

printf '%s' "{\"username\":\"$alice_id\",\"client_id\":\"$alice_id\",\"mountpoint\":\"\",\"qos\":1,\"topic\":\"conversations/private/$alice_id/$bob_id\",\"payload\":\"aGVsbG8=\",\"retain\":false}" > "$state/publish.json"
printf '%s' "{\"peer_addr\":\"10.0.0.1\",\"peer_port\":40000,\"mountpoint\":\"\",\"client_id\":\"$alice_id\",\"username\":\"$alice_id\",\"password\":\"$alice_pw\",\"clean_session\":true}" > "$state/register.json"
printf '%s' "{\"username\":\"$alice_id\",\"client_id\":\"$alice_id\",\"mountpoint\":\"\",\"topics\":[{\"topic\":\"conversations/private/+/$alice_id\",\"qos\":1},{\"topic\":\"conversations/private/$bob_id/$alice_id\",\"qos\":1},{\"topic\":\"conversations/group/$group_id/+\",\"qos\":1}]}" > "$state/subscribe.json"

# Each body must get the grant we mean to measure (a body missing a field is a fast deny).
check() {  # check URL BODY_FILE EXPECTED
  local answer
  answer=$(curl -fsS "$1" -H 'content-type: application/json' --data-binary "@$2")
  [ "$answer" = "$3" ] || { echo "bench-server: $1 answered $answer, expected $3" >&2; exit 1; }
  echo "bench-server: checked $1 -> $answer"
}
check "$warm/webhooks/auth_on_publish" "$state/publish.json" '{"result":"ok"}'
check "$cold/webhooks/auth_on_register" "$state/register.json" '{"result":"ok"}'
check "$warm/webhooks/auth_on_subscribe" "$state/subscribe.json" \
  "{\"result\":\"ok\",\"topics\":[{\"topic\":\"conversations/private/+/$alice_id\",\"qos\":1},{\"topic\":\"conversations/private/$bob_id/$alice_id\",\"qos\":1},{\"topic\":\"conversations/group/$group_id/+\",\"qos\":1}]}"

run_wrk() {  # run_wrk NAME CONNECTIONS SECONDS SCRIPT URL [BODY_FILE] -> prints req/s, sets $rps $p99_us
  local name=$1 conns=$2 secs=$3 script=$4 url=$5 body=${6:-}
  local out
  out=$(WAVE_BENCH_BODY="$body" taskset -c "$client_cpu" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$script" "$url")
  echo "$out" > "$state/wrk-$name.txt"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "bench-server: $name is void (errors):"; echo "$out"; exit 1
  fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99_us=$(sed -n 's/^wave-bench: .*p99_us=\([0-9]*\).*/\1/p' <<<"$out")
  printf 'bench-server: %-34s %10s req/s   p99 %6.2f ms\n' "$name" "$rps" "$(awk -v u="$p99_us" 'BEGIN{print u/1000}')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

echo "bench-server: ${seconds}s per run, $connections connections, wave-server/nginx on CPU $server_cpu, wrk on CPU $client_cpu"
run_wrk nginx-static-get "$connections" "$seconds" tools/bench/get_static.lua "http://127.0.0.1:$nginx_port/ok.json"
nginx_rps=$rps
curl -fsS "$warm/webhooks/auth_on_publish" -H 'content-type: application/json' --data-binary "@$state/publish.json" >/dev/null
run_wrk publish-cached "$connections" "$seconds" tools/bench/post_body.lua "$warm/webhooks/auth_on_publish" "$state/publish.json"
publish_rps=$rps
run_wrk register-redis-cold-cache "$connections" "$seconds" tools/bench/post_body.lua "$cold/webhooks/auth_on_register" "$state/register.json"
register_rps=$rps
run_wrk subscribe-3-filters "$connections" "$seconds" tools/bench/post_body.lua "$warm/webhooks/auth_on_subscribe" "$state/subscribe.json"
subscribe_rps=$rps

# p99 of auth_on_publish at a fixed, moderate load (4 connections, closed loop: below
# saturation) alone, then while $logins new users log in (each a bcrypt at cost $cost).
run_wrk publish-moderate-alone 4 "$seconds" tools/bench/post_body.lua "$warm/webhooks/auth_on_publish" "$state/publish.json"
p99_alone=$p99_us
login_pids=()
for i in $(seq 1 "$logins"); do
  curl -sS -o "$state/login-$i.out" -w '%{http_code}\n' -X POST "$warm/v1/sessions" -H "token: user:benchlogin$i-$RANDOM:t" > "$state/login-$i.code" &
  login_pids+=($!)
done
run_wrk publish-moderate-during-logins 4 "$seconds" tools/bench/post_body.lua "$warm/webhooks/auth_on_publish" "$state/publish.json"
p99_logins=$p99_us
for pid in "${login_pids[@]}"; do wait "$pid" || true; done
logins_ok=$(cat "$state"/login-*.code | grep -c '^201$' || true)
login_statuses=$(sort "$state"/login-*.code | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')

# RSS after many distinct clients (fresh UUIDs, refused: the churn VerneMQ's own register
# cache never forgets).  Per-request Lua, so this run measures memory, not speed.
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
refused_registers() {
  curl -fsS "$warm/metrics" | awk '/^wave_webhook_decisions_total\{hook="auth_on_register",result="deny"\}/ {print $2}'
}
rss_before=$(rss "$warm_pid")
refused_before=$(refused_registers)
# wrk has no request count: the script stops issuing at the count, and SIGINT (which wrk
# answers with its summary) ends the run once the server has counted every request.
WAVE_BENCH_CLIENTS=$clients WAVE_BENCH_THREADS=1 taskset -c "$client_cpu" \
  wrk -t1 -c"$connections" -d86400s -s tools/bench/register_distinct.lua "$warm/webhooks/auth_on_register" > "$state/wrk-rss.txt" &
rss_wrk=$!
while kill -0 "$rss_wrk" 2>/dev/null; do
  sleep 1
  done_count=$(awk -v a="$(refused_registers)" -v b="$refused_before" 'BEGIN{print a-b}')
  [ "$done_count" -ge "$clients" ] && break
done
kill -INT "$rss_wrk" 2>/dev/null || true
wait "$rss_wrk" || true
rss_after=$(rss "$warm_pid")
distinct=$(sed -n 's/^wave-bench: requests=\([0-9]*\).*/\1/p' "$state/wrk-rss.txt")

echo
echo "=== wave-server vs nginx (static JSON GET), ${seconds}s each ==="
printf '%-44s %10s req/s  %5sx nginx  (target >= %s)\n' "cached auth_on_publish" "$publish_rps" "$(ratio "$publish_rps" "$nginx_rps")" 0.5
printf '%-44s %10s req/s  %5sx nginx  (target >= %s)\n' "auth_on_register from Redis (cold cache)" "$register_rps" "$(ratio "$register_rps" "$nginx_rps")" 0.3
printf '%-44s %10s req/s  %5sx nginx  (target >= %s)\n' "auth_on_subscribe, 3 filters" "$subscribe_rps" "$(ratio "$subscribe_rps" "$nginx_rps")" 0.4
printf '%-44s %10s req/s\n' "nginx static GET" "$nginx_rps"
printf '%-44s %6.2f ms alone, %6.2f ms during %s logins (%s of them 201; statuses: %s; target < 5 ms)\n' \
  "auth_on_publish p99 at 4 connections" "$(awk -v u="$p99_alone" 'BEGIN{print u/1000}')" \
  "$(awk -v u="$p99_logins" 'BEGIN{print u/1000}')" "$logins" "$logins_ok" "$login_statuses"
printf '%-44s %s kB before, %s kB after %s distinct clients (credentialCacheSize 100000)\n' \
  "wave-server RSS" "$rss_before" "$rss_after" "$distinct"
