#!/usr/bin/env python3
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

Usage: restart-test.py BIN_DIR [postgres|mysql ...]
"""
import glob
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

from testkit import check, failures, free_port

BIN = sys.argv[1]
ENGINES = sys.argv[2:] or ["postgres", "mysql"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
    def __init__(self, engine, root):
        self.engine = engine
        self.env = dict(os.environ, TEST_DB_ROOT=root)
        self.env["TEST_PG_PORT" if engine == "postgres" else "TEST_MY_PORT"] = str(PORTS[engine])
        self.suffix = "postgres" if engine == "postgres" else "mysql"

    def run(self, action):
        return subprocess.run([DB_SCRIPT, f"{action}-{self.suffix}"], env=self.env, capture_output=True, text=True)

    def start(self):
        result = self.run("start")
        if result.returncode != 0:
            raise RuntimeError(f"starting {self.engine} failed: {result.stdout}{result.stderr}")

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


class Server:
    def __init__(self, env, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.process = subprocess.Popen([os.path.join(BIN, "switchboard"), "serve"], env=dict(env, PORT=str(self.port)),
                                        stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline and request(self.port, "GET", "/health", timeout=1)[0] != 200:
            time.sleep(0.1)

    def admin_key(self):
        match = re.search(r"sbk_[A-Za-z0-9_-]{43}", open(self.log_path).read())
        return match.group(0) if match else None

    def alive(self):
        return self.process.poll() is None

    def terminate(self):
        """SIGTERM; returns (seconds to exit or None, exit status)."""
        start = time.time()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=60)
            return time.time() - start, status
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None, None

    def ready(self):
        return request(self.port, "GET", "/ready", timeout=5)


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


def wait_until(seconds, condition, interval=0.25):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def run_engine(engine, work):
    print(f"database failure under load: {engine} (port {PORTS[engine]})", flush=True)
    database = Database(engine, f"/tmp/switchboard-restart-{engine}")
    database.start()
    env = dict(os.environ, MIGRATIONS_DIR=os.path.join(REPO, "migrations"), DATABASE_URL=database.url(),
               WEBHOOK_SECRET_KEY=os.urandom(32).hex(), WEBHOOK_ALLOWED_TARGETS="127.0.0.1", WEBHOOK_POLL_INTERVAL_MS="50",
               # A short timeout keeps the lease short: deliveries claimed by a server that
               # stopped without its database are sent again when the lease expires.
               WEBHOOK_TIMEOUT_MS="2000",
               LOG_LEVEL="warning")
    migrate = subprocess.run([os.path.join(BIN, "switchboard-migrate"), "up"], env=env, capture_output=True, text=True)
    if not check(migrate.returncode == 0, f"{engine}: migrate up", migrate.stdout + migrate.stderr):
        database.stop()
        return
    received = os.path.join(work, f"received-{engine}")
    os.makedirs(received)
    receiver_port = free_port()
    receiver = subprocess.Popen([sys.executable, os.path.join(REPO, "scripts", "test-receiver.py"), str(receiver_port), received])
    log = os.path.join(work, f"server-{engine}.log")
    server = Server(env, log)
    key = server.admin_key()
    try:
        if not check(key is not None, f"{engine}: server started and printed an admin key", open(log).read()[-2000:]):
            return
        status, _ = request(server.port, "POST", "/api/webhooks", key,
                            {"name": "restart", "url": f"http://127.0.0.1:{receiver_port}/hook", "events": ["*"]})
        check(status == 201, f"{engine}: webhook created", f"status {status}")

        publishers = Publishers(server.port, key)
        time.sleep(2)

        # 1. A restart under load.
        database.stop()
        database.start()
        back = time.time()
        ready = wait_until(READY_AFTER_RESTART, lambda: server.ready()[0] == 200)
        check(ready, f"{engine}: /ready 200 within {READY_AFTER_RESTART} s of a restart under load",
              f"last answer: {server.ready()}")

        # 2. Thirty seconds down under load.
        time.sleep(2)
        database.stop()
        not_ready = wait_until(10, lambda: server.ready()[0] == 503)
        check(not_ready, f"{engine}: /ready 503 while the database is down", f"last answer: {server.ready()}")
        time.sleep(OUTAGE)
        status, body = server.ready()
        check(status == 503, f"{engine}: /ready still 503 after {OUTAGE} s down", f"answer: {status} {body}")
        check(server.alive(), f"{engine}: server still running after {OUTAGE} s without its database")
        database.start()
        back = time.time()
        ready = wait_until(READY_AFTER_RESTART, lambda: server.ready()[0] == 200)
        status, body = server.ready()
        check(ready and body["data"]["checks"].get("worker") == "running",
              f"{engine}: /ready 200, worker running, within {READY_AFTER_RESTART} s of the database's return",
              f"after {time.time() - back:.1f} s: {status} {body}")
        time.sleep(3)
        publishers.stop()
        bad = {status: n for status, n in publishers.statuses.items() if status not in (202, 503)}
        check(not bad, f"{engine}: every publish answered 202 or 503 ({publishers.statuses})", f"other answers: {bad}")
        accepted = set(publishers.accepted)
        check(len(accepted) > 100, f"{engine}: {len(accepted)} events accepted across the failures")

        # 3. Nothing accepted is lost.
        delivered = wait_until(DELIVERED_WITHIN, lambda: not (accepted - received_ids(received)), interval=1)
        check(delivered, f"{engine}: every accepted event delivered within {DELIVERED_WITHIN} s",
              f"{len(accepted - received_ids(received))} missing; see {log}")

        # 4. SIGTERM, database up, then database down.
        seconds, status = server.terminate()
        check(seconds is not None and seconds <= STOP_WITHIN and status == 0,
              f"{engine}: SIGTERM ends the server within {STOP_WITHIN} s", f"took {seconds} s, exit status {status}")
        server = Server(env, log)
        publishers = Publishers(server.port, key)
        time.sleep(2)
        database.stop()
        time.sleep(1)
        seconds, status = server.terminate()
        publishers.stop()
        check(seconds is not None and seconds <= STOP_WITHIN_DB_DOWN,
              f"{engine}: SIGTERM ends the server within {STOP_WITHIN_DB_DOWN} s with the database down",
              f"took {seconds} s, exit status {status}")
        accepted |= set(publishers.accepted)
        database.start()
        server = Server(env, log)
        delivered = wait_until(DELIVERED_WITHIN + 60, lambda: not (accepted - received_ids(received)), interval=1)
        check(delivered, f"{engine}: every accepted event ({len(accepted)}) delivered after a shutdown without the database",
              f"{len(accepted - received_ids(received))} missing; see {log}")
        server.terminate()
    finally:
        if server.alive():
            server.process.kill()
        receiver.kill()
        database.stop()


def main():
    work = tempfile.mkdtemp(prefix="switchboard-restart-")
    for engine in ENGINES:
        try:
            run_engine(engine, work)
        except Exception as error:  # a broken step fails the test, it does not skip the rest
            check(False, f"{engine}: test ran to the end", repr(error))
    if failures:
        print(f"database failure test: {len(failures)} check(s) failed; logs in {work}")
        sys.exit(1)
    print("database failure test: all checks passed")
    subprocess.run(["rm", "-rf", work])


main()
