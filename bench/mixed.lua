-- B4: 90 % reads (the dashboard figures at several levels, the alert and
-- observation lists), 10 % writes (health reports), as a command HQ and its
-- grid workers would produce.
-- Env: as reports.lua plus STATS_REGIONS.
local persons, slots, regions = {}, {}, {}
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
  for c in string.gmatch(os.getenv("STATS_REGIONS"), "[^,]+") do regions[#regions + 1] = c end
end

local cookie = os.getenv("EPIGRID_COOKIE")
local post_headers = {
  ["Cookie"] = cookie,
  ["X-CSRF-Token"] = os.getenv("EPIGRID_CSRF"),
  ["Content-Type"] = "application/json",
}
local get_headers = { ["Cookie"] = cookie }
local run = os.getenv("BENCH_RUN") or "0000"

request = function()
  counter = counter + 1
  local k = counter % 10
  local region = regions[(counter % #regions) + 1]
  if k == 0 then
    local n = (counter - 1) * 2 + (tid - 1)
    local uuid = string.format("%s-0000-4000-a000-%04x%08x", run, tid, counter)
    local body = string.format('{"client_uuid":"%s","person_id":%s,"slot":"%s","temperature":36.6}',
      uuid, persons[(n % #persons) + 1], slots[(math.floor(n / #persons) % #slots) + 1])
    return wrk.format("POST", "/api/v1/health-reports", post_headers, body)
  elseif k <= 6 then
    return wrk.format("GET", "/api/v1/stats?region=" .. region, get_headers)
  elseif k <= 8 then
    return wrk.format("GET", "/api/v1/alerts?limit=20&region=" .. region, get_headers)
  else
    return wrk.format("GET", "/api/v1/observations?limit=20&status=active&region=" .. region, get_headers)
  end
end
