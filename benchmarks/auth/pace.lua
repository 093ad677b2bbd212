-- Paces each wrk connection to one request per 10 ms, so 10 connections offer about 1,000
-- requests/s: latency at a fixed, moderate rate instead of at saturation.
function delay()
    return 10
end
