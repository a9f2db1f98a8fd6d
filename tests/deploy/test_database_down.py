"""The database goes away under a running gunicorn: every page answers a clean 503 (translated,
with Retry-After, no traceback), the health endpoint says "unavailable", and the same processes
serve again, by themselves, once the database is back.

The database really is unreachable: on PostgreSQL, gunicorn reaches it through a port on
127.0.0.1 that refuses connections and cuts the open ones while down (servers.Forwarder); on
SQLite, its file's folder is not there while down.
"""

import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from bs4 import BeautifulSoup
from django.utils import translation
from django.utils.translation import gettext

from tests.deploy.servers import Forwarder, Gunicorn

PAGES = {"/": "es", "/contacto/": "es", "/quienes-somos/": "es", "/en/contact/": "en"}


class PostgresSwitch:
    """The shop's PostgreSQL database, behind a port that can be closed."""

    cuts_open_connections = True

    def __init__(self, database_url, workdir):
        parts = urlsplit(database_url)
        self.forwarder = Forwarder(parts.hostname or "127.0.0.1", parts.port or 5432)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.forwarder.port}"
        self.url = urlunsplit(
            parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
        )

    def up(self):
        self.forwarder.up()

    def down(self):
        self.forwarder.down()


class SQLiteSwitch:
    """A copy of the shop's SQLite database, whose folder is moved away while down."""

    cuts_open_connections = False

    def __init__(self, database_url, workdir):
        self.live = Path(workdir) / "database-live"
        self.parked = Path(workdir) / "database-parked"
        self.parked.mkdir()
        with sqlite3.connect(urlsplit(database_url).path) as source:
            with sqlite3.connect(self.parked / "shop.sqlite3") as copy:
                source.backup(copy)
        copy.close()
        source.close()
        self.url = f"sqlite:///{self.live / 'shop.sqlite3'}"

    def up(self):
        self.parked.rename(self.live)

    def down(self):
        self.live.rename(self.parked)


@pytest.fixture(scope="module")
def outage(shop, tmp_path_factory):
    """gunicorn on a database that is down when it starts; yields (server, switch)."""
    workdir = tmp_path_factory.mktemp("outage")
    switch = (PostgresSwitch if shop.postgres else SQLiteSwitch)(shop.database_url, workdir)
    # A Redis database of its own: no page cached by the other server answers here.
    redis_url = shop.env["REDIS_URL"].rsplit("/", 1)[0] + "/1"
    server = Gunicorn(
        {**shop.env, "DATABASE_URL": switch.url, "REDIS_URL": redis_url},
        workdir / "gunicorn.log",
    )
    server.start()
    try:
        yield server, switch
    finally:
        server.stop()
        if shop.postgres:
            switch.down()


def translated(message, language):
    with translation.override(language):
        return gettext(message)


def assert_unavailable_page(response, language):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Language"] == language
    html = BeautifulSoup(response.text, "html.parser")
    assert html.html["lang"] == language
    assert html.h1.get_text() == translated("We will be back in a moment", language)
    assert translated("Try again", language) in response.text
    # Short and plain: nothing of the failure, no inline script or style.
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite", "Server Error"):
        assert leak not in response.text
    assert not html.find("script") and not html.find(style=True) and not html.find("style")
    # Security headers, whichever middleware failed.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_while_the_database_is_down_every_page_answers_a_clean_503(outage):
    server, _switch = outage
    for path, language in PAGES.items():
        assert_unavailable_page(server.get(path), language)
    # A form sent meanwhile (by a shopper whose page came before the outage): the same page,
    # which says the message has to be sent again.
    token = "k" * 32
    posted = requests.post(
        server.url + "/contacto/",
        data={"csrfmiddlewaretoken": token, "email": "ana@example.com", "message": "Hola"},
        cookies={"csrftoken": token},
        timeout=30,
        allow_redirects=False,
    )
    assert_unavailable_page(posted, "es")
    assert translated(
        "If you were sending a message, it has not reached us: please send it again once this "
        "page is back.",
        "es",
    ) in BeautifulSoup(posted.text, "html.parser").get_text(" ", strip=True)
    # Staff in the admin (their session and user are in the database), and an address Wagtail's
    # redirects look up in the database.
    assert server.get("/admin/", cookies={"sessionid": "s" * 32}).status_code == 503
    # (Not a page address: Django's 404, then the redirects' lookup fails in their middleware.)
    assert_unavailable_page(server.get("/contactkit/nothing.here"), "es")


def test_json_clients_get_json(outage):
    server, _switch = outage
    response = server.get("/contacto/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json() == {
        "detail": translated(
            "This page cannot be shown right now because of a technical problem on our side. "
            "Please try again in a minute.",
            "es",
        )
    }


def test_health_says_unavailable(outage):
    server, _switch = outage
    response = server.get("/contactkit/health/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok"},
    }
    assert "no-store" in response.headers["Cache-Control"]


def test_the_503s_are_logged_with_their_path(outage):
    server, _switch = outage
    server.get("/quienes-somos/")
    text = server.log_text()
    lines = [line for line in text.splitlines() if '"path": "/quienes-somos/"' in line]
    assert any('"status_code": 503' in line and "contactkit.unavailable" in line for line in lines)


def all_served(server, path="/contacto/", times=6):
    return all(server.get(path).status_code == 200 for _ in range(times))


def wait_until(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


def test_the_same_processes_serve_again_once_the_database_is_back(outage):
    server, switch = outage
    pid = server.process.pid
    switch.up()
    assert wait_until(lambda: all_served(server))
    assert server.get("/contactkit/health/").json()["status"] == "ok"
    assert server.process.pid == pid and server.process.poll() is None

    if switch.cuts_open_connections:
        # Down again while each worker holds an open connection, as in a database restart.
        switch.down()
        for path, language in PAGES.items():
            # With a query string, never answered from the page cache (which may still answer
            # the plain address meanwhile, without the database).
            assert_unavailable_page(server.get(path + "?after=restart"), language)
        switch.up()
        assert wait_until(lambda: all_served(server))
        assert server.process.pid == pid
