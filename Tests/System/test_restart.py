"""The database fails under a running server, while clients publish.

For PostgreSQL and MariaDB (a server of this test's own: own data folder, own port), runs the
built `switchboard serve` against it with a real receiver and four clients publishing events
the whole time, then:

1. restarts the database (stop, start) under that load;
2. stops it for 30 seconds under that load: publishing answers only 202 or 503, never another
   5xx, the server stays up, and /ready says 503 until the database is back *and* the delivery
   worker has claimed again;
3. checks that every event answered 202 reaches the receiver within a stated bound;
4. sends SIGTERM with the database up (clean exit within a bound), and again to a server whose
   database is down (exit within a bound; what it could not record is redelivered later), then
   checks once more that every accepted event was delivered.

The tests of one database are these steps of one run, in order: run the module (narrowed with
`-k postgres` if need be), not a single step.
"""
import glob
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from harness import REPO, Server, free_port, wait_until

DB_SCRIPT = os.path.join(REPO, "scripts", "test-databases.sh")

# Bounds this test holds the server to.
READY_AFTER_RESTART = 30      # s from the database answering again to /ready 200
DELIVERED_WITHIN = 60         # s from the last publish to every accepted event received
STOP_WITHIN = 15              # s from SIGTERM to exit, database up
STOP_WITHIN_DB_DOWN = 30      # s from SIGTERM to exit, database down
OUTAGE = 30                   # s the database stays down in step 2

# Ports below the kernel's ephemeral range (32768+): while a database is down, the server's
# reconnect attempts use ephemeral ports, and a loopback connect to a port in that range can
# connect to itself and keep the port, so the database could not bind it again.
PORTS = {"postgres": 25433, "mysql": 23307}


def request(port, method, path, key=None, body=None, timeout=20):
    """One HTTP call; (None, the error) when the connection fails, which counts as an answer
    other than 202 or 503."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed
    except (OSError, http.client.HTTPException) as error:
        return None, str(error)
    finally:
        connection.close()


class Database:
    """A database server of this test's own, through scripts/test-databases.sh."""

    def __init__(self, engine, root):
        self.engine = engine
        self.env = dict(os.environ, TEST_DB_ROOT=root)
        self.env["TEST_PG_PORT" if engine == "postgres" else "TEST_MY_PORT"] = str(PORTS[engine])
        self.suffix = "postgres" if engine == "postgres" else "mysql"

    def run(self, action):
        return subprocess.run([DB_SCRIPT, f"{action}-{self.suffix}"], env=self.env, capture_output=True, text=True)

    def start(self):
        result = self.run("start")
        assert result.returncode == 0, f"starting {self.engine} failed: {result.stdout}{result.stderr}"

    def stop(self):
        self.run("stop")

    def url(self):
        port = PORTS[self.engine]
        if self.engine == "postgres":
            return (f"postgres://switchboard:switchboard@127.0.0.1:{port}/switchboard_test"
                    f"?sslmode=disable&connect_timeout=2&schema=restart_{int(time.time())}")
        subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u", "switchboard", "-pswitchboard",
                        "-e", "DROP DATABASE IF EXISTS restart_test; CREATE DATABASE restart_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"],
                       check=True)
        return f"mysql://switchboard:switchboard@127.0.0.1:{port}/restart_test?connect_timeout=2"


class Publishers:
    """Clients publishing events until stopped; keeps every answer."""

    def __init__(self, port, key, clients=4):
        self.port, self.key = port, key
        self.accepted, self.statuses = [], {}
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def loop(self):
        while self.running:
            status, body = request(self.port, "POST", "/api/events", self.key, {"type": "contact.created", "data": {"name": "restart"}})
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 202:
                    self.accepted.append(body["data"]["eventId"])
            if status != 202:
                time.sleep(0.05)

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join()


def received_ids(folder):
    ids = set()
    for path in glob.glob(os.path.join(folder, "*.headers.json")):
        try:
            ids.add(json.load(open(path)).get("webhook-id", "").lower())
        except ValueError:
            pass  # being written
    return ids


def ready(run):
    return request(run.server.port, "GET", "/ready", timeout=5)


def missing(run):
    return run.accepted - received_ids(run.received)


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def run(request, binaries, work):
    """One engine's run: its database, a receiver, the server with a webhook to it, and the
    publishers already at work."""
    engine = request.param
    database = Database(engine, f"/tmp/switchboard-restart-{engine}")
    database.start()
    received = os.path.join(work, f"received-{engine}")
    os.makedirs(received)
    # The smoke test's receiver, in a process of its own: the publishing threads never delay it.
    receiver_port = free_port()
    receiver = subprocess.Popen([sys.executable, os.path.join(REPO, "scripts", "test-receiver.py"), str(receiver_port), received])
    server = Server(binaries, work, f"server-{engine}", DATABASE_URL=database.url(), WEBHOOK_SECRET_KEY=os.urandom(32).hex(),
                    WEBHOOK_POLL_INTERVAL_MS="50",
                    # A short timeout keeps the lease short: deliveries claimed by a server that
                    # stopped without its database are sent again when the lease expires.
                    WEBHOOK_TIMEOUT_MS="2000")
    try:
        server.migrate().start()
        assert server.admin_key, f"{engine}: the server printed no admin key: {server.log_tail()}"
        status, _ = server.api("POST", "/api/webhooks", {"name": "restart", "url": f"http://127.0.0.1:{receiver_port}/hook", "events": ["*"]})
        assert status == 201, f"{engine}: webhook not created: status {status}"
        publishers = Publishers(server.port, server.admin_key)
        time.sleep(2)
        yield SimpleNamespace(engine=engine, database=database, server=server, received=received, publishers=publishers, accepted=set())
    finally:
        if server.alive():
            server.kill()
        receiver.kill()
        database.stop()


def test_ready_again_after_a_restart_under_load(run):
    run.database.stop()
    run.database.start()
    assert wait_until(READY_AFTER_RESTART, lambda: ready(run)[0] == 200), \
        f"/ready not 200 within {READY_AFTER_RESTART} s of a restart under load; last answer: {ready(run)}"


def test_thirty_seconds_down_under_load(run):
    time.sleep(2)
    run.database.stop()
    try:
        assert wait_until(10, lambda: ready(run)[0] == 503), f"/ready not 503 while the database is down: {ready(run)}"
        time.sleep(OUTAGE)
        status, body = ready(run)
        assert status == 503, f"/ready not 503 after {OUTAGE} s down: {status} {body}"
        assert run.server.alive(), f"the server stopped without its database: {run.server.log_tail()}"
    finally:
        run.database.start()
    back = time.time()
    is_ready = wait_until(READY_AFTER_RESTART, lambda: ready(run)[0] == 200)
    status, body = ready(run)
    assert is_ready and body["data"]["checks"].get("worker") == "running", \
        f"/ready 200 with the worker running not within {READY_AFTER_RESTART} s of the database's return: " \
        f"after {time.time() - back:.1f} s: {status} {body}"


def test_every_publish_answered_202_or_503(run, note):
    time.sleep(3)
    run.publishers.stop()
    run.accepted = set(run.publishers.accepted)
    note(f"{run.engine}: {len(run.accepted)} events accepted across the failures; answers {run.publishers.statuses}")
    bad = {status: n for status, n in run.publishers.statuses.items() if status not in (202, 503)}
    assert not bad, f"answers other than 202 and 503: {bad}"
    assert len(run.accepted) > 100, f"only {len(run.accepted)} events accepted across the failures"


def test_every_accepted_event_delivered(run):
    assert wait_until(DELIVERED_WITHIN, lambda: not missing(run), interval=1), \
        f"{len(missing(run))} accepted events not delivered within {DELIVERED_WITHIN} s; see {run.server.log_path}"


def test_sigterm_with_the_database_up(run):
    took, status = run.server.stop(within=60)
    assert took is not None and took <= STOP_WITHIN and status == 0, \
        f"SIGTERM did not end the server within {STOP_WITHIN} s: took {took} s, exit status {status}"


def test_sigterm_with_the_database_down(run):
    run.server.start()
    publishers = Publishers(run.server.port, run.server.admin_key)
    time.sleep(2)
    run.database.stop()
    time.sleep(1)
    took, status = run.server.stop(within=60)
    publishers.stop()
    run.accepted |= set(publishers.accepted)
    run.database.start()
    assert took is not None and took <= STOP_WITHIN_DB_DOWN, \
        f"SIGTERM did not end the server within {STOP_WITHIN_DB_DOWN} s with the database down: took {took} s, exit status {status}"


def test_every_accepted_event_delivered_after_a_shutdown_without_the_database(run):
    run.server.start()
    try:
        assert wait_until(DELIVERED_WITHIN + 60, lambda: not missing(run), interval=1), \
            f"{len(missing(run))} of {len(run.accepted)} accepted events not delivered; see {run.server.log_path}"
    finally:
        run.server.stop(within=60)
