-- wrk script: the same GET again and again; counts answers whose status is not the expected one.
-- Usage: wrk ... -s bench/wrk_get.lua URL -- EXPECTED_STATUS
-- Prints one machine-readable line: WRKJSON {...} (bench/wrk_report.lua, read by bench/load.py).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or ""
local report = dofile(here .. "wrk_report.lua")
setup, response, done = report.setup, report.response, report.done

function init(args)
  expected = tonumber(args[1]) or 200
  bad, used, overflow = 0, 0, 0
end
