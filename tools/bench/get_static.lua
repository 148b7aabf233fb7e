-- wrk: the nginx baseline, a keep-alive GET of a static JSON file.
wrk.method = "GET"
function done(summary, latency, requests)
  io.write(string.format("wave-bench: requests=%d non2xx=%d socket_errors=%d p99_us=%d\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(99)))
end
