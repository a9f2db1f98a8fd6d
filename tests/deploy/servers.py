"""Real servers for the deployment tests: gunicorn with the production settings, redis-server, and
a database that can be taken away and given back.

Every server is started directly (no shell in between), so ``Popen.pid`` is its real PID, and
stopped by that PID and nothing else.
"""

import os
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import gunicorn
import requests

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.deploy.production_settings"
# What a shop's environment would not have and the suite's might: left out of every server's.
SUITE_ONLY = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**values):
    """The environment of a production process: the shop's variables over a clean base.

    Served over plain HTTP on 127.0.0.1, so no redirect to HTTPS, no secure-only cookies and no
    HSTS (check --deploy is run with the defaults, in test_check_deploy.py).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SUITE_ONLY and not key.startswith("AWS_")
    }
    paths = [str(ROOT / "site"), str(ROOT)]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(paths),
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update({key: str(value) for key, value in values.items()})
    return env


def manage(env, *args, timeout=300):
    """Run ``manage.py`` with ``env``; its stdout. Fails with both outputs if it fails."""
    return run_manage(env, *args, timeout=timeout).stdout


def start_manage(env, *args):
    """Start ``manage.py`` with ``env`` without waiting for it (``communicate()`` to finish)."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "site" / "manage.py"), *map(str, args)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_manage(env, *args, timeout=300):
    """Run ``manage.py`` with ``env``; the finished process (stdout and stderr as text)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "site" / "manage.py"), *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


class Gunicorn:
    """``gunicorn demoshop.wsgi --chdir site -w 2``, as docs/deploy.md starts it, on a free port.

    Its stderr (gunicorn's lines and Django's JSON log lines) goes to ``log``.
    """

    def __init__(self, env, log, workers=2):
        self.env = env
        self.log = Path(log)
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=60):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "demoshop.wsgi",
            "--chdir",
            str(ROOT / "site"),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
        ]
        if gunicorn.version_info >= (27,):
            command.append("--no-control-socket")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_text()[-4000:]}")
            try:
                requests.get(self.url + "/contactkit/health/", timeout=10)
                return self
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"gunicorn did not answer:\n{self.log_text()[-4000:]}"
                    ) from None
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

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def get(self, path, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        return requests.get(self.url + path, timeout=kwargs.pop("timeout", 30), **kwargs)


class RedisServer:
    """A redis-server of our own on a free port, keeping nothing on disk; can go and come back."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self, timeout=15):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def kill(self):
        """Gone at once, as in a crash: SIGKILL to its PID."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

    stop = kill


class Forwarder:
    """A TCP port on 127.0.0.1 that leads to ``target`` while up, and refuses while down.

    Put in front of PostgreSQL, it makes the database unreachable for the processes that use
    it (refused new connections, and every open one cut) and reachable again, as a database
    restart or a network cut does, without touching the server the rest of the suite uses.
    """

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = None
        self._thread = None
        self._sockets = set()
        self._lock = threading.Lock()
        self._running = False

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def down(self):
        self._running = False
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self):
        while self._running:
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update({client, server})
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client, server):
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _events in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            for sock in (client, server):
                sock.close()
