-- The bench's wrk script (tests/bench/servers.py runs it): requests the paths
-- given after `--` in turn, counts answers that are not 2xx (wrk itself counts
-- only those above 399) and page-cache hits (the app's or nginx's), and prints one JSON line when done.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  -- Built once: request() runs for every request of the run.
  prepared = {}
  for _, path in ipairs(args) do
    table.insert(prepared, wrk.format(nil, path))
  end
  if #prepared == 0 then
    prepared[1] = wrk.format()
  end
  sent = 0
  non_2xx = 0
  cache_hits = 0
end

function request()
  sent = sent + 1
  return prepared[sent % #prepared + 1]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
  -- The app's own copy says "hit"; nginx's says HIT, or STALE/UPDATING while renewing.
  local app = headers["X-Page-Cache"] or headers["x-page-cache"]
  local proxy = headers["X-Proxy-Cache"] or headers["x-proxy-cache"] or ""
  if app == "hit" or proxy == "HIT" or proxy == "STALE" or proxy == "UPDATING" then
    cache_hits = cache_hits + 1
  end
end

function done(summary, latency, requests)
  local total_non_2xx, total_hits = 0, 0
  for _, thread in ipairs(threads) do
    total_non_2xx = total_non_2xx + thread:get("non_2xx")
    total_hits = total_hits + thread:get("cache_hits")
  end
  local errors = summary.errors
  io.write(string.format(
    'wrk-json {"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx": %d, '
      .. '"cache_hits": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, total_non_2xx,
    total_hits, errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max
  ))
end
