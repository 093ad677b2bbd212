#!/usr/bin/env python3
"""Load driver for the delivery benchmark (standard library only).

  load.py webhooks BASE KEY URL N          create N webhooks subscribed to everything
  load.py publish BASE KEY COUNT THREADS   publish COUNT events as fast as THREADS allow
  load.py paced BASE KEY RATE SECONDS [BATCH]
                                           publish RATE events/s for SECONDS, evenly spaced, BATCH
                                           events per request (POST /api/events/batch when > 1);
                                           prints the rate achieved
  load.py latency ACCESS_LOG DB            publish→receive latency p50/p99 from nginx's log
"""
import calendar
import http.client
import json
import sys
import threading
import time
import urllib.parse

EVENT = json.dumps({"type": "contact.created", "data": {
    "id": 12345, "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
    "phone": "+44 20 7946 0000", "tags": ["lead", "newsletter"], "score": 87.5}})


def connection(base):
    parts = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def call(conn, method, path, key, body=None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: HTTP {response.status} {data[:300]!r}")
    return json.loads(data)


def webhooks(base, key, url, count):
    conn = connection(base)
    for index in range(int(count)):
        call(conn, "POST", "/api/webhooks", key, json.dumps({"name": f"bench {index}", "url": url, "events": ["*"]}))


def run_threads(workers):
    """Runs the threads and fails the whole run if any of them failed."""
    errors = []

    def guarded(target, args):
        try:
            target(*args)
        except BaseException as error:  # SystemExit from call() included
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=worker) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} load thread(s) failed, first: {errors[0]}")


def publish(base, key, count, threads):
    count, threads = int(count), int(threads)
    per_thread = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def worker(n):
        conn = connection(base)
        for _ in range(n):
            call(conn, "POST", "/api/events", key, EVENT)

    started = time.monotonic()
    run_threads([(worker, (n,)) for n in per_thread])
    print(f"{count / (time.monotonic() - started):.0f}")


def paced(base, key, rate, seconds, batch="1"):
    batch = int(batch)
    requests_per_second, seconds = float(rate) / batch, float(seconds)
    threads = 8
    interval = threads / requests_per_second
    total = int(requests_per_second * seconds)
    path, body = "/api/events", EVENT
    if batch > 1:
        path, body = "/api/events/batch", json.dumps({"events": [json.loads(EVENT)] * batch})

    def worker(offset):
        conn = connection(base)
        start = begun + offset * interval / threads
        for index in range(total // threads):
            delay = start + index * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            call(conn, "POST", path, key, body)

    begun = time.monotonic()
    run_threads([(worker, (i,)) for i in range(threads)])
    print(f"{(total // threads) * threads * batch / (time.monotonic() - begun):.0f}")


def latency(access_log, created_file):
    """created_file: one `delivery id<TAB>event created_at (UTC, YYYY-MM-DDTHH:MM:SS.mmm…)` per line."""
    created = {}
    for line in open(created_file):
        delivery_id, created_at = line.rstrip("\n").split("\t")
        created[delivery_id] = created_at
    samples = []
    for line in open(access_log):
        received, delivery_id = line.split()
        if delivery_id in created:
            text = created[delivery_id]
            sent = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + text[20:23])
            samples.append((float(received) - sent) * 1000)
    samples.sort()
    if not samples:
        raise SystemExit("no samples")
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(f"{len(samples)} {pick(0.5):.1f} {pick(0.99):.1f}")


if __name__ == "__main__":
    {"webhooks": webhooks, "publish": publish, "paced": paced, "latency": latency}[sys.argv[1]](*sys.argv[2:])
