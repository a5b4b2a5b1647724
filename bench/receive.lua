-- wrk script of bench/receive-compare.py: POSTs the delivery in $RECV_BENCH_BODY with a new
-- id in place of every placeholder (the delivery's eventId and each event's uuid), so that no
-- request is a duplicate and every event is new to the receiver's de-duplication.
--
-- An id is the thread's random prefix, the request's number in the thread and the place's
-- number; building a body is one table.concat of 23 strings (cheap next to the server's work).

local placeholder = "@@@@@@@@-@@@@-@@@@-@@@@-@@@@@@@@@@@@"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local parts, ids, prefix, counter

function init(args)
  local path = os.getenv("RECV_BENCH_BODY")
  local file = assert(io.open(path, "rb"), "RECV_BENCH_BODY names no readable file")
  local template = file:read("*a")
  file:close()
  template = template:gsub("%s+$", "")
  parts = {}
  local from = 1
  while true do
    local at, to = template:find(placeholder, from, true)
    if not at then break end
    parts[#parts + 1] = template:sub(from, at - 1)
    from = to + 1
  end
  parts[#parts + 1] = template:sub(from)
  ids = #parts - 1
  math.randomseed(os.time() * 1000 + thread_number)
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local buffer = {}
  for i = 1, ids do
    buffer[#buffer + 1] = parts[i]
    buffer[#buffer + 1] = string.format("%s-%04x-4%03x-8000-%012x", prefix, thread_number, i, counter)
  end
  buffer[#buffer + 1] = parts[ids + 1]
  return wrk.format(nil, nil, nil, table.concat(buffer))
end
