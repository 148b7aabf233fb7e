-- wrk: auth_on_register for distinct client IDs (a fresh UUID per request, a random password),
-- the churn that grows VerneMQ's own register cache without bound.  Each thread stops after
-- $WAVE_BENCH_CLIENTS / threads requests.  Per-request Lua: use for memory, not for speed.
local counter, limit, thread_index = 0, 0, 0
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  limit = math.floor(tonumber(os.getenv("WAVE_BENCH_CLIENTS") or "1000000") / tonumber(os.getenv("WAVE_BENCH_THREADS") or "1"))
  thread_index = index or 0
  math.randomseed(os.time() + thread_index * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local function uuid()
  return string.format("%08x-%04x-4%03x-a%03x-%012x", counter, thread_index, math.random(0, 4095),
    math.random(0, 4095), math.random(0, 2^40))
end

function request()
  counter = counter + 1
  local id = uuid()
  local body = '{"peer_addr":"10.0.0.1","peer_port":40000,"mountpoint":"","client_id":"' .. id ..
    '","username":"' .. id .. '","password":"pw' .. counter .. '","clean_session":true}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if counter >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  io.write(string.format("wave-bench: requests=%d non2xx=%d socket_errors=%d\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
