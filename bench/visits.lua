-- B2: POST /api/v1/visits: each request visits another household of the
-- city in the open round (roll-up counters updated in the same transaction).
-- Env: EPIGRID_COOKIE, EPIGRID_CSRF, BENCH_HOUSEHOLDS (file: "household_id person_id"
-- per line), BENCH_ROUND (round id), BENCH_RUN (hex tag).
local households = {}
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
  for line in io.lines(os.getenv("BENCH_HOUSEHOLDS")) do households[#households + 1] = line end
end

local headers = {
  ["Cookie"] = os.getenv("EPIGRID_COOKIE"),
  ["X-CSRF-Token"] = os.getenv("EPIGRID_CSRF"),
  ["Content-Type"] = "application/json",
}
local run = os.getenv("BENCH_RUN") or "0000"
local round = os.getenv("BENCH_ROUND")

request = function()
  counter = counter + 1
  local n = (counter - 1) * 2 + (tid - 1)
  local h, p = string.match(households[(n % #households) + 1], "(%d+) (%d+)")
  local uuid = string.format("%s-0000-4000-9000-%04x%08x", run, tid, counter)
  local body = string.format(
    '{"client_uuid":"%s","round_id":%s,"household_id":%s,"members_present":1,"persons":' ..
    '[{"person_id":%s,"returned_from_risk":false,"fever":false,"cough":false,"contact_with_case":false,"temperature":36.5}]}',
    uuid, round, h, p)
  return wrk.format("POST", "/api/v1/visits", headers, body)
end
