-- wrk script for bench/run.py.
-- When the run is over, prints one machine-readable "BENCH <key> <value>" line
-- per number. Latencies are in milliseconds. bench/run.py parses these lines.
--
-- No response() function on purpose: with one, wrk copies every answer's
-- headers and body into Lua, which cost the load generator (sharing the
-- machine's cores with the server) about a tenth of the portal's rate and more
-- for a big page than for hello's 13 bytes. wrk counts answers of 400 and up
-- itself (summary.errors.status); a redirect, which it does not count, makes the
-- answers shorter than the page, which run.py checks with the byte count.

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local out = {
    { "requests", string.format("%d", summary.requests) },
    { "duration_s", string.format("%.3f", seconds) },
    { "bytes", string.format("%d", summary.bytes) },
    { "requests_per_s", string.format("%.2f", summary.requests / seconds) },
    { "latency_mean_ms", string.format("%.3f", latency.mean / 1000) },
    { "latency_max_ms", string.format("%.3f", latency.max / 1000) },
    { "p50_ms", string.format("%.3f", latency:percentile(50) / 1000) },
    { "p95_ms", string.format("%.3f", latency:percentile(95) / 1000) },
    { "p99_ms", string.format("%.3f", latency:percentile(99) / 1000) },
    { "status_4xx_5xx", string.format("%d", e.status) },
    { "errors_connect", string.format("%d", e.connect) },
    { "errors_read", string.format("%d", e.read) },
    { "errors_write", string.format("%d", e.write) },
    { "errors_timeout", string.format("%d", e.timeout) },
    { "errors_socket", string.format("%d", e.connect + e.read + e.write + e.timeout) },
  }
  for _, kv in ipairs(out) do
    io.write("BENCH ", kv[1], " ", kv[2], "\n")
  end
end
