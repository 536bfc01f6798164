-- wrk script: POST /api/v1/bookings with the JSON bodies in $BODIES_FILE (one a line), each a
-- distinct free slot and a distinct patient. Thread i of n sends bodies i, i+n, i+2n, ... so no
-- two requests ask for the same slot; throughput.py writes more bodies than a run can use.
local bodies = {}
for line in io.lines(os.getenv("BODIES_FILE")) do
  bodies[#bodies + 1] = line
end
assert(#bodies > 0, "no bodies in " .. tostring(os.getenv("BODIES_FILE")))

local threads = tonumber(os.getenv("WRK_THREADS") or "2")
local offset = tonumber(os.getenv("BODIES_OFFSET") or "0")
local started_threads = 0

function setup(thread)
  thread:set("first", started_threads)
  started_threads = started_threads + 1
end

local sent = nil

function request()
  sent = (sent or 0) + 1
  local index = offset + (tonumber(first) or 0) + (sent - 1) * threads + 1
  assert(index <= #bodies, "ran out of distinct slots: write more bodies")
  return wrk.format("POST", "/api/v1/bookings", {["Content-Type"] = "application/json"}, bodies[index])
end
