-- wrk script: one POST per line of a file of "path<TAB>form body" lines, each line used once.
-- Usage: wrk -t1 ... -s bench/wrk_lines.lua URL -- LINES_FILE EXPECTED_STATUS
-- Each line is a session's outcome form (path + token), which is valid exactly once, so the
-- script never wraps around: when the lines run out it stops the thread and reports `overflow`.
-- Prints one machine-readable line: WRKJSON {...} (bench/wrk_report.lua, read by bench/load.py).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or ""
local report = dofile(here .. "wrk_report.lua")
setup, response, done = report.setup, report.response, report.done

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
