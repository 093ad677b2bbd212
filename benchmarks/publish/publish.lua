-- One event per request, fanned out to every webhook; the key comes from $KEY.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
wrk.body = '{"type":"contact.created","data":{"id":12345,"firstName":"Ada","lastName":"Lovelace",'
    .. '"email":"ada@example.com","phone":"+44 20 7946 0000","tags":["lead","newsletter"],"score":87.5}}'
