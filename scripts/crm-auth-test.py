#!/usr/bin/env python3
"""Switchboard's keys guarding a CRM stand-in (/api/contacts, /api/transactions,
/api/properties) both ways the README describes, with the same checks:

1. forward authentication behind Debian's nginx, configured with the README's own file
   (docs/proxy/nginx.conf, only addresses and the port replaced);
2. the same behind Debian's Caddy, with the README's docs/proxy/Caddyfile, against a server
   of its own (each file names the AUTH_PROXY_STYLE it needs);
3. gateway mode: the nginx server, with GATEWAY_UPSTREAM pointing at the CRM.

Checks what a CRM operator relies on: a read:contacts key reads and cannot write, a
write:contacts key creates, no key / a revoked key / an expired key get 401, a key from a
disallowed address 403, the rate-limited request reaches the client as 429 with Retry-After,
the CRM sees the key's identity and never the key, usage shows the CRM route group and the
denial is audited; a client that adds its own copy of the other proxy's headers (to have a
GET judged while the CRM gets a DELETE), a method override, or an extension on a denied route
is refused before the CRM sees it. In gateway mode also: a POST /api/contacts delivers contact.created with the
CRM's answer to a subscribed receiver, whose signature the seed's Node snippet verifies.

Usage: scripts/crm-auth-test.py BIN_DIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testkit import check, failures, free_port, wait_for_port

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CRM:
    """The CRM stand-in: answers its three resources and records what reached it."""

    def __init__(self):
        self.seen = []
        crm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body):
                crm.seen.append({"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def resource(self):
                match = re.match(r"^/api/(contacts|transactions|properties)(/[^/?]+)?", self.path)
                return match.group(1) if match else None

            def do_GET(self):
                self.answer(200, {"data": [{"id": 1}], "resource": self.resource()}) if self.resource() else self.answer(404, {})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.answer(201, {"id": 2, "resource": self.resource()}) if self.resource() else self.answer(404, {})

            def do_DELETE(self):
                self.answer(200, {"deleted": True}) if self.resource() else self.answer(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def request(url, method="GET", key=None, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            parsed = json.loads(text or b"null")
        except ValueError:
            parsed = {"raw": text.decode("utf-8", "replace")}
        return error.code, dict(error.headers), parsed


def matrix(title, front, base, admin, crm, key):
    """The key checks through `front`; `base` is Switchboard's own API."""
    print(title)
    reader, writer = key("CRM reader", ["read:contacts"]), key("CRM writer", ["write:contacts"])
    status, _, body = request(f"{front}/api/contacts", key=reader["key"])
    check(status == 200 and body.get("resource") == "contacts", "read:contacts key: GET /api/contacts 200", f"{status} {body}")
    seen = crm.seen[-1]["headers"] if crm.seen else {}
    check(seen.get("x-switchboard-key-id") == reader["id"] and "authorization" not in seen,
          "the CRM gets the key's id and name, never the key", str(seen))
    before = len(crm.seen)
    status, _, body = request(f"{front}/api/contacts", "POST", reader["key"], {"name": "x"})
    check(status == 403 and body["error"]["code"] == "insufficient_permissions", "read:contacts key: POST /api/contacts 403 with the envelope", f"{status} {body}")
    check(len(crm.seen) == before, "a denied request never reaches the CRM")
    status, _, body = request(f"{front}/api/contacts", "POST", writer["key"], {"name": "x"})
    check(status == 201, "write:contacts key: POST /api/contacts 201", f"{status} {body}")
    status, _, body = request(f"{front}/api/transactions", key=reader["key"])
    check(status == 403, "read:contacts key: GET /api/transactions 403", f"{status} {body}")
    status, _, body = request(f"{front}/api/contacts")
    check(status == 401 and body["error"]["code"] == "missing_api_key", "no key: 401 missing_api_key", f"{status} {body}")
    revoked = key("gone", ["read:contacts"])
    request(f"{base}/api/api-keys/{revoked['id']}", "DELETE", admin)
    status, _, body = request(f"{front}/api/contacts", key=revoked["key"])
    check(status == 401 and body["error"]["code"] == "key_revoked", "revoked key: 401 key_revoked", f"{status} {body}")
    expiring = key("brief", ["read:contacts"], expiresAt=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 2)))
    time.sleep(2.5)
    status, _, body = request(f"{front}/api/contacts", key=expiring["key"])
    check(status == 401 and body["error"]["code"] == "key_expired", "expired key: 401 key_expired", f"{status} {body}")
    fenced = key("office", ["read:contacts"], ipWhitelist=["10.0.0.0/8"])
    status, _, body = request(f"{front}/api/contacts", key=fenced["key"])
    check(status == 403 and body["error"]["code"] == "ip_not_allowed", "key from a disallowed address: 403 ip_not_allowed", f"{status} {body}")
    tight = key("tight", ["read:contacts"], rateLimit={"requests": 2, "windowSeconds": 3600})
    codes = [request(f"{front}/api/contacts", key=tight["key"]) for _ in range(3)]
    status, headers, body = codes[-1]
    check([c[0] for c in codes] == [200, 200, 429] and body["error"]["code"] == "rate_limited" and int(headers.get("Retry-After", "0")) > 0,
          "over its rate limit: 429 with Retry-After", f"{[c[0] for c in codes]} {headers.get('Retry-After')} {body}")
    deadline = time.time() + 20
    groups = set()
    while time.time() < deadline and "crm:contacts" not in groups:
        _, _, usage = request(f"{base}/api/api-keys/{reader['id']}/usage", key=admin)
        groups = {row["routeGroup"] for row in usage["data"]["days"]}
        time.sleep(0.5)
    check("crm:contacts" in groups, "usage shows the CRM route group", str(groups))
    _, _, trail = request(f"{base}/api/audit-logs?action=auth.denied&actor={reader['id']}", key=admin)
    check(any(entry["targetId"] == "POST /api/contacts" for entry in trail["data"]), "the denial is in the audit trail", str(trail))


def spoofing(title, front, crm, key, foreign):
    """A client adding its own copy of the other proxies' headers, or a method override, to
    make Switchboard judge a GET while the proxy sends the CRM a DELETE: refused, and the CRM
    never sees it."""
    print(title)
    reader = key("spoofing reader", ["read:contacts"])
    before = len(crm.seen)
    if foreign:
        status, _, body = request(f"{front}/api/contacts/1", "DELETE", reader["key"], headers=foreign)
        check(status == 400 and body["error"]["code"] == "ambiguous_original_request",
              f"DELETE with the client's own {', '.join(foreign)}: 400 ambiguous_original_request", f"{status} {body}")
    status, _, body = request(f"{front}/api/contacts/1", "GET", reader["key"], headers={"X-HTTP-Method-Override": "DELETE"})
    check(status == 400 and body["error"]["code"] == "override_not_allowed", "GET with X-HTTP-Method-Override: DELETE: 400 override_not_allowed", f"{status} {body}")
    status, _, body = request(f"{front}/api/contacts/1?_method=DELETE", "GET", reader["key"])
    check(status == 400 and body["error"]["code"] == "override_not_allowed", "GET ?_method=DELETE: 400 override_not_allowed", f"{status} {body}")
    status, _, body = request(f"{front}/api/contacts/export.json", "GET", reader["key"])
    check(status == 403 and body["error"]["code"] == "route_not_allowed", "the route map's deny of /api/contacts/export covers export.json", f"{status} {body}")
    check(len(crm.seen) == before, "none of them reached the CRM", str(crm.seen[before:]))


def proxy_style(file):
    """The AUTH_PROXY_STYLE a proxy file names for Switchboard (the file says which)."""
    found = re.search(r"AUTH_PROXY_STYLE=(\w+)", open(os.path.join(REPO, "docs", "proxy", file)).read())
    assert found, f"docs/proxy/{file} names no AUTH_PROXY_STYLE"
    return found.group(1)


def start_switchboard(binaries, work, name, processes, **settings):
    """A Switchboard server of its own (database, admin key) with these settings."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite://{work}/{name}.sqlite", PORT=str(port), HOST="127.0.0.1",
               WEBHOOK_SECRET_KEY="0123456789abcdef" * 4, TRUSTED_PROXIES="127.0.0.1", LOG_LEVEL="warning",
               MIGRATIONS_DIR=os.path.join(REPO, "migrations"), WEBHOOK_ALLOWED_TARGETS="127.0.0.1", AUTH_ROUTE_MAP_FILE=f"{work}/routes.txt",
               **settings)
    subprocess.run([f"{binaries}/switchboard-migrate", "up"], env=env, check=True, capture_output=True)
    log = open(f"{work}/{name}.log", "w+")
    processes.append(subprocess.Popen([f"{binaries}/switchboard", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT))
    admin = None
    for _ in range(300):
        log.seek(0)
        found = re.search(r"key:\s+(sbk_[A-Za-z0-9_-]{43})", log.read())
        if found:
            admin = found.group(1)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                pass
        time.sleep(0.1)
    assert admin, open(f"{work}/{name}.log").read()
    base = f"http://127.0.0.1:{port}"

    def key(key_name, permissions, **extra):
        status, _, answer = request(f"{base}/api/api-keys", "POST", admin, {"name": key_name, "permissions": permissions, **extra})
        assert status == 201, answer
        return answer["data"]

    return port, base, admin, key


def gateway_events(base, admin, crm, key, work):
    """A write through the gateway becomes the seed's event, with the CRM's answer as data."""
    print("gateway mode: a CRM write becomes an event")
    received = f"{work}/received"
    os.makedirs(received)
    receiver_port = free_port()
    receiver = subprocess.Popen([sys.executable, os.path.join(REPO, "scripts", "test-receiver.py"), str(receiver_port), received])
    try:
        wait_for_port(receiver_port)
        status, _, created = request(f"{base}/api/webhooks", "POST", admin,
                                     {"name": "CRM events", "url": f"http://127.0.0.1:{receiver_port}/hook", "events": ["contact.created"]})
        check(status == 201, "a webhook subscribes to contact.created", f"{status} {created}")
        secret = created["data"]["secret"]
        writer = key("gateway writer", ["write:contacts"])
        status, headers, answer = request(f"{base}/api/contacts", "POST", writer["key"], {"name": "Ada"})
        check(status == 201 and answer == {"id": 2, "resource": "contacts"}, "POST /api/contacts through the gateway: the CRM's 201 and answer", f"{status} {answer}")
        check(bool(headers.get("X-Switchboard-Event-Id")), "the answer names the published event", str(headers))
        for _ in range(100):
            if os.path.exists(f"{received}/0.headers.json"):
                break
            time.sleep(0.1)
        delivered = os.path.exists(f"{received}/0.headers.json")
        check(delivered, "contact.created is delivered to the subscribed receiver")
        if delivered:
            event = json.load(open(f"{received}/0.body"))
            check(event["type"] == "contact.created" and event["data"] == answer and event["id"] == headers.get("X-Switchboard-Event-Id"),
                  "the event carries the CRM's answer as data", str(event))
            verified = subprocess.run(["node", os.path.join(REPO, "scripts", "verify-seed-signature.js"), f"{received}/0.body",
                                       f"{received}/0.headers.json", secret]).returncode == 0
            check(verified, "the seed's Node snippet verifies the delivery's signature")
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def main():
    binaries = os.path.abspath(sys.argv[1])
    missing = [tool for tool in ["nginx", "caddy"] if not shutil.which(tool)]
    if missing:
        if os.geteuid() == 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        else:
            sys.exit(f"error: {' and '.join(missing)} missing; run as root: apt-get install -y {' '.join(missing)}")
    work = tempfile.mkdtemp()
    processes = []
    try:
        crm = CRM()
        with open(f"{work}/routes.txt", "w") as file:
            file.write("*   /api/contacts/export   deny\n")
        # nginx's verify requests and the gateway share one server; Caddy's has its own, since
        # each proxy sends the CRM request in its own headers (AUTH_PROXY_STYLE).
        port, base, admin, key = start_switchboard(binaries, work, "nginx", processes, AUTH_PROXY_STYLE=proxy_style("nginx.conf"),
                                                   GATEWAY_UPSTREAM=f"http://127.0.0.1:{crm.port}")
        caddy_switchboard_port, caddy_base, caddy_admin, caddy_key = start_switchboard(
            binaries, work, "caddy", processes, AUTH_PROXY_STYLE=proxy_style("Caddyfile"))

        nginx_port = free_port()
        site = open(os.path.join(REPO, "docs", "proxy", "nginx.conf")).read()
        check("```nginx\n" + site + "```" in open(os.path.join(REPO, "README.md")).read(), "README shows docs/proxy/nginx.conf as it is")
        site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{port};").replace("server 127.0.0.1:3000;", f"server 127.0.0.1:{crm.port};")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};")
        os.makedirs(f"{work}/nginx/logs")
        with open(f"{work}/nginx/site.conf", "w") as file:
            file.write(site)
        with open(f"{work}/nginx/nginx.conf", "w") as file:
            file.write(f"""worker_processes 1;
daemon off;
user root;
error_log {work}/nginx/logs/error.log warn;
pid {work}/nginx/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx/body;
    proxy_temp_path {work}/nginx/proxy;
    fastcgi_temp_path {work}/nginx/fastcgi;
    uwsgi_temp_path {work}/nginx/uwsgi;
    scgi_temp_path {work}/nginx/scgi;
    include {work}/nginx/site.conf;
}}
""")
        processes.append(subprocess.Popen(["nginx", "-p", f"{work}/nginx", "-c", f"{work}/nginx/nginx.conf"]))
        front = f"http://127.0.0.1:{nginx_port}"
        wait_for_port(nginx_port)

        caddy_port = free_port()
        caddyfile = open(os.path.join(REPO, "docs", "proxy", "Caddyfile")).read()
        check("```text\n" + caddyfile + "```" in open(os.path.join(REPO, "README.md")).read(), "README shows docs/proxy/Caddyfile as it is")
        caddyfile = caddyfile.replace("crm.example.com {", f"http://127.0.0.1:{caddy_port} {{")
        caddyfile = caddyfile.replace("127.0.0.1:8080", f"127.0.0.1:{caddy_switchboard_port}").replace("127.0.0.1:3000", f"127.0.0.1:{crm.port}")
        os.makedirs(f"{work}/caddy")
        with open(f"{work}/caddy/Caddyfile", "w") as file:
            # No admin endpoint (it would want port 2019) and no certificates: a test on loopback.
            file.write("{\n\tadmin off\n\tauto_https off\n}\n\n" + caddyfile)
        caddy_log = open(f"{work}/caddy/caddy.log", "w")
        processes.append(subprocess.Popen(
            ["caddy", "run", "--config", f"{work}/caddy/Caddyfile", "--adapter", "caddyfile"],
            env=dict(os.environ, HOME=f"{work}/caddy", XDG_DATA_HOME=f"{work}/caddy", XDG_CONFIG_HOME=f"{work}/caddy"),
            stdout=caddy_log, stderr=subprocess.STDOUT))
        check(wait_for_port(caddy_port, seconds=15), "Caddy starts with docs/proxy/Caddyfile", open(f"{work}/caddy/caddy.log").read()[-2000:])

        caddy = f"http://127.0.0.1:{caddy_port}"
        matrix("forward authentication behind nginx (docs/proxy/nginx.conf)", front, base, admin, crm, key)
        matrix("forward authentication behind Caddy (docs/proxy/Caddyfile)", caddy, caddy_base, caddy_admin, crm, caddy_key)
        matrix("gateway mode (GATEWAY_UPSTREAM)", base, base, admin, crm, key)
        spoofing("behind nginx: a client's own X-Forwarded-* and overrides", front, crm, key,
                 {"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/api/contacts/1"})
        spoofing("behind Caddy: a client's own X-Original-* and overrides", caddy, crm, caddy_key,
                 {"X-Original-Method": "GET", "X-Original-URI": "/api/contacts/1"})
        spoofing("gateway mode: overrides", base, crm, key, None)
        gateway_events(base, admin, crm, key, work)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"CRM auth (nginx, Caddy and gateway): {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


main()
