"""What the test scripts share: a check that prints its verdict and remembers failures, a
free port on loopback, and waiting for a port to listen. Import it from a script in this folder
(`from testkit import …`)."""
import socket
import time

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
