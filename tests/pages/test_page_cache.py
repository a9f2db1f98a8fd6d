"""The page cache: anonymous shoppers get stored pages, and a stored page is never wrong.

Wrong would be: another visitor's CSRF token or form key, yesterday's "open now", the profile
before the owner's last save, the English page on the Spanish address, an editor's page (with
the userbar) for a shopper.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contactkit.inbox.models import Conversation
from contactkit.pages import cache as page_cache
from contactkit.profile.models import OpeningHoursInterval, StoreProfile
from contactkit.returns.models import ReturnPolicy
from contactkit.theming.models import ThemeSettings
from tests.languages import in_language
from tests.pages.builders import full_shop

MADRID = ZoneInfo("Europe/Madrid")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)


@pytest.fixture
def pages(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = full_shop(site)
    # The site's settings are created on the first visit, which counts as a change: visit
    # once so the tests start from a shop whose pages are as they will stay.
    with time_machine.travel(MONDAY_10, tick=False):
        for page in made.values():
            Client().get(page.url)
    return made


def visit(page, client=None, language="en", at=MONDAY_10, suffix=""):
    client = client or Client()
    with time_machine.travel(at, tick=False):
        response = client.get(in_language(page.url, language) + suffix)
    assert response.status_code == 200, response.content[:2000]
    return response


def html(response):
    return BeautifulSoup(response.content, "html.parser")


def field(response, name):
    found = html(response).find("input", attrs={"name": name})
    return found["value"] if found else None


def words(response):
    return " ".join(html(response).get_text(" ").split())


def test_the_second_visit_is_served_from_the_cache(pages):
    first = visit(pages["contacto"])
    second = visit(pages["contacto"])
    assert first["X-Contactkit-Cache"] == "miss"
    assert second["X-Contactkit-Cache"] == "hit"
    assert words(first) == words(second)
    for name in ("csrfmiddlewaretoken", "started", "submission_key"):
        assert "ck-hole" not in (field(second, name) or "ck-hole")


def test_each_visitor_gets_their_own_token_and_form_key(pages):
    one, two = visit(pages["contacto"]), visit(pages["contacto"])
    assert two["X-Contactkit-Cache"] == "hit"
    assert field(one, "csrfmiddlewaretoken") != field(two, "csrfmiddlewaretoken")
    assert field(one, "submission_key") != field(two, "submission_key")
    assert "ck-hole" not in two.content.decode()


def test_a_shopper_can_send_the_form_of_a_stored_page(pages, settings):
    settings.CONTACTKIT_MIN_FILL_SECONDS = 0
    visit(pages["contacto"])
    shopper = Client(enforce_csrf_checks=True)
    page = visit(pages["contacto"], client=shopper)
    assert page["X-Contactkit-Cache"] == "hit"
    data = {
        "csrfmiddlewaretoken": field(page, "csrfmiddlewaretoken"),
        "started": field(page, "started"),
        "submission_key": field(page, "submission_key"),
        "name": "Lucía",
        "email": "lucia@example.com",
        "topic": "other",
        "message": "¿Hacéis envíos a Portugal?",
        "consent": "on",
    }
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=1), tick=False):
        sent = shopper.post(in_language(pages["contacto"].url, "en"), data)
    assert sent.status_code == 302, words(sent)[:500]
    assert Conversation.objects.get().messages.get().body == "¿Hacéis envíos a Portugal?"


def test_an_editor_signed_in_never_gets_the_stored_page(pages, admin_client):
    visit(pages["contacto"])
    response = visit(pages["contacto"], client=admin_client)
    assert response["X-Contactkit-Cache"] == "bypass"


def test_saving_the_profile_shows_at_once(pages, site):
    visit(pages["quienes-somos"])
    assert visit(pages["quienes-somos"])["X-Contactkit-Cache"] == "hit"
    profile = StoreProfile.for_site(site)
    profile.trade_name = "Cerámica Alba y Nieta"
    profile.save()
    response = visit(pages["quienes-somos"])
    assert response["X-Contactkit-Cache"] == "miss"
    assert "Cerámica Alba y Nieta" in words(response)


def test_new_hours_show_at_once(pages):
    assert "Open now, until 2 p.m." in words(visit(pages["contacto"]))
    interval = OpeningHoursInterval.objects.filter(closes=dt.time(14)).first()
    interval.closes = dt.time(15)
    interval.save()
    assert "Open now, until 3 p.m." in words(visit(pages["contacto"]))


def test_a_new_returns_policy_shows_at_once(pages, site):
    visit(pages["devoluciones"])
    policy = ReturnPolicy.for_site(site)
    policy.return_days = 45
    policy.save()
    assert "45" in words(visit(pages["devoluciones"]))


def test_a_new_theme_shows_at_once(pages, site):
    before = visit(pages["contacto"])
    settings_row = ThemeSettings.for_site(site)
    settings_row.theme = "boutique"
    settings_row.save()
    after = visit(pages["contacto"])
    assert after["X-Contactkit-Cache"] == "miss"
    assert "themes/boutique/theme.css" in after.content.decode()
    assert "themes/boutique/theme.css" not in before.content.decode()


def test_a_published_change_shows_at_once(pages):
    page = pages["contacto"]
    visit(page)
    page.title = "Escríbenos"
    page.save_revision().publish()
    assert html(visit(page)).find("h1").get_text(strip=True) == "Escríbenos"


def test_open_now_is_never_wrong(pages):
    # Monday 13:55: the phone is open until 14:00; the stored page must not outlive that.
    just_before = dt.datetime(2026, 11, 23, 13, 55, tzinfo=MADRID)
    assert "Open now, until 2 p.m." in words(visit(pages["contacto"], at=just_before))
    assert visit(pages["contacto"], at=just_before)["X-Contactkit-Cache"] == "hit"
    after = visit(pages["contacto"], at=just_before + dt.timedelta(minutes=6))
    assert after["X-Contactkit-Cache"] == "miss"
    assert "Closed now, opens at 4 p.m." in words(after)


def test_tomorrow_becomes_today_at_midnight(pages):
    # Friday night after the last closing: "opens Monday"; Saturday morning the store (10–14
    # on Saturdays) opens "today", which a page stored on Friday must not hide.
    friday = dt.datetime(2026, 11, 27, 23, 30, tzinfo=MADRID)
    visit(pages["contacto"], at=friday)
    saturday = visit(pages["contacto"], at=friday + dt.timedelta(hours=1))
    assert saturday["X-Contactkit-Cache"] == "miss"


def test_each_language_has_its_own_stored_page(pages):
    for _round in range(2):
        english = visit(pages["contacto"], language="en")
        spanish = visit(pages["contacto"], language="es")
    assert english["X-Contactkit-Cache"] == spanish["X-Contactkit-Cache"] == "hit"
    assert html(english).find("html")["lang"] == "en"
    assert html(spanish).find("html")["lang"] == "es"
    # Downstream caches must not share a page holding a visitor's CSRF token.
    assert "Cookie" in english["Vary"] and "Cookie" in spanish["Vary"]


def test_a_query_string_is_rendered_but_tracking_parameters_are_not(pages):
    visit(pages["contacto"])
    assert visit(pages["contacto"], suffix="?x=1")["X-Contactkit-Cache"] == "bypass"
    tracked = visit(pages["contacto"], suffix="?utm_source=newsletter&utm_medium=email")
    assert tracked["X-Contactkit-Cache"] == "hit"


def test_routes_below_a_page_are_never_stored(pages):
    for _round in range(2):
        response = visit(pages["devoluciones"], suffix="withdraw/")
    assert response.get("X-Contactkit-Cache") is None


def test_shoppers_writing_do_not_empty_the_cache(pages, site):
    visit(pages["contacto"])
    Conversation.objects.create(site=site, name="Ana", email="ana@example.com")
    assert visit(pages["contacto"])["X-Contactkit-Cache"] == "hit"


def test_turned_off_every_visit_renders(pages, settings):
    settings.CONTACTKIT_PAGE_CACHE_SECONDS = 0
    visit(pages["contacto"])
    assert visit(pages["contacto"])["X-Contactkit-Cache"] == "bypass"


def test_a_stored_page_costs_no_query(pages):
    visit(pages["contacto"])
    with CaptureQueriesContext(connection) as queries:
        response = visit(pages["contacto"])
    assert response["X-Contactkit-Cache"] == "hit"
    assert len(queries) == 0, [query["sql"] for query in queries.captured_queries]


def test_the_structured_data_is_built_once_per_change(pages, settings, monkeypatch):
    from contactkit.structured_data import graph

    settings.CONTACTKIT_PAGE_CACHE_SECONDS = 0
    built = []
    real = graph.json_ld
    monkeypatch.setattr(graph, "json_ld", lambda *a, **k: built.append(1) or real(*a, **k))
    first = visit(pages["contacto"])
    second = visit(pages["contacto"])
    assert len(built) == 1
    ld = re.compile(rb'<script type="application/ld\+json">.*?</script>', re.S)
    assert ld.search(first.content).group() == ld.search(second.content).group()
    profile = StoreProfile.for_site(pages["contacto"].get_site())
    profile.trade_name = "Alba"
    profile.save()
    assert b'"Alba"' in ld.search(visit(pages["contacto"]).content).group()
    assert len(built) == 2


def test_markers_never_reach_a_shopper_when_rendering_for_the_cache(pages):
    assert page_cache.marker("csrf") not in visit(pages["contacto"]).content.decode()


def test_a_cache_that_keeps_nothing_still_gives_each_visitor_a_working_form(pages, settings):
    # Redis down (contactkit.cache.ResilientRedisCache then keeps nothing) behaves like this.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.CONTACTKIT_MIN_FILL_SECONDS = 0
    shopper = Client(enforce_csrf_checks=True)
    page = visit(pages["contacto"], client=shopper)
    assert page["X-Contactkit-Cache"] == "bypass"
    assert "ck-hole" not in page.content.decode()
    data = {
        "csrfmiddlewaretoken": field(page, "csrfmiddlewaretoken"),
        "started": field(page, "started"),
        "submission_key": field(page, "submission_key"),
        "name": "Lucía",
        "email": "lucia@example.com",
        "topic": "other",
        "message": "Hola",
        "consent": "on",
    }
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=1), tick=False):
        sent = shopper.post(in_language(pages["contacto"].url, "en"), data)
    assert sent.status_code == 302
    assert Conversation.objects.get().messages.get().body == "Hola"
