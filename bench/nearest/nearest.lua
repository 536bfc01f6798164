-- wrk script: GET /api/v1/clinics/nearest?zip=..., cycling through the ZIP codes listed in the
-- file named by $ZIPS_FILE (one a line); each thread starts at its own place in the list.
local zips = {}
for line in io.lines(os.getenv("ZIPS_FILE")) do
  if line:match("^%d%d%d%d%d$") then
    zips[#zips + 1] = line
  end
end
assert(#zips > 0, "no ZIP codes in " .. tostring(os.getenv("ZIPS_FILE")))

local started_threads = 0

function setup(thread)
  thread:set("first", started_threads * 97)
  started_threads = started_threads + 1
end

local counter = nil

function request()
  counter = (counter or tonumber(first) or 0) + 1
  return wrk.format("GET", "/api/v1/clinics/nearest?zip=" .. zips[counter % #zips + 1])
end
