-- wrk script: GET each path listed in the file named by $PATHS_FILE (one a line), in turn;
-- each thread starts at its own place in the list. Used for the clinic pages and availability.
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do
  if line:sub(1, 1) == "/" then
    paths[#paths + 1] = line
  end
end
assert(#paths > 0, "no paths in " .. tostring(os.getenv("PATHS_FILE")))

local started_threads = 0

function setup(thread)
  thread:set("first", started_threads * 37)
  started_threads = started_threads + 1
end

local counter = nil

function request()
  counter = (counter or tonumber(first) or 0) + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end
