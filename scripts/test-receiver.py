#!/usr/bin/env python3
"""A webhook receiver for the smoke test: listens on 127.0.0.1:PORT and stores each POST's
headers and raw body as DIR/N.headers.json and DIR/N.body, answering 200."""
import http.server
import json
import sys
import threading

port, folder = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            index = count
            count += 1
        with open(f"{folder}/{index}.body", "wb") as file:
            file.write(body)
        with open(f"{folder}/{index}.headers.json", "w") as file:
            json.dump({key.lower(): value for key, value in self.headers.items()}, file)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
