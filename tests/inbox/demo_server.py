"""The demo shop served as ``python3 dev.py demo`` serves it (runserver, threaded), on a database
of its own: a SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL.

The server is started directly, with no shell in between, so ``Popen.pid`` is its real PID and
``stop()`` ends that process and nothing else.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]

# Builds what a shopper needs: a site whose home has a contact page, and an inbox recipient.
SET_UP_SHOP = """
from wagtail.models import Page, Site
from demoshop.home.models import HomePage
from contactkit.pages.models import ContactPage
from contactkit.inbox.models import InboxSettings
root = Page.get_first_root_node()
home = root.add_child(instance=HomePage(title="Tienda", slug="tienda"))
site = Site.objects.get(is_default_site=True)
site.root_page = home
site.hostname = "127.0.0.1"
site.save()
home.add_child(instance=ContactPage(title="Contacto", slug="contacto"))
settings = InboxSettings.for_site(site)
settings.notify_emails = "tienda@example.com"
settings.save()
"""

# Prints every stored conversation with its messages, as JSON.
REPORT = """
import json
from contactkit.inbox.models import Conversation
print(json.dumps([
    {"reference": c.reference, "email": c.email, "status": c.status,
     "messages": [m.body for m in c.messages.order_by("created_at", "pk")]}
    for c in Conversation.objects.order_by("reference")
]))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoServer:
    """The demo shop on 127.0.0.1 and a free port, on its own database in ``workdir``."""

    def __init__(self, workdir, database_url=None, settings=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.postgres = None
        if database_url and database_url.startswith("postgres"):
            # A database of its own, next to the suite's, dropped by stop().
            self.postgres = f"contactkit_demo_{secrets.token_hex(4)}"
            parts = urlsplit(database_url)
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.database_url = urlunsplit(parts._replace(path=f"/{self.postgres}"))
        else:
            self.database_url = f"sqlite:///{self.workdir / 'demo.sqlite3'}"
        self.settings = settings or {}
        self.log = self.workdir / "server.log"
        self.process = None
        self.url = None

    def env(self):
        paths = [str(ROOT / "site"), str(ROOT)]
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "DJANGO_SETTINGS_MODULE": "tests.inbox.demo_server_settings",
            "DATABASE_URL": self.database_url,
            "CONTACTKIT_DEMO_MEDIA_ROOT": str(self.workdir / "media"),
            "CONTACTKIT_DEMO_SETTINGS": json.dumps(self.settings),
        }

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, str(ROOT / "site" / "manage.py"), *map(str, args)],
            env=self.env(),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self):
        if self.postgres:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as db:
                db.execute(f'CREATE DATABASE "{self.postgres}"')
        self.manage("migrate", "--noinput")
        self.manage("shell", "-c", SET_UP_SHOP)
        port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "site" / "manage.py"),
                "runserver",
                "--noreload",
                f"127.0.0.1:{port}",
            ],
            env=self.env(),
            cwd=self.workdir,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The demo server stopped:\n{self.log.read_text()}")
            try:
                requests.get(self.url + "/contacto/", timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"The demo server did not answer:\n{self.log.read_text()}")

    def stored(self):
        """Every conversation in the server's database: reference, email, status, messages."""
        return json.loads(self.manage("shell", "-c", REPORT).strip().splitlines()[-1])

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.postgres:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.postgres}" WITH (FORCE)')
