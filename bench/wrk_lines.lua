-- wrk script: one POST per line of a file of "path<TAB>form body" lines, each line used once.
-- Usage: wrk -t1 ... -s bench/wrk_lines.lua URL -- LINES_FILE EXPECTED_STATUS
-- Each line is a session's outcome form (path + token), which is valid exactly once, so the
-- script never wraps around: when the lines run out it stops the thread and reports `overflow`.
-- Prints one machine-readable line: WRKJSON {...} (read by bench/load.py).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[2]) or 303
  bad, used, overflow = 0, 0, 0
  paths, bodies = {}, {}
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    if tab then
      paths[#paths + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
  end
  form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end

function request()
  used = used + 1
  if used > #paths then
    -- Out of fresh sessions: reusing one would measure the 403 path instead. Stop here.
    overflow = overflow + 1
    wrk.thread:stop()
    return wrk.format("GET", "/_sandbox/health")
  end
  return wrk.format("POST", paths[used], form, bodies[used])
end

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total, used_total, overflow_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + (thread:get("bad") or 0)
    used_total = used_total + (thread:get("used") or 0)
    overflow_total = overflow_total + (thread:get("overflow") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"bad_status":%d,"used":%d,"overflow":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    bad_total, used_total, overflow_total))
end
