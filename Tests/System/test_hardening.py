"""What a hostile or broken client can do to the built server over real sockets, on SQLite:

1. Slow clients: a connection that sends nothing, a request head sent a byte at a time, a body
   sent a byte at a time, and a kept-alive connection left idle are all closed after their
   timeouts (HTTP_IDLE_TIMEOUT_SECONDS / HTTP_BODY_TIMEOUT_SECONDS).
2. Connection limits: past HTTP_MAX_CONNECTIONS_PER_CLIENT a client's connections are answered
   503 too_many_connections, while other clients (127.0.0.2, ...) are still served; past
   HTTP_MAX_CONNECTIONS everyone is; once the idle connections time out, all is served again.
3. SIGTERM with slow clients connected ends the server promptly.
4. HOST=:: with an IPv4 TRUSTED_PROXIES entry: the proxy arrives IPv4-mapped and the client
   address is still taken from X-Forwarded-For (a key allowlisted to that address works).
5. SWITCHBOARD_ENV=development is refused on a non-loopback host or a server database, and a
   WEBHOOK_SECRET_KEY with too little entropy is refused outside development.

The tests of the slow-client server (1 to 3) run on one server, in order; SIGTERM ends it.
"""
import http.client
import os
import re
import socket
import subprocess
import time

import pytest

from harness import MIGRATIONS, Server, free_port

IDLE, BODY, PER_CLIENT, TOTAL = 3, 2, 5, 12


def hardened(binaries, work, name, **settings):
    return Server(binaries, work, name, WEBHOOK_SECRET_KEY=os.urandom(32).hex(),
                  HTTP_IDLE_TIMEOUT_SECONDS=IDLE, HTTP_BODY_TIMEOUT_SECONDS=BODY,
                  HTTP_MAX_CONNECTIONS_PER_CLIENT=PER_CLIENT, HTTP_MAX_CONNECTIONS=TOTAL, **settings).migrate().start()


def get(server, path, source="127.0.0.1", headers=None):
    """A GET from `source` (any 127.x address is this machine); (None, the error) when refused."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except OSError as error:
        return None, str(error)
    finally:
        connection.close()


def connect(port, source="127.0.0.1"):
    return socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))


def closed_after(sock, send=None, interval=0.5, limit=15):
    """Seconds until the server closes `sock` (None if it does not within `limit`), sending
    `send` a byte every `interval` meanwhile."""
    start = time.time()
    sock.settimeout(interval)
    sent = 0
    while time.time() - start < limit:
        try:
            data = sock.recv(4096)
            if data == b"":
                return time.time() - start
        except socket.timeout:
            pass
        except OSError:
            return time.time() - start
        if send and sent < len(send):
            try:
                sock.send(send[sent:sent + 1])
                sent += 1
            except OSError:
                return time.time() - start
    return None


def answer_of(sock):
    sock.settimeout(5)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def closed_within(seconds, bound):
    return seconds is not None and seconds <= bound


@pytest.fixture(scope="module")
def server(binaries, work):
    running = hardened(binaries, work, "slow")
    yield running
    running.stop()


def test_a_connection_that_sends_nothing_is_closed(server):
    seconds = closed_after(connect(server.port))
    assert closed_within(seconds, IDLE + 1.5), f"not closed after ~{IDLE} s: took {seconds}"


def test_a_request_head_sent_a_byte_every_half_second_is_closed(server):
    seconds = closed_after(connect(server.port), send=b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100)
    assert closed_within(seconds, IDLE + 1.5), f"not closed after ~{IDLE} s: took {seconds}"


def test_a_body_sent_a_byte_every_half_second_is_closed(server):
    sock = connect(server.port)
    sock.sendall(b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    seconds = closed_after(sock, send=b"{" + b" " * 999)
    assert closed_within(seconds, BODY + 1.5), f"not closed after ~{BODY} s: took {seconds}"


def test_a_kept_alive_connection_is_answered_then_closed_when_idle(server):
    sock = connect(server.port)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b" 200 " in answer_of(sock), "a kept-alive connection is not answered"
    seconds = closed_after(sock)
    assert closed_within(seconds, IDLE + 1.5), f"not closed after ~{IDLE} s idle: took {seconds}"


def test_connection_limits(server):
    # One client fills its share; others are still served.
    held = [connect(server.port) for _ in range(PER_CLIENT)]
    others = []
    try:
        time.sleep(0.2)
        refusal = answer_of(connect(server.port))
        assert b" 503 " in refusal and b"too_many_connections" in refusal, \
            f"connection {PER_CLIENT + 1} from one address is not answered 503 too_many_connections: {refusal[:200]}"
        status, _ = get(server, "/health", source="127.0.0.2")
        assert status == 200, f"meanwhile another client is not served: {status}"
        # Everyone together: past HTTP_MAX_CONNECTIONS nobody new gets in.
        others = [connect(server.port, source=f"127.0.0.{3 + index // PER_CLIENT}") for index in range(TOTAL - PER_CLIENT)]
        # The server counts a connection once it has accepted it, which under make test's load
        # takes longer than alone: half a second, well inside the held ones' idle timeout.
        time.sleep(0.5)
        refusal = answer_of(connect(server.port, source="127.0.0.9"))
        assert b" 503 " in refusal, f"past HTTP_MAX_CONNECTIONS ({TOTAL}) a new client is not answered 503: {refusal[:200] or 'no answer'}"
        assert server.alive(), "the server stopped"
        time.sleep(IDLE + 1)
        status, _ = get(server, "/health", source="127.0.0.9")
        assert status == 200, f"after the idle timeout the held connections are not gone, clients not served again: {status}"
    finally:
        for sock in held + others:
            sock.close()


def test_sigterm_with_slow_clients_connected_ends_the_server_promptly(server):
    slow = [connect(server.port, source="127.0.0.5") for _ in range(3)]
    for sock in slow:
        sock.send(b"GET /health HTTP/1.1\r\n")
    took, status = server.stop(within=30)
    assert took is not None, "still running 30 s after SIGTERM"
    assert status == 0 and took <= IDLE + 5, f"{took:.1f} s, exit status {status}"


def test_host_dual_stack_behind_an_ipv4_proxy(binaries, work):
    assert socket.has_ipv6, "HOST=:: needs IPv6 on this machine"
    server = hardened(binaries, work, "dualstack", HOST="::", TRUSTED_PROXIES="127.0.0.1")
    try:
        assert server.admin_key, f"HOST=:: server printed no admin key: {server.log_tail(1000)}"
        status, created = server.api("POST", "/api/api-keys", {"name": "behind proxy", "permissions": ["read:webhooks"], "ipWhitelist": ["203.0.113.9"]})
        assert status == 201, created
        key = created["data"]["key"]
        status, body = get(server, "/api/webhooks", headers={"Authorization": f"Bearer {key}", "X-Forwarded-For": "203.0.113.9"})
        assert status == 200, f"the client address does not come from X-Forwarded-For: {status} {body[:200]}"
        status, body = get(server, "/api/webhooks", headers={"Authorization": f"Bearer {key}"})
        assert status == 403 and b"ip_not_allowed" in body, f"without it the proxy's own address is not refused: {status} {body[:200]}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def refusal_env(binaries, work):
    """A migrated database and, unlike the servers above, no WEBHOOK_SECRET_KEY of its own."""
    base = dict(os.environ, MIGRATIONS_DIR=MIGRATIONS, DATABASE_URL=f"sqlite://{work}/refusal.sqlite", LOG_LEVEL="warning", PORT=str(free_port()))
    subprocess.run([f"{binaries}/switchboard-migrate", "up"], env=dict(base, WEBHOOK_SECRET_KEY=os.urandom(32).hex()),
                   check=True, capture_output=True)
    return base


@pytest.mark.parametrize("settings, message", [
    ({"SWITCHBOARD_ENV": "development", "HOST": "0.0.0.0"}, r"SWITCHBOARD_ENV=development.*loopback"),
    ({"SWITCHBOARD_ENV": "development", "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x?connect_timeout=1"}, r"SWITCHBOARD_ENV=development.*SQLite"),
    ({"WEBHOOK_SECRET_KEY": "correct-horse-42"}, r"WEBHOOK_SECRET_KEY.*32 bytes"),
], ids=["development on 0.0.0.0", "development with a server database", "a 16-character secret key"])
def test_refused_at_start_with_a_clear_message(binaries, refusal_env, settings, message):
    result = subprocess.run([f"{binaries}/switchboard", "serve"], env=dict(refusal_env, **settings), capture_output=True, text=True, timeout=30)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and re.search(message, output), f"exit status {result.returncode}: {output[-400:]}"
