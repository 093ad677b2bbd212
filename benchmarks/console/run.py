#!/usr/bin/env python3
"""The console's performance budgets, measured in Debian's chromium against a release (or any)
build on a fresh SQLite database:

- first load, signed in, cold cache: bytes (uncompressed), requests, API calls, time until the
  overview is usable (its figures drawn);
- with 10,000 deliveries in the log: time to fetch and render the first page (50 rows) and to
  turn to the next;
- a 744-point (31-day) chart: time to build and lay out;
- live mode while 200 deliveries arrive: the most renders of the "N new" line in one second.

Budgets (issue 12): ≤ 150 KB, ≤ 20 requests, ≤ 3 API calls, usable < 1 s; page turn < 300 ms;
chart < 100 ms; live ≤ 4 renders/s.

Usage: benchmarks/console/run.py BIN_DIR   (prints lines benchmarks/record.py understands)
"""
import datetime
import os
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The browser tests' conftest (Server, sign_in) first, then Tests/ for what it imports.
sys.path[:0] = [os.path.join(REPO, "Tests", "Browser"), os.path.join(REPO, "Tests")]

from conftest import Server, sign_in  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def figure(name, value):
    print(f"  {name:<58}  {value}", flush=True)


def main():
    binaries = os.path.abspath(sys.argv[1])
    print(f"Switchboard console benchmark ({datetime.date.today()}, {os.cpu_count()} cores, SQLite, chromium, 10000 deliveries)", flush=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        # No delivery worker: the 10,000 deliveries stay in the log as they are.
        server = Server(binaries, folder, extra_env={"WEBHOOK_CONCURRENCY": "0", "API_RATE_LIMIT": "1000000/60"})
        try:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
            webhooks = [server.api("POST", "/api/webhooks", {"name": f"Receiver {n}", "url": f"http://127.0.0.1:9/{n}", "events": ["*"]})[1]["data"]
                        for n in range(10)]
            started = time.time()
            threads = [threading.Thread(target=lambda part=part: [server.api("POST", "/api/events", {"type": "contact.created", "data": {"n": i}})
                                                                   for i in range(part, 1000, 4)]) for part in range(4)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            figure("fill: 1,000 events x 10 webhooks (s)", f"{time.time() - started:.1f}")

            # First load, signed in, nothing cached.
            context = browser.new_context(base_url=server.base)
            page = context.new_page()
            sign_in(page, server.admin_key)
            state = context.storage_state()
            context.close()
            context = browser.new_context(base_url=server.base, storage_state=state)
            page = context.new_page()
            responses = []
            page.on("response", lambda r: responses.append(r))
            begun = time.perf_counter()
            page.goto("/#/overview")
            page.get_by_role("region", name="Figures").wait_for()
            usable = (time.perf_counter() - begun) * 1000
            page.wait_for_load_state("networkidle")
            total = sum(len(r.body()) for r in responses if r.status == 200)
            api_calls = [r.url for r in responses if "/api/" in r.url]
            figure("first load: bytes, uncompressed (budget 150 KB)", f"{total / 1024:.1f} KB")
            figure("first load: requests (budget 20)", str(len(responses)))
            figure("first load: API calls (budget 3)", str(len(api_calls)))
            figure("first load: usable, ms (budget 1000)", f"{usable:.0f}")

            # The log with 10,000 deliveries: first page and a page turn.
            begun = time.perf_counter()
            page.goto("/#/deliveries")
            page.get_by_role("table", name="Deliveries").locator("tbody tr").nth(49).wait_for()
            figure("log: first page of 50 rows, ms", f"{(time.perf_counter() - begun) * 1000:.0f}")
            turns = []
            for _ in range(5):
                first = page.get_by_role("table", name="Deliveries").locator("tbody tr a").first.get_attribute("href")
                begun = time.perf_counter()
                page.get_by_role("link", name="Older").click()
                page.wait_for_function("(first) => { const a = document.querySelector('table[aria-label=\"Deliveries\"] tbody tr a');"
                                       " return a && a.getAttribute('href') !== first && document.querySelectorAll('table[aria-label=\"Deliveries\"] tbody tr').length === 50; }",
                                       arg=first)
                turns.append((time.perf_counter() - begun) * 1000)
            figure("log: page turn, median of 5, ms (budget 300)", f"{sorted(turns)[2]:.0f}")

            # A 744-point chart, built and laid out in the page.
            chart_url = page.evaluate("() => [...document.querySelectorAll('link[rel=modulepreload]')][0].href.replace('api.js', 'chart.js')")
            timing = page.evaluate("""async (url) => {
                const { hourlyChart } = await import(url);
                const start = Date.UTC(2026, 10, 1);
                const series = Array.from({ length: 744 }, (_, i) => ({ hour: new Date(start + i * 3600e3).toISOString(),
                  deliveries: 100 + (i % 37), successes: 90 + (i % 31), failures: 10 + (i % 6), average_response_time: 40 + (i % 50) }));
                const times = [];
                for (let run = 0; run < 5; run++) {
                  const t0 = performance.now();
                  const figure = hourlyChart(series, 'benchmark');
                  document.querySelector('main').append(figure);
                  figure.getBoundingClientRect();
                  times.push(performance.now() - t0);
                  figure.remove();
                }
                return times.sort((a, b) => a - b)[2];
            }""", chart_url)
            figure("chart: 744 points built and laid out, median ms (budget 100)", f"{timing:.1f}")

            # Live mode while 200 deliveries arrive (20 events x 10 webhooks) over about 2 s.
            page.goto("/#/deliveries")
            page.get_by_role("checkbox", name="Live").check()
            page.get_by_text("No new deliveries").wait_for()
            page.evaluate("""() => { window.renders = []; new MutationObserver(() => window.renders.push(performance.now()))
                .observe(document.querySelector('[data-testid=live-count]'), { childList: true, subtree: true, characterData: true }); }""")
            for i in range(20):
                server.api("POST", "/api/events", {"type": "contact.updated", "data": {"n": i}})
                time.sleep(0.1)
            page.wait_for_timeout(2500)
            renders = page.evaluate("() => window.renders")
            worst = max((sum(1 for t in renders if start <= t < start + 1000) for start in renders), default=0)
            shown = page.get_by_test_id("live-count").inner_text()
            figure("live: most renders in one second (budget 4)", str(worst))
            figure("live: count shown after 200 new deliveries", shown)
            context.close()
            browser.close()
        finally:
            server.stop()


main()
