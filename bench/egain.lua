-- wrk script: POST eGain's individual customer in XML (the seed's second example's shape,
-- with a contact person and an email, phone and postal point), each with its own email.
-- Env: SESSION=<X-egain-session>. Prints creates/s, p50/p99 latency and the non-2xx count.

local threads = {}
local tcount = 0
local function run_nonce()
  local f = io.open("/proc/sys/kernel/random/uuid", "r")
  local u = f and f:read("*l") or tostring(os.time())
  if f then f:close() end
  return (u:gsub("-", "")):sub(1, 8)
end
local NONCE = run_nonce()

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
local headers = {
  ["Content-Type"] = "application/xml",
  ["X-egain-session"] = os.getenv("SESSION") or "",
}

function init(args)
  tid = tid or 0
  nonce = nonce or NONCE
end

local function body(email)
  return '<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" ' ..
    'xmlns:ns1="http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson" ' ..
    'xmlns:ns3="http://bindings.egain.com/ws/model/v12/gen/common" ' ..
    'xmlns:ns4="http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint">' ..
    '<type><value>individual</value></type><level><ns3:value>Premium</ns3:value></level>' ..
    '<contactPersons><ns1:contactPerson><ns1:salutation>Mr.</ns1:salutation>' ..
    '<ns1:firstName>John</ns1:firstName><ns1:lastName>Tierney</ns1:lastName>' ..
    '<ns1:contactPoints>' ..
    '<ns4:contactPoint><ns4:type><ns4:value>email</ns4:value><ns4:email>' ..
    '<ns4:emailAddress>' .. email .. '</ns4:emailAddress></ns4:email></ns4:type>' ..
    '<ns4:priority><ns3:value>medium</ns3:value></ns4:priority></ns4:contactPoint>' ..
    '<ns4:contactPoint><ns4:type><ns4:value>phone</ns4:value><ns4:phone>' ..
    '<ns4:type><ns3:value>home</ns3:value></ns4:type><ns4:phoneNo>234 3456</ns4:phoneNo>' ..
    '</ns4:phone></ns4:type></ns4:contactPoint>' ..
    '<ns4:contactPoint><ns4:type><ns4:value>postal</ns4:value><ns4:postal>' ..
    '<ns4:type><ns3:value>office</ns3:value></ns4:type><ns4:address_1>345</ns4:address_1>' ..
    '<ns4:city>Mountain View</ns4:city></ns4:postal></ns4:type></ns4:contactPoint>' ..
    '</ns1:contactPoints></ns1:contactPerson></contactPersons></customer>'
end

function request()
  counter = counter + 1
  local email = string.format("c-%s-%d-%d@customer.example", nonce, tid, counter)
  return wrk.format("POST", nil, headers, body(email))
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
    "RESULT requests=%d seconds=%.2f creates_per_s=%.0f p50_ms=%.2f p99_ms=%.2f 2xx=%d non2xx=%d\n",
    summary.requests, secs, good / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, good, bad))
  if sample ~= "" then io.write("first non-2xx: " .. sample .. "\n") end
end
