"""Fixtures for the console's browser tests: the built server on a fresh SQLite database and
Debian's Chromium driven by Playwright (never a downloaded browser); the binaries and the
recording receiver come from Tests/conftest.py.

Every page fails its test on any console error it did not announce with
`expect_console_error`; a failing test leaves a screenshot and a Playwright trace in
.build/browser-artifacts/.
"""
import os
import re
import tempfile

import pytest
from playwright.sync_api import sync_playwright

import harness

ARTIFACTS = os.path.join(harness.REPO, ".build", "browser-artifacts")


class Server(harness.Server):
    """The built server for the console, migrated and started on a fresh SQLite database in
    `folder`, its deliveries polled every 50 ms; always the console embedded in the binary."""

    def __init__(self, binaries, folder, extra_env=None, prefix=""):
        settings = dict(WEBHOOK_POLL_INTERVAL_MS="50")
        if prefix:
            settings["SWITCHBOARD_PATH_PREFIX"] = prefix
        super().__init__(binaries, folder, "console", prefix=prefix, **settings)
        self.env.pop("CONSOLE_ASSETS_DIR", None)
        self.env.update(extra_env or {})
        self.migrate().start()
        assert self.admin_key, "the server printed no admin key"


@pytest.fixture(scope="session")
def server(binaries):
    with tempfile.TemporaryDirectory() as folder:
        running = Server(binaries, folder)
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
