-- The HTTP ceiling: plain GETs.
request = function() return wrk.format("GET", "/") end
