-- The same request every time: METHOD, PATH, HEADERS and BODY (nil for a GET) are defined above.
request = function()
  return wrk.format(METHOD, PATH, HEADERS, BODY)
end
