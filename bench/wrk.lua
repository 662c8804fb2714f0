-- Drives one measured page for bench/run.py and prints its figures as JSON.
--   wrk ... -s bench/wrk.lua URL -- EXPECTED_STATUS [REQUESTS_FILE]
-- The run is bounded by wrk's duration (-d) and connections (-c). REQUESTS_FILE holds
-- one request a line, "METHOD PATH BODY", each sent once, in turn; running out of lines
-- before the time is up is reported ("exhausted"), since the figures would be wrong.

local threads = {}
local expected, lines = 200, nil
local responses, unexpected, next_line, exhausted = 0, 0, 1, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1])
  if args[2] then
    lines = {}
    for line in io.lines(args[2]) do
      local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
      table.insert(lines, { method, path, body })
    end
  end
end

function request()
  if not lines then
    return wrk.request()
  end
  local line = lines[next_line]
  if not line then
    exhausted = 1
    wrk.thread:set("exhausted", exhausted)
    line = lines[#lines]
  end
  next_line = next_line + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value -- the cookie given with -H
  end
  if line[1] == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return wrk.format(line[1], line[2], headers, line[3] ~= "" and line[3] or nil)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= expected then
    unexpected = unexpected + 1
  end
  wrk.thread:set("responses", responses)
  wrk.thread:set("unexpected", unexpected)
end

function done(summary, latency, requests)
  local counted, unexpected_all, exhausted_all = 0, 0, 0
  for _, thread in ipairs(threads) do
    counted = counted + (thread:get("responses") or 0)
    unexpected_all = unexpected_all + (thread:get("unexpected") or 0)
    exhausted_all = exhausted_all + (thread:get("exhausted") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "responses": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "mean_us": %.1f, "max_us": %d, "unexpected": %d, '
      .. '"errors": %d, "exhausted": %d}\n',
    summary.requests, counted, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
    unexpected_all, errors.connect + errors.read + errors.write + errors.timeout, exhausted_all
  ))
end
