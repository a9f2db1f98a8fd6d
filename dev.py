#!/usr/bin/env python3
"""The two commands a newcomer needs, with nothing installed but Python 3.11:

    python3 dev.py demo    build everything and serve the demo shop at http://127.0.0.1:8000
    python3 dev.py test    install what the tests need and run every check and test

Both keep their virtual environments in .venvs/ and reinstall only when pyproject.toml changes.
"""

import argparse
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENVS = ROOT / ".venvs"
DEMO_ADMIN = ("admin", "demo-shop-admin")
POSTGRES = "postgres://postgres@127.0.0.1:5432"
# The W3C Nu HTML checker the tests run on every public page (installed with npm).
VNU_PACKAGE = "vnu-jar@26.9.27"
VNU_JAR = VENVS / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Run in a test environment's Python (which has psycopg): create the named database if missing.
CREATE_DATABASE = """
import sys, psycopg
from psycopg import sql
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as db:
    if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone():
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(sys.argv[2])))
"""


def say(message):
    print(f"\n\033[1m==> {message}\033[0m", flush=True)


def run(*args, env=None, check=True, **kwargs):
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([str(arg) for arg in args], env=full_env, cwd=ROOT, **kwargs)  # noqa: S603
    if check and result.returncode != 0:
        raise SystemExit(f"Failed ({result.returncode}): {' '.join(map(str, args))}")
    return result


def find_python(version):
    """A working interpreter for ``version`` ("3.12"): on PATH, else among pyenv's versions."""
    if sys.version_info[:2] == tuple(map(int, version.split("."))):
        return sys.executable
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    for candidate in filter(None, candidates):
        # A pyenv shim is on PATH even when that version is not selected, and then fails.
        works = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False)
        if works.returncode == 0:
            return candidate
    return None


def ensure_venv(name, python, extras):
    """A virtual environment with contactkit installed (editable) with ``extras``."""
    path = VENVS / name
    stamp = path / ".contactkit-installed"
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + extras.encode() + python.encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return path / "bin" / "python"
    say(f"Installing contactkit[{extras}] into {path.relative_to(ROOT)}")
    if not (path / "bin" / "python").exists():
        if python == sys.executable:
            venv.create(path, with_pip=True)
        else:
            run(python, "-m", "venv", path)
    py = path / "bin" / "python"
    run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(py, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
    stamp.write_text(wanted)
    return py


def manage(py, *args, env=None, **kwargs):
    return run(py, ROOT / "site" / "manage.py", *args, env=env, **kwargs)


# --- demo ---------------------------------------------------------------------------------


def demo_env(port):
    """What the demo's settings read to serve on ``port`` (WAGTAILADMIN_BASE_URL)."""
    return {"CONTACTKIT_DEMO_PORT": str(port)}


def demo(args):
    py = ensure_venv("demo", sys.executable, "site")
    # The site's address (sitemap, structured data, links in emails) follows the port.
    env = {"DJANGO_SETTINGS_MODULE": "demoshop.settings.dev", **demo_env(args.port)}
    say("Preparing the demo database (SQLite)")
    manage(py, "migrate", "--noinput", env=env, stdout=subprocess.DEVNULL)
    manage(py, "load_demo_shop", "--port", args.port, env=env)
    username, password = DEMO_ADMIN
    manage(
        py,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model as g; U = g(); "
        f"u = U.objects.filter(username='{username}').first() or "
        f"U(username='{username}', email='admin@ceramica-alba.example'); "
        f"u.is_staff = u.is_superuser = True; u.set_password('{password}'); u.save()",
        env=env,
    )
    print(
        f"\n  The demo shop:   http://127.0.0.1:{args.port}/\n"
        f"  Its admin:       http://127.0.0.1:{args.port}/admin/\n"
        f"  Admin login:     {username} / {password}\n",
        flush=True,
    )
    manage(py, "runserver", f"127.0.0.1:{args.port}", env=env)


# --- test ---------------------------------------------------------------------------------


def postgres_up():
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def ensure_postgres():
    if postgres_up():
        return True
    clusters = shutil.which("pg_lsclusters")
    if clusters:
        say("Starting PostgreSQL")
        for line in subprocess.run(
            [clusters, "--no-header"], capture_output=True, text=True, check=False
        ).stdout.splitlines():
            version, name = line.split()[:2]
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],  # noqa: S607
                check=False,
            )
        for _attempt in range(30):
            if postgres_up():
                return True
            time.sleep(1)
    return False


def redis_up():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


def ensure_redis():
    """Redis on 127.0.0.1:6379 (the production tests start their own too, to stop it)."""
    if redis_up():
        return True
    server = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    if server:
        say("Starting Redis")
        subprocess.run(  # noqa: S603
            [server, "--bind", "127.0.0.1", "--port", "6379", "--daemonize", "yes"], check=False
        )
        for _attempt in range(20):
            if redis_up():
                return True
            time.sleep(0.5)
    return False


def ensure_debian_packages(commands):
    """Install the Debian packages behind ``commands`` ({command: package}) that are missing."""
    missing = sorted(
        {
            pkg
            for command, pkg in commands.items()
            # Servers such as dovecot live in /usr/sbin, not always on a user's PATH.
            if not (shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin"))
        }
    )
    if not missing:
        return
    apt = shutil.which("apt-get")
    if not apt:
        raise SystemExit(f"Please install {', '.join(missing)}: the tests need them.")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    say(f"Installing {', '.join(missing)} with apt-get")
    run(*sudo, apt, "update", "-qq")
    run(*sudo, apt, "install", "-y", "-qq", *missing, env={"DEBIAN_FRONTEND": "noninteractive"})


def ensure_html_checker():
    """The W3C Nu HTML checker (npm's vnu-jar) in .venvs/vnu/, for tests/pages/test_valid_html.py.

    Its install script (which would download a Java runtime) is skipped: Debian's
    default-jre-headless runs it.
    """
    if VNU_JAR.exists():
        return
    ensure_debian_packages({"npm": "npm"})
    say(f"Installing the W3C HTML checker ({VNU_PACKAGE}) with npm")
    run(
        shutil.which("npm"),
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefix",
        VNU_JAR.parents[4],
        VNU_PACKAGE,
    )


def test(args):
    started = time.monotonic()
    # xgettext checks that every string in the code is in the catalogues; the browser tests
    # drive Debian's Chromium (Playwright's own browser download is never needed); Java runs
    # the W3C HTML checker.
    ensure_debian_packages(
        {
            "xgettext": "gettext",
            "msgfmt": "gettext",
            "chromium": "chromium",
            "java": "default-jre-headless",
            # A real IMAP server for the replies-by-email tests (tests/inbox/imap_server.py).
            "dovecot": "dovecot-imapd",
            # The production tests' own Redis, which they stop and start (tests/production).
            "redis-server": "redis-server",
        }
    )
    ensure_html_checker()
    combos = [("py311", sys.executable)]
    py312 = find_python("3.12")
    if py312:
        combos.append(("py312", py312))
    elif IN_CI:
        raise SystemExit("Python 3.12 is needed for the Django 6.1 run and was not found.")
    else:
        say("Python 3.12 not found: running only Python 3.11 with Django 5.2")

    envs = {name: ensure_venv(f"test-{name}", python, "test") for name, python in combos}
    main_py = envs["py311"]

    say("Lint: ruff")
    run(main_py, "-m", "ruff", "check", ".")
    run(main_py, "-m", "ruff", "format", "--check", ".")

    have_postgres = ensure_postgres()
    if not have_postgres:
        if IN_CI:
            raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432.")
        say("PostgreSQL is not reachable on 127.0.0.1:5432: running on SQLite only")
    if not ensure_redis() and IN_CI:
        raise SystemExit("Redis is not reachable on 127.0.0.1:6379.")

    # Each Python runs its SQLite and PostgreSQL suites side by side (two cores), without the
    # browser tests; those then run once, alone, so their timings are not squeezed.
    failures = []
    # pytest's 5 means "no test selected": fine when the caller narrowed the run with -k.
    passed_codes = {0, 5} if args.pytest_args else {0}
    logs = VENVS / "logs"
    logs.mkdir(exist_ok=True)
    for name, py in envs.items():
        django = run(
            py, "-c", "import django; print(django.get_version())", capture_output=True, text=True
        ).stdout.strip()
        databases = {"sqlite": {}}
        if have_postgres:
            databases["postgres"] = {"DATABASE_URL": f"{POSTGRES}/contactkit_{name}"}
            # manage.py check looks at the database itself: give it one (tests make their own).
            run(py, "-c", CREATE_DATABASE, POSTGRES, f"contactkit_{name}")
        running = []
        for db_name, db_env in databases.items():
            env = {"DJANGO_SETTINGS_MODULE": "demoshop.settings.test", **db_env}
            label = f"Python {name[2]}.{name[3:]} · Django {django} · {db_name}"
            say(f"{label}: manage.py check, makemigrations --check")
            manage(py, "check", "--fail-level", "WARNING", env=env)
            manage(py, "makemigrations", "--check", "--dry-run", env=env)
            say(f"{label}: pytest (without the browser tests)")
            log = logs / f"{name}-{db_name}.log"
            handle = log.open("w")
            process = subprocess.Popen(  # noqa: S603
                [py, "-m", "pytest", "-p", "no:cacheprovider", "--ignore=tests/browser"]
                # The production tests run once, on their own, below.
                + ["--ignore=tests/production"]
                # The wheel test builds its own SQLite project: once per Python is enough.
                + (["--ignore=tests/test_packaging.py"] if db_name == "postgres" else [])
                + args.pytest_args,
                env={**os.environ, **env},
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            running.append((label, process, handle, log))
        for label, process, handle, log in running:
            process.wait()
            handle.close()
            output = log.read_text()
            if process.returncode not in passed_codes:
                print(output, flush=True)
                failures.append(label)
            summary = [line for line in output.splitlines() if line.strip()][-1:]
            print(f"  {label}: {' '.join(summary)}", flush=True)

    # gunicorn servers over their own PostgreSQL, Redis and SMTP server, with the task worker:
    # two servers sharing them, a soak of mixed traffic, and faults (mail down or hanging, a
    # worker killed, PostgreSQL restarted, Redis down). Short here; bench/soak.py runs longer.
    if have_postgres:
        say("Production tests: two gunicorn servers, soak and faults (Python 3.11)")
        result = run(
            main_py,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "tests/production",
            *args.pytest_args,
            env={"DJANGO_SETTINGS_MODULE": "demoshop.settings.test"},
            check=False,
        )
        if result.returncode not in passed_codes:
            failures.append("production tests")

    say("Browser tests: every page × theme × viewport, in Chromium (Python 3.11, SQLite)")
    env = {"DJANGO_SETTINGS_MODULE": "demoshop.settings.test"}
    result = run(
        main_py,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "tests/browser",
        *args.pytest_args,
        env=env,
        check=False,
    )
    if result.returncode not in passed_codes:
        failures.append("browser tests")

    minutes = (time.monotonic() - started) / 60
    if failures:
        say(f"Failed in {minutes:.1f} min: {'; '.join(failures)}")
        raise SystemExit(1)
    say(f"Everything passed in {minutes:.1f} min")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="build and serve the demo shop")
    demo_parser.add_argument("--port", type=int, default=8000)
    demo_parser.set_defaults(func=demo)
    test_parser = commands.add_parser("test", help="run every check and test")
    test_parser.add_argument("pytest_args", nargs="*", help="passed on to pytest")
    test_parser.set_defaults(func=test)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
