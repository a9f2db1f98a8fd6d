"""The deployed shop (gunicorn, the production settings, Redis, a real SMTP server): its health
endpoint, its log lines, and emails that leave from the task worker, never from a request."""

import json
import socket
import time

import pytest
import requests
from bs4 import BeautifulSoup

from tests.deploy.servers import run_manage


def wait_for(condition, timeout=15, every=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def json_lines(text):
    """The JSON log lines of a server's stderr (gunicorn's own lines are plain text)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_health_says_ok_when_the_database_and_the_cache_answer(web):
    response = web.get("/contactkit/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"] == "application/json"


def test_without_redis_pages_are_served_and_health_says_degraded(web, redis_server):
    assert web.get("/quienes-somos/").status_code == 200
    redis_server.kill()
    try:
        for _ in range(4):  # both workers, each more than once
            health = web.get("/contactkit/health/")
            assert health.status_code == 200
            assert health.json() == {
                "status": "degraded",
                "checks": {"database": "ok", "cache": "unavailable"},
            }
            page = web.get("/quienes-somos/")
            assert page.status_code == 200 and "Quiénes somos" in page.text
        logged = json_lines(web.log_text())
        assert any(
            line["logger"] == "contactkit.cache" and "unreachable" in line["message"]
            for line in logged
        )
    finally:
        redis_server.start()
    # Redis is tried again a few seconds later, without restarting anything.
    assert wait_for(lambda: web.get("/contactkit/health/").json()["status"] == "ok", timeout=20)


def test_an_error_in_a_request_is_one_json_line_with_the_path(web):
    response = web.get("/deploy-test/fails/?email=ana@example.com")
    assert response.status_code == 500
    # The visitor sees no traceback.
    assert "Traceback" not in response.text and "DeliberateFailure" not in response.text

    def logged():
        return [
            line
            for line in json_lines(web.log_text())
            if line.get("path") == "/deploy-test/fails/" and line["level"] == "ERROR"
        ]

    lines = wait_for(logged)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["logger"] == "django.request"
    assert line["method"] == "GET" and line["status_code"] == 500
    assert line["message"] == "Internal Server Error: /deploy-test/fails/"
    assert (
        "DeliberateFailure: the view of /deploy-test/fails/ failed on purpose" in line["exc_info"]
    )
    assert "Traceback (most recent call last)" in line["exc_info"]
    assert set(line) >= {"time", "level", "logger", "message"}
    # The query string (a shopper's details, a token) is not logged.
    assert "ana@example.com" not in web.log_text()


class ContactForm:
    """The contact page opened by a shopper in a browser session of their own."""

    # The spam check refuses a form sent faster than a person types it.
    FILL_SECONDS = 3.5

    def __init__(self, web):
        self.web = web
        self.session = requests.Session()
        page = self.session.get(web.url + "/contacto/", timeout=30)
        assert page.status_code == 200
        form = BeautifulSoup(page.text, "html.parser").find("form", class_="ck-form")
        self.action = web.url + form["action"]
        self.fields = {
            field["name"]: field.get("value", "") for field in form.find_all("input", type="hidden")
        }
        self.opened_at = time.monotonic()

    def send(self, email, text):
        """The response and how long the server took to give it."""
        time.sleep(max(0, self.opened_at + self.FILL_SECONDS - time.monotonic()))
        started = time.monotonic()
        response = self.session.post(
            self.action,
            data={
                **self.fields,
                "name": "Ana García",
                "email": email,
                "topic": "product",
                "message": text,
                "consent": "on",
            },
            timeout=30,
            allow_redirects=False,
        )
        return response, time.monotonic() - started


@pytest.fixture(scope="module", autouse=True)
def forms(web):
    """Two shoppers who opened the contact page when the module started (the time they take
    to fill it in passes while the other tests run)."""
    return [ContactForm(web), ContactForm(web)]


def run_worker(shop):
    """The task worker of docs/deploy.md, with the same environment, once through the queue;
    the tasks it ran, from its JSON log lines."""
    worker = run_manage(shop.env, "db_worker", "--batch", "--no-startup-delay")
    return [line["message"] for line in json_lines(worker.stderr) if "state=" in line["message"]]


def test_emails_are_queued_in_the_request_and_sent_by_the_worker(shop, forms, smtp):
    email = "ana.garcia@example.com"
    response, _seconds = forms[0].send(email, "¿Hacéis envíos a Canarias?")
    assert response.status_code == 302
    # Stored and answered: nothing went to the mail server inside the request.
    time.sleep(0.5)
    assert smtp.to(email) == []

    ran = run_worker(shop)
    assert any(
        "path=contactkit.inbox.tasks.send_email_delivery state=SUCCESSFUL" in line for line in ran
    ), ran
    received = smtp.to(email)
    assert len(received) == 1
    assert "¿Hacéis envíos a Canarias?" in received[0].get_body(("plain",)).get_content()


class HungMailServer:
    """A mail server that takes the connection and then never says a word, on ``port``."""

    def __init__(self, port):
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))
        self.socket.listen(16)

    def close(self):
        self.socket.close()


def test_with_the_mail_server_hanging_a_shopper_is_answered_at_once(shop, web, forms, smtp):
    smtp.stop()
    hung = HungMailServer(smtp.port)
    try:
        response, seconds = forms[1].send("luis@example.com", "Pedido CA-1234")
        assert response.status_code == 302
        # Sending from the request would have waited for the server (EMAIL_TIMEOUT, 5 s).
        assert seconds < 3
        thanks = forms[1].session.get(web.url + response.headers["Location"], timeout=30)
        assert thanks.status_code == 200
    finally:
        hung.close()
        smtp.start()
    run_worker(shop)
    assert len(smtp.to("luis@example.com")) == 1
