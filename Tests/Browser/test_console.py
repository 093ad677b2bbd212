"""The console in Debian's Chromium against the built server: sign-in, webhooks, test sends,
retries, secrets, keys, analytics, permissions, headers, accessibility and live mode."""
import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from conftest import Server, sign_in, watch

SCREENS = [("overview", "Overview"), ("webhooks", "Webhooks"), ("deliveries", "Deliveries"), ("event-types", "Event types"),
           ("api-keys", "API keys"), ("audit", "Audit log"), ("system", "System")]


def page_text_state(page):
    """Everything a script on the page could read: storage, readable cookies and the DOM."""
    return page.evaluate("() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage}) + document.cookie"
                         " + document.documentElement.outerHTML")


def wait_for(condition, timeout=15, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def make_webhook(server, name, url, events=("*",), **extra):
    status, answer = server.api("POST", "/api/webhooks", {"name": name, "url": url, "events": list(events), **extra})
    assert status == 201, answer
    return answer["data"]


def open_view(page, view, heading):
    page.goto(f"/#/{view}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_sign_in_cookie_and_sign_out(page, context, server, console):
    console.expect(r"401")
    page.goto("/")
    page.get_by_label("API key").fill("sbk_" + "A" * 43)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("the API key is not valid")
    assert context.cookies() == []

    sign_in(page, server.admin_key)
    cookie = next(c for c in context.cookies() if c["name"] == "__Host-switchboard_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    make_webhook(server, "visible data", "http://127.0.0.1:9/secret-page")
    for view, heading in SCREENS:
        open_view(page, view, heading)
        assert "sbk_" not in page_text_state(page), view
    open_view(page, "webhooks", "Webhooks")
    expect(page.get_by_role("link", name="visible data")).to_be_visible()

    open_view(page, "system", "System")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
    assert not any(c["name"] == "__Host-switchboard_session" for c in context.cookies())
    page.go_back()
    page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
    assert "visible data" not in page.content()


def test_create_webhook_test_send_and_signature(page, server, receiver, console):
    console.expect(r"422")
    sign_in(page, server.admin_key)
    open_view(page, "webhooks", "Webhooks")
    page.get_by_role("button", name="Create webhook").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("Orders receiver")
    dialog.get_by_label("URL", exact=True).fill("http://169.254.169.254/latest/meta-data")
    dialog.get_by_label("All events (*)").check()
    dialog.get_by_role("button", name="Create").click()
    url_field = dialog.get_by_label("URL", exact=True)
    expect(url_field).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_role("alert").filter(has_text="169.254.0.0/16")).to_be_visible()

    url_field.fill(receiver.url("/ok"))
    dialog.get_by_role("button", name="Create").click()
    secret = page.get_by_test_id("new-secret").inner_text()
    assert secret.startswith("whsec_")
    page.get_by_role("button", name="I have stored the secret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders receiver")
    expect(page.get_by_text("Healthy")).to_be_visible()
    assert "whsec_" not in page.content(), "the secret is shown once"
    webhook_id = page.url.split("/webhooks/")[1].split("?")[0]
    status, answer = server.api("GET", f"/api/webhooks/{webhook_id}")
    assert status == 200 and answer["data"]["isActive"] is True and answer["data"]["url"] == receiver.url("/ok")
    expect(page.locator("#circuit-state")).to_have_text("closed (deliveries flow)")

    # The throttle is set in the form's advanced part and shown on the page.
    page.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Advanced").click()
    dialog.get_by_label("Most deliveries per second").fill("5")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("5 deliveries per second")).to_be_visible()
    status, answer = server.api("GET", f"/api/webhooks/{webhook_id}")
    assert answer["data"]["maxDeliveriesPerSecond"] == 5 and answer["data"]["circuit"]["state"] == "closed"

    before = len(receiver.received("/ok"))
    page.get_by_role("tab", name="Test").click()
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Delivered: 200")).to_be_visible()
    expect(page.get_by_role("cell", name="webhook-signature", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="X-Webhook-Signature", exact=True)).to_be_visible()
    sent = page.get_by_test_id("test-request-body").inner_text()
    got = receiver.received("/ok")[before:]
    assert len(got) == 1, got
    assert got[0]["body"] == sent
    Webhook(secret).verify(got[0]["body"], {k: v for k, v in got[0]["headers"].items() if k.startswith("webhook-")})

    open_view(page, "audit", "Audit log")
    expect(page.get_by_role("cell", name="webhook.created").first).to_be_visible()
    status, answer = server.api("GET", "/api/audit-logs?action=webhook.created")
    assert any(entry["targetId"] == webhook_id for entry in answer["data"])


def test_failed_delivery_renders_body_as_text_and_retries(page, server, receiver):
    webhook = make_webhook(server, "Flaky receiver", receiver.url("/flaky?n=2"), events=["contact.created"], maxRetries=0)
    status, published = server.api("POST", "/api/events", {"type": "contact.created", "data": {"id": "c-1"}})
    assert status in (200, 201, 202), published

    def delivery():
        _, logs = server.api("GET", f"/api/webhooks/logs?webhook_id={webhook['id']}")
        return logs["data"][0] if logs["data"] and logs["data"][0]["status"] == "failed" else None
    failed = wait_for(delivery, what="the delivery to fail")
    sign_in(page, server.admin_key)
    page.goto(f"/#/deliveries/{failed['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery of contact.created")
    expect(page.locator("pre.response-body").first).to_have_text("<script>alert(1)</script>")
    for attempt in (2, 3):
        page.get_by_role("button", name="Retry now").click()
        wait_for(lambda: server.api("GET", f"/api/webhooks/logs/{failed['id']}")[1]["data"]["attemptCount"] == attempt
                 and server.api("GET", f"/api/webhooks/logs/{failed['id']}")[1]["data"]["status"] != "pending", what=f"attempt {attempt}")
        page.reload()
        expect(page.get_by_role("article", name=f"Attempt {attempt}")).to_be_visible()
    expect(page.locator("main .badge").filter(has_text="succeeded")).to_be_visible()
    seen = [r for r in receiver.received("/flaky") if r["query"] == "n=2"]
    assert {r["headers"]["webhook-id"] for r in seen} == {failed["eventId"]}
    assert [r["headers"]["x-webhook-attempt"] for r in seen] == ["1", "2", "3"]


def test_rotation_shows_new_secret_once_and_signs_twice(page, server, receiver):
    webhook = make_webhook(server, "Rotating receiver", receiver.url("/ok"))
    sign_in(page, server.admin_key)
    page.goto(f"/#/webhooks/{webhook['id']}?tab=secret")
    page.get_by_label("Keep the old secret signing for (hours, 0–720)").fill("24")
    page.get_by_role("button", name="Rotate secret").click()
    new_secret = page.get_by_test_id("new-secret").inner_text()
    assert new_secret.startswith("whsec_") and new_secret != webhook["secret"]
    page.get_by_role("button", name="I have stored the secret").click()
    assert new_secret not in page.content()
    page.get_by_role("tab", name="Test").click()
    before = len(receiver.received("/ok"))
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Delivered: 200")).to_be_visible()
    request = receiver.received("/ok")[before]
    signatures = request["headers"]["webhook-signature"].split(" ")
    assert len([s for s in signatures if s.startswith("v1,")]) == 2, signatures
    headers = {k: v for k, v in request["headers"].items() if k.startswith("webhook-")}
    Webhook(new_secret).verify(request["body"], headers)
    Webhook(webhook["secret"]).verify(request["body"], headers)


def test_a_view_still_loading_does_not_replace_the_next_one(page, server, receiver):
    """The overview's data arrives after the user has opened a webhook: the webhook stays."""
    webhook = make_webhook(server, "Opened while the overview loads", receiver.url("/ok"))
    sign_in(page, server.admin_key)
    held = []
    page.route("**/api/webhooks/analytics*", lambda route: held.append(route))
    open_view(page, "webhooks", "Webhooks")
    page.goto("/#/overview")
    wait_for(lambda: held or page.wait_for_timeout(50), what="the overview's analytics request")
    page.goto(f"/#/webhooks/{webhook['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(webhook["name"])
    with page.expect_response(lambda response: "/api/webhooks/analytics" in response.url):
        held[0].continue_()
    page.unroute("**/api/webhooks/analytics*")
    page.wait_for_timeout(300)  # the overview's script runs on the answer
    expect(page.get_by_role("heading", level=1)).to_have_text(webhook["name"])


def test_api_key_shown_once_regenerated_and_revoked(page, server):
    sign_in(page, server.admin_key)
    open_view(page, "api-keys", "API keys")
    page.get_by_role("button", name="Create API key").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("CRM reader")
    dialog.get_by_label("read:webhooks").check()
    dialog.get_by_role("button", name="Create").click()
    plaintext = page.get_by_test_id("new-key").inner_text()
    assert plaintext.startswith("sbk_")
    assert server.api("GET", "/api/webhooks", key=plaintext)[0] == 200
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("new-key")).to_be_visible(), "Escape does not close it"
    page.get_by_role("button", name="I have copied it").click()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    assert plaintext not in page.content() and "sbk_" not in page_text_state(page)

    row = page.get_by_role("table", name="API keys").get_by_role("row").filter(has_text="CRM reader")
    row.get_by_role("button", name="Regenerate").click()
    page.get_by_role("dialog").get_by_role("button", name="Regenerate").click()
    regenerated = page.get_by_test_id("new-key").inner_text()
    assert regenerated != plaintext
    page.get_by_role("button", name="I have copied it").click()
    assert server.api("GET", "/api/webhooks", key=plaintext)[0] == 401
    assert server.api("GET", "/api/webhooks", key=regenerated)[0] == 200

    page.get_by_role("table", name="API keys").get_by_role("row").filter(has_text="CRM reader").get_by_role("button", name="Revoke").click()
    confirm = page.get_by_role("dialog")
    confirm.get_by_label("Name").fill("CRM reader")
    confirm.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("table", name="API keys").get_by_role("row").filter(has_text="CRM reader")).to_have_count(0)
    page.get_by_label("Show revoked").check()
    expect(page.get_by_role("table", name="API keys").get_by_role("row").filter(has_text="CRM reader").get_by_text("revoked")).to_be_visible()
    assert server.api("GET", "/api/webhooks", key=regenerated)[0] == 401


def test_analytics_cards_and_chart_match_the_api(browser, binaries, receiver, console, tmp_path):
    fresh = Server(binaries, str(tmp_path))
    try:
        make_webhook(fresh, "Good", receiver.url("/ok"), events=["contact.created"])
        make_webhook(fresh, "Bad", receiver.url("/fail"), events=["contact.deleted"], maxRetries=0)
        for index in range(7):
            fresh.api("POST", "/api/events", {"type": "contact.created", "data": {"n": index}})
        for index in range(3):
            fresh.api("POST", "/api/events", {"type": "contact.deleted", "data": {"n": index}})

        def finished():
            _, logs = fresh.api("GET", "/api/webhooks/logs?limit=50")
            return len([d for d in logs["data"] if d["status"] in ("succeeded", "failed")]) == 10
        wait_for(finished, what="10 finished deliveries")
        context = browser.new_context(base_url=fresh.base)
        page = watch(context.new_page(), console)
        sign_in(page, fresh.admin_key)
        cards = page.get_by_role("region", name="Figures")
        expect(cards.locator(".card").filter(has_text="Deliveries").locator(".figure")).to_have_text("10")
        expect(cards.locator(".card").filter(has_text="Success rate").locator(".figure")).to_have_text(re.compile(r"^70\s?%$"))
        since = page.evaluate("() => new URL(location.href).hash")
        _, analytics = fresh.api("GET", "/api/webhooks/analytics?since=" + urllib.request.quote(
            time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(time.time() - 23 * 3600))))
        rows = page.locator("figure.chart table tbody tr")
        table = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]
        api_rows = [[p["hour"], str(p["deliveries"]), str(p["successes"]), str(p["failures"]), "" if p["average_response_time"] is None else str(p["average_response_time"])] for p in analytics["data"]["series"]]
        busy_table = [row for row in table if row[1] != "0"]
        busy_api = [row for row in api_rows if row[1] != "0"]
        assert busy_table == busy_api and sum(int(r[1]) for r in busy_table) == 10, (since, busy_table, busy_api)
        context.close()
        assert console.unexpected() == []
    finally:
        fresh.stop()


class ForeignSite:
    """A page on another origin that posts a form to the console's API."""

    def __init__(self, target):
        page = f'<!doctype html><form method="post" action="{target}/api/webhooks"><input name="name" value="forged"></form>' \
               '<script>document.forms[0].submit()</script>'

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = page.encode() if self.path == "/" else b""
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{self.server.server_address[1]}/"


def test_permissions_csrf_and_revocation(page, context, server, console):
    console.expect(r"40[13]")
    webhook = make_webhook(server, "Read-only view", "http://127.0.0.1:9/ro")
    status, created = server.api("POST", "/api/api-keys", {"name": "viewer", "permissions": ["read:webhooks"]})
    assert status == 201
    sign_in(page, created["data"]["key"])
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link", name="API keys")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    open_view(page, "webhooks", "Webhooks")
    expect(page.get_by_role("button", name=re.compile("Create webhook"))).to_be_disabled()
    page.goto(f"/#/webhooks/{webhook['id']}")
    expect(page.get_by_role("button", name="Edit")).to_be_disabled()
    expect(page.get_by_role("button", name="Delete")).to_be_disabled()

    status = page.evaluate("""async () => (await fetch('/api/webhooks', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({name: 'no token', url: 'http://127.0.0.1:9/x', events: ['*']})})).status""")
    assert status == 403

    count = server.api("GET", "/api/webhooks?limit=100")[1]["pagination"]["total"]
    admin = context.browser.new_context(base_url=server.base)
    admin_page = watch(admin.new_page(), console)
    sign_in(admin_page, server.admin_key)
    foreign = ForeignSite(server.base)
    admin_page.goto(foreign.url)
    admin_page.wait_for_timeout(1000)
    foreign.server.shutdown()
    admin.close()
    assert server.api("GET", "/api/webhooks?limit=100")[1]["pagination"]["total"] == count

    server.api("DELETE", f"/api/api-keys/{created['data']['id']}")
    page.get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("revoked")


def test_security_headers_on_every_kind_of_answer(server):
    shell = urllib.request.urlopen(server.base + "/")
    html = shell.read().decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
    assert not re.search(r"\son[a-z]+=", html), "no inline handlers"
    assert shell.headers["Cache-Control"] == "no-cache"
    asset = re.search(r'src="(/assets/[0-9a-f]+/app\.js)"', html).group(1)
    answers = [shell, urllib.request.urlopen(server.base + asset), urllib.request.urlopen(server.base + "/health"),
               urllib.request.urlopen(server.base + "/openapi.json")]
    for path in ["/api/webhooks", "/nowhere", "/assets/0000/app.js"]:
        try:
            urllib.request.urlopen(server.base + path)
        except urllib.error.HTTPError as error:
            answers.append(error)
    assert answers[1].headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for answer in answers:
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "require-trusted-types-for 'script'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_accessibility_of_every_screen(page, server, receiver, theme):
    from axe_playwright_python.sync_playwright import Axe
    webhook = make_webhook(server, "Accessible receiver", receiver.url("/ok"))
    server.api("POST", f"/api/webhooks/{webhook['id']}/test", {})
    _, logs = server.api("GET", f"/api/webhooks/logs?webhook_id={webhook['id']}")
    page.emulate_media(color_scheme=theme)
    axe = Axe()
    page.goto("/")
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    assert results.violations_count == 0, results.generate_report()
    sign_in(page, server.admin_key)
    screens = SCREENS + [(f"webhooks/{webhook['id']}", "Accessible receiver"), (f"deliveries/{logs['data'][0]['id']}", "Delivery of webhook.test")]
    for view, heading in screens:
        open_view(page, view, heading)
        page.wait_for_timeout(200)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
        assert results.violations_count == 0, f"{view} ({theme}): {results.generate_report()}"


def test_keyboard_create_and_dialog_focus(page, server, receiver):
    sign_in(page, server.admin_key)
    open_view(page, "webhooks", "Webhooks")
    create = page.get_by_role("button", name="Create webhook").first
    create.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(create).to_be_focused()

    page.keyboard.press("Enter")
    # The dialog puts focus in its first field once it is built; typing before that loses keys.
    expect(page.get_by_role("dialog").get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("Keyboard receiver")
    page.keyboard.press("Tab")
    page.keyboard.type(receiver.url("/ok"))
    page.keyboard.press("Tab")  # description
    page.keyboard.press("Tab")  # all events
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("new-secret")).to_be_visible()
    page.get_by_role("button", name="I have stored the secret").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard receiver")
    page.get_by_role("tab", name="Test").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Send test event").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Delivered: 200")).to_be_visible()


def test_live_log_shows_deliveries_made_elsewhere(page, server, receiver):
    make_webhook(server, "Live receiver", receiver.url("/ok"), events=["property.created"])
    sign_in(page, server.admin_key)
    open_view(page, "deliveries", "Deliveries")
    page.get_by_role("checkbox", name="Live").check()
    expect(page.get_by_text("No new deliveries")).to_be_visible()
    started = time.time()
    status, _ = server.api("POST", "/api/events", {"type": "property.created", "data": {"id": "p-1"}})
    assert status in (200, 201, 202)
    expect(page.get_by_text(re.compile(r"^\d+\+? new — show$"))).to_be_visible(timeout=2000)
    assert time.time() - started < 2.5


def test_console_under_a_path_prefix(browser, binaries, receiver, console, tmp_path):
    """SWITCHBOARD_PATH_PREFIX: the console, its assets, the API it calls, the live log and
    /health all work under the prefix, and nothing of Switchboard's answers at the root."""
    fresh = Server(binaries, str(tmp_path), prefix="/tools/switchboard")
    try:
        make_webhook(fresh, "Under a prefix", receiver.url("/ok"), events=["contact.created"])
        root = f"http://127.0.0.1:{fresh.port}"
        with urllib.request.urlopen(fresh.base + "/health", timeout=5) as response:
            assert response.status == 200
        try:
            urllib.request.urlopen(root + "/health", timeout=5)
            raise AssertionError("/health answered outside the prefix")
        except urllib.error.HTTPError as error:
            assert error.code == 404
        context = browser.new_context(base_url=root)
        page = watch(context.new_page(), console)
        page.goto(fresh.base + "/")
        page.get_by_label("API key").fill(fresh.admin_key)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Overview").wait_for()
        page.goto(fresh.base + "/#/webhooks")
        expect(page.get_by_role("link", name="Under a prefix")).to_be_visible()
        page.goto(fresh.base + "/#/deliveries")
        expect(page.get_by_role("heading", level=1)).to_have_text("Deliveries")
        page.get_by_role("checkbox", name="Live").check()
        expect(page.get_by_test_id("live-count")).to_have_text("No new deliveries")
        fresh.api("POST", "/api/events", {"type": "contact.created", "data": {"n": 1}})
        expect(page.get_by_test_id("live-count")).to_have_text(re.compile(r"^1 new"))
        page.goto(fresh.base + "/#/system")
        expect(page.get_by_role("heading", level=1)).to_have_text("System")
        expect(page.locator("dd").filter(has_text=re.compile(r"^0\.\d+\.\d+$"))).to_be_visible()
        assert console.unexpected() == [], f"console errors: {console.unexpected()}"
        context.close()
    finally:
        fresh.stop()
