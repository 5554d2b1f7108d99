-- POST a new comment per request, each with a different text (duplicate checks must not refuse it).
-- The harness defines POST_PATH, HEADERS (a table) and BODY (a format string taking a unique word) above.
local counter = 0
request = function()
  counter = counter + 1
  local word = string.format("%s-%d-%d", RUN, counter, math.random(1, 1000000000))
  return wrk.format("POST", POST_PATH, HEADERS, string.format(BODY, word))
end
