-- The votes row's wrk script (tests/bench/votes.py runs it).
--
-- Every vote is a new voter's: the n-th vote of the run carries the n-th voter
-- cookie of the file (pre-minted and signed by the app), or none once they run
-- out (the app then mints one, as for a first-time voter). Its poll and choice
-- follow from n. Each accepted (2xx) answer is counted under the choice it
-- shows as the reader's own (the checked answer of "Change your vote").
--
-- wrk ends a run by dropping the requests still under way, whose votes would
-- then be stored without an answer counted. So once `seconds` are over, a
-- thread sends only a trivial GET and stops when every vote it sent is
-- answered; wrk's --duration is a cap left a few seconds longer.
--
-- Arguments after `--`: cookies file, index of its first cookie for this run,
-- seconds, CSRF token, csrftoken cookie, polls as "poll:choice,choice;...",
-- threads, the trivial path.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]])
local tv = ffi.new("bench_timeval")

local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  cookies = {}
  for line in io.lines(args[1]) do
    cookies[#cookies + 1] = line
  end
  first = tonumber(args[2])
  seconds = tonumber(args[3])
  local token, csrf = args[4], args[5]
  polls = {}
  for spec in args[6]:gmatch("[^;]+") do
    local poll, list = spec:match("(%d+):(.+)")
    local choices = {}
    for choice in list:gmatch("%d+") do
      choices[#choices + 1] = choice
    end
    polls[#polls + 1] = { path = "/polls/" .. poll .. "/vote/", choices = choices }
  end
  thread_count = tonumber(args[7])
  idle = wrk.format("GET", args[8])
  body_end = "&csrfmiddlewaretoken=" .. token
  cookie_start = "csrftoken=" .. csrf
  sent, answered, accepted, non_2xx, unread = 0, 0, 0, 0, 0
  last_cookie = 0
  counts = {}
  started, finished = 0, 0
  stopping = false
  primed = false
end

function request()
  -- wrk asks each thread for one request it never sends before its first
  -- connection: that one must not be a vote.
  if not primed then
    primed = true
    return idle
  end
  local t = now()
  if started == 0 then
    started = t
  end
  if stopping or t - started >= seconds then
    stopping = true
    return idle
  end
  -- The threads take turns along one sequence: no vote shares a cookie.
  local n = sent * thread_count + id
  sent = sent + 1
  local poll = polls[n % #polls + 1]
  local choice = poll.choices[math.floor(n / #polls) % #poll.choices + 1]
  local cookie = cookie_start
  local index = first + n + 1
  if index <= #cookies then
    cookie = cookie .. "; voter=" .. cookies[index]
    last_cookie = index
  end
  return wrk.format("POST", poll.path, {
    ["Cookie"] = cookie,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "choice=" .. choice .. body_end)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    answered = answered + 1
    non_2xx = non_2xx + 1
  elseif body:find('<section class="poll', 1, true) then
    answered = answered + 1
    finished = now()
    local choice = body:match('value="(%d+)" checked')
    if choice then
      accepted = accepted + 1
      counts[choice] = (counts[choice] or 0) + 1
    else
      unread = unread + 1
    end
  end
  if stopping and answered >= sent then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = { sent = 0, answered = 0, accepted = 0, non_2xx = 0, unread = 0 }
  local begun, ended, used = math.huge, 0, 0
  local by_choice = {}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(total) do
      total[key] = total[key] + thread:get(key)
    end
    begun = math.min(begun, thread:get("started"))
    ended = math.max(ended, thread:get("finished"))
    used = math.max(used, thread:get("last_cookie"))
    for choice, count in pairs(thread:get("counts")) do
      by_choice[choice] = (by_choice[choice] or 0) + count
    end
  end
  local parts = {}
  for choice, count in pairs(by_choice) do
    parts[#parts + 1] = string.format('"%s": %d', choice, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'votes-json {"sent": %d, "answered": %d, "accepted": %d, "non_2xx": %d, "unread": %d, '
      .. '"votes_seconds": %.6f, "last_cookie": %d, "counts": {%s}, "requests": %d, '
      .. '"duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, '
      .. '"max_us": %d}\n',
    total.sent, total.answered, total.accepted, total.non_2xx, total.unread,
    math.max(ended - begun, 0), used, table.concat(parts, ", "), summary.requests,
    summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max
  ))
end
