"""``manage.py check --deploy`` has nothing to say about the production settings, and their
defaults do what it checks for: HTTPS only, HSTS (subdomains, preload), secure cookies."""

import json
import os
import secrets
import subprocess
import sys

import pytest

from tests.deploy.servers import ROOT

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "demoshop.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "shop.example,www.shop.example",
    "DATABASE_URL": "postgres://shop:secret@db.internal:5432/shop",
}

HEADERS = """
import json
from django.test import Client
client = Client(HTTP_HOST="shop.example")
plain = client.get("/contacto/?a=1")
health = client.get("/contactkit/health/")
secure = client.get("/contactkit/health/", secure=True)
proxied = client.get("/contactkit/health/", HTTP_X_FORWARDED_PROTO="https")
from django.conf import settings as s
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "health": [health.status_code, health.headers.get("Strict-Transport-Security")],
    "secure": dict(secure.headers),
    "proxied": dict(proxied.headers),
    "settings": {
        "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
        "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
        "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
        "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
        "TASKS": s.TASKS,
        "INSTALLED_APPS": s.INSTALLED_APPS,
        "CONN_HEALTH_CHECKS": s.DATABASES["default"]["CONN_HEALTH_CHECKS"],
        "CACHE": s.CACHES["default"]["BACKEND"],
    },
}))
"""


def start(*args, **env):
    """``manage.py *args`` in the shop's environment (and ``env``), started, not waited for."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL"} and not key.startswith(("AWS_", "SECURE_"))
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / "site" / "manage.py"), *args],
        env={**clean, **PRODUCTION, **env, "PYTHONPATH": str(ROOT / "site")},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs():
    """The runs side by side (each is a Django start-up)."""
    started = {
        "with_redis": start(
            "check", "--deploy", "--fail-level", "WARNING", REDIS_URL="redis://cache:6379/0"
        ),
        "without_redis": start("check", "--deploy", "--fail-level", "WARNING"),
        # The headers of what it answers (an in-memory database is enough for that), and the
        # settings behind them (Redis on a closed port: the cache is not what is looked at).
        "headers": start(
            "shell",
            "-c",
            HEADERS,
            DATABASE_URL="sqlite:///:memory:",
            REDIS_URL="redis://127.0.0.1:9/0",
        ),
    }
    return {name: (p.wait(timeout=120), *p.communicate()) for name, p in started.items()}


def test_check_deploy_finds_nothing(runs):
    code, out, err = runs["with_redis"]
    assert code == 0, out + err
    assert "System check identified no issues" in out
    assert "WARNING" not in out + err and "ERROR" not in out + err


def test_without_redis_the_only_warning_is_the_per_process_cache(runs):
    code, out, err = runs["without_redis"]
    assert code != 0
    found = sorted(
        {word.strip(":()") for word in (out + err).split() if word.startswith("(") and "." in word}
    )
    assert found == ["contactkit.W008"], out + err


def test_the_defaults_send_every_visitor_to_https_and_keep_them_there(runs):
    code, out, err = runs["headers"]
    assert code == 0, err
    found = json.loads(out.splitlines()[-1])
    assert found["plain"] == [301, "https://shop.example/contacto/?a=1"]
    # A load balancer's health check over plain HTTP gets the answer, not a redirect.
    assert found["health"][0] != 301
    for headers in (found["secure"], found["proxied"]):  # TLS here, or at the proxy
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"].startswith("max-age=0")


def test_cookies_tasks_database_and_cache_settings(runs):
    code, out, err = runs["headers"]
    assert code == 0, err
    found = json.loads(out.splitlines()[-1])["settings"]
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"]
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["X_FRAME_OPTIONS"] == "DENY"
    # Emails and Wagtail's own tasks go to the database; `manage.py db_worker` runs them.
    assert found["TASKS"] == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert {"django_tasks", "django_tasks_db"} <= set(found["INSTALLED_APPS"])
    # A process whose database restarted checks its connection before using it again.
    assert found["CONN_HEALTH_CHECKS"] is True
    assert found["CACHE"] == "contactkit.cache.ResilientRedisCache"
