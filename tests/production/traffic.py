"""Shoppers and staff as the servers see them: HTTP from many addresses, forms, chats, the admin.

A :class:`Browser` is one person's browser: its own cookies, and its own address on the
loopback network (127.0.0.0/8 is all the machine's), so each simulated shopper is counted by
the shop's limits as a shopper on their own connection is, while all of them talk to
127.0.0.1. :class:`Soak` runs many of them at once against the servers, with a mix of page
views, launcher states, contact forms and chats, and records every answer; each message carries
a token of its own, so the tests can find it in the database afterwards.
"""

import itertools
import json
import random
import re
import secrets
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import requests
from bs4 import BeautifulSoup
from requests.adapters import HTTPAdapter

from tests.production.parts import wait_for

# The demo's pages (Spanish without a prefix, English under /en/; see tests/browser/demo_pages).
CONTACT = "/contacto/"
PAGES = ("/", "/contacto/", "/quienes-somos/", "/devoluciones/", "/en/contact/", "/en/about-us/")
INBOX = "/admin/contactkit/inbox/"
# The contact form's spam check refuses a form sent within CONTACTKIT_MIN_FILL_SECONDS (3) of
# being opened: a shopper takes longer than that to write.
FILL_SECONDS = 3.2

_addresses = itertools.count(1)
_addresses_lock = threading.Lock()
# Each run picks its own part of 127.0.0.0/8, so a second run against the same servers (the
# bench, run twice) starts with fresh limits too.
_NETWORK = random.randrange(20, 250)


def next_address():
    """A loopback address no other Browser of this run uses."""
    with _addresses_lock:
        number = next(_addresses)
    return f"127.{_NETWORK}.{(number // 250) % 250}.{number % 250 + 1}"


def token(prefix="ck"):
    """A word that appears in nothing but the one message it is written into."""
    return f"{prefix}{secrets.token_hex(8)}"


class _FromAddress(HTTPAdapter):
    def __init__(self, address, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Reply:
    """One answer as a browser got it: None as status when the connection itself failed."""

    method: str
    url: str
    status: int | None
    elapsed: float
    text: str = ""
    headers: dict = field(default_factory=dict)
    error: str = ""
    # When it was asked (time.monotonic()).
    at: float = 0.0

    def json(self):
        return json.loads(self.text)

    @property
    def location(self):
        return self.headers.get("Location", "")

    def describe(self):
        what = self.status if self.status is not None else self.error
        return f"{self.method} {self.url} -> {what} in {self.elapsed * 1000:.0f} ms"


class Browser:
    """One person's browser: cookies, a Spanish Accept-Language, an address of its own."""

    def __init__(self, address=None, timeout=20, language="es-ES,es;q=0.9"):
        self.address = address or next_address()
        self.timeout = timeout
        self.session = requests.Session()
        self.session.mount("http://", _FromAddress(self.address))
        self.session.headers.update({"Accept-Language": language, "User-Agent": "ck-reliability"})

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        started = time.monotonic()
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.RequestException as error:
            elapsed = time.monotonic() - started
            return Reply(method, url, None, elapsed, error=repr(error), at=started)
        return Reply(
            method,
            url,
            response.status_code,
            time.monotonic() - started,
            response.text,
            dict(response.headers),
            at=started,
        )

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def csrf_token(self):
        return self.session.cookies.get("csrftoken", "")

    def close(self):
        self.session.close()


# --- the contact form --------------------------------------------------------------------


@dataclass
class ContactForm:
    """The contact form as a page served it: where it posts and its fields' values."""

    action: str
    fields: dict
    topics: list
    opened_at: float


def open_contact_form(browser, base, path=CONTACT):
    """GET the contact page and read its form; (Reply, ContactForm or None)."""
    reply = browser.get(base + path)
    if reply.status != 200:
        return reply, None
    soup = BeautifulSoup(reply.text, "html.parser")
    message = soup.find("textarea", attrs={"name": "message"})
    form = message.find_parent("form") if message else None
    if form is None:
        return reply, None
    fields = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name:
            continue
        if element.name == "select":
            options = [o.get("value", "") for o in element.find_all("option")]
            fields[name] = next((value for value in options if value), "")
        elif element.name == "textarea":
            fields[name] = element.text
        elif element.get("type") in ("checkbox", "radio"):
            continue
        elif element.get("type") != "file":
            fields[name] = element.get("value", "")
    topic = form.find("select", attrs={"name": "topic"})
    topics = [o.get("value") for o in topic.find_all("option") if o.get("value")] if topic else []
    action = urllib.parse.urljoin(base + path, form.get("action") or path)
    return reply, ContactForm(action, fields, topics, time.monotonic())


@dataclass
class Submission:
    """A contact form sent: accepted when the server answered with its thank-you page."""

    token: str
    email: str
    server: str
    post: Reply
    thanks: Reply | None = None

    @property
    def accepted(self):
        return (
            self.post.status == 302
            and "/thanks/" in self.post.location
            and self.thanks is not None
            and self.thanks.status == 200
        )

    def thanks_text(self):
        if self.thanks is None:
            return ""
        return " ".join(BeautifulSoup(self.thanks.text, "html.parser").get_text(" ").split())


def send_contact_form(browser, base, form, *, message_token=None, email=None, name="Ana García"):
    """Fill in ``form`` as a shopper does (waiting out the spam check's few seconds) and send
    it to ``base``; follows the redirect to the thank-you page as a browser does."""
    message_token = message_token or token()
    email = email or f"{message_token}@example.com"
    wait = form.opened_at + FILL_SECONDS - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    data = dict(form.fields)
    data.update(
        {
            "name": name,
            "email": email,
            "phone": "",
            "order_number": "",
            "message": f"¿Tenéis la taza azul en grande? Referencia de la prueba {message_token}.",
            "consent": "on",
            "website": "",
        }
    )
    if form.topics and not data.get("topic"):
        data["topic"] = form.topics[0]
    action = base + urllib.parse.urlsplit(form.action).path
    post = browser.post(action, data=data, headers={"Referer": action})
    submission = Submission(message_token, email, base, post)
    if post.status == 302:
        submission.thanks = browser.get(urllib.parse.urljoin(action, post.location))
    return submission


# --- the launcher and chat (docs/launcher-api.md) -----------------------------------------


def launcher_state(browser, base, site_id, language="es"):
    return browser.get(f"{base}/contactkit/api/launcher?site={site_id}&lang={language}")


@dataclass
class Chat:
    """A chat a shopper started: its token and what they sent in it."""

    token: str
    reference: str
    conversation_id: int | None = None
    lines: list = field(default_factory=list)


def start_chat(browser, base, site_id, message_token=None):
    """POST /contactkit/api/chats; (Reply, Chat or None)."""
    message_token = message_token or token()
    body = {
        "site": site_id,
        "lang": "es",
        "name": "Bruno Díaz",
        "email": f"{message_token}@example.com",
        "message": f"Hola, ¿hacéis envíos a Canarias? Prueba {message_token}",
        "website": "",
        "source": "launcher",
    }
    reply = browser.post(f"{base}/contactkit/api/chats", json=body)
    if reply.status != 201:
        return reply, None
    data = reply.json()
    return reply, Chat(data["token"], data["reference"], lines=[message_token])


def say_in_chat(browser, base, chat, line_token=None):
    """POST a line to the chat, with a key of its own as launcher.js does; the Reply."""
    line_token = line_token or token("line")
    reply = browser.post(
        f"{base}/contactkit/api/chats/{chat.token}/messages",
        json={"body": f"Otra pregunta: {line_token}", "key": line_token},
    )
    if reply.status == 201:
        chat.lines.append(line_token)
    return reply, line_token


def chat_events(browser, base, chat, after=0):
    return browser.get(f"{base}/contactkit/api/chats/{chat.token}/events?after={after}")


# --- staff in the admin --------------------------------------------------------------------


class Staff(Browser):
    """A member of staff signed in to the Wagtail admin."""

    def log_in(self, base, username, password):
        self.get(base + "/admin/login/")
        reply = self.post(
            base + "/admin/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.csrf_token(),
                "next": "/admin/",
            },
            headers={"Referer": base + "/admin/login/"},
        )
        if reply.status != 302:
            raise AssertionError(f"Staff could not sign in: {reply.describe()}")
        return reply

    def _json_post(self, url, data):
        return self.post(
            url,
            json=data,
            headers={
                "X-CSRFToken": self.csrf_token(),
                "Accept": "application/json",
                "Referer": url,
            },
        )

    def set_available(self, base, available=True):
        """The "Available for chat" switch, as admin-chat.js turns it."""
        return self._json_post(base + "/admin/contactkit/chat/presence/", {"available": available})

    def heartbeat(self, base):
        return self._json_post(base + "/admin/contactkit/chat/presence/", {"heartbeat": True})

    def chat_lines(self, base, conversation_id, after=0):
        return self.get(
            f"{base}/admin/contactkit/chat/{conversation_id}/events/?after={after}",
            headers={"Accept": "application/json"},
        )

    def answer_in_chat(self, base, conversation_id, body):
        url = f"{base}/admin/contactkit/chat/{conversation_id}/send/"
        return self._json_post(url, {"body": body})

    def inbox(self, base, query=""):
        return self.get(base + INBOX + (f"?{query}" if query else ""))


class Heartbeat:
    """Staff's admin tab, open and in use: a heartbeat every ``every`` seconds (admin-chat.js
    sends one every 15 s) keeps them available for chat while it runs."""

    def __init__(self, staff, base, every=10.0):
        self.staff = staff
        self.base = base
        self.every = every
        self.replies = []
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        self.replies.append(self.staff.set_available(self.base, True))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.every):
            self.replies.append(self.staff.heartbeat(self.base))

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=30)


# --- the soak ------------------------------------------------------------------------------


def percentile(values, fraction):
    """The ``fraction`` percentile of ``values`` (nearest rank), or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


@dataclass
class SoakResult:
    """Every answer of a soak, and what each shopper was told was received."""

    seconds: float
    # When it began (time.monotonic()), to place each reply's ``at``.
    started: float = 0.0
    replies: list = field(default_factory=list)
    submissions: list = field(default_factory=list)
    chats: list = field(default_factory=list)
    # (chat, line token, Reply) of every chat line sent
    lines: list = field(default_factory=list)

    def by_kind(self, kind):
        return [reply for what, reply in self.replies if what == kind]

    def server_errors(self, allowed=()):
        """Answers of 500 and up (and failed connections), but for the statuses ``allowed``."""
        return [
            reply
            for _what, reply in self.replies
            if (reply.status is None or reply.status >= 500) and reply.status not in allowed
        ]

    def gets(self):
        return [reply for what, reply in self.replies if what in ("page", "launcher", "events")]

    def get_p95(self):
        return percentile([reply.elapsed for reply in self.gets() if reply.status == 200], 0.95)

    def accepted_forms(self):
        return [submission for submission in self.submissions if submission.accepted]

    def accepted_lines(self):
        return [(chat, line) for chat, line, reply in self.lines if reply.status == 201]

    def summary(self):
        gets = [reply.elapsed for reply in self.gets() if reply.status == 200]
        posts = [submission.post.elapsed for submission in self.submissions]
        statuses = {}
        for _what, reply in self.replies:
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
        return {
            "seconds": round(self.seconds, 1),
            "requests": len(self.replies),
            "requests_per_second": round(len(self.replies) / self.seconds, 1),
            "statuses": {str(key): value for key, value in sorted(statuses.items(), key=str)},
            "get_p50_ms": round(statistics.median(gets) * 1000) if gets else None,
            "get_p95_ms": round(percentile(gets, 0.95) * 1000) if gets else None,
            "get_max_ms": round(max(gets) * 1000) if gets else None,
            "post_p95_ms": round(percentile(posts, 0.95) * 1000) if posts else None,
            "post_max_ms": round(max(posts) * 1000) if posts else None,
            "forms_sent": len(self.submissions),
            "forms_accepted": len(self.accepted_forms()),
            "chats_started": len(self.chats),
            "chat_lines_accepted": len(self.accepted_lines()),
        }


class Soak:
    """``threads`` shoppers at a time, for ``seconds``, against ``bases`` (server URLs).

    Each shopper comes from an address of their own, opens the contact form, looks at other
    pages and asks for the launcher's state while "writing" (the form's few seconds), sends the
    form and reads the thank-you page; one in ``chat_every`` also starts a chat and writes a few
    lines in it, polling for news as the panel does. Each server is picked at random per
    request, as a load balancer would. ``during(elapsed)``, if given, is called about every
    0.2 s from another thread (to take a part down mid-run).
    """

    def __init__(self, bases, site_id, *, threads=4, seconds=20.0, chat_every=3, during=None):
        self.bases = list(bases)
        self.site_id = site_id
        self.threads = threads
        self.seconds = seconds
        self.chat_every = chat_every
        self.during = during
        self._lock = threading.Lock()
        self._visits = itertools.count()

    def run(self):
        started = time.monotonic()
        self.deadline = started + self.seconds
        self.result = SoakResult(seconds=self.seconds, started=started)
        workers = [
            threading.Thread(target=self._shopper_loop, args=(index,), daemon=True)
            for index in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            if self.during is not None:
                self.during(time.monotonic() - started)
            time.sleep(0.2)
        self.result.seconds = time.monotonic() - started
        return self.result

    def _record(self, kind, reply):
        with self._lock:
            self.result.replies.append((kind, reply))
        return reply

    def _base(self, rng):
        return rng.choice(self.bases)

    def _shopper_loop(self, index):
        rng = random.Random(index)
        while time.monotonic() < self.deadline:
            self._visit(rng, next(self._visits))

    def _visit(self, rng, number):
        browser = Browser()
        try:
            base = self._base(rng)
            reply, form = open_contact_form(browser, base)
            self._record("page", reply)
            if form is None:
                time.sleep(0.2)
                return
            # Reading, writing: other pages and the launcher while the form's seconds pass.
            while time.monotonic() < form.opened_at + FILL_SECONDS:
                if rng.random() < 0.4:
                    reply = launcher_state(browser, self._base(rng), self.site_id)
                    self._record("launcher", reply)
                else:
                    self._record("page", browser.get(self._base(rng) + rng.choice(PAGES)))
            if time.monotonic() >= self.deadline:
                return
            submission = send_contact_form(browser, self._base(rng), form)
            self._record("form", submission.post)
            if submission.thanks is not None:
                self._record("thanks", submission.thanks)
            with self._lock:
                self.result.submissions.append(submission)
            if number % self.chat_every == 0:
                self._chat(rng, browser)
        finally:
            browser.close()

    def _chat(self, rng, browser):
        reply, chat = start_chat(browser, self._base(rng), self.site_id)
        self._record("chat", reply)
        if chat is None:
            return
        with self._lock:
            self.result.chats.append(chat)
        for _line in range(rng.randint(1, 3)):
            if time.monotonic() >= self.deadline:
                return
            reply, line = say_in_chat(browser, self._base(rng), chat)
            self._record("line", reply)
            with self._lock:
                self.result.lines.append((chat, line, reply))
            self._record("events", chat_events(browser, self._base(rng), chat))
            time.sleep(rng.uniform(0.2, 0.8))


# --- what was stored -------------------------------------------------------------------------

TOKEN = re.compile(r"\b((?:ck|line)[0-9a-f]{16})\b")


def stored_messages(shop):
    """{token: [(conversation id, conversation email, message kind, status)]} of every message
    in the shop's database that carries a token."""
    rows = shop.sql(
        "SELECT m.body, c.id, c.email, m.kind, c.status FROM contactkit_message m "
        "JOIN contactkit_conversation c ON c.id = m.conversation_id"
    )
    found = {}
    for body, conversation, email, kind, status in rows:
        for word in set(TOKEN.findall(body or "")):
            found.setdefault(word, []).append((conversation, email, kind, status))
    return found


def deliveries(shop, conversation_ids=None):
    """The email deliveries (of ``conversation_ids``, else all): dicts with the Message-ID the
    email carries (see contactkit.inbox.emails.build_message)."""
    rows = shop.sql(
        # A confirmation's and a notification's message is the conversation's first, whose
        # Message-ID names the thread; a reply's is the reply.
        "SELECT d.id, d.kind, d.state, d.attempts, d.last_error, d.conversation_id, "
        "m.email_message_id FROM contactkit_emaildelivery d "
        "LEFT JOIN contactkit_message m ON m.id = d.message_id ORDER BY d.id"
    )
    wanted = set(conversation_ids) if conversation_ids is not None else None
    found = []
    for pk, kind, state, attempts, error, conversation, message_id in rows:
        if wanted is not None and conversation not in wanted:
            continue
        found.append(
            {
                "id": pk,
                "kind": kind,
                "state": state,
                "attempts": attempts,
                "error": error,
                "conversation": conversation,
                "message_id": message_id_of(kind, message_id or ""),
            }
        )
    return found


def message_id_of(kind, message_id):
    """The Message-ID of an email, from that of the message it is about: a notification
    carries the shopper's message's own (the thread's), a confirmation one made from it, a
    reply the reply's own."""
    if kind in ("notification", "reply"):
        return message_id
    if kind == "confirmation":
        return f"<confirmation.{message_id.removeprefix('<')}"
    return None


def wait_until_sent(stack, conversations, timeout=60):
    """Wait until every email about ``conversations`` (None: all) is sent; their deliveries."""

    def all_sent():
        emails = deliveries(stack.shop, conversations)
        return emails if all(email["state"] == "sent" for email in emails) else None

    try:
        return wait_for(all_sent, timeout, interval=0.5, what="every email to be sent")
    except TimeoutError:
        unsent = [e for e in deliveries(stack.shop, conversations) if e["state"] != "sent"]
        raise AssertionError(f"Not sent: {unsent}") from None
