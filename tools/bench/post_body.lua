-- wrk: a keep-alive POST of one fixed JSON body, read from the file named by $WAVE_BENCH_BODY.
-- The request is built once by wrk, so the script costs nothing per request.
local path = os.getenv("WAVE_BENCH_BODY")
assert(path and path ~= "", "WAVE_BENCH_BODY is not set")
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = file:read("*a")
file:close()
local hook = os.getenv("WAVE_BENCH_HOOK")
if hook then wrk.headers["vernemq-hook"] = hook end

-- Any status other than 200 voids the run (a fast 413/503 is no win).
function done(summary, latency, requests)
  io.write(string.format("wave-bench: requests=%d non2xx=%d socket_errors=%d p99_us=%d\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(99)))
end
