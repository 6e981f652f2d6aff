-- wrk script: the same form POST again and again (the peers' stateless outcome endpoint); counts
-- answers whose status is not the expected one. wrk does not follow the redirect.
-- Usage: wrk ... -s bench/wrk_post.lua URL -- EXPECTED_STATUS FORM_BODY
-- Prints one machine-readable line: WRKJSON {...} (read by bench/load.py).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1]) or 200
  bad, used, overflow = 0, 0, 0
  wrk.method = "POST"
  wrk.body = args[2] or "outcome=success"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
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
