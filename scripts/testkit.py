"""What the test scripts share: a check that prints its verdict and remembers failures, a
free port on loopback, and waiting for a port to listen. Import it from a script in this folder
(`from testkit import …`)."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The names of the checks that failed so far.
failures = []


def check(ok, name, detail=""):
    """Prints `ok`/`FAIL` and the check's name (and the detail when it failed); returns ok."""
    print(("  ok    " if ok else "  FAIL  ") + name + ("" if ok or not detail else "\n        " + str(detail)), flush=True)
    if not ok:
        failures.append(name)
    return ok


def free_port():
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=5):
    """Waits until something accepts connections on 127.0.0.1:port; returns whether it did."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def fresh_database_url(kind, work, prefix):
    """The `DATABASE_URL` of a new, empty database for one run: a file under `work` for SQLite,
    a schema of its own on TEST_POSTGRES_URL's server, a database of its own on TEST_MYSQL_URL's
    (created here; needs pymysql, as in the scripts' virtual environment). Returns (url, name)."""
    import os
    import random
    import urllib.parse
    name = f"{prefix}_{os.getpid()}_{random.randint(0, 1 << 30)}"
    if kind == "sqlite":
        return f"sqlite://{work}/{name}.sqlite", name
    if kind == "postgres":
        base = os.environ["TEST_POSTGRES_URL"]
        return base + ("&" if "?" in base else "?") + f"schema={name}", name
    import pymysql
    parts = urllib.parse.urlparse(os.environ["TEST_MYSQL_URL"])
    admin = pymysql.connect(host=parts.hostname, port=parts.port, user=parts.username, password=parts.password,
                            database=parts.path.lstrip("/"))
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    admin.close()
    return urllib.parse.urlunparse(parts._replace(path="/" + name)), name


def database_kinds():
    """The databases to test on: SQLite always, PostgreSQL and MariaDB when TEST_POSTGRES_URL /
    TEST_MYSQL_URL are set (as `make test` sets them). Under CI=true a missing one is a failure,
    otherwise it is skipped with a line saying so."""
    import os
    kinds = ["sqlite"]
    for kind, variable in (("postgres", "TEST_POSTGRES_URL"), ("mysql", "TEST_MYSQL_URL")):
        if os.environ.get(variable):
            kinds.append(kind)
        elif os.environ.get("CI") == "true":
            check(False, f"{variable} is set", "CI=true needs every database")
        else:
            print(f"  skip  {kind}: {variable} is not set (make test sets it)")
    return kinds


class RecordingReceiver:
    """A webhook receiver on 127.0.0.1 that answers 200 and records each POST (arrival time,
    `webhook-id`, parsed body). On a fixed port it can be switched off (connections refused)
    and on again; with port 0 it takes a free one when started."""

    def __init__(self, port):
        self.port = port
        self.requests = []  # (arrival time, webhook-id, parsed body)
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append((time.time(), self.headers.get("webhook-id"), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self):
        with self.lock:
            return {webhook_id for _, webhook_id, _ in self.requests}
