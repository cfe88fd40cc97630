-- wrk script for benches/compare-xmlrpc: every request is the call Python's xmlrpc.client
-- sends for multiply(6, 7), and every response is checked.
--
--   wrk -t1 -c16 -d10s --latency -s benches/xmlrpc/multiply.lua http://127.0.0.1:PORT/RPC2
--
-- The body below is what `xmlrpc.client.dumps((6, 7), 'multiply')` produces; at start the
-- script asks python3 for it and stops if the two differ (set XMLRPC_NO_PYTHON=1 to skip
-- that check where python3 is missing).
--
-- Each response's status is checked, and its body holds the product (`<int>42</int>`).
-- done() prints wrk's own summary fields on one line the comparison script reads:
--   xmlrpc-wrk: requests=N seconds=S rps=R p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=..
--     non200=.. wrong_body=.. connect_errors=.. read_errors=.. write_errors=.. timeouts=..

local BODY = "<?xml version='1.0'?>\n<methodCall>\n<methodName>multiply</methodName>\n"
    .. "<params>\n<param>\n<value><int>6</int></value>\n</param>\n<param>\n"
    .. "<value><int>7</int></value>\n</param>\n</params>\n</methodCall>\n"
local EXPECTED = "<int>42</int>"

-- wrk goes on with plain GET requests after an error in this chunk, so stop it outright.
local function fail(message)
    io.stderr:write("multiply.lua: " .. message .. "\n")
    os.exit(1)
end

if os.getenv("XMLRPC_NO_PYTHON") == nil then
    local python = io.popen(
        "python3 -c \"import sys, xmlrpc.client; "
            .. "sys.stdout.write(xmlrpc.client.dumps((6, 7), 'multiply'))\""
    )
    local made = python and python:read("*a")
    if python then
        python:close()
    end
    if made == nil or made == "" then
        fail("python3 did not print the request body (XMLRPC_NO_PYTHON=1 skips this check)")
    end
    if made ~= BODY then
        fail("the body differs from what xmlrpc.client writes:\n" .. made)
    end
end

wrk.method = "POST"
wrk.body = BODY
wrk.headers["Content-Type"] = "text/xml"
wrk.headers["User-Agent"] = "Python-xmlrpc/3 (wrk)"

-- Per thread: each thread runs this file in a Lua state of its own, and done() runs in
-- yet another one, which reads the threads' counters through setup's handles.
non200 = 0
wrong_body = 0

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function response(status, headers, body)
    if status ~= 200 then
        non200 = non200 + 1
    elseif not string.find(body, EXPECTED, 1, true) then
        wrong_body = wrong_body + 1
    end
end

function done(summary, latency, requests)
    local bad_status, bad_body = 0, 0
    for _, thread in ipairs(threads) do
        bad_status = bad_status + thread:get("non200")
        bad_body = bad_body + thread:get("wrong_body")
    end
    local seconds = summary.duration / 1e6
    local errors = summary.errors
    io.write(string.format(
        "xmlrpc-wrk: requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d "
            .. "p999_us=%d max_us=%d non200=%d wrong_body=%d connect_errors=%d "
            .. "read_errors=%d write_errors=%d timeouts=%d\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max, bad_status, bad_body,
        errors.connect, errors.read, errors.write, errors.timeout
    ))
end
