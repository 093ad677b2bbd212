#!/usr/bin/env python3
"""Sends every example the OpenAPI document lists, one request per example, to a running
server. The fuzzer combines examples and drops those outside the schema's bounds, which are
exactly the values worth sending (a cursor far from now once crashed the process), so this
step sends each one on its own. An example whose summary says "refused with NNN" must get
NNN with the error envelope; any other must not get a 5xx. The server must still answer
/health afterwards.

Usage: boundary-examples.py BASE_URL API_KEY
"""
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

base, key = sys.argv[1], sys.argv[2]
failures = []


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method.upper(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text.decode(errors="replace")


document = json.loads(urllib.request.urlopen(base + "/openapi.json").read())
_, webhook = call("post", "/api/webhooks", {"name": "examples", "url": "https://example.com/hook", "events": ["*"]})
_, api_key = call("post", "/api/api-keys", {"name": "examples", "permissions": ["read:webhooks"]})
ids = {"webhooks": webhook["data"]["id"], "api-keys": api_key["data"]["id"]}


def concrete(path):
    match = re.match(r"/api/([a-z-]+)/\{id\}", path)
    return path.replace("{id}", ids[match.group(1)]) if match else path


def expect(summary, method, target, status, answer):
    wanted = re.search(r"refused with (\d{3})", summary or "")
    label = f"{method.upper()} {target}"
    if wanted:
        ok = status == int(wanted.group(1)) and isinstance(answer, dict) and answer.get("success") is False
    else:
        ok = status is not None and status < 500
    print(("  ok    " if ok else "  FAIL  ") + f"{label} → {status}")
    if not ok:
        failures.append(f"{label}: {status} {answer}")


sent = 0
for path, operations in document["paths"].items():
    for method, operation in operations.items():
        if not isinstance(operation, dict):
            continue
        for parameter in operation.get("parameters", []):
            for example in parameter.get("examples", {}).values():
                if parameter["in"] != "query":
                    continue
                target = concrete(path) + "?" + urllib.parse.urlencode({parameter["name"]: example["value"]})
                status, answer = call(method, target)
                expect(example.get("summary"), method, target, status, answer)
                sent += 1
        media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        for example in media.get("examples", {}).values():
            target = concrete(path)
            status, answer = call(method, target, example["value"])
            expect(example.get("summary"), method, f"{target} {json.dumps(example['value'])}", status, answer)
            sent += 1

status, _ = call("get", "/health")
if status != 200:
    failures.append(f"/health answered {status} after the examples: the server stopped")
print(f"boundary examples: {sent} sent, {len(failures)} failed")
if failures or sent == 0:
    sys.exit(1)
