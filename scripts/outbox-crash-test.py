#!/usr/bin/env python3
"""The transactional outbox under kill -9, on SQLite, PostgreSQL and MariaDB.

Four CRM writers insert 10,000 outbox rows in transactions of their own (1–5 rows each, one
transaction in ten rolled back) while the server relaying them is killed with SIGKILL three
times and started again. Afterwards every committed row must have become exactly one event,
no rolled-back row any, and every event must have been delivered to the subscribed receiver.

Usage: scripts/outbox-crash-test.py BIN_DIR   (PostgreSQL and MariaDB from TEST_POSTGRES_URL /
TEST_MYSQL_URL, as `make test` sets them; CI=true makes a missing one a failure)
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from testkit import RecordingReceiver, check, database_kinds, failures, free_port, fresh_database_url

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS, WRITERS, KILLS = 10_000, 4, 3


class Database:
    """A fresh database for one run, and DB-API connections to it as the CRM would open."""

    def __init__(self, kind, work):
        self.kind = kind
        self.url, name = fresh_database_url(kind, work, "outbox_crash")
        if kind == "sqlite":
            self.path = self.url[len("sqlite://"):]
        elif kind == "postgres":
            self.parts = urllib.parse.urlparse(os.environ["TEST_POSTGRES_URL"])
            self.schema = name
        else:
            self.parts = urllib.parse.urlparse(os.environ["TEST_MYSQL_URL"])
            self.database = name

    def connect_mysql(self, database):
        import pymysql
        return pymysql.connect(host=self.parts.hostname, port=self.parts.port, user=self.parts.username,
                               password=self.parts.password, database=database, autocommit=False)

    def connect(self):
        if self.kind == "sqlite":
            import sqlite3
            connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            return connection, "?"
        if self.kind == "postgres":
            import psycopg
            connection = psycopg.connect(host=self.parts.hostname, port=self.parts.port, user=self.parts.username,
                                         password=self.parts.password, dbname=self.parts.path.lstrip("/"))
            connection.execute(f"SET search_path TO {self.schema}")
            connection.commit()
            return connection, "%s"
        return self.connect_mysql(self.database), "%s"


def writer(database, numbers, committed, rolled_back, errors):
    connection, mark = database.connect()
    try:
        index = 0
        while index < len(numbers):
            batch = numbers[index:index + random.randint(1, 5)]
            index += len(batch)
            rollback = random.random() < 0.1
            for attempt in range(50):
                try:
                    cursor = connection.cursor()
                    if database.kind == "sqlite":
                        cursor.execute("BEGIN IMMEDIATE")
                    for n in batch:
                        cursor.execute(f"INSERT INTO switchboard_outbox (event_type, data) VALUES ({mark}, {mark})",
                                       ("contact.created", json.dumps({"n": n})))
                    if rollback:
                        connection.rollback() if database.kind != "sqlite" else cursor.execute("ROLLBACK")
                        rolled_back.extend(batch)
                    else:
                        connection.commit() if database.kind != "sqlite" else cursor.execute("COMMIT")
                        committed.extend(batch)
                    break
                except Exception as error:  # a lock held by the relay: try the transaction again
                    try:
                        connection.rollback() if database.kind != "sqlite" else connection.execute("ROLLBACK")
                    except Exception:
                        pass
                    if attempt == 49:
                        errors.append(repr(error))
                    time.sleep(0.05)
    finally:
        connection.close()


def run(kind, binaries):
    print(f"outbox under kill -9: {kind}")
    work = tempfile.mkdtemp()
    database = Database(kind, work)
    receiver = RecordingReceiver(0).start()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database.url, PORT=str(port), HOST="127.0.0.1", WEBHOOK_SECRET_KEY="0123456789abcdef" * 4,
               WEBHOOK_ALLOWED_TARGETS="127.0.0.1", LOG_LEVEL="error", MIGRATIONS_DIR=os.path.join(REPO, "migrations"),
               OUTBOX_POLL_INTERVAL_MS="50", WEBHOOK_POLL_INTERVAL_MS="50")
    subprocess.run([f"{binaries}/switchboard-migrate", "up"], env=env, check=True, capture_output=True)
    log = open(f"{work}/server.log", "w+")

    def start():
        process = subprocess.Popen([f"{binaries}/switchboard", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                return process
            except OSError:
                time.sleep(0.1)
        raise SystemExit("server did not start")

    server = start()
    log.seek(0)
    admin = re.search(r"key:\s+(sbk_[A-Za-z0-9_-]{43})", log.read()).group(1)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/webhooks", method="POST", data=json.dumps(
        {"name": "crm", "url": f"http://127.0.0.1:{receiver.port}/hook", "events": ["contact.created"]}).encode(),
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    urllib.request.urlopen(request)

    numbers = list(range(ROWS))
    committed, rolled_back, errors = [], [], []
    threads = [threading.Thread(target=writer, args=(database, numbers[part::WRITERS], committed, rolled_back, errors)) for part in range(WRITERS)]
    started = time.time()
    [thread.start() for thread in threads]
    for _ in range(KILLS):
        time.sleep(1.5)
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = start()
    [thread.join() for thread in threads]
    check(not errors, f"{len(committed)} rows committed and {len(rolled_back)} rolled back by {WRITERS} writers in {time.time() - started:.1f} s, "
          f"the server killed {KILLS} times meanwhile", str(errors[:3]))

    connection, _ = database.connect()
    # Generous: the killed servers' leases hold a share of the webhook's concurrency cap until
    # they run out (60 s), and the whole backlog drains through 16 slots to one receiver on a
    # busy two-core machine (a CI run took longer than 120 s on PostgreSQL). How long it took
    # is printed with the result.
    waiting_since = time.time()
    deadline = waiting_since + 300
    events = []
    while time.time() < deadline:
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*) FROM switchboard_outbox")
        waiting = cursor.fetchone()[0]
        cursor.execute("SELECT id, payload FROM events WHERE type = 'contact.created'")
        events = cursor.fetchall()
        if not database.kind == "sqlite":
            connection.commit()
        if waiting == 0 and len(receiver.ids()) >= len(events) and {row[0] if isinstance(row[0], str) else str(row[0]) for row in events} <= receiver.ids():
            break
        time.sleep(0.5)
    numbers_published = [json.loads(payload)["n"] for _, payload in events]
    check(sorted(numbers_published) == sorted(committed), "every committed row became exactly one event",
          f"{len(numbers_published)} events for {len(committed)} rows; duplicates {len(numbers_published) - len(set(numbers_published))}")
    check(not set(numbers_published) & set(rolled_back), "no rolled-back row became an event")
    ids = {row[0] if isinstance(row[0], str) else str(row[0]) for row in events}
    check(ids <= receiver.ids(), f"every event was delivered ({time.time() - waiting_since:.0f} s after the writers finished)",
          f"{len(ids - receiver.ids())} not delivered")
    connection.close()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    receiver.stop()


def main():
    binaries = os.path.abspath(sys.argv[1])
    kinds = database_kinds()
    for kind in kinds:
        run(kind, binaries)
    print(f"outbox crash test: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


main()
