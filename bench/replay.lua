-- Replays prepared requests round-robin, and reports in one line that bench/run.py parses.
--
-- BENCH_REQUESTS names a file with one request per line, tab-separated:
--   METHOD  PATH  COOKIE  BODY
-- COOKIE and BODY may be empty. A body is sent as a form post. Sessions and CSRF tokens are
-- made by bench/run.py directly in the database, so nothing here logs in.

local prepared = {}
local counter = 0
local threads = 0

function setup(thread)
  -- Each thread starts at a different line, so that threads do not queue behind one row.
  thread:set("offset", threads * 7)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if cookie ~= "" then
      headers["Cookie"] = cookie
    end
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    table.insert(prepared, wrk.format(method, path, headers, body))
  end
  counter = offset or 0
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout
  ))
end
