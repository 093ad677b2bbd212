"""What the test scripts share: a check that prints its verdict and remembers failures, and a
free port on loopback. Import it from a script in this folder (`from testkit import …`)."""
import socket

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
