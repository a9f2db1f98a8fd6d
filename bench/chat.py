#!/usr/bin/env python3
"""Live chat: reply latency and how many open chats one web process holds, beside baselines.

    .venvs/test-py311/bin/python bench/chat.py                  # about 9 minutes on 2 cores, SQLite
    .venvs/test-py311/bin/python bench/chat.py --write-docs     # and update docs/bench-chat.md
    .venvs/test-py311/bin/python bench/chat.py --database-url postgres://postgres@127.0.0.1/ck_bench

Run it with a Python that has contactkit[test] installed (Django, gunicorn, the demo's
dependencies). What it does, in a throw-away folder (``--out``, else a new temporary one):

1. builds the demo (``migrate``, ``load_demo_shop``) in a SQLite database of its own, or in the
   PostgreSQL database ``--database-url`` names (one you can throw away: the demo is loaded into
   it); makes a staff member available for chat (a ``ChatPresence`` row, refreshed every 10 s
   while the run lasts) and takes the opening hours off the demo's chat channel, so that a chat
   can be started at any hour the script runs;
2. serves the demo as in production (demoshop.settings.production through
   tests/browser/production_settings.py, DEBUG off) with gunicorn, ONE worker process, on
   127.0.0.1 and a free port. gunicorn is started with no shell in between and stopped by its
   own PID (also on Ctrl-C). The settings add, in the throw-away folder, only what a benchmark
   needs: no per-address API limit (every simulated shopper comes from 127.0.0.1), a dummy
   email backend, and a trivial ``/bench/ping`` view behind the same middleware;
3. measures, all in the same run:
   - baselines: requests per second, one client after another without pause (``--clients``
     at once), of ``/bench/ping`` (the middleware alone), ``GET /contactkit/api/launcher``,
     and ``GET /contactkit/api/chats/<token>/events`` (the call every open chat makes);
   - reply latency: ``--chats`` chats started through ``POST /contactkit/api/chats``, each
     asking for events every ``CONTACTKIT_CHAT_POLL_SECONDS`` after the previous answer, as
     the launcher's panel does; staff replies sent at a known instant with
     ``contactkit.launcher.chat.chat_reply`` (stored, logged, published to the chat's stream)
     from this process, that is from another process than the server's, as a reply sent
     through another web process would be; the time until the shopper's client has the reply
     (median, p95);
   - open chats held: the same clients, ramped up (``--levels``) for ``--step`` seconds per
     level, with replies written all along and each shopper writing a line (with a typing
     call before it) about every ``--say-every`` seconds; the ramp stops when the p95 of the
     events call passes 2 s or a call fails. The largest level under 2 s is the answer;
   - if the API has an SSE stream for a chat (a django-eventstream ``.../stream`` endpoint,
     found by trying ``--stream-url`` or the usual addresses), the same latency and ramp with
     open streams instead of polling, served by a gthread worker with a thread per stream;
4. prints a table and writes <out>/summary.json; ``--write-docs`` also replaces the "Latest
   run" section of docs/bench-chat.md.

The client threads run in this process, on the same machine as the server: on a small machine
they take CPU from it, which the numbers include.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "bench-chat.md"
DOCS_START = "<!-- bench/chat.py: latest run (start) -->"
DOCS_END = "<!-- bench/chat.py: latest run (end) -->"
WSGI_APPLICATION = "demoshop.wsgi:application"
# The limit the issue sets: a reply reaches the shopper within 2 seconds.
LIMIT_SECONDS = 2.0
# Where a chat's SSE stream may be, tried in order ({token} is the chat's token).
STREAM_CANDIDATES = (
    "/contactkit/api/chats/{token}/stream",
    "/contactkit/chats/{token}/stream",
    "/contactkit/api/chats/{token}/events/stream",
)
STAFF_USERNAME = "bench-staff"

SETTINGS_MODULE = '''"""bench/chat.py: the demo's production settings, and what the bench needs."""

import os

from tests.browser.production_settings import *  # noqa: F403

ROOT_URLCONF = "bench_chat_urls"
# Every simulated shopper calls from 127.0.0.1: the per-address limit would stop them all.
CONTACTKIT_API_RATE_LIMIT_IP = None
CONTACTKIT_API_RATE_LIMIT_ORIGIN = None
# --cache database (the default): a cache every process shares, as production needs (staff's
# replies come from another process than the server's); --cache locmem: the process's own.
if os.environ.get("BENCH_CHAT_CACHE", "database") == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bench_chat_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# New chats queue the usual emails; nothing is sent.
globals().update(mail_settings("django.core.mail.backends.dummy.EmailBackend"))  # noqa: F405
'''

URLS_MODULE = '''"""bench/chat.py: the demo's URLs, and a trivial view behind the middleware."""

from demoshop.urls import urlpatterns as demo_urlpatterns
from django.http import HttpResponse
from django.urls import path


def ping(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/ping", ping), *demo_urlpatterns]
'''

SETUP_CODE = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Site
from contactkit.launcher.models import ChatPresence
from contactkit.profile.models import ContactChannel

site = Site.objects.get(is_default_site=True)
chats = ContactChannel.objects.filter(site=site, kind="chat", chat_provider="contactkit")
if not chats.exists():
    raise SystemExit("The demo has no native chat channel (kind chat, provider contactkit).")
for channel in chats:
    channel.hours.all().delete()
    channel.exceptions.all().delete()
user, _ = get_user_model().objects.get_or_create(
    username=%(username)r,
    defaults={"email": "bench-staff@ceramica-alba.example", "first_name": "Lucía"},
)
user.is_staff = user.is_superuser = True
user.save()
ChatPresence.objects.update_or_create(
    user=user, site=site, defaults={"available": True, "seen_at": timezone.now()}
)
print(json.dumps({"site": site.pk, "user": user.pk}))
"""


# --- numbers -------------------------------------------------------------------------------


def percentile(values, fraction):
    """The ``fraction`` percentile of ``values`` (nearest rank), or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def summary(values):
    return {
        "count": len(values),
        "median": statistics.median(values) if values else None,
        "p95": percentile(values, 0.95),
        "max": max(values) if values else None,
    }


def ms(value):
    return "-" if value is None else f"{value * 1000:.0f} ms"


# --- the server ----------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Demo:
    """The throw-away demo: its database, its settings, and one gunicorn at a time."""

    def __init__(self, workdir, database_url, python, cache="database"):
        self.cache = cache
        self.workdir = workdir
        self.database_url = database_url
        self.python = python
        self.secret_key = secrets.token_urlsafe(40)
        self.process = None
        self.url = None
        self.log = None
        (workdir / "bench_chat_settings.py").write_text(SETTINGS_MODULE)
        (workdir / "bench_chat_urls.py").write_text(URLS_MODULE)
        for folder in ("static", "media"):
            (workdir / folder).mkdir(exist_ok=True)

    def env(self):
        paths = [str(self.workdir), str(ROOT / "site"), str(ROOT)]
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "DJANGO_SETTINGS_MODULE": "bench_chat_settings",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "CONTACTKIT_STATIC_ROOT": str(self.workdir / "static"),
            "CONTACTKIT_MEDIA_ROOT": str(self.workdir / "media"),
            "SECURE_COOKIES": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "BENCH_CHAT_CACHE": self.cache,
        }

    def manage(self, *args):
        command = [self.python, str(ROOT / "site" / "manage.py"), *map(str, args)]
        result = subprocess.run(  # noqa: S603
            command, env=self.env(), cwd=ROOT, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise SystemExit(
                f"manage.py {' '.join(map(str, args[:2]))} failed:\n{result.stdout}\n"
                f"{result.stderr}"
            )
        return result.stdout

    def build(self):
        self.manage("migrate", "--noinput")
        if self.cache == "database":
            self.manage("createcachetable")
        self.manage("load_demo_shop")
        found = self.manage("shell", "-c", SETUP_CODE % {"username": STAFF_USERNAME})
        return json.loads(found.strip().splitlines()[-1])

    def start(self, worker_class="sync", threads=1, timeout=60):
        if self.process is not None:
            raise RuntimeError("A server is already running.")
        import gunicorn

        port = free_port()
        self.log = self.workdir / f"gunicorn-{worker_class}.log"
        command = [
            self.python,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "--backlog",
            "4096",
            "--error-logfile",
            str(self.log),
        ]
        if gunicorn.version_info >= (27,):
            command.append("--no-control-socket")
        command.append(WSGI_APPLICATION)
        # No shell in between: Popen.pid is gunicorn's master, and only that PID is stopped.
        self.process = subprocess.Popen(  # noqa: S603
            command, env=self.env(), cwd=ROOT, stdout=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code, self.process = self.process.returncode, None
                raise SystemExit(f"gunicorn exited ({code}):\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                status, _body, _seconds = request(port, "GET", "/bench/ping", timeout=5)
                if status == 200:
                    self.port = port
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not answer:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # gunicorn's workers, by PID: a gthread worker whose threads still hold streams may
        # outlive its master's quick shutdown, and is then ended here.
        workers = children(process.pid)
        os.kill(process.pid, signal.SIGINT)  # gunicorn's quick shutdown, this PID only
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        deadline = time.monotonic() + 5
        for pid in workers:
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines=30):
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def children(pid):
    """The PIDs of ``pid``'s child processes (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # "pid (name) state ppid ...": the name may hold spaces, so read after ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours is gone for this purpose.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


# --- HTTP ----------------------------------------------------------------------------------


def request(port, method, path, body=None, timeout=30):
    """One call on a new connection: (status, parsed JSON or bytes, seconds taken)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept": "application/json", "Connection": "close"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        seconds = time.monotonic() - started
        data = raw
        if response.getheader("Content-Type", "").startswith("application/json"):
            data = json.loads(raw or b"null")
        return response.status, data, seconds
    finally:
        connection.close()


class Results:
    """What the clients saw: each call, and when each reply reached its shopper."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []  # (finished at, seconds, ok, what)
        self.errors = []
        self.written = {}  # reply marker -> monotonic time it was committed
        self.seen = {}  # reply marker -> monotonic time its shopper's client had it

    def call(self, finished, seconds, ok, what, detail=""):
        self.calls.append((finished, seconds, ok, what))
        if not ok and len(self.errors) < 20:
            self.errors.append(f"{what}: {detail}")

    def saw(self, body, at):
        if body.startswith("bench-reply ") and body not in self.seen:
            self.seen[body] = at

    def window(self, start, end, what):
        found = [c for c in self.calls if start <= c[0] < end and c[3] == what]
        return [c[1] for c in found if c[2]], sum(1 for c in found if not c[2])

    def latencies(self, start, end):
        """Reply-to-seen seconds of the replies written in [start, end), and how many of them
        are not seen yet. A reply not seen yet counts with its age so far (a lower bound) once
        that is over the limit, so that late replies are never left out of the percentiles."""
        now = time.monotonic()
        got, missed = [], 0
        for marker, written in list(self.written.items()):
            if not start <= written < end:
                continue
            seen = self.seen.get(marker)
            if seen is not None:
                got.append(seen - written)
            elif now - written > LIMIT_SECONDS:
                got.append(now - written)
                missed += 1
        return got, missed


class Shopper(threading.Thread):
    """One open chat: polls its events as the launcher's panel does, writes now and then."""

    def __init__(self, port, token, results, stop, *, poll, say_every, stream_path=None):
        super().__init__(daemon=True)
        self.port = port
        self.token = token
        self.results = results
        self.stop = stop
        self.poll = poll
        self.say_every = say_every
        self.stream_path = stream_path
        self.last = 0

    def run(self):
        # Chats do not all ask at the same instant.
        if self.stop.wait(random.uniform(0, self.poll)):  # noqa: S311
            return
        if self.stream_path:
            # The panel writes with its own calls while its stream stays open.
            if self.say_every:
                threading.Thread(target=self.keep_saying, daemon=True).start()
            self.listen()
        else:
            self.poll_events()

    def next_line_at(self):
        if not self.say_every:
            return float("inf")
        return time.monotonic() + random.uniform(0.5, 1.5) * self.say_every  # noqa: S311

    def maybe_say(self, say_at):
        """Every so often the shopper types (a typing call) and sends a line."""
        if time.monotonic() < say_at:
            return say_at
        base = f"/contactkit/api/chats/{self.token}"
        for what, path, body, expected in (
            ("typing", f"{base}/typing", None, 204),
            ("message", f"{base}/messages", {"body": "¿Y el envío a Canarias?"}, 201),
        ):
            try:
                status, data, seconds = request(self.port, "POST", path, body)
                self.results.call(time.monotonic(), seconds, status == expected, what, status)
            except OSError as error:
                self.results.call(time.monotonic(), 0, False, what, repr(error))
        return self.next_line_at()

    def keep_saying(self):
        say_at = self.next_line_at()
        while not self.stop.wait(0.5):
            say_at = self.maybe_say(say_at)

    def poll_events(self):
        path = f"/contactkit/api/chats/{self.token}/events?after="
        say_at = self.next_line_at()
        while not self.stop.is_set():
            try:
                status, data, seconds = request(self.port, "GET", path + str(self.last))
            except OSError as error:
                self.results.call(time.monotonic(), 0, False, "events", repr(error))
            else:
                now = time.monotonic()
                ok = status == 200 and isinstance(data, dict)
                self.results.call(now, seconds, ok, "events", f"{status} {str(data)[:120]}")
                if ok:
                    for line in data["messages"]:
                        self.last = max(self.last, line["id"])
                        self.results.saw(line["body"], now)
            say_at = self.maybe_say(say_at)
            # The panel asks again CHAT_POLL_SECONDS after the answer (launcher.js).
            self.stop.wait(self.poll)

    def listen(self):
        """An SSE stream, kept open; a reply is seen when an event carrying it arrives."""
        while not self.stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection = connection
            started = time.monotonic()
            try:
                connection.request(
                    "GET",
                    self.stream_path.format(token=self.token),
                    headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"},
                )
                response = connection.getresponse()
                opened = time.monotonic()
                ok = response.status == 200
                self.results.call(opened, opened - started, ok, "stream-open", response.status)
                if not ok:
                    self.stop.wait(self.poll)
                    continue
                data = []
                while not self.stop.is_set():
                    line = response.fp.readline()
                    if not line:
                        break  # the server ended the stream: open it again, as EventSource does
                    line = line.decode("utf-8", "replace").rstrip("\r\n")
                    if line.startswith("data:"):
                        data.append(line[5:].lstrip())
                    elif not line and data:
                        self.seen_event("\n".join(data), time.monotonic())
                        data = []
            except (OSError, http.client.HTTPException) as error:
                if not self.stop.is_set():
                    self.results.call(time.monotonic(), 0, False, "stream", repr(error))
                    self.stop.wait(self.poll)
            finally:
                connection.close()

    def abort(self):
        """Ends an open stream at once (the reading thread is left waiting otherwise)."""
        connection = getattr(self, "connection", None)
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    def seen_event(self, text, at):
        for marker in re.findall(r"bench-reply [0-9a-f]+", text):
            self.results.saw(marker, at)


# --- the database, from this process -------------------------------------------------------


class Staff:
    """Staff's side through the ORM: presence kept fresh, replies written at a known instant."""

    def __init__(self, demo, ids):
        os.environ.update({k: v for k, v in demo.env().items() if k != "PYTHONPATH"})
        sys.path[:0] = [str(demo.workdir), str(ROOT / "site"), str(ROOT)]
        import django

        django.setup()
        from django.db import connections

        self.connections = connections
        from django.contrib.auth import get_user_model

        self.site_id = ids["site"]
        self.user_id = ids["user"]
        self.user = get_user_model().objects.get(pk=self.user_id)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.keep_present, daemon=True)
        self.thread.start()

    def keep_present(self):
        from django.utils import timezone

        from contactkit.launcher.models import ChatPresence

        while not self.stop.is_set():
            ChatPresence.objects.filter(user_id=self.user_id, site_id=self.site_id).update(
                available=True, seen_at=timezone.now()
            )
            self.stop.wait(10)
        self.connections.close_all()

    def conversation_id(self, token):
        from contactkit.inbox.models import Conversation

        return Conversation.objects.only("pk").get(reply_token=token.split("-", 1)[0]).pk

    def reply(self, conversation_id, results):
        """Staff's answer as the admin's live panel sends it (``chat.chat_reply``: stored,
        logged, and published to the chat's stream). Its instant is taken just before."""
        from contactkit.inbox.actions import NotInInbox
        from contactkit.inbox.models import Conversation
        from contactkit.launcher import chat

        conversation = Conversation.objects.select_related("site").get(pk=conversation_id)
        # The shopper is in the chat (they poll or stream): no email, as in the server.
        chat.mark_shopper_seen(conversation)
        marker = f"bench-reply {secrets.token_hex(8)}"
        started = time.monotonic()
        try:
            chat.chat_reply(conversation, marker, user=self.user)
        except NotInInbox:  # a chat held for review (spam checks) takes no reply
            return
        results.written[marker] = started

    def close(self):
        self.stop.set()
        self.thread.join(timeout=15)


def replier(staff, chats, results, stop, every):
    """Writes a reply to a random open chat every ``every`` seconds (on average)."""
    while not stop.wait(random.expovariate(1 / every)):  # noqa: S311
        if chats:
            staff.reply(random.choice(chats), results)  # noqa: S311
    staff.connections.close_all()


# --- the measurements ----------------------------------------------------------------------


def start_chats(demo, staff, site, count, start_number=0):
    """``count`` chats started as the panel starts them; their tokens and conversation ids."""
    found = []
    for number in range(start_number, start_number + count):
        status, data, _seconds = request(
            demo.port,
            "POST",
            "/contactkit/api/chats",
            {
                "site": site,
                "lang": "es",
                "name": f"Cliente {number}",
                "email": f"cliente{number}@correo.example",
                "message": "Hola, ¿tenéis el jarrón azul en stock?",
                "website": "",
                "source": "launcher",
            },
        )
        if status != 201:
            raise SystemExit(f"POST /contactkit/api/chats answered {status}: {data}")
        found.append((data["token"], staff.conversation_id(data["token"])))
    return found


def hammer(port, path, seconds, clients):
    """Calls of ``path`` one after another by ``clients`` threads: calls/s and latencies."""
    stop = threading.Event()
    times, errors = [], []

    def client():
        while not stop.is_set():
            try:
                status, _data, took = request(port, "GET", path)
            except OSError as error:
                errors.append(repr(error))
                continue
            (times if status == 200 else errors).append(took if status == 200 else status)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    request(port, "GET", path)  # warm
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    elapsed = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=30)
    return {
        "path": re.sub(r"chats/[^/]+/", "chats/<token>/", path),
        "per_second": len(times) / elapsed,
        "errors": len(errors),
        **summary(times),
    }


class Run:
    """Open chats against one server: started, ramped, and stopped together."""

    def __init__(self, demo, staff, site, results, args, stream_path=None):
        self.demo = demo
        self.staff = staff
        self.site = site
        self.results = results
        self.args = args
        self.stream_path = stream_path
        self.stop = threading.Event()
        self.shoppers = []
        self.conversations = []
        self.replier = None

    def grow(self, count, say_every):
        new = start_chats(
            self.demo,
            self.staff,
            self.site,
            count - len(self.shoppers),
            start_number=self.args.chat_numbers,
        )
        self.args.chat_numbers += len(new)
        for token, conversation_id in new:
            shopper = Shopper(
                self.demo.port,
                token,
                self.results,
                self.stop,
                poll=self.args.poll,
                say_every=say_every,
                stream_path=self.stream_path,
            )
            shopper.start()
            self.shoppers.append(shopper)
            self.conversations.append(conversation_id)

    def replies(self, every):
        self.replier = threading.Thread(
            target=replier,
            args=(self.staff, self.conversations, self.results, self.stop, every),
            daemon=True,
        )
        self.replier.start()

    def close(self):
        self.stop.set()
        for shopper in self.shoppers:
            shopper.abort()
        for shopper in self.shoppers:
            shopper.join(timeout=35)
        if self.replier:
            self.replier.join(timeout=15)


def measure_latency(demo, staff, site, args, stream_path=None):
    results = Results()
    run = Run(demo, staff, site, results, args, stream_path)
    try:
        run.grow(args.chats, say_every=0)
        time.sleep(args.poll + 1)  # every client has asked once
        run.replies(args.reply_every)
        start = time.monotonic()
        time.sleep(args.latency_seconds)
        end = time.monotonic()
        time.sleep(3)  # the last replies reach their shoppers
    finally:
        run.close()
    got, missed = results.latencies(start, end)
    calls, errors = results.window(start, end, "stream-open" if stream_path else "events")
    return {
        "chats": args.chats,
        "latency": summary(got),
        "missed": missed,
        "call": summary(calls),
        "errors": errors,
    }


def ramp(demo, staff, site, args, stream_path=None):
    results = Results()
    run = Run(demo, staff, site, results, args, stream_path)
    rows = []
    try:
        run.replies(args.reply_every)
        for level in args.levels:
            started = time.monotonic()
            run.grow(level, say_every=args.say_every)
            grown = time.monotonic() - started
            # The new clients settle (each asks once) before anything counts.
            time.sleep(args.poll + 1)
            start = time.monotonic()
            time.sleep(args.step)
            end = time.monotonic()
            time.sleep(min(3.0, args.step / 3))
            calls, errors = results.window(start, end, "stream-open" if stream_path else "events")
            writes, write_errors = [], 0
            for what in ("message", "typing"):
                found, failed = results.window(start, end, what)
                writes += found
                write_errors += failed
            got, missed = results.latencies(start, end)
            row = {
                "open_chats": level,
                "events_per_second": len(calls) / (end - start) if not stream_path else None,
                "events": summary(calls),
                "writes": summary(writes),
                "latency": summary(got),
                "missed": missed,
                "errors": errors + write_errors,
                "start_seconds": grown,
            }
            rows.append(row)
            print_ramp_row(row, stream_path)
            worst = row["latency"]["p95"] if stream_path else row["events"]["p95"]
            if row["errors"] or worst is None or worst > LIMIT_SECONDS:
                if results.errors:
                    print("  first errors: " + "; ".join(results.errors[:3]), flush=True)
                break
    finally:
        run.close()
    held = held_levels(rows, stream_path)
    return {
        "levels": rows,
        "held": max(held) if held else 0,
        "last_tried": rows[-1]["open_chats"] if rows else 0,
    }


def held_levels(rows, stream_path):
    found = []
    for row in rows:
        worst = row["latency"]["p95"] if stream_path else row["events"]["p95"]
        if row["errors"] or worst is None or worst > LIMIT_SECONDS:
            break
        found.append(row["open_chats"])
    return found


def print_ramp_row(row, stream_path):
    rate = "" if stream_path else f"{row['events_per_second']:6.1f} events/s, "
    print(
        f"  {row['open_chats']:5d} open: {rate}events p50 {ms(row['events']['median'])}"
        f" p95 {ms(row['events']['p95'])}; reply seen p50 {ms(row['latency']['median'])}"
        f" p95 {ms(row['latency']['p95'])} ({row['latency']['count']} replies,"
        f" {row['missed']} not seen); writes p95 {ms(row['writes']['p95'])};"
        f" {row['errors']} errors",
        flush=True,
    )


def find_stream(candidates):
    """The first of ``candidates`` the URLconf routes to a view (not to Wagtail's pages)."""
    from django.urls import Resolver404, resolve

    for template in candidates:
        try:
            path = template.replace("{token}", "0-0-0").split("?")[0]
            match = resolve(path)
        except Resolver404:
            continue
        if not match.func.__module__.startswith("wagtail."):
            return template
    return None


def open_stream(demo, token, template):
    """Whether ``template`` answers a chat's stream (on a server that can hold it open)."""
    connection = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=10)
    try:
        connection.request(
            "GET", template.format(token=token), headers={"Accept": "text/event-stream"}
        )
        response = connection.getresponse()
        kind = response.getheader("Content-Type", "")
        return response.status, kind
    finally:
        connection.close()


# --- the report ----------------------------------------------------------------------------


def machine(database_url, cache):
    import django
    import gunicorn

    load = os.getloadavg()
    if database_url.startswith("sqlite"):
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version} (WAL, file in a temporary folder)"
    else:
        database = urllib.parse.urlsplit(database_url)._replace(netloc="…").geturl()
        database = f"PostgreSQL ({database})"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "uname_m": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "database": database,
        "cache": {
            "database": "Django's database cache (shared by every process)",
            "locmem": "local memory (each process its own)",
        }[cache],
        "load_average_at_start": [round(x, 2) for x in load],
    }


def table(report):
    lines = []
    info = report["machine"]
    lines.append(f"Date: {info['date']}")
    lines.append("")
    lines.append(
        f"Machine: uname -m {info['uname_m']}, {info['cpus']} CPUs, Python {info['python']},"
        f" Django {info['django']}, gunicorn {info['gunicorn']}; {info['database']};"
        f" cache: {info['cache']}."
    )
    lines.append(
        f"Load average at start {info['load_average_at_start']}, at end"
        f" {info.get('load_average_at_end')}."
    )
    lines.append("")
    lines.append(
        "Baselines: one gunicorn process, sync worker, "
        f"{report['args']['clients']} clients calling without pause"
    )
    lines.append("")
    lines.append("| call | calls/s | p50 | p95 | errors |")
    lines.append("|---|---:|---:|---:|---:|")
    for row in report["baselines"]:
        lines.append(
            f"| `GET {row['path']}` | {row['per_second']:.0f} | {ms(row['median'])} |"
            f" {ms(row['p95'])} | {row['errors']} |"
        )
    lines.append("")
    lines.append(
        f"Reply latency: {report['args']['chats']} open chats, a staff reply every"
        f" {report['args']['reply_every']} s (chat.chat_reply, from another process than the"
        " server's); from the call to chat_reply to the shopper's client having the reply"
    )
    lines.append("")
    lines.append("| transport | worker | replies | p50 | p95 | max | not seen |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for name, found in report["transports"].items():
        lat = found["latency"]["latency"]
        lines.append(
            f"| {name} | {found['worker']} | {lat['count']} | {ms(lat['median'])} |"
            f" {ms(lat['p95'])} | {ms(lat['max'])} | {found['latency']['missed']} |"
        )
    lines.append("")
    lines.append(
        f"Open chats one process holds: ramp {report['args']['levels']}, {report['args']['step']}"
        f" s measured per level, each shopper writing about every {report['args']['say_every']}"
        f" s, a staff reply every {report['args']['reply_every']} s. Held: no failed call and"
        f" a p95 of at most {LIMIT_SECONDS:.0f} s for the events call (SSE: for reply seen)."
        ' "events" is the polling call (SSE: opening the stream); "writes" the'
        ' shoppers\' typing and message calls; "not seen": replies still unseen after'
        f" {LIMIT_SECONDS:.0f} s when the level ended (counted in reply seen with their age)"
    )
    lines.append("")
    lines.append(
        "| transport | open chats | events/s | events p50 | events p95 | reply seen p50 |"
        " reply seen p95 | writes p95 | errors | not seen |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, found in report["transports"].items():
        for row in found["ramp"]["levels"]:
            rate = "-" if row["events_per_second"] is None else f"{row['events_per_second']:.0f}"
            lines.append(
                f"| {name} | {row['open_chats']} | {rate} | {ms(row['events']['median'])} |"
                f" {ms(row['events']['p95'])} | {ms(row['latency']['median'])} |"
                f" {ms(row['latency']['p95'])} | {ms(row['writes']['p95'])} |"
                f" {row['errors']} | {row['missed']} |"
            )
    lines.append("")
    for name, found in report["transports"].items():
        ramp_found = found["ramp"]
        stopped = (
            "the ramp's last level"
            if ramp_found["held"] == ramp_found["last_tried"]
            else f"{ramp_found['last_tried']} did not"
        )
        lines.append(
            f"- {name} ({found['worker']}): held {ramp_found['held']} open chats ({stopped})."
        )
    if "sse" not in report["transports"]:
        lines.append(f"- SSE: {report['sse']}")
    return "\n".join(lines)


def write_docs(text, command, seconds):
    block = (
        f"{DOCS_START}\n\n- Command: `{command}` ({seconds / 60:.1f} min)\n\n{text}\n\n{DOCS_END}"
    )
    current = DOCS.read_text() if DOCS.exists() else "# Chat benchmark\n\n## Latest run\n\n"
    if DOCS_START in current and DOCS_END in current:
        before, rest = current.split(DOCS_START, 1)
        after = rest.split(DOCS_END, 1)[1]
        DOCS.write_text(before + block + after)
    else:
        DOCS.write_text(current.rstrip("\n") + "\n\n" + block + "\n")
    print(f"Updated {DOCS.relative_to(ROOT)}")


# --- main ----------------------------------------------------------------------------------


def levels(text):
    found = sorted({int(part) for part in text.split(",") if part.strip()})
    if not found or found[0] < 1:
        raise argparse.ArgumentTypeError("levels are numbers of chats, such as 25,50,100")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder kept after the run (else a temporary one)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to throw away (the demo is loaded into it); else SQLite",
    )
    parser.add_argument(
        "--cache",
        choices=["database", "locmem"],
        default="database",
        help="Django's cache: the database's (shared by every process, the default) or each "
        "process's own (then SSE cannot hear replies sent from this script's process)",
    )
    parser.add_argument("--chats", type=int, default=20, help="open chats for the latency part")
    parser.add_argument("--latency-seconds", type=float, default=20)
    parser.add_argument(
        "--reply-every", type=float, default=0.5, help="seconds between staff replies (mean)"
    )
    parser.add_argument(
        "--levels",
        type=levels,
        default=levels("25,50,100,200,300,400,600"),
        help="open chats at each step of the ramp (comma-separated)",
    )
    parser.add_argument("--step", type=float, default=8, help="seconds measured per level")
    parser.add_argument(
        "--say-every",
        type=float,
        default=30,
        help="seconds between a shopper's lines during the ramp (mean; 0: they only read)",
    )
    parser.add_argument("--baseline-seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4, help="clients for the baselines")
    parser.add_argument("--poll", type=float, help="seconds between polls (CHAT_POLL_SECONDS)")
    parser.add_argument("--stream-url", help="a chat's SSE address, such as /x/{token}/stream")
    parser.add_argument("--no-sse", action="store_true", help="measure polling only")
    parser.add_argument(
        "--sse-only", action="store_true", help="baselines, then SSE only (no polling runs)"
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/bench-chat.md")
    args = parser.parse_args()
    args.chat_numbers = 0
    try:
        import django  # noqa: F401
        import gunicorn  # noqa: F401
    except ImportError as error:
        raise SystemExit(
            f"{error.name} is missing: run this with the test venv's Python, such as "
            ".venvs/test-py311/bin/python bench/chat.py"
        ) from None

    began = time.monotonic()
    workdir = args.out or Path(tempfile.mkdtemp(prefix="contactkit-bench-chat-"))
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{workdir / 'demo.sqlite3'}"
    if database_url.startswith("sqlite"):
        with contextlib.suppress(FileNotFoundError):
            for suffix in ("", "-wal", "-shm"):
                (workdir / f"demo.sqlite3{suffix}").unlink(missing_ok=True)
    demo = Demo(workdir, database_url, sys.executable, cache=args.cache)

    def on_term(signum, frame):
        raise SystemExit(f"Stopped by signal {signum}.")

    # Ctrl-C raises KeyboardInterrupt even when started where SIGINT is ignored (a background
    # job of a script); SIGTERM and SIGHUP end the run the same way: servers stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    staff = None
    try:
        print(f"Building the demo in {workdir}", flush=True)
        started = time.monotonic()
        ids = demo.build()
        print(f"  ready in {time.monotonic() - started:.0f} s", flush=True)
        staff = Staff(demo, ids)
        from contactkit.conf import contactkit_settings

        args.poll = args.poll or float(contactkit_settings.CHAT_POLL_SECONDS)
        report = {
            "machine": machine(database_url, args.cache),
            "args": {
                "chats": args.chats,
                "reply_every": args.reply_every,
                "levels": args.levels,
                "step": args.step,
                "say_every": args.say_every,
                "clients": args.clients,
                "poll": args.poll,
            },
            "transports": {},
        }

        print("Polling, gunicorn 1 process, sync worker", flush=True)
        demo.start("sync")
        try:
            token, _ = start_chats(demo, staff, ids["site"], 1, start_number=10_000)[0]
            print("  baselines", flush=True)
            report["baselines"] = [
                hammer(demo.port, path, args.baseline_seconds, args.clients)
                for path in (
                    "/bench/ping",
                    f"/contactkit/api/launcher?site={ids['site']}&lang=es",
                    f"/contactkit/api/chats/{token}/events?after=0",
                )
            ]
            for row in report["baselines"]:
                print(
                    f"    GET {row['path']}: {row['per_second']:.0f}/s, p50 {ms(row['median'])},"
                    f" p95 {ms(row['p95'])}, {row['errors']} errors",
                    flush=True,
                )
            if not args.sse_only:
                print(f"  reply latency, {args.chats} chats polling every {args.poll:g} s")
                latency = measure_latency(demo, staff, ids["site"], args)
                print(
                    f"    reply seen p50 {ms(latency['latency']['median'])}, p95"
                    f" {ms(latency['latency']['p95'])} ({latency['latency']['count']} replies,"
                    f" {latency['missed']} not seen)",
                    flush=True,
                )
                print("  ramp", flush=True)
                found_ramp = ramp(demo, staff, ids["site"], args)
                report["transports"]["polling"] = {
                    "worker": "sync, 1 process",
                    "latency": latency,
                    "ramp": found_ramp,
                }
        finally:
            demo.stop()

        stream_path = None
        if not args.no_sse:
            stream_path = find_stream([args.stream_url] if args.stream_url else STREAM_CANDIDATES)
        if stream_path:
            # A thread per open stream, the latency part's streams until the server notices
            # they closed (at its next keep-alive), and room for the other calls.
            threads = max(args.levels) + args.chats + 32
            worker = f"gthread, 1 process, {threads} threads"
            print(f"SSE ({stream_path}), gunicorn {worker}", flush=True)
            demo.start("gthread", threads=threads)
            try:
                token, _ = start_chats(demo, staff, ids["site"], 1, start_number=20_000)[0]
                status, kind = open_stream(demo, token, stream_path)
                if status != 200 or not kind.startswith("text/event-stream"):
                    raise SystemExit(f"{stream_path} answered {status} {kind}, not an SSE stream")
                latency = measure_latency(demo, staff, ids["site"], args, stream_path)
                print(
                    f"    reply seen p50 {ms(latency['latency']['median'])}, p95"
                    f" {ms(latency['latency']['p95'])}",
                    flush=True,
                )
                print("  ramp", flush=True)
                found_ramp = ramp(demo, staff, ids["site"], args, stream_path)
                report["transports"]["sse"] = {
                    "worker": worker,
                    "latency": latency,
                    "ramp": found_ramp,
                }
            finally:
                demo.stop()
            report["sse"] = stream_path
        else:
            report["sse"] = (
                "skipped (--no-sse)"
                if args.no_sse
                else "not measured: the URLconf has no chat stream (tried "
                + ", ".join(f"`{c}`" for c in STREAM_CANDIDATES)
                + "); polling only"
            )
        report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    except KeyboardInterrupt:
        print("\nInterrupted: servers stopped.", file=sys.stderr)
        return 130
    finally:
        demo.stop()
        if staff is not None:
            staff.close()

    seconds = time.monotonic() - began
    text = table(report)
    print("\n" + text)
    (workdir / "summary.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nSummary: {workdir / 'summary.json'} ({seconds / 60:.1f} min)")
    if args.write_docs:
        python = Path(sys.executable)
        if python.is_relative_to(ROOT):
            python = python.relative_to(ROOT)
        write_docs(text, " ".join([str(python), "bench/chat.py", *sys.argv[1:]]), seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
