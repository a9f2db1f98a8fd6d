"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests.

``running_provider()`` starts tests/oidc_provider (a tiny Django project on
django-oauth-toolkit: authorization code flow, PKCE required with S256, RS256 ID tokens signed
with a key generated at start) in a process of its own, with its own settings module and SQLite
file in a temporary folder, and yields a ``Provider``. The session-scoped fixture
``oidc_provider`` shares one provider among all the tests of a session; a conftest or test
module gets it with ``from tests.oidc import oidc_provider  # noqa: F401``.

The provider has one confidential client (``client_id``/``client_secret``), which skips the
consent screen. Tests add its users (with their claims) and its redirect URIs::

    oidc_provider.add_user("ana", email="ana@example.com", name="Ana Pérez")
    oidc_provider.allow_redirect("http://testserver/auth/complete/oidc/")
    settings.__dict__.update(oidc_provider.rp_settings())   # or override_settings(...)
    location = oidc_provider.authorize(authorize_url, "ana")  # ...?code=...&state=...

Redirect URIs are compared exactly (scheme, host, path, query) -- except the port of an
``http://127.0.0.1`` URI, which django-oauth-toolkit leaves free for loopback clients (RFC 8252
section 7.3). A user with ``misbehave="wrong-audience"`` gets ID tokens whose ``aud`` is
``"someone-else"``; with ``misbehave="expired"`` ones issued two hours ago that expired one hour
ago. Both are otherwise valid: signed with the provider's key, the right ``iss``, the nonce.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_MODULE = "tests.oidc_provider.settings"
CLIENT_ID = "contactkit-test-shop"
DEFAULT_PASSWORD = "correct-horse-1"
TIMEOUT = 10  # seconds, for each request to the provider


class ProviderError(RuntimeError):
    """The provider did not start, refused a request of the harness, or did not redirect back
    to the relying party."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str  # "http://127.0.0.1:PORT"
    issuer: str  # url + "/o"
    client_id: str
    client_secret: str
    log_path: Path = field(repr=False)

    def add_user(
        self,
        username: str,
        *,
        password: str = DEFAULT_PASSWORD,
        email: str = "",
        email_verified: bool = True,
        name: str = "",
        profile: str = "",
        preferred_username: str = "",
        misbehave: str = "",
    ) -> str:
        """Create a user of the provider, or replace the password and claims of the one with
        this username. Returns the user's ``sub``. ``misbehave`` is "", "wrong-audience" or
        "expired"."""
        data = self._post(
            "/test/users",
            {
                "username": username,
                "password": password,
                "email": email,
                "email_verified": email_verified,
                "name": name,
                "profile": profile,
                "preferred_username": preferred_username,
                "misbehave": misbehave,
            },
        )
        return data["sub"]

    def allow_redirect(self, uri: str) -> None:
        """Register ``uri`` as one more exact redirect URI of the client."""
        self._post("/test/redirect-uris", {"uri": uri})

    def authorize(self, authorize_url: str, username: str, password: str = DEFAULT_PASSWORD) -> str:
        """With a fresh ``requests.Session``: GET ``authorize_url``, log in at the provider's
        form (with its CSRF token), follow the provider's own redirects, and return the final
        redirect Location that points back at the relying party (``...?code=...&state=...``, or
        ``...?error=...`` when the provider refuses the request) WITHOUT following it.

        Raises ``ProviderError`` when the login is refused or the provider answers with a page
        of its own instead of redirecting back (an unknown client or redirect URI)."""
        with requests.Session() as session:
            url, logged_in = authorize_url, False
            for _ in range(10):
                response = session.get(url, allow_redirects=False, timeout=TIMEOUT)
                if response.is_redirect:
                    url = urljoin(url, response.headers["Location"])
                    if not self._is_own(url):
                        return url
                    continue
                if response.status_code == 200 and not logged_in and self._is_login_page(response):
                    response = self._log_in(session, response, username, password)
                    logged_in = True
                    url = urljoin(response.url, response.headers["Location"])
                    if not self._is_own(url):
                        return url
                    continue
                raise ProviderError(
                    f"The provider answered {response.status_code} at {url} instead of "
                    f"redirecting back:\n{_text_of(response)}"
                )
        raise ProviderError(f"Too many redirects at the provider, the last to {url}")

    def rp_settings(self) -> dict:
        """The Django settings of a relying party using social-core's generic OIDC backend."""
        return {
            "SOCIAL_AUTH_OIDC_OIDC_ENDPOINT": self.issuer,
            "SOCIAL_AUTH_OIDC_KEY": self.client_id,
            "SOCIAL_AUTH_OIDC_SECRET": self.client_secret,
            "SOCIAL_AUTH_OIDC_USE_PKCE": True,
        }

    def log_tail(self, lines: int = 40) -> str:
        """The end of the provider's stdout and stderr (requests, errors)."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _is_own(self, url):
        return url == self.url or url.startswith(self.url + "/")

    def _post(self, path, payload):
        response = requests.post(self.url + path, json=payload, timeout=TIMEOUT)
        if not response.ok:
            raise ProviderError(f"POST {path} answered {response.status_code}: {response.text}")
        return response.json()

    @staticmethod
    def _is_login_page(response):
        return "/accounts/login/" in response.url and 'name="password"' in response.text

    def _log_in(self, session, page, username, password):
        form = BeautifulSoup(page.text, "html.parser").find("form")
        fields = {
            field["name"]: field.get("value", "")
            for field in form.find_all("input")
            if field.get("name")
        }
        fields.update(username=username, password=password)
        response = session.post(
            urljoin(page.url, form.get("action") or page.url),
            data=fields,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if not response.is_redirect:
            raise ProviderError(
                f"The provider refused to log in {username!r} ({response.status_code}):\n"
                f"{_text_of(response)}"
            )
        return response


def _text_of(response, limit=2000):
    if "html" in response.headers.get("Content-Type", ""):
        text = BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)
    else:
        text = response.text
    return text[:limit]


def _tail(path, lines=40):
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process, timeout=10):
    """End the provider's process, by its PID: SIGTERM, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_provider(*, python: str = sys.executable, timeout: float = 60) -> Iterator[Provider]:
    """Start the provider on a free port of 127.0.0.1, wait until its discovery document
    answers, yield it; then end its process and remove its temporary folder."""
    workdir = Path(tempfile.mkdtemp(prefix="contactkit-oidc-"))
    log_path = workdir / "provider.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider = Provider(
        url=url,
        issuer=url + "/o",
        client_id=CLIENT_ID,
        client_secret=os.urandom(24).hex(),
        log_path=log_path,
    )
    paths = [str(ROOT)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env = {
        **os.environ,
        # The test process's own DJANGO_SETTINGS_MODULE is the shop's; the provider has its own.
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "PYTHONPATH": os.pathsep.join(paths),
        "OIDC_PROVIDER_DIR": str(workdir),
        "OIDC_PROVIDER_PORT": str(port),
        "OIDC_PROVIDER_CLIENT_ID": provider.client_id,
        "OIDC_PROVIDER_CLIENT_SECRET": provider.client_secret,
    }
    try:
        with open(log_path, "wb") as log:
            # Started directly (no shell in between): Popen.pid is the server's real PID.
            process = subprocess.Popen(
                [python, "-m", "tests.oidc_provider.serve"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_for_discovery(process, provider, timeout)
            yield provider
        finally:
            _stop(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_discovery(process, provider, timeout):
    discovery = provider.issuer + "/.well-known/openid-configuration"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ProviderError(
                f"The OpenID provider exited ({process.returncode}) at start:\n"
                f"{_tail(provider.log_path)}"
            )
        try:
            if requests.get(discovery, timeout=TIMEOUT).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise ProviderError(
                f"The OpenID provider did not answer at {discovery} within {timeout} s:\n"
                f"{_tail(provider.log_path)}"
            )
        time.sleep(0.05)


# One provider for the whole session, however many modules and conftests import the fixture
# (each import is a fixture definition of its own, which pytest would run once each).
_shared_lock = threading.Lock()
_shared = {"provider": None, "context": None, "users": 0}


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """The test OpenID provider, started once per session."""
    with _shared_lock:
        if _shared["provider"] is None:
            context = running_provider()
            _shared["provider"] = context.__enter__()
            _shared["context"] = context
        _shared["users"] += 1
    try:
        yield _shared["provider"]
    finally:
        with _shared_lock:
            _shared["users"] -= 1
            if _shared["users"] == 0:
                context = _shared["context"]
                _shared.update(provider=None, context=None)
                context.__exit__(None, None, None)
