"""Fixtures both Python suites share (Tests/System, Tests/Browser): the built binaries, a work
folder, the databases, a recording receiver and a way to print figures while tests run. The
plain helpers behind them are in harness.py and receiver.py."""
import os
import shutil
import tempfile

import pytest

from harness import URL_VARIABLES, DATABASES
from receiver import Receiver


def pytest_addoption(parser):
    parser.addoption("--bin", help="the folder of the built switchboard and switchboard-migrate (default: $SWITCHBOARD_BIN)")


@pytest.fixture(scope="session")
def binaries(request):
    """The folder of the built binaries: --bin, or SWITCHBOARD_BIN (the scripts set it)."""
    folder = request.config.getoption("--bin") or os.environ.get("SWITCHBOARD_BIN")
    assert folder, "name the built binaries' folder with --bin or SWITCHBOARD_BIN"
    folder = os.path.abspath(folder)
    for binary in ("switchboard", "switchboard-migrate"):
        assert os.access(os.path.join(folder, binary), os.X_OK), f"{folder}/{binary} is missing"
    return folder


@pytest.fixture(scope="module")
def work(request, note):
    """A folder for one module's databases and logs; kept (and named) when one of its tests
    failed, so the servers' logs can be read."""
    folder = tempfile.mkdtemp(prefix=f"switchboard-{request.module.__name__}-")
    failed_before = request.session.testsfailed
    yield folder
    if request.session.testsfailed == failed_before:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        note(f"logs of {request.module.__name__} kept in {folder}")


@pytest.fixture(scope="module", params=DATABASES)
def database(request):
    """Each database kind in turn (sqlite, postgres, mysql; narrow it with indirect
    parametrisation). PostgreSQL and MariaDB need TEST_POSTGRES_URL / TEST_MYSQL_URL: without
    one its tests are skipped, but under CI=true they fail, since CI must test all three."""
    kind = request.param
    variable = URL_VARIABLES.get(kind)
    if variable and not os.environ.get(variable):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{variable} is not set: CI=true needs every database")
        pytest.skip(f"{variable} is not set (make test sets it)")
    return kind


@pytest.fixture(scope="session")
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def note(request):
    """Prints a line in pytest's output at once, captured output or not: the figures a passing
    run is worth reading for (how long a backlog took to drain, a measured rate)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(text):
        with capture.global_and_fixture_disabled():
            reporter.write_line("    " + text)
    return write
