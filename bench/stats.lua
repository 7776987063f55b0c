-- B3: GET /api/v1/stats at city, county and township level, round robin.
-- Env: EPIGRID_COOKIE (epigrid_session=...), STATS_REGIONS ("4311,431122,431122101")
local cookie = os.getenv("EPIGRID_COOKIE")
local regions = {}
for code in string.gmatch(os.getenv("STATS_REGIONS") or "4311", "[^,]+") do
  regions[#regions + 1] = code
end
local i = 0
request = function()
  i = i + 1
  local code = regions[(i % #regions) + 1]
  return wrk.format("GET", "/api/v1/stats?region=" .. code, { ["Cookie"] = cookie })
end
