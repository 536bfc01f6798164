-- wrk script: bench/availability/bookings.lua (each request a distinct free slot, read from
-- $BODIES_FILE), plus a count of the answers by status. A 409 (the time was taken meanwhile) is a
-- correct answer, not a failure; wrk itself counts it under "Non-2xx or 3xx responses", so done()
-- prints "statuses: 2xx=N 409=N other=N" and run.py counts only "other" as failures.
dofile(os.getenv("BOOKINGS_LUA"))

local threads = {}
local booking_setup = setup

function setup(thread)
  booking_setup(thread)
  threads[#threads + 1] = thread
end

ok, conflict, other = 0, 0, 0

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 409 then
    conflict = conflict + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, conflict = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format("statuses: 2xx=%d 409=%d other=%d\n", totals.ok, totals.conflict, totals.other))
end
