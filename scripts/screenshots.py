#!/usr/bin/env python3
"""Makes the README's console screenshots from fixed data: a fresh SQLite database, a
recording receiver, and the same webhooks, events and key every time. Debian's chromium
through Playwright (never a downloaded browser).

Usage: scripts/screenshots.py BIN_DIR   (make screenshots)
Writes docs/screenshots/*.png.
"""
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The browser tests' conftest (Server, sign_in) first, then Tests/ for what it imports and the receiver.
sys.path[:0] = [os.path.join(REPO, "Tests", "Browser"), os.path.join(REPO, "Tests")]

from conftest import Server, sign_in  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from receiver import Receiver  # noqa: E402

OUT = os.path.join(REPO, "docs", "screenshots")


def wait_until(condition, timeout=30):
    """Waits for `condition()` to return something empty; says what was left on a timeout."""
    deadline = time.time() + timeout
    left = None
    while time.time() < deadline:
        left = condition()
        if not left:
            return
        time.sleep(0.2)
    raise SystemExit(f"screenshots: timed out preparing the data; still waiting: {str(left)[:600]}")


def prepare(server, receiver):
    def webhook(name, path, events, **extra):
        status, answer = server.api("POST", "/api/webhooks", {"name": name, "url": receiver.url(path), "events": events, **extra})
        assert status == 201, answer
        return answer["data"]
    crm = webhook("CRM sync", "/ok", ["contact.created", "contact.updated", "contact.deleted"], description="Keeps the marketing CRM in step")
    billing = webhook("Billing", "/flaky?n=3", ["transaction.created", "transaction.updated"], maxRetries=0)
    listings = webhook("Property listings", "/ok", ["property.created", "property.updated"])
    legacy = webhook("Legacy importer", "/fail", ["*"], maxRetries=0)
    for index in range(24):
        server.api("POST", "/api/events", {"type": "contact.created", "data": {"id": f"contact_{index}", "email": f"user{index}@example.com"}})
    # Four, not more: with maxRetries 0 each fails once, under the circuit's threshold of five
    # transient failures in a row, so Billing shows failed deliveries rather than held ones.
    for index in range(4):
        server.api("POST", "/api/events", {"type": "transaction.created", "data": {"id": f"txn_{index}", "amount": 1000 + index}})
    for index in range(8):
        server.api("POST", "/api/events", {"type": "property.updated", "data": {"id": f"prop_{index}", "price": 450000 + index}})

    def waiting(webhook_id=None):
        _, logs = server.api("GET", "/api/webhooks/logs?status=pending,in_progress&limit=100")
        return [log for log in logs["data"] if webhook_id is None or log["webhookId"] != webhook_id]
    # The legacy importer's receiver always fails: its circuit opens and its deliveries wait.
    # Switched off, they end failed with the way back in their error.
    wait_until(lambda: waiting(legacy["id"]))
    server.api("PATCH", f"/api/webhooks/{legacy['id']}", {"isActive": False})
    wait_until(waiting)
    return crm, billing, listings


def main():
    binaries = os.path.abspath(sys.argv[1])
    os.makedirs(OUT, exist_ok=True)
    receiver = Receiver()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        server = Server(binaries, folder)
        try:
            crm, billing, _ = prepare(server, receiver)
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
            for theme in ("light", "dark"):
                context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 860}, color_scheme=theme)
                page = context.new_page()
                sign_in(page, server.admin_key)
                page.wait_for_timeout(300)
                if theme == "dark":
                    page.screenshot(path=os.path.join(OUT, "overview-dark.png"))
                    context.close()
                    continue
                page.screenshot(path=os.path.join(OUT, "overview.png"))
                page.goto("/#/webhooks")
                page.get_by_role("table", name="Webhooks").wait_for()
                page.screenshot(path=os.path.join(OUT, "webhooks.png"))
                page.goto(f"/#/webhooks/{crm['id']}")
                page.get_by_role("heading", name="CRM sync").wait_for()
                page.wait_for_timeout(300)
                page.screenshot(path=os.path.join(OUT, "webhook-detail.png"))
                _, logs = server.api("GET", f"/api/webhooks/logs?webhook_id={billing['id']}&limit=1")
                page.goto(f"/#/deliveries/{logs['data'][0]['id']}")
                page.get_by_role("heading", name="Attempts").wait_for()
                page.screenshot(path=os.path.join(OUT, "delivery-detail.png"))
                page.goto("/#/api-keys")
                page.get_by_role("button", name="Create API key").click()
                dialog = page.get_by_role("dialog")
                dialog.get_by_label("Name", exact=True).fill("CRM backend")
                dialog.get_by_label("read:contacts").check()
                dialog.get_by_label("write:events").check()
                dialog.get_by_role("button", name="Create").click()
                page.get_by_test_id("new-key").wait_for()
                page.screenshot(path=os.path.join(OUT, "key-created.png"))
                context.close()
            browser.close()
        finally:
            server.stop()
            receiver.stop()
    print("wrote " + ", ".join(sorted(os.listdir(OUT))))


main()
