"""What the benchmarks in bench/ share: servers, a load generator, numbers, the machine, docs.

Imported by the scripts next to it (``import common``: a script's own folder is on sys.path).

- :class:`Gunicorn` starts one gunicorn with no shell in between, so ``Popen.pid`` is the real
  PID of its master, and stops that PID and nothing else (``--no-control-socket`` from gunicorn
  27 on, so several can run at once);
- :func:`hammer` is the load generator: one thread, non-blocking sockets, ``concurrency``
  requests in flight, a new connection for each request (gunicorn's sync workers close every
  connection anyway). It does little per request, so it takes as little CPU from the server as
  a Python client can, and it is the same for every target;
- :func:`percentile`, :func:`machine`, :func:`replace_section`.
"""

import collections
import contextlib
import errno
import http.client
import os
import platform
import selectors
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# --- numbers -------------------------------------------------------------------------------


def percentile(values, fraction):
    """The ``fraction`` percentile of ``values`` (nearest rank), or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def median(values):
    return percentile(values, 0.5)


# --- servers -------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One gunicorn (sync workers) on 127.0.0.1 and a free port, stopped by its own PID.

    ``app`` is the WSGI application ("demoshop.wsgi:application"), ``chdir`` the folder gunicorn
    works in and imports from, ``env`` the whole environment of the server.
    """

    def __init__(self, name, app, *, chdir, env, python, workdir, workers=2):
        self.name = name
        self.app = app
        self.chdir = Path(chdir)
        self.env = env
        self.python = str(python)
        self.workers = workers
        self.log = Path(workdir) / f"gunicorn-{name}.log"
        self.process = None
        self.port = None

    def command(self):
        import gunicorn

        command = [
            self.python,
            "-m",
            "gunicorn",
            self.app,
            "--chdir",
            str(self.chdir),
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log),
        ]
        if gunicorn.version_info >= (27,):
            command.append("--no-control-socket")
        return command

    def start(self, ready_path="/", timeout=90):
        """Start it and wait until ``ready_path`` answers (any status: it is up)."""
        if self.process is not None:
            raise RuntimeError(f"{self.name} is already running.")
        self.port = free_port()
        # No shell in between: Popen.pid is gunicorn's master, the only PID stop() signals.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command(),
                env=self.env,
                cwd=self.chdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code, self.process = self.process.returncode, None
                raise SystemExit(f"gunicorn {self.name} exited ({code}):\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                fetch(self.port, ready_path, timeout=30)
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn {self.name} did not answer:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)  # graceful: the workers finish and exit
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, lines=40):
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Servers(contextlib.ExitStack):
    """Several servers, all stopped on the way out (also on Ctrl-C and SIGTERM)."""

    def __enter__(self):
        super().__enter__()
        self._previous = signal.signal(signal.SIGTERM, self._terminate)
        return self

    def _terminate(self, signum, frame):
        raise KeyboardInterrupt

    def start(self, server, ready_path="/"):
        self.callback(server.stop)
        return server.start(ready_path)

    def __exit__(self, *exc_info):
        signal.signal(signal.SIGTERM, self._previous)
        return super().__exit__(*exc_info)


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def cookies(self):
        """The cookies this response sets, as {name: value}."""
        found = {}
        for line in self.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = line.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found


def fetch(port, path, *, method="GET", body=None, headers=None, timeout=60):
    """One request on a new connection, with the answer read whole."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})}
        )
        response = connection.getresponse()
        data = response.read()
        return Response(response.status, response.headers, data, time.perf_counter() - started)
    finally:
        connection.close()


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# --- the load generator --------------------------------------------------------------------


@dataclass
class Load:
    """What :func:`hammer` saw."""

    seconds: float = 0.0
    latencies: list = field(default_factory=list)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    # The value of the watched header in each answer ("" when absent).
    labels: collections.Counter = field(default_factory=collections.Counter)
    errors: collections.Counter = field(default_factory=collections.Counter)
    body_bytes: int = 0

    @property
    def done(self):
        return len(self.latencies)

    @property
    def rate(self):
        return self.done / self.seconds if self.seconds else 0.0

    def add(self, other):
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.labels.update(other.labels)
        self.errors.update(other.errors)
        self.body_bytes += other.body_bytes


class _Connection:
    __slots__ = ("sock", "started", "sent", "buffer", "head_end", "length")

    def __init__(self, sock):
        self.sock = sock
        self.started = time.perf_counter()
        self.sent = 0
        self.buffer = bytearray()
        self.head_end = -1
        self.length = None


def build_request(path, headers=None):
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def hammer(port, path, *, seconds=None, requests=None, concurrency=4, headers=None, watch=None):
    """GET ``path`` with ``concurrency`` requests always in flight, for ``seconds`` or until
    ``requests`` answers. Each answer's latency runs from the connect to its last byte.

    ``watch`` names a response header whose values are counted (``Load.labels``).
    """
    payload = build_request(path, headers)
    watch_key = b"\r\n" + watch.lower().encode() + b":" if watch else None
    address = ("127.0.0.1", port)
    selector = selectors.DefaultSelector()
    result = Load()
    started = time.perf_counter()
    deadline = started + seconds if seconds else float("inf")
    budget = requests if requests else float("inf")
    opened = 0

    def open_one():
        nonlocal opened
        opened += 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(sock)
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS):
            result.errors[errno.errorcode.get(code, str(code))] += 1
            sock.close()
            return
        selector.register(sock, selectors.EVENT_WRITE, connection)

    def close(connection, error=None):
        selector.unregister(connection.sock)
        connection.sock.close()
        if error:
            result.errors[error] += 1
        if time.perf_counter() < deadline and opened < budget:
            open_one()

    def finish(connection):
        now = time.perf_counter()
        buffer = connection.buffer
        head = bytes(buffer[: connection.head_end]).lower() if connection.head_end > 0 else b""
        if not head.startswith(b"http/1."):
            close(connection, "bad answer")
            return
        result.latencies.append(now - connection.started)
        result.statuses[int(head[9:12])] += 1
        result.body_bytes += len(buffer) - connection.head_end - 4
        if watch_key:
            at = head.find(watch_key)
            if at < 0:
                result.labels[""] += 1
            else:
                end = head.find(b"\r\n", at + 2)
                value = head[at + len(watch_key) : end if end > 0 else None]
                result.labels[value.strip().decode("latin-1")] += 1
        close(connection)

    for _ in range(concurrency):
        if opened < budget:
            open_one()
    while selector.get_map():
        events = selector.select(timeout=1.0)
        if not events:
            # Nothing moved for a second: give up on connections stuck for 60 s.
            for key in list(selector.get_map().values()):
                if time.perf_counter() - key.data.started > 60:
                    close(key.data, "timeout")
            continue
        for key, mask in events:
            connection = key.data
            sock = connection.sock
            try:
                if mask & selectors.EVENT_WRITE:
                    if connection.sent == 0:
                        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if code:
                            close(connection, errno.errorcode.get(code, str(code)))
                            continue
                    connection.sent += sock.send(payload[connection.sent :])
                    if connection.sent == len(payload):
                        selector.modify(sock, selectors.EVENT_READ, connection)
                    continue
                chunk = sock.recv(262144)
            except OSError as error:
                close(connection, errno.errorcode.get(error.errno, type(error).__name__))
                continue
            if chunk:
                connection.buffer += chunk
                if connection.head_end < 0:
                    connection.head_end = connection.buffer.find(b"\r\n\r\n")
                    if connection.head_end >= 0:
                        head = bytes(connection.buffer[: connection.head_end]).lower()
                        at = head.find(b"\r\ncontent-length:")
                        if at >= 0:
                            end = head.find(b"\r\n", at + 2)
                            connection.length = int(head[at + 17 : end if end > 0 else None])
                if (
                    connection.length is None
                    or len(connection.buffer) < connection.head_end + 4 + connection.length
                ):
                    continue
            finish(connection)
    result.seconds = time.perf_counter() - started
    selector.close()
    return result


# --- the machine and the docs --------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def children(pid):
    """The PIDs of ``pid``'s child processes (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # "pid (name) state ppid ...": the name may hold spaces, so read after ")".
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def process_seconds(pid):
    """CPU seconds (user + system) ``pid`` has used so far, 0 if it is gone."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    return 0.0


def machine_busy_seconds():
    """CPU seconds every process of the machine has used so far (all CPUs, /proc/stat)."""
    with contextlib.suppress(OSError, ValueError):
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        # user nice system idle iowait irq softirq steal (guest time is already in user)
        return (sum(values[:8]) - values[3] - values[4]) / TICKS
    return 0.0


class CpuWatch:
    """How much of the machine went to other programs than the benchmark while it measured.

    ``ours()`` gives the benchmark's PIDs (itself and its servers' processes). A busy machine
    makes every number smaller; alternating rounds spread that over every target, but the
    share is reported so that a reader can tell a quiet run from a crowded one.
    """

    def __init__(self, ours):
        self.ours = ours
        self.started = None

    def _ours_seconds(self):
        pids = set(self.ours())
        return sum(process_seconds(pid) for pid in pids)

    def start(self):
        self.started = (time.monotonic(), machine_busy_seconds(), self._ours_seconds())

    def others_share(self):
        """Other programs' CPU use since start(), as a share of all the machine's CPUs."""
        now, busy, ours = time.monotonic(), machine_busy_seconds(), self._ours_seconds()
        elapsed = now - self.started[0]
        others = (busy - self.started[1]) - (ours - self.started[2])
        return max(0.0, others / (elapsed * (os.cpu_count() or 1))) if elapsed else 0.0


def machine():
    """What the numbers were measured on, in one line."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
                break
    return f"{os.cpu_count()} CPUs ({model}){memory}, {platform.system()} {platform.release()}"


def replace_section(path, start, end, text, template):
    """Put ``text`` between the markers ``start`` and ``end`` of the file at ``path``.

    The rest of the file is left as it is; a missing file starts from ``template`` (which holds
    the markers), and a file without the markers gets the section at its end.
    """
    path = Path(path)
    current = path.read_text() if path.exists() else template
    if start not in current or end not in current:
        current = current.rstrip("\n") + f"\n\n{start}\n{end}\n"
    before, rest = current.split(start, 1)
    _old, after = rest.split(end, 1)
    path.write_text(f"{before}{start}\n{text.strip()}\n{end}{after}")
