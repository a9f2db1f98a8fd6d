"""The real parts of a production deployment, private to the reliability tests and bench/soak.py.

Everything here is started by these tests, on free ports of 127.0.0.1, in throw-away folders,
so that it can be killed and restarted at will: the machine's own PostgreSQL (5432) and Redis
(6379), which the other suites use at the same time, are never touched.

- :class:`Postgres`: a PostgreSQL cluster of its own (``initdb`` into a temporary folder,
  ``postgres -D dir -p PORT -k dir``), stopped and started again mid-run;
- :class:`Redis`: a ``redis-server`` without persistence, killed and started again;
- :class:`MailServer`: a real SMTP server (aiosmtpd) that counts the Message-IDs it receives,
  taken down, or replaced by a socket that accepts connections and never answers (a hung relay);
- :class:`Shop`: the demo shop under ``demoshop.settings.production``: ``migrate``,
  ``collectstatic``, ``load_demo_shop``, any number of :class:`Gunicorn` servers, the task worker
  (``manage.py db_worker``) and ``manage.py contactkit_send_emails --loop``, both run as a
  service manager would (:class:`Service`: started again when they exit).

Every process is started directly (no shell in between), so ``Popen.pid`` is its real PID, and
it is stopped by that PID and nothing else.
"""

import collections
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.inbox.smtp import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "demoshop.settings.production"
# The mail timeout of the web and worker processes: short, so that a hung relay costs a worker
# a few seconds per email (a request never waits on it: it only queues the email).
EMAIL_TIMEOUT = 3
# The staff member the tests sign in as (and the notification's recipient is the demo's own).
STAFF_USERNAME = "lucia"
STAFF_PASSWORD = "reliability-" + secrets.token_urlsafe(8)
STAFF_EMAIL = "lucia@ceramica-alba.example"

# Run in the shop's Python once migrated: the demo (load_demo_shop), a staff member who may
# answer chats, and a chat channel with no opening hours, so that a chat can be started
# whatever the hour of the run. One process for all of it: each start of Django costs seconds.
SETUP_CODE = """
import json
from django.core.management import call_command
call_command("load_demo_shop")
from django.contrib.auth import get_user_model
from wagtail.models import Site
from contactkit.profile.models import ContactChannel

site = Site.objects.get(is_default_site=True)
chats = ContactChannel.objects.filter(site=site, kind="chat", chat_provider="contactkit")
if not chats.exists():
    raise SystemExit("The demo has no native chat channel (kind chat, provider contactkit).")
for channel in chats:
    channel.hours.all().delete()
    channel.exceptions.all().delete()
user, _ = get_user_model().objects.get_or_create(
    username=%(username)r, defaults={"email": %(email)r, "first_name": "Lucía"}
)
user.is_staff = user.is_superuser = True
user.set_password(%(password)r)
user.save()
print(json.dumps({"site": site.pk, "user": user.pk}))
"""

# ``contactkit_send_emails`` as cron runs it ``minutes`` from now: a failed email waits
# minutes before its next try (1, 5, 15, …), which a test cannot sit through; moving this one
# process's clock forward shows what the next cron run after that wait sends.
LATER_SEND_CODE = """
import datetime, sys
import django
import time_machine
django.setup()
from django.core.management import call_command
from django.utils import timezone
later = timezone.now() + datetime.timedelta(minutes=float(sys.argv[1]))
with time_machine.travel(later, tick=True):
    call_command("contactkit_send_emails")
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout, interval=0.1, what="the condition"):
    """Call ``condition`` until it returns something true; that value, or TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"Waited {timeout} s for {what}.")
        time.sleep(interval)


def stop_process(process, sig=signal.SIGTERM, timeout=15):
    """End ``process`` (a Popen) by its PID: ``sig``, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    os.kill(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def tail(path, lines=40, width=400):
    """The last ``lines`` lines of a log, each cut at ``width`` characters (a JSON line with a
    traceback is long)."""
    path = Path(path)
    if not path.exists():
        return ""
    return "\n".join(
        line if len(line) <= width else line[:width] + " …"
        for line in path.read_text(errors="replace").splitlines()[-lines:]
    )


def last_traceback(path):
    """The last error with a traceback in a log of JSON lines (LOGGING in production.py)."""
    import json

    path = Path(path)
    if not path.exists():
        return ""
    for line in reversed(path.read_text(errors="replace").splitlines()):
        if '"exc_info"' not in line:
            continue
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            return f"{entry.get('message', '')} ({entry.get('path', '')})\n{entry['exc_info']}"
    return ""


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError("PostgreSQL's server (postgres, initdb) is not installed.")


class Postgres:
    """A PostgreSQL cluster of its own, in a temporary folder, on a free port.

    initdb refuses to run as root: as root, the cluster belongs to the ``postgres`` OS user and
    its programs run as that user (``Popen(user=...)``, so the PID is still postgres' own).
    """

    def __init__(self):
        self.bin = postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="ck-production-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.process = None
        self.as_user = {}
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_user = {"user": owner.pw_uid, "group": owner.pw_gid}

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self):
        command = [self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust"]
        command += ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        result = subprocess.run(
            list(map(str, command)),
            cwd=self.dir,
            capture_output=True,
            text=True,
            check=False,
            **self.as_user,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def start(self, timeout=30):
        if self.running:
            return
        command = [self.bin / "postgres", "-D", self.data, "-p", self.port, "-k", self.dir]
        # A test database: durability off (a clean stop still writes everything), connections
        # for two gunicorns, the workers and the tests.
        for option in (
            "listen_addresses=127.0.0.1",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=200",
        ):
            command += ["-c", option]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                list(map(str, command)),
                cwd=self.dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                **self.as_user,
            )
        try:
            wait_for(self.ready, timeout, what="PostgreSQL to accept connections")
        except TimeoutError:
            raise RuntimeError(f"PostgreSQL did not start:\n{tail(self.log)}") from None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def ready(self):
        if not self.running:
            raise RuntimeError(f"PostgreSQL exited:\n{tail(self.log)}")
        import psycopg

        try:
            with psycopg.connect(self.url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self):
        """A fast shutdown (SIGINT), as ``pg_ctl stop -m fast``: sessions are ended at once."""
        stop_process(self.process, signal.SIGINT, timeout=30)
        self.process = None

    def create_database(self, name):
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Redis -----------------------------------------------------------------------------------


class Redis:
    """A ``redis-server`` without persistence on a free port: killed and started again at will."""

    def __init__(self, workdir):
        self.binary = shutil.which("redis-server") or shutil.which(
            "redis-server", path="/usr/sbin:/usr/bin"
        )
        if not self.binary:
            raise RuntimeError("redis-server is not installed.")
        self.port = free_port()
        self.log = Path(workdir) / "redis.log"
        self.dir = Path(workdir)
        self.process = None

    def url(self, database=0):
        return f"redis://127.0.0.1:{self.port}/{database}"

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=15):
        if self.running:
            return
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(self.ping, timeout, what="Redis to answer")
        except TimeoutError:
            raise RuntimeError(f"Redis did not start:\n{tail(self.log)}") from None

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        """Redis gone at once (SIGKILL): connections drop, nothing is written."""
        stop_process(self.process, signal.SIGKILL)
        self.process = None

    def stop(self):
        stop_process(self.process)
        self.process = None


# --- SMTP ------------------------------------------------------------------------------------


class _HungRelay:
    """A socket on the SMTP server's port that accepts connections and never says a word."""

    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.accepted = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed.is_set():
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        self.closed.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(timeout=5)
        for connection in self.accepted:
            with contextlib.suppress(OSError):
                connection.close()


class MailServer(SMTPServer):
    """tests.inbox.smtp's real SMTP server, which also counts each Message-ID it received and
    can be ``up()``, ``down()`` (nothing listens: connections are refused) or ``hanging()``
    (connections are accepted and never answered, as a hung relay does)."""

    def __init__(self):
        super().__init__()
        self.state = "down"
        # (time.monotonic(), Message-ID) of each message, as it arrived.
        self.arrivals = []
        self._hung = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            answer = await super().handle_DATA(server, session, envelope)
            self.arrivals.append((time.monotonic(), str(self.messages[-1]["Message-ID"])))
            return answer

    def message_ids(self):
        """{Message-ID: how many times it arrived}."""
        with self._lock:
            return collections.Counter(str(message["Message-ID"]) for message in self.messages)

    def up(self):
        if self.state == "up":
            return
        self._unhang()
        self.start()
        self.state = "up"

    def down(self):
        self.stop()
        self._unhang()
        self.state = "down"

    def hanging(self):
        self.stop()
        if self._hung is None:
            self._hung = _HungRelay(self.port)
        self.state = "hanging"

    def hung_connections(self):
        return len(self._hung.accepted) if self._hung else 0

    def _unhang(self):
        if self._hung is not None:
            self._hung.close()
            self._hung = None


# --- the shop --------------------------------------------------------------------------------


class Gunicorn:
    """``gunicorn demoshop.wsgi --chdir site -w 2 -b 127.0.0.1:PORT --no-control-socket``."""

    def __init__(self, shop, name, workers=2):
        self.shop = shop
        self.name = name
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = shop.workdir / f"gunicorn-{name}.log"
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=60):
        if self.running:
            return
        command = [self.shop.python, "-m", "gunicorn", "demoshop.wsgi", "--chdir", "site"]
        command += ["-w", str(self.workers), "-b", f"127.0.0.1:{self.port}"]
        command += ["--no-control-socket", "--graceful-timeout", "5"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.shop.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(self.answers, timeout, interval=0.2, what=f"gunicorn {self.name}")
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"gunicorn {self.name} did not answer:\n{tail(self.log)}") from None

    def answers(self):
        if not self.running:
            raise RuntimeError(f"gunicorn {self.name} exited:\n{tail(self.log)}")
        try:
            with urllib.request.urlopen(self.url + "/contactkit/health/", timeout=5):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True  # It answers: what it answers is for the tests to judge.
        except OSError:
            return False

    def stop(self):
        # SIGINT: gunicorn's quick shutdown (the tests are over; nothing is waiting).
        stop_process(self.process, signal.SIGINT, timeout=20)
        self.process = None


class Service:
    """A long-running command, run as a service manager does. With ``restart`` (systemd's
    ``Restart=always``, ``RestartSec=1``) it is started again a second after it exits, whyever
    it exits; without, an exit is recorded (``exits``) and it stays down until :meth:`start`.
    ``kill()`` kills the running process (by its PID)."""

    def __init__(self, shop, name, args, ready_text, restart=True, restart_seconds=1.0):
        self.shop = shop
        self.name = name
        self.args = list(args)
        # What the command writes once it is at work.
        self.ready_text = ready_text
        self.restart = restart
        self.restart_seconds = restart_seconds
        self.log = shop.workdir / f"{name}.log"
        self.process = None
        self.starts = 0
        self.exits = []
        self._lock = threading.Lock()
        self._wanted = False
        self._paused = False
        self._thread = None

    def start(self):
        with self._lock:
            self._wanted = True
            self._paused = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True)
                self._thread.start()
            self._spawn()

    def _spawn(self):
        if self.process is not None and self.process.poll() is None:
            return
        with open(self.log, "a") as log:
            log.write(f"--- start {self.starts + 1} at {time.strftime('%H:%M:%S')}\n")
            log.flush()
            self.process = subprocess.Popen(
                [self.shop.python, str(ROOT / "site" / "manage.py"), *self.args],
                cwd=ROOT,
                env=self.shop.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def _watch(self):
        while True:
            time.sleep(0.2)
            with self._lock:
                if not self._wanted:
                    return
                process = self.process
                if process is None or self._paused:
                    continue
                code = process.poll()
                if code is None:
                    continue
                self.exits.append(code)
                self.process = None
                if not self.restart:
                    self._paused = True
                    continue
            time.sleep(self.restart_seconds)
            with self._lock:
                if self._wanted and not self._paused:
                    self._spawn()

    def ready(self):
        """Whether the process started last is at work (its log says so)."""
        if self.pid is None:
            return False
        log = self.log.read_text(errors="replace")
        return self.ready_text in log.rpartition(f"--- start {self.starts} ")[2]

    def wait_ready(self, timeout=60):
        try:
            wait_for(self.ready, timeout, interval=0.2, what=f"{self.name} to be at work")
        except TimeoutError:
            raise RuntimeError(f"{self.name} is not at work:\n{tail(self.log)}") from None

    @property
    def pid(self):
        process = self.process
        return process.pid if process is not None and process.poll() is None else None

    def kill(self, sig=signal.SIGKILL, restart=True):
        """Kill the running process with ``sig``; it is started again unless ``restart`` is
        false (then :meth:`start` starts it)."""
        with self._lock:
            if not restart:
                self._paused = True
            process = self.process
        if process is not None and process.poll() is None:
            os.kill(process.pid, sig)
            process.wait(timeout=30)

    def stop(self):
        with self._lock:
            self._wanted = False
            process, self.process = self.process, None
        stop_process(process, signal.SIGTERM, timeout=20)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class Shop:
    """The demo shop as in production, over the private PostgreSQL, Redis and SMTP server."""

    def __init__(self, workdir, postgres, redis, mail, python=sys.executable):
        self.workdir = Path(workdir)
        self.postgres = postgres
        self.redis = redis
        self.mail = mail
        self.python = str(python)
        self.database = "contactkit"
        self.secret_key = secrets.token_urlsafe(40)
        self.static_root = self.workdir / "static"
        self.media_root = self.workdir / "media"
        self.site_id = None
        self.staff_id = None
        self.servers = {}
        # django-tasks-db's worker exits when its database goes away: as in production, its
        # service manager starts it again.
        self.worker = Service(
            self, "db_worker", ["db_worker", "--interval", "0.5"], "Starting worker"
        )
        # What cron (or a second service) runs beside the worker: the emails whose task was
        # lost (a worker killed mid-send, an enqueue that failed) and those due for a retry.
        # Nothing starts it again: it must outlive a database restart by itself.
        self.mailer = Service(
            self,
            "send_emails",
            ["contactkit_send_emails", "--loop", "2"],
            "Sent ",
            restart=False,
        )

    @property
    def database_url(self):
        return self.postgres.url(self.database)

    def env(self):
        paths = [str(ROOT / "site"), str(ROOT)]
        if os.environ.get("PYTHONPATH"):
            paths.append(os.environ["PYTHONPATH"])
        env = {
            key: value
            for key, value in os.environ.items()
            # The suite's own database and settings are not the shop's.
            if not key.startswith(("DATABASE_URL", "DJANGO_", "CONTACTKIT_", "PYTEST_"))
        }
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(paths),
                "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
                "SECRET_KEY": self.secret_key,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis.url(0),
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.mail.port),
                "EMAIL_USE_TLS": "0",
                "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
                # Plain http on 127.0.0.1.
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0",
                "SECURE_HSTS_SECONDS": "0",
                "STATIC_ROOT": str(self.static_root),
                "MEDIA_ROOT": str(self.media_root),
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def manage(self, *args, timeout=300):
        result = subprocess.run(
            [self.python, str(ROOT / "site" / "manage.py"), *map(str, args)],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(map(str, args[:2]))} failed:\n{result.stdout}\n"
                f"{result.stderr}"
            )
        return result.stdout

    def prepare(self):
        """The database (migrate, the demo, a staff member) and the collected static files.

        collectstatic needs no database: it runs while the database is built.
        """
        import json

        self.timings = {}
        started = time.monotonic()
        self.postgres.create_database(self.database)
        collect = subprocess.Popen(
            [self.python, str(ROOT / "site" / "manage.py"), "collectstatic", "--noinput"],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            self.manage("migrate", "--noinput")
            self.timings["migrate"] = time.monotonic() - started
            code = SETUP_CODE % {
                "username": STAFF_USERNAME,
                "email": STAFF_EMAIL,
                "password": STAFF_PASSWORD,
            }
            found = json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])
            self.site_id, self.staff_id = found["site"], found["user"]
            self.timings["load_demo_shop"] = time.monotonic() - started
        finally:
            output, _ = collect.communicate(timeout=300)
            self.timings["collectstatic"] = time.monotonic() - started
        if collect.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{output}")

    def server(self, name):
        if name not in self.servers:
            self.servers[name] = Gunicorn(self, name)
        return self.servers[name]

    def send_emails_later(self, minutes, quiet_first=False):
        """Run ``contactkit_send_emails`` once, as cron would ``minutes`` from now.

        Its clock is ahead, not the others': an email the worker claimed a moment ago looks to
        it like one whose claim ran out (contactkit.inbox.emails.SENDING_LEASE, 10 minutes)
        and would be sent a second time. So a jump of less than the lease leaves claims alone;
        past it, ``quiet_first`` stops the worker and the send loop first, each after the email
        it is sending (SIGTERM), and starts them again afterwards, as if that time had passed
        with them idle.
        """
        if quiet_first:
            self.worker.kill(signal.SIGTERM, restart=False)
            self.mailer.kill(signal.SIGTERM, restart=False)
        try:
            return self._send_emails_later(minutes)
        finally:
            if quiet_first:
                self.worker.start()
                self.mailer.start()
                self.worker.wait_ready()
                self.mailer.wait_ready()

    def _send_emails_later(self, minutes):
        result = subprocess.run(
            [self.python, "-c", LATER_SEND_CODE, str(minutes)],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"contactkit_send_emails failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout.strip()

    def sql(self, query, params=()):
        """Rows of ``query`` on the shop's database (the tests look at what was stored)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=5) as db:
            return db.execute(query, params).fetchall()

    def logs(self):
        """The last lines of every process's log, for a failing test's report, and the last
        traceback each server logged, whole."""
        parts = [self.postgres.log, self.redis.log]
        parts += [server.log for server in self.servers.values()]
        parts += [self.worker.log, self.mailer.log]
        text = "\n\n".join(f"== {Path(path).name}\n{tail(path, 25)}" for path in parts)
        for server in self.servers.values():
            traceback = last_traceback(server.log)
            if traceback:
                text += f"\n\n== the last error logged by gunicorn {server.name}\n{traceback}"
        return text


class Stack:
    """PostgreSQL, Redis, the SMTP server and the shop, started together; ``heal()`` brings
    back whatever a test took down."""

    def __init__(self, servers=("A", "B"), python=sys.executable):
        self.workdir = Path(tempfile.mkdtemp(prefix="ck-production-"))
        self.postgres = Postgres()
        self.redis = Redis(self.workdir)
        self.mail = MailServer()
        self.shop = Shop(self.workdir, self.postgres, self.redis, self.mail, python=python)
        self.server_names = list(servers)

    def start(self):
        started = time.monotonic()
        self.postgres.init()
        self.postgres.start()
        self.redis.start()
        self.mail.up()
        self.shop.prepare()
        self.prepared_in = time.monotonic() - started
        servers = [self.shop.server(name) for name in self.server_names]
        threads = [threading.Thread(target=server.start) for server in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for server in servers:
            if not server.running:
                raise RuntimeError(f"gunicorn {server.name} did not start:\n{tail(server.log)}")
        self.shop.worker.start()
        self.shop.mailer.start()
        self.shop.worker.wait_ready()
        self.shop.mailer.wait_ready()
        self.started_in = time.monotonic() - started
        return self

    def heal(self):
        """Everything up again, the same processes where they survived."""
        self.postgres.start()
        self.redis.start()
        self.mail.up()
        for server in self.shop.servers.values():
            server.start()
        self.shop.worker.start()
        self.shop.mailer.start()
        self.shop.worker.wait_ready()
        self.shop.mailer.wait_ready()

    @property
    def a(self):
        return self.shop.servers[self.server_names[0]]

    @property
    def b(self):
        return self.shop.servers[self.server_names[1]]

    def stop(self):
        """Stop everything, by PID: the shop's processes together, then what they use."""

        self.stop_timings = {}

        def stop_all(stoppings):
            def quietly(stopping):
                started = time.monotonic()
                with contextlib.suppress(Exception):
                    stopping()
                name = getattr(stopping, "__self__", stopping)
                self.stop_timings[getattr(name, "name", type(name).__name__)] = round(
                    time.monotonic() - started, 1
                )

            threads = [threading.Thread(target=quietly, args=(s,)) for s in stoppings]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        servers = self.shop.servers.values()
        stop_all([self.shop.mailer.stop, self.shop.worker.stop, *(s.stop for s in servers)])
        stop_all([self.mail.down, self.redis.stop, self.postgres.cleanup])
        shutil.rmtree(self.workdir, ignore_errors=True)
