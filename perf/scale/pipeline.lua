-- Sends DEPTH requests per write (HTTP/1.1 pipelining), so wrk spends far less CPU per request than the
-- proxy it loads: on a small machine the load generator must not be what limits the measurement.
local depth = 16
init = function(args)
    local batch = {}
    for i = 1, depth do batch[i] = wrk.format(nil, "/") end
    pipelined = table.concat(batch)
end
request = function() return pipelined end
