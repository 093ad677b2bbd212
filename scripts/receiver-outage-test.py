#!/usr/bin/env python3
"""Receivers that go away, against the built server with its default settings, on SQLite,
PostgreSQL and MariaDB at once.

- Outages: a receiver refuses connections for 30 seconds (the server is killed with SIGKILL
  and started again while its circuit is open) and, separately, for 5 minutes, while 100
  `contact.created` events are published. Every event must arrive after the receiver is back,
  within a stated bound; the webhook must stay enabled; `webhook.unhealthy` and then
  `webhook.recovered` must be announced once each; while the circuit was open only probes may
  have been sent, no more than the probe schedule allows.
- Throttle (PostgreSQL, MariaDB): two server processes on one database, a webhook with
  `maxDeliveriesPerSecond: 5`, 200 events queued: the receiver's observed rate must be within
  10 % of 5 per second.

Usage: scripts/receiver-outage-test.py BIN_DIR   (PostgreSQL and MariaDB from TEST_POSTGRES_URL /
TEST_MYSQL_URL, as `make test` sets them; CI=true makes a missing one a failure)
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime

from testkit import RecordingReceiver, check, database_kinds, failures, free_port, fresh_database_url

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = 100
# The defaults (README "Circuit breaker"): first probe 5 s after opening, waits doubling to 60 s.
PROBE_INITIAL, PROBE_MAX = 5, 60


class Server:
    """One `switchboard serve` process on a database, started again on demand."""

    def __init__(self, binaries, url, work, name, extra=None):
        self.binaries, self.work, self.name = binaries, work, name
        self.port = free_port()
        self.env = dict(os.environ, DATABASE_URL=url, PORT=str(self.port), HOST="127.0.0.1",
                        WEBHOOK_SECRET_KEY="0123456789abcdef" * 4, WEBHOOK_ALLOWED_TARGETS="127.0.0.1", LOG_LEVEL="warning",
                        MIGRATIONS_DIR=os.path.join(REPO, "migrations"), **(extra or {}))
        self.log = open(f"{work}/{name}.log", "a+")
        self.process = None

    def start(self):
        self.process = subprocess.Popen([f"{self.binaries}/switchboard", "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start")

    def admin_key(self):
        self.log.seek(0)
        return re.search(r"key:\s+(sbk_[A-Za-z0-9_-]{43})", self.log.read()).group(1)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def call(self, method, path, key, body=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def probes_allowed(seconds):
    """How many probes the default schedule sends in `seconds` of open circuit."""
    count, at, wait = 0, PROBE_INITIAL, PROBE_INITIAL
    while at <= seconds:
        count += 1
        wait = min(wait * 2, PROBE_MAX)
        at += wait
    return count


def migrate(binaries, url):
    env = dict(os.environ, DATABASE_URL=url, MIGRATIONS_DIR=os.path.join(REPO, "migrations"))
    subprocess.run([f"{binaries}/switchboard-migrate", "up"], env=env, check=True, capture_output=True)


def outage(kind, binaries, seconds, kill):
    label = f"{kind}, receiver down {seconds} s{', server killed meanwhile' if kill else ''}"
    work = tempfile.mkdtemp()
    url, _ = fresh_database_url(kind, work, f"outage_{seconds}")
    migrate(binaries, url)
    server = Server(binaries, url, work, "server").start()
    key = server.admin_key()
    # Down: a socket bound to the port that never listens refuses connections and keeps the
    # port from going to another run's server or receiver until this one comes back on it.
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    receiver = RecordingReceiver(down.getsockname()[1])
    alerts = RecordingReceiver(free_port()).start()
    webhook = server.call("POST", "/api/webhooks", key, {
        "name": "down", "url": f"http://127.0.0.1:{receiver.port}/hook", "events": ["contact.created"]})["data"]
    server.call("POST", "/api/webhooks", key, {
        "name": "alerts", "url": f"http://127.0.0.1:{alerts.port}/hook",
        "events": ["webhook.unhealthy", "webhook.recovered", "webhook.disabled"]})
    began = time.time()
    for number in range(EVENTS):
        server.call("POST", "/api/events", key, {"type": "contact.created", "data": {"n": number}})
    opened = None
    while time.time() < began + 60 and opened is None:
        circuit = server.call("GET", f"/api/webhooks/{webhook['id']}", key)["data"]["circuit"]
        opened = parse_time(circuit["since"]) if circuit["state"] != "closed" else None
        time.sleep(0.2)
    check(opened is not None, f"{label}: the circuit opened ({opened - began if opened else 0:.1f} s after the first event)")
    if kill:
        time.sleep(min(5, seconds / 3))
        server.kill()
        server.start()
        after = server.call("GET", f"/api/webhooks/{webhook['id']}", key)["data"]
        check(after["circuit"]["state"] != "closed" and opened and abs(parse_time(after["circuit"]["since"]) - opened) < 0.01,
              f"{label}: after kill -9 and a restart the circuit is still open since the same time", after["circuit"])
    time.sleep(max(0, began + seconds - time.time()))
    down.close()
    receiver.start()
    back = time.time()
    # Bound: the longest wait between probes, the 30 s ramp, and room for a busy machine.
    bound = PROBE_MAX + 30 + 30
    while time.time() < back + bound and len(receiver.ids()) < EVENTS:
        time.sleep(0.5)
    took = time.time() - back
    check(len(receiver.ids()) == EVENTS, f"{label}: all {EVENTS} events arrived, {took:.1f} s after the receiver came back (bound {bound} s)",
          f"{len(receiver.ids())} arrived")
    details = server.call("GET", f"/api/webhooks/{webhook['id']}", key)["data"]
    check(details["isActive"] and details["circuit"]["state"] == "closed", f"{label}: the webhook is enabled, its circuit closed",
          {k: details[k] for k in ("isActive", "disabledReason", "circuit")})
    # Attempts sent while the circuit was open: the probes. (Counted from a second after it
    # opened: attempts claimed just before, while their neighbours' failures were being
    # recorded, start a few milliseconds later.)
    logs = []
    cursor = None
    while True:
        page = server.call("GET", f"/api/webhooks/logs?webhook_id={webhook['id']}&limit=100" + (f"&cursor={cursor}" if cursor else ""), key)
        logs += page["data"]
        cursor = page["pagination"]["next_cursor"]
        if not cursor:
            break
    sent_while_open = [attempt for log in logs for attempt in log["attempts"]
                       if parse_time(attempt["createdAt"]) - attempt["durationMs"] / 1000 > opened + 1 and attempt["responseStatus"] is None]
    allowed = probes_allowed(back - opened) + (1 if kill else 0)
    check(len(sent_while_open) <= allowed, f"{label}: {len(sent_while_open)} attempts reached for the dead receiver while the circuit was open "
          f"(the probe schedule allows {allowed} in {back - opened:.0f} s)")
    check(all(log["status"] == "succeeded" for log in logs) and len(logs) == EVENTS, f"{label}: no delivery failed",
          [log["status"] for log in logs if log["status"] != "succeeded"][:5])
    deadline = time.time() + 30
    while time.time() < deadline and len(alerts.requests) < 2:
        time.sleep(0.5)
    time.sleep(2)
    announced = [body["type"] for _, _, body in alerts.requests]
    check(announced == ["webhook.unhealthy", "webhook.recovered"], f"{label}: unhealthy, then recovered, announced once each", announced)
    server.stop()
    receiver.stop()
    alerts.stop()


def throttle(kind, binaries):
    label = f"{kind}, two servers, maxDeliveriesPerSecond 5"
    work = tempfile.mkdtemp()
    url, _ = fresh_database_url(kind, work, "throttle")
    migrate(binaries, url)
    first = Server(binaries, url, work, "first").start()
    key = first.admin_key()
    receiver = RecordingReceiver(free_port()).start()
    first.call("POST", "/api/webhooks", key, {
        "name": "throttled", "url": f"http://127.0.0.1:{receiver.port}/hook", "events": ["contact.created"], "maxDeliveriesPerSecond": 5})
    second = Server(binaries, url, work, "second").start()
    for number in range(200):
        (first if number % 2 else second).call("POST", "/api/events", key, {"type": "contact.created", "data": {"n": number}})
    deadline = time.time() + 120
    while time.time() < deadline and len(receiver.ids()) < 200:
        time.sleep(0.5)
    arrivals = sorted(at for at, _, _ in receiver.requests)
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0
    check(len(receiver.ids()) == 200 and abs(rate - 5) <= 0.5,
          f"{label}: 200 events arrived at {rate:.2f} per second (5 ± 10 %)", f"{len(receiver.ids())} arrived")
    first.stop()
    second.stop()
    receiver.stop()


def main():
    binaries = os.path.abspath(sys.argv[1])
    kinds = database_kinds()
    print("receivers that go away: outages of 30 s and 5 min, and the throttle, on " + ", ".join(kinds) + " at once")
    runs = [(outage, (kind, binaries, 30, True)) for kind in kinds] + [(outage, (kind, binaries, 300, False)) for kind in kinds]
    runs += [(throttle, (kind, binaries)) for kind in kinds if kind != "sqlite"]

    def guarded(function, arguments):
        try:
            function(*arguments)
        except Exception as error:  # a run that breaks is a failure, not a hang
            check(False, f"{function.__name__}{arguments[:1] + arguments[2:]} ran to the end", repr(error))

    threads = [threading.Thread(target=guarded, args=run) for run in runs]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    print(f"receiver outage test: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


main()
