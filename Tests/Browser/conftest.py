"""Fixtures for the console's browser tests: the built server on a fresh SQLite database, a
recording receiver, and Debian's Chromium driven by Playwright (never a downloaded browser).

Every page fails its test on any console error it did not announce with
`expect_console_error`; a failing test leaves a screenshot and a Playwright trace in
.build/browser-artifacts/.
"""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from receiver import Receiver

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(REPO, ".build", "browser-artifacts")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `switchboard serve` with its own database."""

    def __init__(self, binaries, folder, extra_env=None, prefix=""):
        self.folder = folder
        self.port = free_port()
        # With SWITCHBOARD_PATH_PREFIX every path of the server's is under it.
        self.base = f"http://127.0.0.1:{self.port}{prefix}"
        self.env = dict(os.environ, DATABASE_URL=f"sqlite://{folder}/console.sqlite", PORT=str(self.port), HOST="127.0.0.1",
                        WEBHOOK_SECRET_KEY="0123456789abcdef" * 4, WEBHOOK_ALLOWED_TARGETS="127.0.0.1",
                        WEBHOOK_POLL_INTERVAL_MS="50", LOG_LEVEL="warning", MIGRATIONS_DIR=os.path.join(REPO, "migrations"))
        self.env.pop("CONSOLE_ASSETS_DIR", None)
        self.env.update(extra_env or {})
        if prefix:
            self.env["SWITCHBOARD_PATH_PREFIX"] = prefix
        self.binaries = binaries
        subprocess.run([f"{binaries}/switchboard-migrate", "up"], env=self.env, check=True, capture_output=True)
        self.log = open(os.path.join(folder, "server.log"), "w+")
        self.process = subprocess.Popen([f"{binaries}/switchboard", "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        self.admin_key = None
        while time.time() < deadline:
            self.log.seek(0)
            found = re.search(r"key:\s+(sbk_[A-Za-z0-9_-]{43})", self.log.read())
            if found:
                self.admin_key = found.group(1)
                try:
                    urllib.request.urlopen(self.base + "/health", timeout=1)
                    break
                except OSError:
                    pass
            time.sleep(0.1)
        assert self.admin_key, "the server printed no admin key"

    def api(self, method, path, body=None, key=None, headers=None):
        """Calls the API with a Bearer key (the admin key by default); returns (status, json)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {key or self.admin_key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def cli(self, *arguments):
        return subprocess.run([f"{self.binaries}/switchboard", *arguments], env=self.env, check=True, capture_output=True, text=True).stdout

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def server():
    binaries = os.environ["SWITCHBOARD_BIN"]
    with tempfile.TemporaryDirectory() as folder:
        running = Server(binaries, folder)
        yield running
        running.stop()


@pytest.fixture(scope="session")
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)


class ConsoleWatch:
    """Console errors of a page, and the ones a test expects (a 403 it provokes, say)."""

    def __init__(self):
        self.errors = []
        self.expected = []

    def expect(self, pattern):
        self.expected.append(re.compile(pattern))

    def unexpected(self):
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console():
    return ConsoleWatch()


@pytest.fixture
def context(browser, request, server):
    context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 900})
    context.tracing.start(screenshots=True, snapshots=True)
    yield context
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    if failed:
        os.makedirs(ARTIFACTS, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
        for index, page in enumerate(context.pages):
            try:
                page.screenshot(path=os.path.join(ARTIFACTS, f"{name}-{index}.png"), full_page=True)
            except Exception:
                pass
        context.tracing.stop(path=os.path.join(ARTIFACTS, f"{name}-trace.zip"))
    else:
        context.tracing.stop()
    context.close()


def watch(page, console):
    page.on("console", lambda message: console.errors.append(f"{message.text} @ {message.location.get('url', '')}") if message.type == "error" else None)
    page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))
    page.on("dialog", lambda dialog: console.errors.append(f"dialog opened: {dialog.message}") or dialog.dismiss())
    return page


@pytest.fixture
def page(context, console):
    page = watch(context.new_page(), console)
    yield page
    assert console.unexpected() == [], f"console errors: {console.unexpected()}"


def sign_in(page, key):
    """Signs in through the form and waits for the overview."""
    page.goto("/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Overview").wait_for()
