-- Mixed traffic for wrk: pages in three languages, the JSON API, downloads, and
-- sign-ins (wrong passwords, with a valid double-submit token, so each is a real
-- attempt: argon2, the rate limit, the audit log). Counts responses by class;
-- any 5xx is printed at the end.
local requests = {
  {"GET", "/fr/"}, {"GET", "/ar/"}, {"GET", "/en/"},
  {"GET", "/fr/indicator/digital_take_up"}, {"GET", "/ar/indicator/egdi_rank"},
  {"GET", "/en/regions"}, {"GET", "/fr/data"}, {"GET", "/ar/targets"}, {"GET", "/en/briefings"},
  {"GET", "/api/v1/indicators"}, {"GET", "/api/v1/indicators/offshoring_jobs"}, {"GET", "/api/v1/datasets"},
  {"GET", "/download/indicator/digital_take_up.csv"}, {"GET", "/download/indicator/egdi_rank.svg"},
  {"GET", "/download/regions/digital_take_up.csv"}, {"GET", "/static/style.css"},
  {"GET", "/en/signin"},
  {"POST", "/en/signin"},
}
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["429"] = 0, ["5xx"] = 0}
end

function request()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  if r[1] == "POST" then
    local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "md2030_signin=loadtesttoken0123456789",
    }
    local body = "username=loadtest" .. (counter % 50) .. "&password=not-the-password-at-all&csrf=loadtesttoken0123456789&next="
    return wrk.format("POST", r[2], headers, body)
  end
  return wrk.format("GET", r[2])
end

function response(status, headers, body)
  if status == 429 then counts["429"] = counts["429"] + 1
  elseif status >= 500 then counts["5xx"] = counts["5xx"] + 1
  elseif status >= 400 then counts["4xx"] = counts["4xx"] + 1
  elseif status >= 300 then counts["3xx"] = counts["3xx"] + 1
  else counts["2xx"] = counts["2xx"] + 1 end
end

function done(summary, latency, requests)
  local total = {["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["429"] = 0, ["5xx"] = 0}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for k, v in pairs(c) do total[k] = total[k] + v end
  end
  io.write(string.format("responses: 2xx %d, 3xx %d, 4xx %d (429 rate-limited %d), 5xx %d\n",
    total["2xx"], total["3xx"], total["4xx"], total["429"], total["5xx"]))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; socket errors: connect %d, read %d, write %d, timeout %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
