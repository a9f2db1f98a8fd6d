"""Browser tests: the demo shop built once, served live, visited with Debian's Chromium.

Playwright (through pytest-playwright's options and launch arguments) runs for this package
only. While it runs, its asyncio event loop counts as running in the test thread, and that
changes how Django behaves there: it refuses database queries unless DJANGO_ALLOW_ASYNC_UNSAFE
is set (safe here: nothing else runs in that thread), asgiref's ``async_to_sync`` refuses to
run, and ``django.db.connection`` becomes another connection object. So the ``playwright``
fixture below is package-scoped instead of session-scoped: the rest of the suite never runs
under Playwright's loop.
"""

import contextlib
import io
import os
import shutil
import threading
import time

import pytest
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import connection, connections
from django.test.utils import override_settings
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer
from wagtail.models import Site

from tests.browser.demo_pages import CHROMIUM_ARGS


def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed: `python3 dev.py test` installs it, "
            "or run `sudo apt-get install chromium`."
        )
    return path


@pytest.fixture(scope="package")
def playwright():
    """pytest-playwright's ``playwright`` fixture, for this package only (see above)."""
    allow = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        # The connections opened under Playwright's loop are not those of the rest of the
        # suite: close them, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()
        playwright.stop()
        if allow is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allow


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def browser(browser_type, browser_type_launch_args):
    browser = browser_type.launch(**browser_type_launch_args)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, with Debian's Chromium (`playwright install` is
    never needed)."""
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@contextlib.contextmanager
def select_theme(name):
    """Make ``name`` the theme of the demo site while the block runs; yields how it did so.

    The one place a test picks a theme. With the per-site ``ThemeSettings`` setting it is saved
    for the default site (committed, so a server in another thread or process sees it);
    without it, the project default ``CONTACTKIT_THEME`` is overridden, which a server in this
    process sees and which test_weight.py hands to gunicorn.
    """
    try:
        from contactkit.theming.models import ThemeSettings
    except ImportError:
        with override_settings(CONTACTKIT_THEME=name):
            yield "CONTACTKIT_THEME"
        return
    setting = ThemeSettings.for_site(Site.objects.get(is_default_site=True))
    previous = setting.theme
    setting.theme = name
    setting.save()
    try:
        yield "ThemeSettings"
    finally:
        setting.theme = previous
        setting.save()


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo shop (``load_demo_shop``) in the test database, served by a live server.

    Built once for every browser test: Django's live server runs in a thread of this process
    (sharing the in-memory SQLite connection, or with its own PostgreSQL connection), and the
    demo is committed so it sees it. Afterwards the database is put back exactly as the
    migrations left it (flush, then the rows serialised before), as ``serialized_rollback``
    would, so the rest of the suite starts from a clean database with Wagtail's root page and
    default site.
    """
    django_db_blocker.unblock()
    snapshot = connection.creation.serialize_db_to_string()
    overrides = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        # demoshop serves uploaded images only with DEBUG on; the tests add that route.
        ROOT_URLCONF="tests.browser.urls",
        # The demo's own default language (the tests' is English): Spanish pages without a
        # prefix, as in demo_pages.PAGES, English ones at /en/. Changing ROOT_URLCONF clears
        # the URL resolver's caches, so no address keeps the prefix of the tests' default.
        LANGUAGE_CODE="es",
        # The chat's panels poll here instead of streaming: this live server's threads share
        # ONE in-memory SQLite connection, and a stream's read in progress makes another
        # thread's savepoint fail ("SQL statements in progress"). Real servers give each
        # thread its own connection; the streams are tested in tests/launcher/test_sse.py.
        EVENTSTREAM_STORAGE_CLASS=None,
    )
    overrides.enable()
    server = None
    try:
        call_command("load_demo_shop", stdout=io.StringIO())
        server = LiveServer("127.0.0.1:0")
        site = Site.objects.get(is_default_site=True)
        site.hostname, site.port = "127.0.0.1", server.thread.port
        site.save()
        yield server
    finally:
        if server is not None:
            server.stop()
        overrides.disable()
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            inhibit_post_migrate=True,
            reset_sequences=False,
        )
        connection.creation.deserialize_db_from_string(snapshot)
        django_db_blocker.restore()


class _InFlight:
    """How many requests the live server is answering now (from Django's request signals)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **kwargs):
        with self.lock:
            self.count += 1

    def finished(self, **kwargs):
        with self.lock:
            self.count = max(0, self.count - 1)


IN_FLIGHT = _InFlight()
request_started.connect(IN_FLIGHT.started, dispatch_uid="browser_tests_in_flight_started")
request_finished.connect(IN_FLIGHT.finished, dispatch_uid="browser_tests_in_flight_finished")


@pytest.fixture(scope="module", autouse=True)
def requests_end_with_their_module():
    """The requests a module's closed browsers left in flight (a heartbeat, a poll, a save)
    are answered before the next module writes its own rows: the live server's threads share
    the tests' in-memory SQLite connection, which answers a writer "table is locked" while
    another thread's statement runs, instead of waiting."""
    yield
    deadline = time.monotonic() + 15
    while IN_FLIGHT.count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="module", autouse=True)
def chat_streams_end_with_their_module():
    """The live chat's event streams of a module's closed browsers end before the next module.

    A stream notices its browser left at its next keep-alive; until then it still reads the
    database now and then, and the tests' in-memory SQLite answers a writer in another thread
    "table is locked" rather than waiting. Streams say they are alive every second here, and
    the next module starts once this process serves none.
    """
    from contactkit.launcher import sse

    keep_alive = sse.KEEP_ALIVE_SECONDS
    sse.KEEP_ALIVE_SECONDS = 1
    yield
    deadline = time.monotonic() + 15
    while sse.open_streams() and time.monotonic() < deadline:
        time.sleep(0.1)
    sse.KEEP_ALIVE_SECONDS = keep_alive
