-- B1: POST /api/v1/health-reports with a logged-in session and unique client
-- UUIDs, for persons under observation spread over the whole city.
-- Env: EPIGRID_COOKIE, EPIGRID_CSRF, BENCH_PERSONS (file: one person id per
-- line), BENCH_SLOTS (comma-separated "YYYY-MM-DDTHH:MM"), BENCH_RUN (hex tag),
-- BENCH_THREADS (wrk's -t, default 2: threads take every BENCH_THREADS-th request).
local persons, slots = {}, {}
-- BENCH_OFFSET: requests each thread counts from (bench/run gives the measured run
-- the warm-up's count, so that it neither replays the warm-up's keys nor replaces its rows).
local counter, tid = tonumber(os.getenv("BENCH_OFFSET") or "0"), 0
local threads = {}

setup = function(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

init = function(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
  for line in io.lines(os.getenv("BENCH_PERSONS")) do persons[#persons + 1] = line end
  for s in string.gmatch(os.getenv("BENCH_SLOTS"), "[^,]+") do slots[#slots + 1] = s end
end

local headers = {
  ["Cookie"] = os.getenv("EPIGRID_COOKIE"),
  ["X-CSRF-Token"] = os.getenv("EPIGRID_CSRF"),
  ["Content-Type"] = "application/json",
}
local run = os.getenv("BENCH_RUN") or "0000"
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")

request = function()
  counter = counter + 1
  -- threads take interleaved persons so that no two requests share (person, slot)
  local n = (counter - 1) * nthreads + (tid - 1)
  local person = persons[(n % #persons) + 1]
  local slot = slots[(math.floor(n / #persons) % #slots) + 1]
  local uuid = string.format("%s-0000-4000-8000-%04x%08x", run, tid, counter)
  local body = string.format('{"client_uuid":"%s","person_id":%s,"slot":"%s","temperature":36.%d}',
                             uuid, person, slot, counter % 8)
  return wrk.format("POST", "/api/v1/health-reports", headers, body)
end
