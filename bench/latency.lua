-- wrk script for bench/run.py.
-- Counts responses by status class in every wrk thread and, when the run is
-- over, prints one machine-readable "BENCH <key> <value>" line per number.
-- Latencies are in milliseconds. bench/run.py parses these lines.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  -- globals on purpose: the main Lua state reads them with thread:get()
  s1xx, s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  if status < 200 then
    s1xx = s1xx + 1
  elseif status < 300 then
    s2xx = s2xx + 1
  elseif status < 400 then
    s3xx = s3xx + 1
  elseif status < 500 then
    s4xx = s4xx + 1
  else
    s5xx = s5xx + 1
  end
end

function done(summary, latency, requests)
  local counts = { s1xx = 0, s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0 }
  for _, t in ipairs(threads) do
    for key, _ in pairs(counts) do
      counts[key] = counts[key] + (t:get(key) or 0)
    end
  end
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
    { "status_1xx", string.format("%d", counts.s1xx) },
    { "status_2xx", string.format("%d", counts.s2xx) },
    { "status_3xx", string.format("%d", counts.s3xx) },
    { "status_4xx", string.format("%d", counts.s4xx) },
    { "status_5xx", string.format("%d", counts.s5xx) },
    { "non_2xx", string.format("%d", counts.s1xx + counts.s3xx + counts.s4xx + counts.s5xx) },
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
