-- wrk's script for one round (bench/load.py), run with one thread per connection (-t = -c):
-- thread k of n sends the paths k, k + n, k + 2n... of the file named after "--", each once,
-- asking for gzip as a browser does, then waits. Each thread times its own requests one after
-- another (CLOCK_MONOTONIC), so every latency is a real one: wrk's own histogram adds
-- requests of its correction for coordinated omission. A thread that has its answers prints
-- "finished" (the bench stops wrk once all have); at the end, one JSON line: the answers by
-- status, the 503s that said Retry-After, the bytes received, the time from the first request
-- to the last answer, every latency in microseconds, and the requests that got no answer.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local MONOTONIC = 1
local IDLE_MS = 24 * 3600 * 1000 -- a thread with no path left waits for the end
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

-- The main state's list of threads, and each thread's own share of the paths.
local threads, mine, sent, started = {}, {}, 0, 0
statuses, latencies, retry_after, received, first, last = {}, {}, 0, 0, 0, 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

function init(args)
  local count, index = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    index = index + 1
    if (index - 1) % count + 1 == id then
      mine[#mine + 1] = line
    end
  end
end

-- Called before each request a connection sends (wrk also calls request() once before the
-- run, to check what it makes: that call takes no path and is not timed).
function delay()
  if sent < #mine then
    sent = sent + 1
    return 0
  end
  return IDLE_MS
end

function request()
  if sent > 0 then
    started = now()
    first = first > 0 and first or started
  end
  return wrk.format("GET", mine[math.max(sent, 1)], { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  last = now()
  latencies[#latencies + 1] = math.floor((last - started) * 1e6 + 0.5)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and (headers["retry-after"] or headers["Retry-After"]) then
    retry_after = retry_after + 1
  end
  received = received + #body
  if #latencies == #mine then
    io.write("finished\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local counts, times, start, finish = {}, {}, math.huge, 0
  local sums = { retry_after = 0, received = 0 }
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    for _, microseconds in ipairs(thread:get("latencies")) do
      times[#times + 1] = microseconds
    end
    for name in pairs(sums) do
      sums[name] = sums[name] + thread:get(name)
    end
    if thread:get("first") > 0 then
      start = math.min(start, thread:get("first"))
      finish = math.max(finish, thread:get("last"))
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  local errors = summary.errors
  io.write(string.format(
    '{"statuses":{%s},"retry_after":%d,"received":%d,"seconds":%.6f,"latencies":[%s],'
      .. '"unanswered":%d}\n',
    table.concat(parts, ","), sums.retry_after, sums.received, math.max(finish - start, 0),
    table.concat(times, ","), errors.connect + errors.read + errors.write + errors.timeout
  ))
end
