"""What the Python suites (Tests/System, Tests/Browser) and a few tools share: free ports, waiting,
fresh databases and the built server as a process. Plain Python, no pytest, so that scripts and
benchmarks can import it too (with Tests/ on sys.path); the fixtures are in conftest.py."""
import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = os.path.join(REPO, "migrations")

# The databases the tests run on: SQLite always; PostgreSQL and MariaDB on the servers these
# variables name (`make test` exports them from .build/test-databases.env).
DATABASES = ("sqlite", "postgres", "mysql")
URL_VARIABLES = {"postgres": "TEST_POSTGRES_URL", "mysql": "TEST_MYSQL_URL"}


def database_available(kind):
    return kind == "sqlite" or bool(os.environ.get(URL_VARIABLES[kind]))


def free_port():
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=5):
    """Waits until something accepts connections on 127.0.0.1:port; returns whether it did."""
    return wait_until(seconds, lambda: _accepts(port), interval=0.1)


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_until(seconds, condition, interval=0.25):
    """Polls `condition` until it holds or `seconds` pass; returns its last answer."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def fresh_database_url(kind, work, prefix):
    """The `DATABASE_URL` of a new, empty database for one run: a file under `work` for SQLite,
    a schema of its own on TEST_POSTGRES_URL's server, a database of its own on TEST_MYSQL_URL's
    (created here; needs PyMySQL, as in scripts/python-venv.sh). Returns (url, name)."""
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


class Server:
    """The built `switchboard serve` on 127.0.0.1 and a port of its own, started (and started
    again, on the same port and database) on demand. Settings are environment variables over
    these defaults: a SQLite file `folder/NAME.sqlite`, a fixed secret key, webhooks allowed to
    loopback. The output goes to `folder/NAME.log`, appended across starts; the admin key is the
    one the first start printed there."""

    def __init__(self, binaries, folder, name="server", prefix="", **settings):
        self.binaries, self.name = binaries, name
        self.port = free_port()
        # With SWITCHBOARD_PATH_PREFIX every path of the server's is under it.
        self.base = f"http://127.0.0.1:{self.port}{prefix}"
        self.log_path = os.path.join(folder, f"{name}.log")
        self.env = dict(os.environ, DATABASE_URL=f"sqlite://{folder}/{name}.sqlite", PORT=str(self.port), HOST="127.0.0.1",
                        WEBHOOK_SECRET_KEY="0123456789abcdef" * 4, WEBHOOK_ALLOWED_TARGETS="127.0.0.1", LOG_LEVEL="warning",
                        MIGRATIONS_DIR=MIGRATIONS)
        self.env.update({key: str(value) for key, value in settings.items()})
        self.process = None
        self.admin_key = None

    def migrate(self):
        result = subprocess.run([f"{self.binaries}/switchboard-migrate", "up"], env=self.env, capture_output=True, text=True)
        assert result.returncode == 0, f"{self.name}: migrate up failed: {result.stdout}{result.stderr}"
        return self

    def start(self, within=30):
        """Starts the server and waits until /health answers."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([f"{self.binaries}/switchboard", "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + within
        while time.time() < deadline and self.process.poll() is None:
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"{self.name} did not start (exit status {self.process.poll()}): {self.log_tail()}")
        if self.admin_key is None:
            found = re.search(r"key:\s+(sbk_[A-Za-z0-9_-]{43})", open(self.log_path).read())
            self.admin_key = found.group(1) if found else None
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, within=30):
        """SIGTERM; kills it if it has not exited `within` seconds. Returns (seconds it took,
        or None when it had to be killed, exit status)."""
        if not self.alive():
            return 0, self.process.returncode if self.process else None
        started = time.time()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=within)
            return time.time() - started, status
        except subprocess.TimeoutExpired:
            self.kill()
            return None, None

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def log_tail(self, characters=2000):
        return open(self.log_path).read()[-characters:]

    def api(self, method, path, body=None, key=None, headers=None, timeout=15):
        """Calls the API with a Bearer key (the admin key by default); returns (status, json)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {key or self.admin_key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
