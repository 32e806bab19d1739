-- wrk script for perf/alloc.sh's "sticky" scenario: every request carries the sticky cookie
-- Limpet set for the one server (perf/alloc.sh puts its value in place of @COOKIE@), so the
-- cookie is honoured and no Set-Cookie is written.
wrk.headers["Cookie"] = "lb=@COOKIE@"
