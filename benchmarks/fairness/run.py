#!/usr/bin/env python3
"""Head-of-line benchmark: does one slow receiver slow the others down?

Release build, SQLite (or the database DATABASE_URL names: postgres://… gets a fresh schema per
phase, mysql://… a fresh database), Debian's nginx as nine fast receivers (`return 200`), and a
receiver that answers after SLOW_SECONDS (10) as the tenth. EVENTS (1000) events, each delivered
to every webhook, are queued with an API-only server; then one server with the default settings
(WEBHOOK_CONCURRENCY 64, so 16 per webhook) delivers them. Measured twice in one run:

  without the slow receiver: the nine fast webhooks' delivery rate (deliveries/s from the first
  to the last completion);
  with it: the same nine's rate while the slow one holds its slots;

and their ratio (the issue's goal: ≥ 0.9). Prints the figures in the form benchmarks/record.py
reads.

Usage: benchmarks/fairness/run.py   (EVENTS, SLOW_SECONDS, DATABASE_URL from the environment)
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "Tests"))
sys.path.insert(0, os.path.join(REPO, "benchmarks", "delivery"))
from harness import free_port, fresh_database_url  # noqa: E402

EVENTS = int(os.environ.get("EVENTS", "1000"))
SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "10"))
FAST = 9


def build():
    print("building release binaries (first time: several minutes)...", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "-j", "2", "--scratch-path", ".build-release"], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    return subprocess.run(["swift", "build", "-c", "release", "-j", "2", "--scratch-path", ".build-release", "--show-bin-path"],
                          cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()


def start_nginx(work):
    port = free_port()
    os.makedirs(f"{work}/nginx/logs", exist_ok=True)
    with open(f"{work}/nginx/nginx.conf", "w") as conf:
        conf.write(f"""worker_processes 1;
daemon off;
error_log {work}/nginx/logs/error.log warn;
pid {work}/nginx/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_buffer_size 64k;
    server {{ listen 127.0.0.1:{port}; location /hook {{ return 200 "ok"; }} }}
}}
""")
    process = subprocess.Popen(["nginx", "-p", f"{work}/nginx", "-c", f"{work}/nginx/nginx.conf"])
    time.sleep(0.5)
    return process, port


def start_slow_receiver():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(SLOW_SECONDS)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Server:
    def __init__(self, binaries, url, work, concurrency):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=url, PORT=str(self.port), HOST="127.0.0.1", WEBHOOK_CONCURRENCY=str(concurrency),
                   WEBHOOK_SECRET_KEY="0123456789abcdef" * 4, WEBHOOK_ALLOWED_TARGETS="127.0.0.1", LOG_LEVEL="error",
                   MIGRATIONS_DIR=os.path.join(REPO, "migrations"), API_RATE_LIMIT="1000000/1", WEBHOOK_TIMEOUT_MS="15000")
        self.log_path = f"{work}/server-{self.port}.log"
        self.process = subprocess.Popen([f"{binaries}/switchboard", "serve"], env=env, stdout=open(self.log_path, "w"),
                                        stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        self.base = f"http://127.0.0.1:{self.port}"

    def key(self):
        import re
        return re.search(r"sbk_[A-Za-z0-9_-]{43}", open(self.log_path).read()).group(0)

    def call(self, method, path, key, body=None):
        request = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def phase(binaries, work, kind, fast_port, slow_port):
    url, _ = fresh_database_url(kind, work, f"fairness_{'slow' if slow_port else 'alone'}_{random.randint(0, 9999)}")
    env = dict(os.environ, DATABASE_URL=url, MIGRATIONS_DIR=os.path.join(REPO, "migrations"))
    subprocess.run([f"{binaries}/switchboard-migrate", "up"], env=env, check=True, capture_output=True)
    api = Server(binaries, url, work, 0)
    key = api.key()
    fast_ids = [api.call("POST", "/api/webhooks", key, {"name": f"fast {n}", "url": f"http://127.0.0.1:{fast_port}/hook?n={n}",
                                                          "events": ["contact.created"]})["data"]["id"] for n in range(FAST)]
    if slow_port:
        api.call("POST", "/api/webhooks", key, {"name": "slow", "url": f"http://127.0.0.1:{slow_port}/hook", "events": ["contact.created"]})
    import load
    load.publish(api.base, key, EVENTS, 8)
    api.stop()
    worker = Server(binaries, url, work, 64)
    deadline = time.time() + 600
    done = 0
    while time.time() < deadline:
        figures = [worker.call("GET", f"/api/webhooks/{webhook}/stats", key)["data"] for webhook in fast_ids]
        done = sum(f["successful_deliveries"] for f in figures)
        if done >= FAST * EVENTS:
            break
        time.sleep(1)
    # The nine's rate from their own deliveries' completion times, first to last.
    ends = []
    for webhook in fast_ids:
        cursor = None
        while True:
            page = worker.call("GET", f"/api/webhooks/logs?webhook_id={webhook}&limit=100" + (f"&cursor={cursor}" if cursor else ""), key)
            ends += [parse_time(log["completedAt"]) for log in page["data"] if log.get("completedAt")]
            cursor = page["pagination"]["next_cursor"]
            if not cursor:
                break
    first, last = min(ends), max(ends)
    worker.stop()
    return done / (last - first), done


def main():
    if not shutil.which("nginx"):
        raise SystemExit("needs Debian's nginx: apt-get install -y nginx")
    binaries = build()
    url = os.environ.get("DATABASE_URL", "sqlite://")
    kind = {"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}.get(url.split("://")[0], "sqlite")
    if kind == "postgres":
        os.environ["TEST_POSTGRES_URL"] = url
    elif kind == "mysql":
        os.environ["TEST_MYSQL_URL"] = url
    work = tempfile.mkdtemp()
    nginx, fast_port = start_nginx(work)
    slow = start_slow_receiver()
    try:
        alone, alone_done = phase(binaries, work, kind, fast_port, None)
        beside, beside_done = phase(binaries, work, kind, fast_port, slow.server_address[1])
    finally:
        nginx.terminate()
        slow.shutdown()
    print()
    print(f"Switchboard fairness benchmark ({time.strftime('%Y-%m-%d', time.gmtime())}, {os.cpu_count()} cores, {kind}, "
          f"concurrency 64, 16 per webhook)")
    print(f"  {'nine fast webhooks alone (deliveries/s, ' + str(alone_done) + ' ok)':<62} {alone:.0f}")
    print(f"  {'the same nine beside a ' + str(int(SLOW_SECONDS)) + ' s receiver (deliveries/s, ' + str(beside_done) + ' ok)':<62} {beside:.0f}")
    print(f"  {'ratio (goal >= 0.9)':<62} {beside / alone:.2f}")


main()
