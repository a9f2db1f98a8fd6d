"""What each demo page costs over the wire, served as in production.

The demo (built by the ``demo`` fixture in the test database) is served by gunicorn with
demoshop.settings.production: DEBUG off, whitenoise, static files collected with
CompressedManifestStaticFilesStorage. Chromium loads each page in each theme and every response
is measured as it crossed the wire (headers + body, compressed as served):

- everything but images adds up to at most 30 KB (30 000 bytes) per page;
- every static file has the hashed name ManifestStaticFilesStorage gave it, is served compressed
  (gzip or brotli) and cached as immutable;
- nothing comes from another origin, so no third-party resource can block rendering.
"""

import sqlite3
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from contactkit.themes import discover
from tests.browser.conftest import select_theme
from tests.browser.demo_pages import LOCALE, PAGES
from tests.browser.production import ProductionDemo

pytestmark = pytest.mark.django_db

BUDGET = 30_000  # bytes over the wire per page, images excluded
# The launcher on every page has its own budget (its files at most 10 KB gzipped together,
# tests/launcher/test_assets.py): on the wire, those two files and their response headers.
LAUNCHER = ("contactkit/launcher.",)
LAUNCHER_BUDGET = 11_000
THEMES = sorted(discover(), key=lambda name: (name != "default", name))


@pytest.fixture(scope="module")
def production(demo, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("production")
    server = ProductionDemo(workdir, media_root=settings.MEDIA_ROOT)
    server.collectstatic(front_end_only=True)
    yield server
    server.stop()


def database_url_for(server):
    """A URL through which gunicorn reads the test database as it is now.

    An in-memory SQLite database is copied to a file (SQLite's backup API); a PostgreSQL test
    database is read directly, since the demo in it is committed.
    """
    if connection.vendor == "sqlite":
        path = server.workdir / "demo.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def pytest_generate_tests(metafunc):
    if "served" in metafunc.fixturenames:
        metafunc.parametrize("shop_page", list(PAGES))
        metafunc.parametrize("served", THEMES, indirect=True, scope="module")


@pytest.fixture(scope="module")
def served(request, production):
    """gunicorn serving the demo in one theme."""
    with select_theme(request.param) as how:
        production.database_url = database_url_for(production)
        production.start(theme=request.param if how == "CONTACTKIT_THEME" else None)
        yield production
        production.stop()


@pytest.fixture
def transfers(served, browser):
    """Load a page in a fresh context and return every response with its size on the wire."""
    contexts = []

    def load(path):
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale=LOCALE)
        contexts.append(context)
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        response = page.goto(served.url + path, wait_until="load")
        assert response.ok, f"{path} answered {response.status}"
        page.wait_for_load_state("networkidle")
        rows = []
        for request in finished:
            answer = request.response()
            sizes = request.sizes()
            rows.append(
                {
                    "url": request.url,
                    "type": request.resource_type,
                    "status": answer.status,
                    "encoding": answer.header_value("content-encoding") or "",
                    "cache": answer.header_value("cache-control") or "",
                    "bytes": sizes["responseHeadersSize"] + sizes["responseBodySize"],
                }
            )
        return rows

    yield load
    for context in contexts:
        context.close()


def table(rows):
    return "\n".join(
        f"  {row['bytes']:>7} B  {row['type']:<10} {row['encoding'] or '-':<5} {row['url']}"
        for row in rows
    )


def test_page_weight_and_static_files(served, transfers, shop_page):
    rows = transfers(PAGES[shop_page])
    origin = urlsplit(served.url)[:2]
    manifest_names = set(served.manifest().values())

    foreign = [row["url"] for row in rows if urlsplit(row["url"])[:2] != origin]
    assert foreign == [], "resources from another origin"

    failed = [row for row in rows if row["status"] >= 400]
    assert failed == [], "failed responses:\n" + table(failed)

    counted = [row for row in rows if row["type"] != "image"]
    launcher = [
        row
        for row in counted
        if urlsplit(row["url"]).path.removeprefix(settings.STATIC_URL).startswith(LAUNCHER)
    ]
    page = [row for row in counted if row not in launcher]
    weight = sum(row["bytes"] for row in page)
    print(f"\n{shop_page}: {weight} B over the wire without images\n{table(rows)}")
    assert weight <= BUDGET, f"{weight} B > {BUDGET} B:\n{table(page)}"
    launcher_weight = sum(row["bytes"] for row in launcher)
    assert launcher_weight <= LAUNCHER_BUDGET, f"launcher: {launcher_weight} B\n{table(launcher)}"

    static = [row for row in rows if urlsplit(row["url"]).path.startswith(settings.STATIC_URL)]
    assert {row["type"] for row in static} >= {"stylesheet"}
    for row in static:
        name = urlsplit(row["url"]).path.removeprefix(settings.STATIC_URL)
        assert name in manifest_names, f"{row['url']} is not a hashed (manifest) name"
        assert "immutable" in row["cache"], f"{row['url']} is not cached as immutable"
        if row["type"] in {"stylesheet", "script", "font"} and not name.endswith(".woff2"):
            assert row["encoding"] in {"gzip", "br"}, f"{row['url']} is not served compressed"
    scripts_and_styles = [row for row in counted if row["type"] in {"stylesheet", "script"}]
    assert all(row in static for row in scripts_and_styles), "CSS or JS not from STATIC_URL"
