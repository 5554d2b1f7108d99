-- Nine reads of a thread for every comment posted to it: the reads must see the writes.
-- The harness defines READ_PATH, READ_HEADERS, POST_PATH, HEADERS and BODY above.
local counter = 0
request = function()
  counter = counter + 1
  if counter % 10 == 0 then
    local word = string.format("%s-%d-%d", RUN, counter, math.random(1, 1000000000))
    return wrk.format("POST", POST_PATH, HEADERS, string.format(BODY, word))
  end
  return wrk.format("GET", READ_PATH, READ_HEADERS)
end
