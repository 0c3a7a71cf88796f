-- wrk script: GET the URL given to wrk, with "Authorization: Bearer $AUTH" when AUTH is set,
-- and print the same RESULT line as ../shared/bench/loadgen, so a read's figures parse like
-- a create's and a run of refusals (401, 429) shows as non-2xx instead of passing as speed.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- globals, so done() can read them through thread:get()
non2xx = 0
ok2xx = 0
first_bad = ""

local auth = os.getenv("AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. auth
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then
    ok2xx = ok2xx + 1
  else
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. (body or ""):sub(1, 300) end
  end
end

function done(summary, latency, requests)
  local bad, good, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    good = good + (t:get("ok2xx") or 0)
    local fb = t:get("first_bad")
    if sample == "" and fb and fb ~= "" then sample = fb end
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f 2xx=%d non2xx=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    good, bad, e.connect + e.read + e.write + e.timeout))
  if sample ~= "" then io.write("first non-2xx: " .. sample .. "\n") end
end
