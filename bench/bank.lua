-- wrk script: POST a bank-data batch of 50 customers, each with one account and one card,
-- every sourceCustomerId and sourceAccountId unique. Env: AUTH=TOKEN, BATCH=50.
-- With MODE=put, PUT instead the batches bench/bank.sh stored first (BATCHES of them, the
-- customers of batch b named s-b-i): each PUT changes every customer's postal code and
-- every account's status, so each writes all of its rows. Each thread takes its own
-- batches (THREADS=2, as bench/bank.sh runs wrk), and its connections each another.
-- Prints batches/s and customers/s, p50/p99 latency and the non-2xx count.

local threads = {}
local tcount = 0
local function run_nonce()
  local f = io.open("/proc/sys/kernel/random/uuid", "r")
  local u = f and f:read("*l") or tostring(os.time())
  if f then f:close() end
  return (u:gsub("-", "")):sub(1, 8)
end
local NONCE = run_nonce()
local BATCH = tonumber(os.getenv("BATCH") or "50")
local MODE = os.getenv("MODE") or "post"
local BATCHES = tonumber(os.getenv("BATCHES") or "64")
local THREADS = tonumber(os.getenv("THREADS") or "2")

function setup(thread)
  thread:set("tid", tcount)
  thread:set("nonce", NONCE)
  tcount = tcount + 1
  table.insert(threads, thread)
end

counter = 0
non2xx = 0
ok2xx = 0
first_bad = ""
local headers = { ["Content-Type"] = "application/json" }
local auth = os.getenv("AUTH")
if auth and auth ~= "" then headers["Authorization"] = "Bearer " .. auth end

function init(args)
  tid = tid or 0
  nonce = nonce or NONCE
end

local function customer(id, postal, status)
  local account = "a" .. id
  return '{"sourceCustomerId":"' .. id .. '","organizationId":"50004","postalCode":"' .. postal .. '",' ..
    '"country":"US","customerCreationDate":"2017-01-01T08:00:00Z",' ..
    '"enrollmentStartDate":"2023-01-01T08:00:00Z","enrollmentEndDate":null,' ..
    '"enrollmentOptInStatus":"ACTIVE","alertOptInStatus":["ALL"],"targetingIndicator":"TARGET",' ..
    '"accounts":[{"sourceAccountId":"' .. account .. '","sourceCustomerIds":["' .. id .. '"],' ..
    '"primarySourceCustomerId":"' .. id .. '","status":"' .. status .. '","type":"DDA",' ..
    '"accountOpenDate":"2018-05-12T20:30:00Z","accountCloseDate":null,' ..
    '"cards":[{"sourceAccountId":"' .. account .. '","sourceCustomerId":"' .. id .. '",' ..
    '"last4":"2345","iin":"123456","cardType":"CREDIT","status":"OPEN",' ..
    '"networkIdentifier":"3","openDate":"2023-01-01T08:00:00Z","closeDate":null}]}]}'
end

function request()
  counter = counter + 1
  local items = {}
  if MODE == "put" then
    -- Batch b's values alternate from one round over the thread's batches to the next, so
    -- each PUT differs from what the last one stored.
    local per = math.floor(BATCHES / THREADS)
    local b = ((counter - 1) % per) * THREADS + tid
    local round = math.floor((counter - 1) / per)
    local postal = round % 2 == 0 and "10000" or "10001"
    local status = round % 2 == 0 and "DISPUTE" or "OPEN"
    for i = 1, BATCH do
      items[i] = customer(string.format("s-%d-%d", b, i), postal, status)
    end
    return wrk.format("PUT", nil, headers, '{"customers":[' .. table.concat(items, ",") .. ']}')
  end
  for i = 1, BATCH do
    items[i] = customer(string.format("b-%s-%d-%d-%d", nonce, tid, counter, i), "78753", "OPEN")
  end
  return wrk.format("POST", nil, headers, '{"customers":[' .. table.concat(items, ",") .. ']}')
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
  io.write(string.format(
    "RESULT batches=%d seconds=%.2f batches_per_s=%.1f customers_per_s=%.0f p50_ms=%.2f p99_ms=%.2f 2xx=%d non2xx=%d\n",
    summary.requests, secs, summary.requests / secs, good * BATCH / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, good, bad))
  if sample ~= "" then io.write("first non-2xx: " .. sample .. "\n") end
end
