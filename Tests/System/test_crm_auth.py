"""Switchboard's keys guarding a CRM stand-in (/api/contacts, /api/transactions,
/api/properties) every way the README describes, with the same checks each way:

1. forward authentication behind Debian's nginx, configured with docs/proxy/nginx.conf as it
   is (only addresses and the port replaced);
2. the same behind Debian's Caddy, with docs/proxy/Caddyfile, against a server of its own
   (each file names the AUTH_PROXY_STYLE it needs);
3. gateway mode: the nginx server, with GATEWAY_UPSTREAM pointing at the CRM.

Checks what a CRM operator relies on: a read:contacts key reads and cannot write, a
write:contacts key creates, no key / a revoked key / an expired key get 401, a key from a
disallowed address 403, the rate-limited request reaches the client as 429 with Retry-After,
the CRM sees the key's identity and never the key, usage shows the CRM route group and the
denial is audited; a client that adds its own copy of the other proxy's headers (to have a
GET judged while the CRM gets a DELETE), a method override, or an extension on a denied route
is refused before the CRM sees it. In gateway mode also: a POST /api/contacts delivers
contact.created with the CRM's answer to a subscribed receiver, whose signature the Node
receiver snippet verifies.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from harness import REPO, Server, free_port, wait_for_port, wait_until

PROXY_FILES = os.path.join(REPO, "docs", "proxy")
FRONTS = ["nginx", "caddy", "gateway"]


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


def call(url, method="GET", key=None, body=None, headers=None):
    """One call to `url`; returns (status, headers, parsed body)."""
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


def new_key(server, name, permissions, **extra):
    status, answer = server.api("POST", "/api/api-keys", {"name": name, "permissions": permissions, **extra})
    assert status == 201, answer
    return answer["data"]


def proxy_style(file):
    """The AUTH_PROXY_STYLE a proxy file names for Switchboard (the file says which)."""
    found = re.search(r"AUTH_PROXY_STYLE=(\w+)", open(os.path.join(PROXY_FILES, file)).read())
    assert found, f"docs/proxy/{file} names no AUTH_PROXY_STYLE"
    return found.group(1)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def proxies():
    """nginx and Caddy from Debian, installed when missing (as root); missing otherwise is a
    failure, never a skip."""
    missing = [tool for tool in ["nginx", "caddy"] if not shutil.which(tool)]
    if missing:
        if os.geteuid() != 0:
            pytest.fail(f"{' and '.join(missing)} missing; run as root: apt-get install -y {' '.join(missing)}")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


@pytest.fixture(scope="module")
def crm():
    running = CRM()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def switchboards(binaries, work, crm):
    """nginx's verify requests and the gateway share one server; Caddy's has its own, since
    each proxy sends the CRM request in its own headers (AUTH_PROXY_STYLE)."""
    with open(f"{work}/routes.txt", "w") as file:
        file.write("*   /api/contacts/export   deny\n")
    common = dict(TRUSTED_PROXIES="127.0.0.1", AUTH_ROUTE_MAP_FILE=f"{work}/routes.txt")
    servers = {"nginx": Server(binaries, work, "nginx", AUTH_PROXY_STYLE=proxy_style("nginx.conf"),
                               GATEWAY_UPSTREAM=f"http://127.0.0.1:{crm.port}", **common),
               "caddy": Server(binaries, work, "caddy", AUTH_PROXY_STYLE=proxy_style("Caddyfile"), **common)}
    try:
        for server in servers.values():
            server.migrate().start()
            assert server.admin_key, server.log_tail()
        yield servers
    finally:
        for server in servers.values():
            server.stop(within=15)


@pytest.fixture(scope="module")
def nginx(proxies, work, crm, switchboards):
    """nginx with docs/proxy/nginx.conf; its URL."""
    port = free_port()
    site = open(os.path.join(PROXY_FILES, "nginx.conf")).read()
    site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{switchboards['nginx'].port};")
    site = site.replace("server 127.0.0.1:3000;", f"server 127.0.0.1:{crm.port};").replace("listen 80;", f"listen 127.0.0.1:{port};")
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
    process = subprocess.Popen(["nginx", "-p", f"{work}/nginx", "-c", f"{work}/nginx/nginx.conf"])
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    stop(process)


@pytest.fixture(scope="module")
def caddy(proxies, work, crm, switchboards):
    """Caddy with docs/proxy/Caddyfile; its URL."""
    port = free_port()
    caddyfile = open(os.path.join(PROXY_FILES, "Caddyfile")).read()
    caddyfile = caddyfile.replace("crm.example.com {", f"http://127.0.0.1:{port} {{")
    caddyfile = caddyfile.replace("127.0.0.1:8080", f"127.0.0.1:{switchboards['caddy'].port}").replace("127.0.0.1:3000", f"127.0.0.1:{crm.port}")
    os.makedirs(f"{work}/caddy")
    with open(f"{work}/caddy/Caddyfile", "w") as file:
        # No admin endpoint (it would want port 2019) and no certificates: a test on loopback.
        file.write("{\n\tadmin off\n\tauto_https off\n}\n\n" + caddyfile)
    with open(f"{work}/caddy/caddy.log", "w") as log:
        process = subprocess.Popen(["caddy", "run", "--config", f"{work}/caddy/Caddyfile", "--adapter", "caddyfile"],
                                   env=dict(os.environ, HOME=f"{work}/caddy", XDG_DATA_HOME=f"{work}/caddy", XDG_CONFIG_HOME=f"{work}/caddy"),
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for_port(port, seconds=15), f"Caddy does not start with docs/proxy/Caddyfile: {open(f'{work}/caddy/caddy.log').read()[-2000:]}"
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module", params=FRONTS)
def front(request, switchboards):
    """One way in to the CRM (`url`), the Switchboard server judging it, and keys on it."""
    name = request.param
    server = switchboards["caddy" if name == "caddy" else "nginx"]
    url = server.base if name == "gateway" else request.getfixturevalue(name)
    return SimpleNamespace(url=url, server=server, key=lambda *arguments, **extra: new_key(server, *arguments, **extra),
                           reader=new_key(server, "CRM reader", ["read:contacts"]), writer=new_key(server, "CRM writer", ["write:contacts"]))


def error_code(body):
    return (body or {}).get("error", {}).get("code")


def test_a_read_key_reads_and_the_crm_sees_its_identity_never_the_key(front, crm):
    status, _, body = call(f"{front.url}/api/contacts", key=front.reader["key"])
    assert status == 200 and body.get("resource") == "contacts", f"{status} {body}"
    seen = crm.seen[-1]["headers"] if crm.seen else {}
    assert seen.get("x-switchboard-key-id") == front.reader["id"] and "authorization" not in seen, seen


def test_a_read_key_cannot_write_and_the_crm_never_sees_it(front, crm):
    before = len(crm.seen)
    status, _, body = call(f"{front.url}/api/contacts", "POST", front.reader["key"], {"name": "x"})
    assert status == 403 and error_code(body) == "insufficient_permissions", f"{status} {body}"
    assert len(crm.seen) == before, "a denied request reached the CRM"


def test_a_write_key_creates(front):
    status, _, body = call(f"{front.url}/api/contacts", "POST", front.writer["key"], {"name": "x"})
    assert status == 201, f"{status} {body}"


def test_a_contacts_key_cannot_read_transactions(front):
    status, _, body = call(f"{front.url}/api/transactions", key=front.reader["key"])
    assert status == 403, f"{status} {body}"


def test_no_key_is_401(front):
    status, _, body = call(f"{front.url}/api/contacts")
    assert status == 401 and error_code(body) == "missing_api_key", f"{status} {body}"


def test_a_revoked_key_is_401(front):
    revoked = front.key("gone", ["read:contacts"])
    front.server.api("DELETE", f"/api/api-keys/{revoked['id']}")
    status, _, body = call(f"{front.url}/api/contacts", key=revoked["key"])
    assert status == 401 and error_code(body) == "key_revoked", f"{status} {body}"


def test_an_expired_key_is_401(front):
    expiring = front.key("brief", ["read:contacts"], expiresAt=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 2)))
    time.sleep(2.5)
    status, _, body = call(f"{front.url}/api/contacts", key=expiring["key"])
    assert status == 401 and error_code(body) == "key_expired", f"{status} {body}"


def test_a_key_from_a_disallowed_address_is_403(front):
    fenced = front.key("office", ["read:contacts"], ipWhitelist=["10.0.0.0/8"])
    status, _, body = call(f"{front.url}/api/contacts", key=fenced["key"])
    assert status == 403 and error_code(body) == "ip_not_allowed", f"{status} {body}"


def test_over_its_rate_limit_429_with_retry_after(front):
    tight = front.key("tight", ["read:contacts"], rateLimit={"requests": 2, "windowSeconds": 3600})
    answers = [call(f"{front.url}/api/contacts", key=tight["key"]) for _ in range(3)]
    status, headers, body = answers[-1]
    statuses = [answer[0] for answer in answers]
    assert statuses == [200, 200, 429] and error_code(body) == "rate_limited" and int(headers.get("Retry-After", "0")) > 0, \
        f"{statuses} Retry-After {headers.get('Retry-After')} {body}"


def test_usage_shows_the_crm_route_group(front):
    groups = set()

    def counted():
        _, usage = front.server.api("GET", f"/api/api-keys/{front.reader['id']}/usage")
        groups.update(row["routeGroup"] for row in usage["data"]["days"])
        return "crm:contacts" in groups
    assert wait_until(20, counted, interval=0.5), groups


def test_the_denial_is_in_the_audit_trail(front):
    _, trail = front.server.api("GET", f"/api/audit-logs?action=auth.denied&actor={front.reader['id']}")
    assert any(entry["targetId"] == "POST /api/contacts" for entry in trail["data"]), trail


# A client adding its own copy of the other proxy's headers, or a method override, to make
# Switchboard judge a GET while the proxy sends the CRM a DELETE: refused, never seen by the CRM.
@pytest.mark.parametrize("proxy, foreign", [
    ("nginx", {"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/api/contacts/1"}),
    ("caddy", {"X-Original-Method": "GET", "X-Original-URI": "/api/contacts/1"}),
], ids=["nginx", "caddy"])
def test_a_clients_own_copy_of_the_other_proxys_headers_is_refused(request, switchboards, crm, proxy, foreign):
    url = request.getfixturevalue(proxy)
    reader = new_key(switchboards[proxy], "spoofing reader", ["read:contacts"])
    before = len(crm.seen)
    status, _, body = call(f"{url}/api/contacts/1", "DELETE", reader["key"], headers=foreign)
    assert status == 400 and error_code(body) == "ambiguous_original_request", f"{status} {body}"
    assert len(crm.seen) == before, crm.seen[before:]



def test_a_method_override_header_is_refused(front, crm):
    before = len(crm.seen)
    status, _, body = call(f"{front.url}/api/contacts/1", "GET", front.reader["key"], headers={"X-HTTP-Method-Override": "DELETE"})
    assert status == 400 and error_code(body) == "override_not_allowed", f"{status} {body}"
    assert len(crm.seen) == before, crm.seen[before:]


def test_a_method_override_parameter_is_refused(front, crm):
    before = len(crm.seen)
    status, _, body = call(f"{front.url}/api/contacts/1?_method=DELETE", "GET", front.reader["key"])
    assert status == 400 and error_code(body) == "override_not_allowed", f"{status} {body}"
    assert len(crm.seen) == before, crm.seen[before:]


def test_a_denied_route_is_denied_with_an_extension_too(front, crm):
    before = len(crm.seen)
    status, _, body = call(f"{front.url}/api/contacts/export.json", "GET", front.reader["key"])
    assert status == 403 and error_code(body) == "route_not_allowed", f"the route map's deny of /api/contacts/export misses export.json: {status} {body}"
    assert len(crm.seen) == before, crm.seen[before:]


@pytest.fixture(scope="module")
def gateway_write(switchboards, receiver):
    """Through the gateway, a write key's POST /api/contacts, with a webhook subscribed to
    contact.created on the receiver."""
    server = switchboards["nginx"]
    before = len(receiver.received("/ok"))
    status, created = server.api("POST", "/api/webhooks", {"name": "CRM events", "url": receiver.url("/ok"), "events": ["contact.created"]})
    assert status == 201, f"the webhook for contact.created is not created: {status} {created}"
    writer = new_key(server, "gateway writer", ["write:contacts"])
    status, headers, answer = call(f"{server.base}/api/contacts", "POST", writer["key"], {"name": "Ada"})
    return SimpleNamespace(status=status, headers=headers, answer=answer, secret=created["data"]["secret"],
                           deliveries=lambda: receiver.received("/ok")[before:])


def test_a_write_through_the_gateway_gets_the_crms_answer_and_names_its_event(gateway_write):
    assert gateway_write.status == 201 and gateway_write.answer == {"id": 2, "resource": "contacts"}, \
        f"{gateway_write.status} {gateway_write.answer}"
    assert gateway_write.headers.get("X-Switchboard-Event-Id"), gateway_write.headers


def test_the_event_is_delivered_with_the_crms_answer_as_data(gateway_write):
    assert wait_until(10, gateway_write.deliveries, interval=0.1), "contact.created is not delivered to the subscribed receiver"
    event = json.loads(gateway_write.deliveries()[0]["body"])
    assert event["type"] == "contact.created" and event["data"] == gateway_write.answer \
        and event["id"] == gateway_write.headers.get("X-Switchboard-Event-Id"), event


def test_the_node_receiver_snippet_verifies_the_signature(gateway_write, work):
    assert wait_until(10, gateway_write.deliveries, interval=0.1), "contact.created is not delivered to the subscribed receiver"
    delivery = gateway_write.deliveries()[0]
    with open(f"{work}/delivery.body", "wb") as file:
        file.write(delivery["body"].encode())
    with open(f"{work}/delivery.headers.json", "w") as file:
        json.dump(delivery["headers"], file)
    verified = subprocess.run(["node", os.path.join(REPO, "scripts", "verify-node-signature.js"), f"{work}/delivery.body",
                               f"{work}/delivery.headers.json", gateway_write.secret])
    assert verified.returncode == 0, "the Node receiver snippet does not verify the delivery's signature"
