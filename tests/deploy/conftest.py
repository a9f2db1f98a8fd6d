"""The demo shop deployed as docs/deploy.md says, once for every test of this folder.

``shop`` builds it on a database of its own, with demoshop.settings.production (through
tests/deploy/production_settings.py, which adds one failing address): a SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL (DATABASE_URL). ``manage.py migrate``
applies every migration there, django_tasks_db's included; ``load_demo_shop`` loads the demo,
and a document is added; ``collectstatic`` writes the hashed, compressed static files (the
shop's front end only, to save time: the admin's are the same kind of files). ``web`` serves it
with gunicorn (2 sync workers), Redis as the cache and a real SMTP server for the task worker.
"""

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.deploy.servers import Gunicorn, RedisServer, manage, production_env, start_manage
from tests.inbox.smtp import SMTPServer

# Static folders no shop page uses (Django's and Wagtail's admin, country flags), left out of
# collectstatic as in tests/browser/production.py.
ADMIN_ONLY_STATIC = ["admin", "wagtail*", "flags"]

BUILD = """
import io, json
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents import get_document_model

call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo_shop", "--port", "{port}", stdout=io.StringIO())
document = get_document_model().objects.create(
    title="Condiciones de venta",
    file=ContentFile("Condiciones de venta de Cerámica Alba.\\n".encode(), name="condiciones.txt"),
)
print(json.dumps({{"document_url": document.url, "document_file": document.file.name}}))
"""


@dataclass
class Shop:
    workdir: Path
    database_url: str
    media_root: Path
    static_root: Path
    env: dict
    web: Gunicorn
    document_url: str
    document_file: str

    @property
    def postgres(self):
        return self.database_url.startswith("postgres")


class ShopDatabase:
    """A database of the shop's own: a SQLite file, or a PostgreSQL database dropped at the end."""

    def __init__(self, workdir):
        suite = os.environ.get("DATABASE_URL", "")
        self.postgres = None
        if suite.startswith("postgres"):
            self.postgres = f"contactkit_deploy_{secrets.token_hex(4)}"
            parts = urlsplit(suite)
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path=f"/{self.postgres}"))
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as db:
                db.execute(f'CREATE DATABASE "{self.postgres}"')
        else:
            self.url = f"sqlite:///{workdir / 'shop.sqlite3'}"

    def drop(self):
        if self.postgres:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.postgres}" WITH (FORCE)')


@pytest.fixture(scope="package")
def redis_server():
    server = RedisServer().start()
    yield server
    server.kill()


@pytest.fixture(scope="package")
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def shop(tmp_path_factory, redis_server, smtp):
    workdir = tmp_path_factory.mktemp("deploy")
    database = ShopDatabase(workdir)
    web = None
    try:
        env = production_env(
            DATABASE_URL=database.url,
            REDIS_URL=redis_server.url,
            MEDIA_ROOT=workdir / "media",
            STATIC_ROOT=workdir / "static",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp.port,
            EMAIL_TIMEOUT=5,
        )
        web = Gunicorn(env, workdir / "gunicorn.log")
        # collectstatic needs no database: it runs beside the database's build.
        ignore = [option for pattern in ADMIN_ONLY_STATIC for option in ("--ignore", pattern)]
        collecting = start_manage(env, "collectstatic", "--noinput", "--clear", *ignore)
        built = json.loads(manage(env, "shell", "-c", BUILD.format(port=web.port)).splitlines()[-1])
        _out, errors = collecting.communicate(timeout=300)
        assert collecting.returncode == 0, errors
        web.start()
        yield Shop(
            workdir=workdir,
            database_url=database.url,
            media_root=workdir / "media",
            static_root=workdir / "static",
            env=env,
            web=web,
            **built,
        )
    finally:
        if web is not None:
            web.stop()
        database.drop()
        shutil.rmtree(workdir / "static", ignore_errors=True)


@pytest.fixture(scope="package")
def web(shop):
    return shop.web
