"""A webhook receiver for the tests, on 127.0.0.1, recording every request.

/ok     200
/fail   500 with the body <script>alert(1)</script> (must render as text in the console)
/flaky  fails (500, same body) the first n requests of each webhook-id (?n=2), then 200
/gone   410
GET /_requests   every request so far, as JSON; DELETE /_requests forgets them

On a port of its own choosing by default; on a fixed one it can stay off (connections refused)
until `start()`, which is how the system tests take a receiver down and bring it back.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SCRIPT = b"<script>alert(1)</script>"


class Receiver:
    def __init__(self, port=0, start=True):
        self.port = port
        self.requests = []
        self.seen = {}
        self.lock = threading.Lock()
        self.server = None
        if start:
            self.start()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body=b"ok", content_type="text/plain"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/_requests":
                    with receiver.lock:
                        body = json.dumps(receiver.requests).encode()
                    return self.answer(200, body, "application/json")
                self.answer(404)

            def do_DELETE(self):
                with receiver.lock:
                    receiver.requests.clear()
                self.answer(200)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                url = urlparse(self.path)
                record = {"at": time.time(), "path": url.path, "query": url.query,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "signatures": self.headers.get_all("webhook-signature") or [], "body": body.decode("utf-8", "replace")}
                with receiver.lock:
                    receiver.requests.append(record)
                    webhook_id = self.headers.get("webhook-id", "")
                    receiver.seen[(url.path, webhook_id)] = receiver.seen.get((url.path, webhook_id), 0) + 1
                    count = receiver.seen[(url.path, webhook_id)]
                if url.path == "/ok":
                    return self.answer(200, b'{"received":true}', "application/json")
                if url.path == "/fail":
                    return self.answer(500, SCRIPT, "text/html")
                if url.path == "/flaky":
                    n = int(parse_qs(url.query).get("n", ["2"])[0])
                    return self.answer(500, SCRIPT, "text/html") if count <= n else self.answer(200, b"ok")
                if url.path == "/gone":
                    return self.answer(410, b"gone")
                self.answer(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def ids(self):
        """The webhook-ids that arrived (each delivery's event id)."""
        with self.lock:
            return {r["headers"].get("webhook-id") for r in self.requests}

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
