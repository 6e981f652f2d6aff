-- Shared by the wrk_*.lua scripts: keeps the threads, counts answers whose status is not the
-- expected one (the global `expected`, set by each script's init), and prints one
-- machine-readable line at the end: WRKJSON {...} (read by bench/load.py).
-- Each script loads it with dofile and takes setup, response and done from it.
local threads = {}
local report = {}

function report.setup(thread)
  table.insert(threads, thread)
end

function report.response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
  end
end

function report.done(summary, latency, requests)
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

return report
