-- wrk script for the FieldOps write benchmark: POST a tank reading, a different level each time.
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"litres":%d.5,"load_percent":60,"source":"sensor"}', 100 + counter % 800)
  return wrk.format("POST", "/api/fieldops/generators/1/readings",
    { ["Content-Type"] = "application/json", ["X-Actor"] = "bench" }, body)
end
