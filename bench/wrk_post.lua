-- wrk script: the same form POST again and again (the peers' stateless outcome endpoint); counts
-- answers whose status is not the expected one. wrk does not follow the redirect.
-- Usage: wrk ... -s bench/wrk_post.lua URL -- EXPECTED_STATUS FORM_BODY
-- Prints one machine-readable line: WRKJSON {...} (bench/wrk_report.lua, read by bench/load.py).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or ""
local report = dofile(here .. "wrk_report.lua")
setup, response, done = report.setup, report.response, report.done

function init(args)
  expected = tonumber(args[1]) or 200
  bad, used, overflow = 0, 0, 0
  wrk.method = "POST"
  wrk.body = args[2] or "outcome=success"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
