#!/usr/bin/env python3
"""contactkit's pages and contact form beside a stock Wagtail contact page and a bare view.

    .venvs/test-py311/bin/python bench/pages.py                         # ~10 min on 2 cores
    .venvs/test-py311/bin/python bench/pages.py --write docs/benchmarks.md
    .venvs/test-py311/bin/python bench/pages.py --seconds 10 --rounds 5 --pages all
    .venvs/test-py311/bin/python bench/pages.py --database postgres --redis-url redis://127.0.0.1:6379/9

Run it with a Python that has contactkit[test] installed. In a throw-away folder (``--out``, else
a new temporary one) it builds, each in a database of its own (SQLite files, or with
``--database postgres`` the PostgreSQL databases ck_bench_pages and ck_bench_peer, dropped and
made again):

- the demo shop (``migrate``, ``load_demo_shop``, ``collectstatic``), served as in production
  (bench/settings_bench.py: demoshop.settings.production, DEBUG off, plus only the benchmark's
  needs, listed there) by three servers that differ in one thing: the page cache on and warm,
  the page cache off (``CONTACTKIT_PAGE_CACHE_SECONDS=0``, every other cache warm), and nothing
  cached at all (Django's DummyCache);
- the peer, bench/peer/: a stock Wagtail project whose contact page is wagtail.contrib.forms'
  ``AbstractEmailForm`` with four fields, served twice: its cache warm and DummyCache.

Every server is gunicorn with 2 sync workers on 127.0.0.1, started the same way and stopped by
its own PID. Then, all in one run, in rounds that alternate between targets (A, B, C, A, B,
C…) so that any drift of the machine hits all of them alike:

1. GET throughput and latency (p50, p95) of each contactkit page in each cache mode, of the
   floor (a bare Django view answering the contact page's bytes through the same middleware on
   the warm server, bench/urls_bench.py) and of the peer; each answer's ``X-Contactkit-Cache``
   header must say what the mode promises (hit, bypass, miss), or the run fails;
2. contact form submissions per second, one at a time and ``--submit-concurrency`` at once,
   contactkit against the peer; a submission is what a shopper waits for: the POST and, for
   contactkit, the thank-you page it redirects to (the peer answers the POST with its landing
   page). Afterwards the rows in each database are counted: accepted must equal stored;
3. bytes: the contact page's HTML (as served, and gzip/brotli as a front server would send it),
   the launcher's and the widget's files as whitenoise serves them, the first load of the page;
4. in-process (Django's test client, the same settings): queries and render time of each page
   with the page cache off and cold, and a cProfile of one uncached contact page.

It prints Markdown; ``--write docs/benchmarks.md`` puts it in that file's marked section.
"""

import argparse
import collections
import gzip
import html.parser
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urljoin

import common

ROOT = common.ROOT
BENCH = ROOT / "bench"
PEER = BENCH / "peer"
HEADER = "X-Contactkit-Cache"
SECTION_START = "<!-- bench/pages.py: latest run (start) -->"
SECTION_END = "<!-- bench/pages.py: latest run (end) -->"
# Static folders no public page uses; collected anyway they would only cost time.
ADMIN_ONLY_STATIC = ("admin", "wagtail*", "flags")
# What each cache mode of a contactkit server promises in X-Contactkit-Cache.
MODES = {
    "warm": {"expect": "hit", "env": {}, "label": "page cache warm"},
    "off": {
        "expect": "bypass",
        "env": {"CONTACTKIT_PAGE_CACHE_SECONDS": "0"},
        "label": "page cache off",
    },
    # With no cache to keep the pages' generation in, nothing is stored: "bypass".
    "cold": {"expect": "bypass", "env": {"BENCH_CACHE": "dummy"}, "label": "nothing cached"},
}
# A warm page cache may still miss now and then: each worker process of a server without
# Redis has its own copy, and an entry ends at the next opening or closing of a channel.
HIT_TOLERANCE = 0.005
# The targets, as ratios from one run.
TARGETS = {
    "uncached": 1.5,  # uncached contact page / peer
    "cached": 0.5,  # cached contact page / floor
    "submissions": 1.5,  # submissions per second / peer's
}

DOCS_TEMPLATE = f"""# Benchmarks

Speed is measured by scripts in `bench/`, never by timed tests. Each script measures its
targets side by side in one run, alternating between them, on one machine, and writes its
latest run into its section below with the machine and the command that reproduces it.

## Pages and submissions: `bench/pages.py`

{SECTION_START}
{SECTION_END}

## Inbox: list, filters and search with 100,000 conversations

<!-- bench/inbox: latest run (start) -->
_Not measured yet._
<!-- bench/inbox: latest run (end) -->

## Soak

<!-- bench/soak: latest run (start) -->
_Not measured yet._
<!-- bench/soak: latest run (end) -->
"""

# --- what runs inside Django (manage.py shell -c, or python -c) ----------------------------

DISCOVER = """
import json
from wagtail.models import Page
from contactkit.pages.models import ContactkitPage
found = []
for page in Page.objects.live().specific().order_by("path"):
    if isinstance(page, ContactkitPage):
        found.append({"type": type(page).__name__, "lang": page.locale.language_code,
                      "path": page.get_url(), "title": page.title})
print(json.dumps(found))
"""

COUNT_CONTACTKIT = """
import collections, json
from contactkit.inbox.models import Conversation, Message
found = {
    "stored": Conversation.objects.count(),
    "messages": Message.objects.count(),
    "by_status": dict(collections.Counter(Conversation.objects.values_list("status", flat=True))),
}
try:
    from django_tasks_db.models import DBTaskResult
except ImportError:
    pass
else:
    found["tasks"] = DBTaskResult.objects.count()
print(json.dumps(found))
"""

COUNT_PEER = """
import json
from wagtail.contrib.forms.models import FormSubmission
print(json.dumps({"stored": FormSubmission.objects.count()}))
"""

# Queries and render time of each page through Django's test client (every middleware, no
# server), then a cProfile of one render of the first page.
INSIDE = r"""
import cProfile, io, json, pstats, sys, time, uuid
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

config = json.loads(sys.argv[1])
client = Client(HTTP_HOST="127.0.0.1")
found = {}


def counted(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    # Now: the next request's start empties the connection's log of queries.
    return response, [query["sql"][:160] for query in queries.captured_queries]


def median_ms(call, times=20):
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return sorted(spent)[times // 2] * 1000


def profiled(call, path, title, top=15, renders=1):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        call()
    profiler.disable()
    out = io.StringIO()
    out.write(f"=== {title} ===\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    out.write(f"--- {title}: contactkit's own functions, by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(r"/contactkit/", 25)
    out.write(f"--- {title}: by own time ---\n")
    stats.sort_stats("tottime").print_stats(20)
    stats.dump_stats(path + ".prof")
    return out.getvalue()


for label, path in config["pages"]:
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    response, sql = counted(lambda: client.get(path))
    found[label] = {
        "queries": len(sql),
        "sql": sql,
        "ms": median_ms(lambda: client.get(path)),
        "cache": response.get("X-Contactkit-Cache", ""),
    }

profiles = []
if config.get("profile"):
    path = config["pages"][0][1]
    client.get(path)
    prefix = config["profile"]
    profiles.append(profiled(lambda: client.get(path), prefix + "-get", "one GET " + path))
    profiles.append(profiled(lambda: client.get(path), prefix + "-get20",
                             "20 GETs of " + path + " (times are for all 20)", renders=20))

post = config.get("post")
if post:
    def send():
        data = {name: uuid.uuid4().hex if name == "submission_key" else value
                for name, value in post["data"]}
        return client.post(post["path"], data)
    for _ in range(3):
        send()
    response, sql = counted(send)
    found["_post"] = {"status": response.status_code, "queries": len(sql), "sql": sql,
                      "ms": median_ms(send, 10)}
    location = response.get("Location")
    if response.status_code == 302 and location:
        thanks, sql = counted(lambda: client.get(location))
        found["_thanks"] = {"status": thanks.status_code, "queries": len(sql), "sql": sql,
                            "ms": median_ms(lambda: client.get(location), 10)}
    if config.get("profile"):
        profiles.append(profiled(send, config["profile"] + "-post", "one POST " + post["path"]))
        if location:
            profiles.append(profiled(lambda: client.get(location),
                                     config["profile"] + "-thanks", "one GET " + location))

if config.get("profile"):
    with open(config["profile"], "w") as file:
        file.write("\n\n".join(profiles))

    # Template lines by their own time (what a line costs beyond the lines inside it), over
    # 20 renders of the first page: which parts of the page the time goes to.
    from django.template import base as template_base

    own = {}
    stack = []
    render_annotated = template_base.Node.render_annotated

    def timed(node, context):
        token = getattr(node, "token", None)
        origin = getattr(node, "origin", None)
        key = (
            f"{origin.template_name if origin else '?'}:{token.lineno if token else 0}",
            (
                ("{{ %s }}" if token.token_type.name == "VAR" else "{%% %s %%}")
                % " ".join(token.contents.split())[:60]
                if token
                else type(node).__name__
            ),
        )
        stack.append([time.perf_counter(), 0.0])
        try:
            return render_annotated(node, context)
        finally:
            started, inner = stack.pop()
            spent = time.perf_counter() - started
            total, count = own.get(key, (0.0, 0))
            own[key] = (total + spent - inner, count + 1)
            if stack:
                stack[-1][1] += spent

    template_base.Node.render_annotated = timed
    path = config["pages"][0][1]
    client = Client(HTTP_HOST="127.0.0.1")  # a visitor without the session of the POSTs above
    client.get(path)
    own.clear()
    started = time.perf_counter()
    for _ in range(20):
        client.get(path)
    whole = (time.perf_counter() - started) / 20
    template_base.Node.render_annotated = render_annotated
    lines = sorted(own.items(), key=lambda item: -item[1][0])
    found["_template_lines"] = {
        "request_ms": whole * 1000,
        "templates_ms": sum(total for total, _count in own.values()) / 20 * 1000,
        "lines": [
            [where, text, total / 20 * 1000, count / 20]
            for (where, text), (total, count) in lines[:25]
        ],
    }

tasks = (getattr(settings, "TASKS", None) or {}).get("default", {})
found["_settings"] = {
    "cache": settings.CACHES["default"]["BACKEND"],
    "tasks": tasks.get("BACKEND", "none set (immediate: in the request)"),
    "page_cache_seconds": getattr(settings, "CONTACTKIT_PAGE_CACHE_SECONDS", None),
    "middleware": settings.MIDDLEWARE,
}
print(json.dumps(found))
"""


# --- the two sites -------------------------------------------------------------------------


class Site:
    """A Django project in the throw-away folder: its environment, manage.py, its servers."""

    def __init__(
        self,
        name,
        *,
        workdir,
        python,
        database_url,
        settings,
        paths,
        manage_py,
        chdir,
        app,
        redis_url=None,
        key_prefix="",
    ):
        self.name = name
        self.workdir = workdir
        self.python = python
        self.database_url = database_url
        self.settings = settings
        self.paths = [str(path) for path in paths]
        self.manage_py = manage_py
        self.chdir = chdir
        self.app = app
        self.redis_url = redis_url
        self.key_prefix = key_prefix
        self.secret_key = secrets.token_urlsafe(40)
        self.static_root = workdir / f"{name}-static"
        self.media_root = workdir / f"{name}-media"
        for folder in (self.static_root, self.media_root):
            folder.mkdir(exist_ok=True)

    def env(self, extra=None):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CONTACTKIT_", "BENCH_", "DJANGO_"))
            and key not in {"REDIS_URL", "DATABASE_URL", "PYTHONPATH"}
        }
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(self.paths),
                "DJANGO_SETTINGS_MODULE": self.settings,
                "SECRET_KEY": self.secret_key,
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "DATABASE_URL": self.database_url,
                # The production contract's names, and this bench's own (settings_bench.py).
                "STATIC_ROOT": str(self.static_root),
                "MEDIA_ROOT": str(self.media_root),
                "BENCH_STATIC_ROOT": str(self.static_root),
                "BENCH_MEDIA_ROOT": str(self.media_root),
                # Plain http on 127.0.0.1.
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0",
                "SECURE_HSTS_SECONDS": "0",
                "PYTHONDONTWRITEBYTECODE": "1",
                # Keys in a shared Redis, the run's own (removed after it); servers add theirs.
                "BENCH_KEY_PREFIX": f"{self.key_prefix}-manage",
            }
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(extra or {})
        return env

    def run(self, *args, env=None):
        result = subprocess.run(  # noqa: S603
            [str(self.python), *map(str, args)],
            env=self.env(env),
            cwd=self.chdir,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(
                f"{self.name}: {' '.join(map(str, args))[:200]} failed:\n{result.stdout[-3000:]}"
                f"\n{result.stderr[-5000:]}"
            )
        return result.stdout

    def manage(self, *args, env=None):
        return self.run(self.manage_py, *args, env=env)

    def shell(self, code, env=None):
        return json.loads(self.manage("shell", "-c", code, env=env).strip().splitlines()[-1])

    def server(self, mode, extra_env):
        return common.Gunicorn(
            f"{self.name}-{mode}",
            self.app,
            chdir=self.chdir,
            env=self.env(extra_env),
            python=self.python,
            workdir=self.workdir,
        )


def prepare_postgres(python, base_url, names):
    """(Re)create the PostgreSQL databases ``names`` (thrown away and made again)."""
    code = (
        "import sys, psycopg\n"
        "from psycopg import sql\n"
        "with psycopg.connect(sys.argv[1] + '/postgres', autocommit=True) as db:\n"
        "    for name in sys.argv[2:]:\n"
        "        db.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)')"
        ".format(sql.Identifier(name)))\n"
        "        db.execute(sql.SQL('CREATE DATABASE {}').format(sql.Identifier(name)))\n"
    )
    subprocess.run([str(python), "-c", code, base_url, *names], check=True)  # noqa: S603


def build(args, workdir, prefix):
    if args.database == "postgres":
        base = args.postgres_url.rstrip("/")
        prepare_postgres(args.python, base, ["ck_bench_pages", "ck_bench_peer"])
        ck_url, peer_url = f"{base}/ck_bench_pages", f"{base}/ck_bench_peer"
    else:
        # A folder used before (--out) starts from empty databases too.
        for name in ("contactkit.sqlite3", "peer.sqlite3"):
            for suffix in ("", "-wal", "-shm"):
                (workdir / (name + suffix)).unlink(missing_ok=True)
        ck_url = f"sqlite:///{workdir / 'contactkit.sqlite3'}"
        peer_url = f"sqlite:///{workdir / 'peer.sqlite3'}"
    contactkit = Site(
        "contactkit",
        workdir=workdir,
        python=args.python,
        database_url=ck_url,
        settings="settings_bench",
        paths=[BENCH, ROOT / "site", ROOT],
        manage_py=ROOT / "site" / "manage.py",
        chdir=ROOT / "site",
        app="demoshop.wsgi:application",
        redis_url=args.redis_url,
        key_prefix=f"{prefix}-contactkit",
    )
    peer = Site(
        "peer",
        workdir=workdir,
        python=args.python,
        database_url=peer_url,
        settings="peersite.settings",
        paths=[PEER],
        manage_py=PEER / "manage.py",
        chdir=PEER,
        app="peersite.wsgi:application",
        redis_url=args.redis_url,
        key_prefix=f"{prefix}-peer",
    )
    ignore = [part for pattern in ADMIN_ONLY_STATIC for part in ("--ignore", pattern)]
    say("building the demo shop (migrate, load_demo_shop, collectstatic)")
    contactkit.manage("migrate", "--noinput")
    contactkit.manage("load_demo_shop")
    contactkit.manage("collectstatic", "--noinput", "--clear", *ignore)
    say("building the peer (migrate, peer_setup, collectstatic)")
    peer.manage("migrate", "--noinput")
    peer.manage("peer_setup")
    peer.manage("collectstatic", "--noinput", "--clear", *ignore)
    return contactkit, peer


# --- pages ---------------------------------------------------------------------------------


def choose_pages(found, which):
    """The contactkit pages to measure: (label, path), the Spanish contact page first."""
    names = {"ContactPage": "Contact", "AboutPage": "About", "ReturnsPage": "Returns"}
    default = {
        ("ContactPage", "es"),
        ("ContactPage", "en"),
        ("AboutPage", "es"),
        ("ReturnsPage", "es"),
    }
    chosen = []
    for page in found:
        key = (page["type"], page["lang"])
        if which == "all" or key in default:
            label = f"{names.get(page['type'], page['type'].removesuffix('Page'))} {page['lang']}"
            chosen.append((label, page["path"], page["type"] == "ContactPage"))
    chosen.sort(key=lambda item: (not item[2], item[1]))
    if not chosen or not chosen[0][2]:
        raise SystemExit(f"The demo has no contact page: {found}")
    return [(label, path) for label, path, _contact in chosen]


class Target:
    """Something measured by GETs: a path on a server, and the cache label it must carry."""

    def __init__(self, group, label, server, path, expect=None):
        self.group = group
        self.label = label
        self.server = server
        self.path = path
        self.expect = expect
        self.load = common.Load()
        self.rates = []
        self.problems = []

    @property
    def key(self):
        return f"{self.group} | {self.label}"

    def warm_up(self, concurrency):
        """Requests not measured: templates loaded, connections open, caches filled. For a
        warm page cache, until a batch of answers is all hits (each worker fills its own)."""
        for _attempt in range(20):
            load = common.hammer(
                self.server.port,
                self.path,
                requests=8 * concurrency,
                concurrency=concurrency,
                watch=HEADER,
            )
            if load.errors or set(load.statuses) != {200}:
                self.problems.append(f"warm-up: {dict(load.statuses)} {dict(load.errors)}")
                return
            if self.expect != "hit" or set(load.labels) in ({"hit"}, {""}):
                return

    def measure(self, seconds, concurrency):
        load = common.hammer(
            self.server.port, self.path, seconds=seconds, concurrency=concurrency, watch=HEADER
        )
        self.rates.append(load.rate)
        self.load.add(load)

    def cache_seen(self):
        labels = self.load.labels
        if not labels:
            return "-"
        if set(labels) == {""}:
            return "no cache header"
        return ", ".join(f"{name or 'none'} {count}" for name, count in labels.most_common())

    def check(self):
        """What is wrong with what was measured (wrong statuses, errors, mislabelled)."""
        problems = list(self.problems)
        load = self.load
        if load.errors:
            problems.append(f"connection errors {dict(load.errors)}")
        if set(load.statuses) - {200}:
            problems.append(f"statuses {dict(load.statuses)}")
        if self.expect and load.labels and set(load.labels) != {""}:
            wrong = sum(count for name, count in load.labels.items() if name != self.expect)
            allowed = int(HIT_TOLERANCE * load.done) if self.expect == "hit" else 0
            if wrong > allowed:
                problems.append(
                    f"expected {HEADER}: {self.expect} on every answer, got {dict(load.labels)}"
                )
        return problems


def wait_quiet(watch, seconds, share=0.15):
    """Wait (up to ``seconds``) until other programs use less than ``share`` of the machine."""
    deadline = time.monotonic() + seconds
    while True:
        watch.start()
        time.sleep(10)
        busy = watch.others_share()
        if busy < share:
            return
        if time.monotonic() > deadline:
            say(f"still busy ({busy:.0%} of the CPU used by other programs): measuring anyway")
            return
        say(f"waiting for a quieter machine: other programs use {busy:.0%} of the CPU")


def say(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


# --- the contact forms ---------------------------------------------------------------------


class Forms(html.parser.HTMLParser):
    """The forms of a page: each with its attributes and its fields (tag, attributes, and the
    options of a select)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.current = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"attrs": attrs, "fields": []}
            self.forms.append(self.current)
        elif self.current is not None and tag in {"input", "textarea", "select", "button"}:
            field = {"tag": tag, "attrs": attrs, "options": []}
            self.current["fields"].append(field)
            if tag == "select":
                self.select = field
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def find_form(page_html, must_have):
    parser = Forms()
    parser.feed(page_html)
    for form in parser.forms:
        names = {field["attrs"].get("name") for field in form["fields"]}
        if must_have <= names:
            return form
    raise SystemExit(f"No form with the fields {sorted(must_have)} on the page.")


def fill(form, number):
    """A shopper's answers to ``form``: every field a person would fill in, the hidden ones
    as the page gave them, the spam trap left empty, no files."""
    answers = {
        "name": "Marta Bench",
        "email": f"bench{number}@example.com",
        "subject": "Una pregunta",
        "message": "Hola: ¿el jarrón azul cabe en una caja de 30 cm? Gracias.",
        "phone": "",
        "order_number": "",
        "consent": "on",
        "website": "",
    }
    data = []
    for field in form["fields"]:
        attrs = field["attrs"]
        name = attrs.get("name")
        kind = attrs.get("type", "text").lower()
        if not name or kind in {"submit", "button", "file", "reset"} or field["tag"] == "button":
            continue
        if name in answers:
            data.append((name, answers[name]))
        elif kind == "hidden":
            data.append((name, attrs.get("value", "")))
        elif field["tag"] == "select":
            options = [value for value in field["options"] if value]
            wanted = "product" if "product" in options else (options[0] if options else "")
            data.append((name, wanted))
        elif kind in {"checkbox", "radio"}:
            if "required" in attrs or kind == "checkbox":
                data.append((name, attrs.get("value", "on")))
        elif kind == "email":
            data.append((name, f"bench{number}@example.com"))
        elif kind == "number":
            data.append((name, "1"))
        elif kind == "date":
            data.append((name, "2026-01-15"))
        else:
            data.append((name, "Bench"))
    # Radio buttons: one answer per name.
    seen, unique = set(), []
    for name, value in data:
        if name not in seen:
            seen.add(name)
            unique.append((name, value))
    return unique


def encode(form, data):
    """The body a browser sends for ``form`` (multipart when it takes files)."""
    if form["attrs"].get("enctype", "").lower() != "multipart/form-data":
        return urlencode(data).encode(), "application/x-www-form-urlencoded"
    boundary = f"----benchboundary{uuid.uuid4().hex}"
    parts = []
    for name, value in data:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Shopper:
    """One simulated shopper's browser: the form as the page gave it (CSRF cookie and token,
    the "opened at" field), then submissions, each with a new submission key."""

    def __init__(self, server, path, must_have, number):
        self.server = server
        self.path = path
        page = common.fetch(server.port, path)
        if page.status != 200:
            raise SystemExit(f"GET {path} on {server.name}: {page.status}")
        self.cookies = page.cookies()
        if "csrftoken" not in self.cookies:
            raise SystemExit(f"GET {path} on {server.name} set no CSRF cookie.")
        self.form = find_form(page.body.decode(), must_have)
        self.action = urljoin(path, self.form["attrs"].get("action") or path)
        self.number = number

    def post(self):
        self.number += 1
        data = [
            (name, uuid.uuid4().hex if name == "submission_key" else value)
            for name, value in fill(self.form, self.number)
        ]
        body, content_type = encode(self.form, data)
        return common.fetch(
            self.server.port,
            self.action,
            method="POST",
            body=body,
            headers={
                "Content-Type": content_type,
                "Cookie": common.cookie_header({"csrftoken": self.cookies["csrftoken"]}),
                "Origin": "http://127.0.0.1",
                "Referer": f"http://127.0.0.1{self.path}",
            },
        )


def contactkit_submission(shopper):
    """POST, then the thank-you page it redirects to: (accepted, ok, seconds, POST seconds)."""
    started = time.perf_counter()
    response = shopper.post()
    location = response.header("Location", "")
    if response.status != 302 or "thanks" not in location:
        return False, False, time.perf_counter() - started, response.seconds, response.status
    cookies = {"csrftoken": shopper.cookies["csrftoken"], **response.cookies()}
    thanks = common.fetch(
        shopper.server.port,
        urljoin(shopper.action, location),
        headers={"Cookie": common.cookie_header(cookies)},
    )
    ok = thanks.status == 200
    return True, ok, time.perf_counter() - started, response.seconds, thanks.status


PEER_THANKS = "Thank you: we have your message."


def peer_submission(shopper):
    started = time.perf_counter()
    response = shopper.post()
    accepted = response.status == 200 and PEER_THANKS.encode() in response.body
    return accepted, accepted, time.perf_counter() - started, response.seconds, response.status


class Submissions:
    """Submissions to one site, ``concurrency`` shoppers at once (each one after another)."""

    def __init__(self, group, label, server, path, must_have, submit, concurrency):
        self.group = group
        self.label = label
        self.server = server
        self.path = path
        self.must_have = must_have
        self.submit = submit
        self.concurrency = concurrency
        self.accepted = 0
        self.refused = collections.Counter()
        self.latencies = []
        self.post_latencies = []
        self.seconds = 0.0
        self.rates = []
        self.shoppers = None

    @property
    def key(self):
        return f"{self.group} | {self.label}"

    def warm_up(self, _concurrency=None):
        if self.shoppers is None:
            self.shoppers = [
                Shopper(self.server, self.path, self.must_have, 1_000_000 * (n + 1))
                for n in range(self.concurrency)
            ]

    def measure(self, seconds, _concurrency=None):
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds
        done = []

        def shop(shopper):
            while time.perf_counter() < deadline:
                try:
                    accepted, ok, total, post, status = self.submit(shopper)
                except OSError as error:
                    with lock:
                        self.refused[type(error).__name__] += 1
                    continue
                with lock:
                    self.accepted += accepted
                    if ok:
                        self.latencies.append(total)
                        self.post_latencies.append(post)
                        done.append(total)
                    else:
                        self.refused[status] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=shop, args=(s,)) for s in self.shoppers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        self.seconds += elapsed
        self.rates.append(len(done) / elapsed)

    @property
    def rate(self):
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def check(self):
        return [f"refused or failed: {dict(self.refused)}"] if self.refused else []


def alternate(targets, rounds, seconds, concurrency, what):
    """Each target in turn, ``rounds`` times: A, B, C, A, B, C…"""
    for number in range(1, rounds + 1):
        for target in targets:
            say(f"{what} round {number}/{rounds}: {target.key}")
            target.warm_up(concurrency)
            target.measure(seconds, concurrency)


# --- bytes ---------------------------------------------------------------------------------


class Links(html.parser.HTMLParser):
    """What a browser fetches for a page on its first load: stylesheets, scripts, preloads,
    icons, images."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if (
            tag == "link"
            and attrs.get("href")
            and {"stylesheet", "preload", "modulepreload", "icon"} & set(rel)
        ):
            self.found.append(("image" if "icon" in rel else "asset", attrs["href"]))
        elif tag == "script" and attrs.get("src"):
            self.found.append(("asset", attrs["src"]))
        elif tag == "img" and attrs.get("src"):
            self.found.append(("image", attrs["src"]))


def compressed_sizes(data):
    import brotli

    return {
        "raw": len(data),
        "gz": len(gzip.compress(data, compresslevel=6, mtime=0)),
        "br": len(brotli.compress(data, quality=5)),
    }


def served_size(port, url, encoding):
    """Bytes of the body as the server sends it for ``Accept-Encoding: encoding``."""
    response = common.fetch(port, url, headers={"Accept-Encoding": encoding} if encoding else {})
    return response.status, len(response.body), response.header("Content-Encoding", "")


def measure_bytes(server, path, static_root):
    port = server.port
    page = common.fetch(port, path, headers={"Accept-Encoding": "gzip, deflate, br"})
    result = {
        "html": compressed_sizes(page.body),
        "html_served_encoding": page.header("Content-Encoding", "") or "none",
        "html_served": len(page.body),
    }
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    files = {}
    for name in ("contactkit/launcher.js", "contactkit/launcher.css", "contactkit/widget.js"):
        url = "/static/" + manifest[name]
        sizes = {}
        for label, encoding in (("raw", ""), ("gz", "gzip"), ("br", "br")):
            status, size, served_as = served_size(port, url, encoding)
            sizes[label] = size if status == 200 else None
            if label != "raw" and served_as != label.replace("gz", "gzip"):
                sizes[label] = None
        files[name.split("/", 1)[1]] = sizes
    result["files"] = files

    # The first load: the HTML as served, and everything it links to, as whitenoise (or
    # Django, for media) sends it to a browser that accepts brotli. Stylesheets' url()s too.
    links = Links()
    links.feed(page.body.decode())
    queue = [(kind, urljoin(path, url)) for kind, url in links.found]
    seen, rows = set(), []
    while queue:
        kind, url = queue.pop(0)
        if url in seen or not url.startswith("/") or url.startswith("//"):
            continue
        seen.add(url)
        response = common.fetch(port, url, headers={"Accept-Encoding": "gzip, deflate, br"})
        rows.append(
            {"url": url, "kind": kind, "status": response.status, "bytes": len(response.body)}
        )
        if response.status == 200 and url.split("?")[0].endswith(".css"):
            plain = common.fetch(port, url).body.decode(errors="replace")
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", plain):
                if not ref.startswith("data:"):
                    kind = (
                        "image" if re.search(r"\.(png|jpe?g|gif|webp|svg|avif)", ref) else ("asset")
                    )
                    queue.append((kind, urljoin(url, ref)))
    result["first_load"] = rows
    return result


# --- in-process numbers --------------------------------------------------------------------


def inside(site, env, pages, profile="", post=None):
    config = {"pages": pages, "profile": profile, "post": post}
    out = site.run("-c", INSIDE, json.dumps(config), env=env)
    return json.loads(out.strip().splitlines()[-1])


# --- the report ----------------------------------------------------------------------------


def ms(value):
    return "-" if value is None else f"{value * 1000:.1f}"


def kb(value):
    return "-" if value is None else f"{value / 1000:.1f}"


def ratio_row(name, numerator, denominator, needed):
    if not numerator or not denominator:
        return f"| {name} | - | ≥ {needed}× | not measured |"
    value = numerator / denominator
    met = "met" if value >= needed else "**not met**"
    return f"| {name} | {value:.2f}× ({numerator:.0f} / {denominator:.0f}) | ≥ {needed}× | {met} |"


def report(run):
    lines = []
    add = lines.append
    add(f"Measured {run['date']} on {run['machine']}.")
    add("")
    add(f"Command: `{run['command']}`")
    add("")
    add(
        f"Python {run['python']}, Django {run['django']}, Wagtail {run['wagtail']}, gunicorn "
        f"{run['gunicorn']} (2 sync workers per server, 127.0.0.1); database: {run['database']};"
        f" cache: {run['cache']}; task backend: {run['tasks']}. {run['rounds']} rounds of "
        f"{run['seconds']:g} s per target, targets alternating within each round; "
        f"{run['concurrency']} GETs in flight (a new connection each, one client thread)."
    )
    add("")
    others_gets, others_posts = run["others"]
    add(
        f"Other programs on the machine used {others_gets:.0%} of its CPU time while the GETs "
        f"were measured and {others_posts:.0%} during the submissions (1-minute load average "
        f"before: {run['load_before']:.1f}); the GET client itself used "
        f"{run['client_share']:.0%} of one CPU"
        + (
            ": a busy machine; ratios hold better than absolute numbers."
            if max(others_gets, others_posts) > 0.1
            else "."
        )
    )
    add("")
    add("### GET: throughput and latency")
    add("")
    add("| page | served | X-Contactkit-Cache | req/s | per round | p50 ms | p95 ms | queries |")
    add("|---|---|---|---:|---|---:|---:|---:|")
    for row in run["gets"]:
        add(
            f"| {row['group']} | {row['label']} | {row['cache']} | {row['rate']:.0f} | "
            f"{' / '.join(f'{rate:.0f}' for rate in row['rates'])} | {ms(row['p50'])} | "
            f"{ms(row['p95'])} | {row.get('queries', '-')} |"
        )
    add("")
    add(
        "Queries: one render through Django's test client with the same settings (page cache "
        "off, or nothing cached), counted with `CaptureQueriesContext`."
    )
    add("")
    add("### Contact form submissions")
    add("")
    add(
        "A submission is what the shopper waits for until the thank-you page: for contactkit "
        "the POST (stored, emails queued) and the thank-you page it redirects to; for the peer "
        "the POST, which answers with its landing page (stored, email built)."
    )
    add("")
    add("| site | at once | submissions/s | per round | p50 ms | p95 ms | POST alone p50 ms |")
    add("|---|---:|---:|---|---:|---:|---:|")
    for row in run["submissions"]:
        add(
            f"| {row['group']} | {row['concurrency']} | {row['rate']:.1f} | "
            f"{' / '.join(f'{rate:.1f}' for rate in row['rates'])} | {ms(row['p50'])} | "
            f"{ms(row['p95'])} | {ms(row['post_p50'])} |"
        )
    add("")
    for name, count in run["stored"].items():
        add(
            f"- {name}: {count['accepted']} accepted, {count['stored']} stored "
            f"({'equal' if count['accepted'] == count['stored'] else '**NOT EQUAL**'})"
            f"{count.get('detail', '')}."
        )
    add("")
    add("### Against the targets")
    add("")
    add("| target | ratio | needed | |")
    add("|---|---|---|---|")
    for name, numerator, denominator, needed in run["ratios"]:
        add(ratio_row(name, numerator, denominator, needed))
    add("")
    add("### Bytes")
    add("")
    b = run["bytes"]
    html_sizes = b["html"]
    add(
        f"Contact page HTML: {kb(html_sizes['raw'])} KB as Django serves it "
        f"(Content-Encoding: {b['html_served_encoding']}); {kb(html_sizes['gz'])} KB gzip "
        f"(level 6), {kb(html_sizes['br'])} KB brotli (quality 5), as a front server compressing "
        "on the fly would send it. Peer's contact page HTML: "
        f"{kb(run['peer_bytes']['raw'])} KB ({kb(run['peer_bytes']['gz'])} KB gzip, "
        f"{kb(run['peer_bytes']['br'])} KB brotli)."
    )
    add("")
    add("| file (as whitenoise serves it) | raw KB | gzip KB | brotli KB |")
    add("|---|---:|---:|---:|")
    for name, sizes in b["files"].items():
        add(f"| {name} | {kb(sizes['raw'])} | {kb(sizes['gz'])} | {kb(sizes['br'])} |")
    add("")
    rows = b["first_load"]
    ok = [row for row in rows if row["status"] == 200]
    assets = sum(row["bytes"] for row in ok if row["kind"] == "asset")
    images = sum(row["bytes"] for row in ok if row["kind"] == "image")
    failed = [f"{row['url']} ({row['status']})" for row in rows if row["status"] != 200]
    add(
        f"First load of the contact page (bodies as sent to a browser accepting brotli): HTML "
        f"{kb(b['html_served'])} KB + {len([r for r in ok if r['kind'] == 'asset'])} CSS/JS/font "
        f"files {kb(assets)} KB = **{kb(b['html_served'] + assets)} KB** without images "
        f"({kb(html_sizes['br'] + assets)} KB with the HTML brotli-compressed), plus "
        f"{len([r for r in ok if r['kind'] == 'image'])} images {kb(images)} KB. Requests made "
        "by scripts after load are not counted (tests/browser/test_weight.py measures those in "
        "a browser)." + (f" Not served: {', '.join(failed)}." if failed else "")
    )
    add("")
    if run.get("inside"):
        add("### In-process: queries and render time")
        add("")
        add(
            "Django's test client, the same settings, no server, no other load than the "
            "machine's: median of 20 requests."
        )
        add("")
        add("| page | served | queries | ms |")
        add("|---|---|---:|---:|")
        for row in run["inside"]:
            add(f"| {row['page']} | {row['mode']} | {row['queries']} | {row['ms']:.1f} |")
        names = {
            "contactkit_post": "contactkit: POST of the form (stored, emails queued, redirect)",
            "contactkit_thanks": "contactkit: the thank-you page it redirects to",
            "peer_post": "Peer: POST of the form (stored, email built, landing page)",
        }
        for name, numbers in run["posts"].items():
            add(f"| {names.get(name, name)} | - | {numbers['queries']} | {numbers['ms']:.1f} |")
        add("")
    if run.get("template_lines"):
        timed = run["template_lines"]
        add(
            f"Template lines of the uncached Spanish contact page by their own time (beyond the "
            f"lines inside them; a tag's own time includes the Python it calls), per request, "
            f"timed over 20 requests of {timed['request_ms']:.1f} ms each, of which "
            f"{timed['templates_ms']:.1f} ms in templates (timing every line slows them):"
        )
        add("")
        add("| template:line | tag or variable | ms | times |")
        add("|---|---|---:|---:|")
        for where, text, spent, count in timed["lines"][:12]:
            text = text.replace("|", "\\|")
            add(f"| {where} | `{text}` | {spent:.2f} | {count:g} |")
        add("")
    if run.get("profile"):
        add("### Where an uncached contact page's time goes")
        add("")
        add(
            "One render of the Spanish contact page with the page cache off (other caches warm), "
            "through Django's test client, under cProfile (which slows everything it measures); "
            "the top 15 by cumulative time:"
        )
        add("")
        add("```")
        add(run["profile"])
        add("```")
        add("")
    if run["problems"]:
        add("### Problems in this run")
        add("")
        for problem in run["problems"]:
            add(f"- {problem}")
        add("")
    return "\n".join(lines)


def short_paths(text):
    """pstats' listing with file names from the package or the repository, not the disk."""
    text = re.sub(r"[^\s(]*/site-packages/", "", text)
    return text.replace(str(ROOT) + "/", "")


def profile_top(text, count=15):
    """The header and the first ``count`` rows of pstats' first listing."""
    lines = short_paths(text).splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), None)
    if start is None:
        return text.strip()
    header = [line for line in lines[:start] if "function calls" in line]
    return "\n".join([*(h.strip() for h in header), "", *lines[start : start + count + 1]])


# --- the run -------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="per target and round (5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every target (3)")
    parser.add_argument("--concurrency", type=int, default=4, help="GETs in flight (4)")
    parser.add_argument("--submit-seconds", type=float, help="per submission target and round")
    parser.add_argument("--submit-concurrency", type=int, default=8, help="shoppers at once (8)")
    parser.add_argument(
        "--pages",
        choices=["default", "all"],
        default="default",
        help="default: Contact (es, en), About (es), Returns (es); all: every contactkit page",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432",
        help="server for --database postgres (databases ck_bench_pages, "
        "ck_bench_peer are dropped and made again)",
    )
    parser.add_argument("--redis-url", help="redis://127.0.0.1:6379/N: the cache of every server")
    parser.add_argument("--python", default=sys.executable, help="the servers' Python")
    parser.add_argument("--out", type=Path, help="throw-away folder (default: a new temporary one)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="MINUTES",
        help="first wait up to this long for other programs to use under 15%% of the CPU",
    )
    parser.add_argument(
        "--from-summary",
        type=Path,
        metavar="JSON",
        help="measure nothing: print (and --write) the report of a run's summary.json",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process numbers")
    parser.add_argument(
        "--write",
        type=Path,
        metavar="MARKDOWN",
        help="put the results in this file's marked section (docs/benchmarks.md)",
    )
    args = parser.parse_args()
    args.submit_seconds = args.submit_seconds or args.seconds
    return args


def command_line():
    """The command that reproduces the run (where its throw-away folder was does not matter)."""
    shown, skip = [], False
    for arg in sys.argv[1:]:
        if skip or arg.startswith("--out="):
            skip = False
            continue
        if arg == "--out":
            skip = True
            continue
        shown.append(arg)
    return " ".join([".venvs/test-py311/bin/python bench/pages.py", *shown])


def main():
    args = parse_args()
    if args.from_summary:
        text = report(json.loads(args.from_summary.read_text()))
        print(text)
        if args.write:
            common.replace_section(args.write, SECTION_START, SECTION_END, text, DOCS_TEMPLATE)
            say(f"wrote {args.write}")
        return 0
    prefix = f"bench-{secrets.token_hex(4)}"
    try:
        return measure(args, prefix)
    finally:
        if args.redis_url:
            forget_keys(args.redis_url, prefix)


def forget_keys(redis_url, prefix):
    """Remove the keys this run put in Redis (they all start with its prefix)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}-*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    say(f"removed the run's {len(keys)} keys from {redis_url}")


def measure(args, prefix):
    import django
    import gunicorn
    import wagtail

    workdir = args.out or Path(tempfile.mkdtemp(prefix="ck-bench-pages-"))
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"working in {workdir}")
    contactkit, peer = build(args, workdir, prefix)
    pages = choose_pages(contactkit.shell(DISCOVER), args.pages)
    contact_path = pages[0][1]
    floor_file = workdir / "floor.html"
    problems = []

    with common.Servers() as servers:
        ck = {}
        for mode, spec in MODES.items():
            env = {
                **spec["env"],
                "BENCH_FLOOR_FILE": str(floor_file),
                "BENCH_KEY_PREFIX": f"{prefix}-contactkit-{mode}",
            }
            ck[mode] = servers.start(contactkit.server(mode, env), contact_path)
        peers = {
            mode: servers.start(
                peer.server(mode, {**env, "BENCH_KEY_PREFIX": f"{prefix}-peer-{mode}"}),
                "/contact/",
            )
            for mode, env in (("warm", {}), ("cold", {"BENCH_CACHE": "dummy"}))
        }
        # The floor answers the contact page's own bytes.
        page = common.fetch(ck["warm"].port, contact_path)
        if page.status != 200:
            raise SystemExit(f"GET {contact_path}: {page.status}")
        floor_file.write_bytes(page.body)
        say(f"{HEADER} on the warm server: {page.header(HEADER) or 'no cache header'}")

        targets = []
        for label, path in pages:
            for mode, spec in MODES.items():
                targets.append(Target(label, spec["label"], ck[mode], path, spec["expect"]))
            if path == contact_path:
                targets.append(
                    Target("Floor", "bare view, same bytes", ck["warm"], "/bench/floor/")
                )
                targets.append(Target("Peer", "its caches warm", peers["warm"], "/contact/"))
                targets.append(Target("Peer", "nothing cached", peers["cold"], "/contact/"))
        all_servers = [*ck.values(), *peers.values()]

        def our_pids():
            pids = [os.getpid()]
            for server in all_servers:
                if server.process is not None:
                    pids += [server.process.pid, *common.children(server.process.pid)]
            return pids

        watch = common.CpuWatch(our_pids)
        if args.wait_quiet:
            wait_quiet(watch, args.wait_quiet * 60)
        load_before = os.getloadavg()[0]
        watch.start()
        client_before, started = os.times(), time.monotonic()
        alternate(targets, args.rounds, args.seconds, args.concurrency, "GET")
        client_after = os.times()
        client_share = (
            client_after.user + client_after.system - client_before.user - client_before.system
        ) / (time.monotonic() - started)
        others_gets = watch.others_share()

        say("counting rows before the submissions")
        before = {"contactkit": contactkit.shell(COUNT_CONTACTKIT), "peer": peer.shell(COUNT_PEER)}
        ck_fields = {"name", "email", "message", "csrfmiddlewaretoken"}
        peer_fields = {"name", "email", "subject", "message", "csrfmiddlewaretoken"}
        submissions = []
        for concurrency in (1, args.submit_concurrency):
            submissions.append(
                Submissions(
                    "contactkit",
                    contact_path,
                    ck["warm"],
                    contact_path,
                    ck_fields,
                    contactkit_submission,
                    concurrency,
                )
            )
            submissions.append(
                Submissions(
                    "Peer",
                    "/contact/",
                    peers["warm"],
                    "/contact/",
                    peer_fields,
                    peer_submission,
                    concurrency,
                )
            )
        watch.start()
        alternate(submissions, args.rounds, args.submit_seconds, None, "POST")
        others_posts = watch.others_share()

        say("bytes")
        page_bytes = measure_bytes(ck["warm"], contact_path, contactkit.static_root)
        peer_bytes = compressed_sizes(common.fetch(peers["warm"].port, "/contact/").body)
        logs = {server.name: server.log for server in [*ck.values(), *peers.values()]}

    say("counting rows after the submissions")
    after = {"contactkit": contactkit.shell(COUNT_CONTACTKIT), "peer": peer.shell(COUNT_PEER)}
    stored = {}
    for name, group in (("contactkit", "contactkit"), ("peer", "Peer")):
        accepted = sum(s.accepted for s in submissions if s.group == group)
        count = {"accepted": accepted, "stored": after[name]["stored"] - before[name]["stored"]}
        if name == "contactkit":
            statuses = collections.Counter(after[name]["by_status"])
            statuses.subtract(before[name]["by_status"])
            count["detail"] = "; by status: " + ", ".join(
                f"{status} {number}" for status, number in statuses.items() if number
            )
            if "tasks" in after[name]:
                count["detail"] += f"; tasks queued: {after[name]['tasks'] - before[name]['tasks']}"
        stored[name] = count
        if count["accepted"] != count["stored"]:
            problems.append(f"{name}: {accepted} accepted but {count['stored']} stored")
        if (
            name == "contactkit"
            and set(statuses) - {"new"}
            and any(number for status, number in statuses.items() if status != "new")
        ):
            problems.append(f"contactkit: submissions not all new (held or spam): {statuses}")

    queries, profile, settings_seen, posts, template_lines = {}, "", {}, {}, None
    if not args.no_profile:
        say("in-process: queries, render times, profiles")
        profile_path = workdir / "profile"
        ck_form = next(s for s in submissions if s.group == "contactkit").shoppers[0]
        peer_form = next(s for s in submissions if s.group == "Peer").shoppers[0]
        for mode in ("off", "cold"):
            env = {**MODES[mode]["env"], "BENCH_FLOOR_FILE": str(floor_file)}
            post = {"path": ck_form.action, "data": fill(ck_form.form, 9_000_000)}
            found = inside(
                contactkit,
                env,
                pages,
                profile=str(profile_path) if mode == "off" else "",
                post=post if mode == "off" else None,
            )
            settings_seen[mode] = found.pop("_settings")
            if "_template_lines" in found:
                template_lines = found.pop("_template_lines")
            for step in ("_post", "_thanks"):
                if step in found:
                    posts[f"contactkit{step}"] = found.pop(step)
            for label, numbers in found.items():
                queries[(label, MODES[mode]["label"])] = numbers
        for label, env in (("its caches warm", {}), ("nothing cached", {"BENCH_CACHE": "dummy"})):
            post = {"path": peer_form.action, "data": fill(peer_form.form, 9_000_000)}
            found = inside(peer, env, [("Peer", "/contact/")], post=post if not env else None)
            found.pop("_settings")
            if "_post" in found:
                posts["peer_post"] = found.pop("_post")
            queries[("Peer", label)] = found["Peer"]
        profile_text = profile_path.read_text()
        profile = profile_top(profile_text)
        print(short_paths(profile_text), file=sys.stderr)
        for (label, mode), numbers in queries.items():
            if mode != MODES["warm"]["label"]:
                say(f"{label}, {mode}: {numbers['queries']} queries, {numbers['ms']:.1f} ms")
        for name, numbers in posts.items():
            say(
                f"{name}: {numbers['status']}, {numbers['queries']} queries, {numbers['ms']:.1f} ms"
            )
        for key, numbers in [*queries.items(), *posts.items()]:
            print(f"--- queries: {key}", file=sys.stderr)
            for sql in numbers["sql"]:
                print(f"    {sql}", file=sys.stderr)

    gets = []
    for target in targets:
        problems += [f"{target.key}: {problem}" for problem in target.check()]
        latencies = target.load.latencies
        extra = queries.get((target.group, target.label), {})
        gets.append(
            {
                "group": target.group if target.group != "Floor" else "Floor",
                "label": target.label,
                "cache": target.cache_seen() if target.expect else "-",
                "rate": target.load.rate,
                "rates": target.rates,
                "p50": common.percentile(latencies, 0.5),
                "p95": common.percentile(latencies, 0.95),
                "queries": extra.get("queries", "-"),
            }
        )
    subs = []
    for target in submissions:
        problems += [f"submissions {target.key} x{target.concurrency}: {p}" for p in target.check()]
        subs.append(
            {
                "group": target.group,
                "concurrency": target.concurrency,
                "rate": target.rate,
                "rates": target.rates,
                "p50": common.percentile(target.latencies, 0.5),
                "p95": common.percentile(target.latencies, 0.95),
                "post_p50": common.percentile(target.post_latencies, 0.5),
            }
        )

    def rate_of(group, label):
        return next((t.load.rate for t in targets if t.group == group and t.label == label), None)

    def sub_rate(group, concurrency):
        return next(
            s.rate for s in submissions if s.group == group and s.concurrency == concurrency
        )

    first = pages[0][0]
    ratios = [
        (
            f"{first}, page cache off / peer (its caches warm)",
            rate_of(first, MODES["off"]["label"]),
            rate_of("Peer", "its caches warm"),
            TARGETS["uncached"],
        ),
        (
            f"{first}, nothing cached / peer, nothing cached",
            rate_of(first, MODES["cold"]["label"]),
            rate_of("Peer", "nothing cached"),
            TARGETS["uncached"],
        ),
        (
            f"{first}, page cache warm / floor",
            rate_of(first, MODES["warm"]["label"]),
            rate_of("Floor", "bare view, same bytes"),
            TARGETS["cached"],
        ),
        (
            "Submissions one at a time / peer",
            sub_rate("contactkit", 1),
            sub_rate("Peer", 1),
            TARGETS["submissions"],
        ),
        (
            f"Submissions {args.submit_concurrency} at once / peer",
            sub_rate("contactkit", args.submit_concurrency),
            sub_rate("Peer", args.submit_concurrency),
            TARGETS["submissions"],
        ),
    ]
    seen = settings_seen.get("off", {})
    run = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": common.machine(),
        "command": command_line(),
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "gunicorn": gunicorn.__version__,
        "database": "PostgreSQL" if args.database == "postgres" else "SQLite (WAL), one file each",
        "cache": (
            f"Redis ({args.redis_url})"
            if args.redis_url
            else seen.get("cache", "the production default").rsplit(".", 1)[-1]
            + " (each process its own)"
        ),
        "tasks": seen.get("tasks", "?"),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "gets": gets,
        "submissions": subs,
        "stored": stored,
        "ratios": ratios,
        "bytes": page_bytes,
        "peer_bytes": peer_bytes,
        "profile": profile,
        "problems": problems,
        "others": (others_gets, others_posts),
        "client_share": client_share,
        "load_before": load_before,
        "template_lines": template_lines,
        "inside": [
            {"page": label, "mode": mode, "queries": numbers["queries"], "ms": numbers["ms"]}
            for (label, mode), numbers in queries.items()
        ],
        "posts": {
            name: {k: v for k, v in numbers.items() if k != "sql"}
            for name, numbers in posts.items()
        },
    }
    (workdir / "summary.json").write_text(
        json.dumps(
            {**run, "queries": {f"{k[0]} | {k[1]}": v for k, v in queries.items()}},
            indent=2,
            default=str,
        )
    )
    text = report(run)
    print(text)
    if args.write:
        common.replace_section(args.write, SECTION_START, SECTION_END, text, DOCS_TEMPLATE)
        say(f"wrote {args.write}")
    for name, log in logs.items():
        if "Traceback" in log.read_text(errors="replace"):
            say(f"{name} logged a traceback: see {log}")
    if problems:
        say("PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    say(f"done; the servers' logs and summary.json are in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
