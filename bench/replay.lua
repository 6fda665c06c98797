-- wrk's script for one round (bench/load.py), run with one thread per connection (-t = -c),
-- so that each thread times its own requests one after another (CLOCK_MONOTONIC): wrk's own
-- histogram adds requests of its correction for coordinated omission.
--
-- Arguments after "--": the file of paths, the time every thread starts at and the deadline
-- (CLOCK_MONOTONIC seconds, as Python's time.monotonic()). The threads take the paths from
-- one queue in turn (a counter under a mutex in the process's memory), each path once, asking
-- for gzip as a browser does. Past the deadline no new request is sent, and the requests in
-- flight are answered. A thread with nothing left to send prints "finished" (the bench stops
-- wrk once all have); at the end, one JSON line: the answers by status, the 503s that said
-- Retry-After, the bytes received, the time from the first request to the last answer, every
-- latency in microseconds, and the requests sent again after a broken connection.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
typedef union { char size[40]; long align; } bench_mutex;
int pthread_mutex_init(bench_mutex *mutex, const void *attributes);
int pthread_mutex_lock(bench_mutex *mutex);
int pthread_mutex_unlock(bench_mutex *mutex);
typedef struct { bench_mutex mutex; long taken; } bench_queue;
void *malloc(size_t size);
]]
local MONOTONIC = 1
local IDLE_MS = 24 * 3600 * 1000 -- a thread with nothing left to send waits for the end
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

-- The main state: the threads, and the queue they share (never freed: wrk exits after).
local threads, shared = {}, nil

function setup(thread)
  if shared == nil then
    shared = ffi.cast("bench_queue *", ffi.C.malloc(ffi.sizeof("bench_queue")))
    ffi.C.pthread_mutex_init(shared.mutex, nil)
    shared.taken = 0
  end
  threads[#threads + 1] = thread
  thread:set("queue_address", tonumber(ffi.cast("uintptr_t", shared)))
end

-- Each thread's state.
local paths, queue, start_at, deadline = {}, nil, 0, 0
local current, outstanding, started, done_sending = 0, false, 0, false
statuses, latencies, retry_after, received, first, last, sent, resent = {}, {}, 0, 0, 0, 0, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  start_at, deadline = tonumber(args[2]), tonumber(args[3])
  queue = ffi.cast("bench_queue *", ffi.cast("uintptr_t", queue_address))
end

local function take()
  ffi.C.pthread_mutex_lock(queue.mutex)
  queue.taken = queue.taken + 1
  local index = tonumber(queue.taken)
  ffi.C.pthread_mutex_unlock(queue.mutex)
  return index
end

local function finish()
  done_sending = true
  io.write("finished\n")
  io.flush()
  wrk.thread:stop()
end

-- Called before each new request of the connection (not before one sent again after the
-- connection broke, nor before the one wrk makes to check the script before the run).
function delay()
  local time = now()
  local index = time < deadline and take() or #paths + 1
  if index > #paths then
    if not done_sending then
      finish()
    end
    return IDLE_MS
  end
  current = index
  return time < start_at and math.ceil((start_at - time) * 1000) or 0
end

function request()
  if current > 0 then
    if outstanding then -- the connection broke: the same request again, timed from the first
      resent = resent + 1
    else
      outstanding, started, sent = true, now(), sent + 1
      first = first > 0 and first or started
    end
  end
  return wrk.format("GET", paths[math.max(current, 1)], { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  last = now()
  outstanding = false
  latencies[#latencies + 1] = math.floor((last - started) * 1e6 + 0.5)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and (headers["retry-after"] or headers["Retry-After"]) then
    retry_after = retry_after + 1
  end
  received = received + #body
end

function done(summary, latency, requests)
  local counts, times, start, finish_time = {}, {}, math.huge, 0
  local sums = { retry_after = 0, received = 0, sent = 0, resent = 0 }
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
      finish_time = math.max(finish_time, thread:get("last"))
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  io.write(string.format(
    '{"statuses":{%s},"retry_after":%d,"received":%d,"seconds":%.6f,"latencies":[%s],'
      .. '"resent":%d,"sent":%d}\n',
    table.concat(parts, ","), sums.retry_after, sums.received, math.max(finish_time - start, 0),
    table.concat(times, ","), sums.resent, sums.sent
  ))
end
