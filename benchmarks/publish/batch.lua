-- $BATCH events per request to /api/events/batch; the key comes from $KEY.
local event = '{"type":"contact.created","data":{"id":12345,"firstName":"Ada","lastName":"Lovelace",'
    .. '"email":"ada@example.com","phone":"+44 20 7946 0000","tags":["lead","newsletter"],"score":87.5}}'
local events = {}
for i = 1, tonumber(os.getenv("BATCH")) do events[i] = event end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
wrk.body = '{"events":[' .. table.concat(events, ",") .. ']}'
