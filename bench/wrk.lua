-- wrk script of bench/run.sh: one kind of request, the seeded tokens in rotation, statuses checked.
-- Usage: wrk -t2 -c4 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- MODE TOKENS_FILE [PATH [ETAG]]
-- MODE: health, leaderboard, values, kudos, standings (GET PATH, a campaign's standings) or wallboard
-- (GET PATH, a wallboard's data, with If-None-Match: ETAG, so 304 is expected).
-- TOKENS_FILE has "username<TAB>token" lines (written by `flask bench seed`).
-- values (GET /api/v1/values) is the reference: the least an authenticated request costs.
-- kudos: each giver praises another token holder with 1 point, so budgets and pair caps last.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local expected, users, tokens, count, sent, path, etag
local message = "Thanks for taking the escalated call and solving it in one go (benchmark)."

function init(args)
  mode = args[1]  -- a global: done() reads it from a thread
  expected = ({health = 200, leaderboard = 200, values = 200, kudos = 201, standings = 200, wallboard = 304})[mode]
  if expected == nil then
    error("mode must be health, leaderboard, values, kudos, standings or wallboard")
  end
  path, etag = args[3], args[4]
  users, tokens = {}, {}
  for line in io.lines(args[2]) do
    local user, token = line:match("^(%S+)\t(%S+)$")
    if user then
      users[#users + 1] = user
      tokens[#tokens + 1] = token
    end
  end
  count = #users
  if count < 2 then
    error("need at least 2 tokens in " .. args[2])
  end
  sent = thread_number * 7919  -- threads start at different places in the rotation
  errors = 0
  first_error = nil
end

function request()
  sent = sent + 1
  if mode == "health" then
    return wrk.format("GET", "/api/v1/health")
  end
  if mode == "wallboard" then
    return wrk.format("GET", path, {["If-None-Match"] = etag})
  end
  local giver = sent % count + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[giver]}
  if mode == "leaderboard" then
    return wrk.format("GET", "/api/v1/leaderboard?period=month", headers)
  end
  if mode == "standings" then
    return wrk.format("GET", path, headers)
  end
  if mode == "values" then
    return wrk.format("GET", "/api/v1/values", headers)
  end
  -- Every other token holder in turn, never the giver.
  local step = 1 + math.floor(sent / count) % (count - 1)
  local recipient = (giver - 1 + step) % count + 1
  headers["Content-Type"] = "application/json"
  local body = string.format('{"recipients": ["%s"], "value": "customer-first", "message": "%s", "points": 1}',
                             users[recipient], message)
  return wrk.format("POST", "/api/v1/kudos", headers, body)
end

function response(status, headers, body)
  if status ~= expected then
    errors = errors + 1
    if first_error == nil then
      first_error = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local unexpected, first = 0, nil
  for _, thread in ipairs(threads) do
    unexpected = unexpected + (thread:get("errors") or 0)
    first = first or thread:get("first_error")
  end
  io.write(string.format("bench: %s requests %d, unexpected status %d\n", threads[1]:get("mode"), summary.requests, unexpected))
  if first then
    io.write("bench: first unexpected response: " .. first .. "\n")
  end
end
