"""The reliability tests: the demo shop as in production, on real parts that the tests break.

One :class:`~tests.production.parts.Stack` serves the whole session: a private PostgreSQL
cluster, a private Redis, a real SMTP server, two gunicorn servers (``A`` and ``B``, two
workers each, demoshop.settings.production), the task worker (``manage.py db_worker``) and
``manage.py contactkit_send_emails --loop``, the last two kept running as a service manager
would. Each test starts with every part up again (``stack`` heals what the previous test
broke). The machine's own PostgreSQL and Redis are never touched.

Every test here carries the ``production`` marker (``pytest -m production``); the soak lasts
``CONTACTKIT_SOAK_SECONDS`` (20 by default; bench/soak.py runs the same for minutes).
"""

import os
import time

import pytest

from tests.production.parts import STAFF_PASSWORD, STAFF_USERNAME, Stack
from tests.production.traffic import Staff

SOAK_SECONDS = float(os.environ.get("CONTACTKIT_SOAK_SECONDS", "20"))
SOAK_THREADS = int(os.environ.get("CONTACTKIT_SOAK_THREADS", "4"))

# The order that costs least: the soak first (its emails' retries come due while the other
# tests run), the two servers, then the faults, whose last test checks every email of the run.
MODULE_ORDER = ("test_soak.py", "test_two_servers.py", "test_faults.py")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "production: against gunicorn, PostgreSQL, Redis and SMTP started by the test "
        "(tests/production; slow: run as a step of its own)",
    )


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)

    def rank(item):
        path = str(item.path)
        if not path.startswith(here):
            return -1
        name = os.path.basename(path)
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    # sorted() is stable: tests keep their order within a module.
    items[:] = sorted(items, key=rank)


@pytest.fixture(scope="session")
def running_stack():
    """Every part started once for the session, and stopped (by PID) at its end."""
    stack = Stack()
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    print(
        f"\nproduction stack: ready in {stack.started_in:.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in stack.shop.timings.items())})"
    )
    yield stack
    started = time.monotonic()
    stack.stop()
    print(f"\nproduction stack: stopped in {time.monotonic() - started:.0f} s {stack.stop_timings}")


@pytest.fixture
def stack(running_stack, request):
    """The running stack, healed: every part that a previous test took down is up again."""
    running_stack.heal()
    request.node.production_stack = running_stack
    return running_stack


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report ends with the last lines of every part's log."""
    report = yield
    stack = getattr(item, "production_stack", None)
    if stack is not None and report.failed:
        report.sections.append(("production logs", stack.shop.logs()))
    return report


@pytest.fixture
def staff(stack):
    """Lucía, signed in to the admin (through server A; the session is in the database)."""
    browser = Staff()
    browser.log_in(stack.a.url, STAFF_USERNAME, STAFF_PASSWORD)
    yield browser
    browser.close()
