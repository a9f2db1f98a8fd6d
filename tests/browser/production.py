"""The demo shop served as in production: DEBUG off, gunicorn, whitenoise, collected static files.

``ProductionDemo`` runs ``manage.py`` and gunicorn in subprocesses with
``tests.browser.production_settings`` (demoshop.settings.production plus throw-away folders).
gunicorn is started directly, with no shell in between, so ``Popen.pid`` is the real PID of its
master process; ``stop()`` ends that PID and nothing else. The shell equivalent is
``( exec python -m gunicorn ... ) & echo $!``.

Used by tests/browser/test_weight.py (against the test database) and by bench/lighthouse.py
(against a database of its own).
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import gunicorn

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.browser.production_settings"
WSGI_APPLICATION = "demoshop.wsgi:application"

# Static folders no shop page uses (Django's and Wagtail's admin, country flags). The weight test
# leaves them out of collectstatic to save ~20 s; a page that did use one of them would fail
# loudly, since the manifest would have no entry for it. bench/lighthouse.py collects everything.
ADMIN_ONLY_STATIC = ("admin", "wagtail*", "flags")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProductionDemo:
    """The demo behind gunicorn + whitenoise, on 127.0.0.1 and a free port."""

    def __init__(self, workdir, media_root, database_url=None, python=sys.executable):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.static_root = self.workdir / "static"
        self.media_root = Path(media_root)
        # collectstatic needs no database; serving does.
        self.database_url = database_url or "sqlite:///:memory:"
        self.python = str(python)
        self.secret_key = secrets.token_urlsafe(40)
        self.log = self.workdir / "gunicorn.log"
        self.process = None
        self.url = None

    def env(self, theme=None):
        paths = [str(ROOT / "site"), str(ROOT)]
        if os.environ.get("PYTHONPATH"):
            paths.append(os.environ["PYTHONPATH"])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "CONTACTKIT_STATIC_ROOT": str(self.static_root),
            "CONTACTKIT_MEDIA_ROOT": str(self.media_root),
            # Served over plain HTTP on 127.0.0.1: no redirect to HTTPS, cookies without the
            # Secure flag, no HSTS (everything else as in production).
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
        }
        env.pop("CONTACTKIT_THEME", None)
        if theme:
            env["CONTACTKIT_THEME"] = theme
        return env

    def manage(self, *args, theme=None):
        result = subprocess.run(
            [self.python, str(ROOT / "site" / "manage.py"), *map(str, args)],
            env=self.env(theme),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def build_database(self):
        """Migrate the database and load the demo shop into it (for a database of its own)."""
        self.manage("migrate", "--noinput")
        self.manage("load_demo_shop")

    def collectstatic(self, front_end_only=False):
        args = ["collectstatic", "--noinput", "--clear"]
        if front_end_only:
            for pattern in ADMIN_ONLY_STATIC:
                args += ["--ignore", pattern]
        self.manage(*args)

    def select_theme(self, name):
        """Pick the theme of the demo site in this database; returns how (as conftest's
        ``select_theme`` does): "ThemeSettings" when the per-site setting exists, else
        "CONTACTKIT_THEME", which ``start(theme=...)`` then hands to the server."""
        code = (
            "try:\n"
            "    from contactkit.theming.models import ThemeSettings\n"
            "except ImportError:\n"
            "    print('CONTACTKIT_THEME')\n"
            "else:\n"
            "    from wagtail.models import Site\n"
            "    s = ThemeSettings.for_site(Site.objects.get(is_default_site=True))\n"
            f"    s.theme = {name!r}\n"
            "    s.save()\n"
            "    print('ThemeSettings')\n"
        )
        return self.manage("shell", "-c", code).strip().splitlines()[-1]

    def manifest(self):
        """ManifestStaticFilesStorage's map of each static file to its hashed name."""
        return json.loads((self.static_root / "staticfiles.json").read_text())["paths"]

    def start(self, theme=None, timeout=60):
        if self.process is not None:
            raise RuntimeError("The demo server is already running.")
        port = free_port()
        command = [
            self.python,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--preload",
            "--error-logfile",
            str(self.log),
        ]
        if gunicorn.version_info >= (27,):
            command.append("--no-control-socket")
        command.append(WSGI_APPLICATION)
        self.process = subprocess.Popen(command, env=self.env(theme), cwd=ROOT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise RuntimeError(f"gunicorn exited ({code}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):  # noqa: S310
                    return self.url
            except urllib.error.HTTPError:
                return self.url  # It answers; what it answers is for the checks to judge.
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not answer:\n{self.log_tail()}") from None
                time.sleep(0.2)

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, lines=40):
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
