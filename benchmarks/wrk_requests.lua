-- wrk script for benchmarks.http_api and benchmarks.list_latency.
--
-- Environment (set by the benchmark):
--   WRK_PATHS_FILE  one request per line: "<path>\t<bearer token>" (token may be empty)
--   WRK_METHOD      GET (default) or POST
--   WRK_BODY        the JSON body of every POST (e.g. {"note": "..."})
--   WRK_THREADS     wrk's -t, so that the threads start at evenly spread lines
--
-- Each thread cycles over the lines from its own starting point, so concurrent
-- connections rarely write to the same aggregate at the same moment. At the end
-- one line "WRKJSON {...}" carries requests, duration, latency percentiles (µs),
-- socket errors and the count of every HTTP status seen.

local lines = {}
local position = 1
statuses = {} -- global: done() reads it from every thread
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(assert(os.getenv("WRK_PATHS_FILE"), "WRK_PATHS_FILE is not set"), "r"))
  for line in file:lines() do
    local path, token = line:match("^([^\t]+)\t?(.*)$")
    if path then
      lines[#lines + 1] = { path = path, token = token }
    end
  end
  file:close()
  assert(#lines > 0, "no request lines")
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  position = math.floor(index * #lines / nthreads) % #lines + 1
end

function request()
  local line = lines[position]
  position = position % #lines + 1
  local headers = {}
  if line.token ~= "" then
    headers["Authorization"] = "Bearer " .. line.token
  end
  if method == "POST" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", line.path, headers, body)
  end
  return wrk.format(method, line.path, headers, nil)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for status, n in pairs(seen) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ", ")
  ))
end
