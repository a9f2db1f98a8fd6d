"""The vCard stays one well-formed card whatever the profile holds, and the admin refuses a shop
name typed on two lines."""

import re
from types import SimpleNamespace

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactkit.pages.vcard import shop_vcard
from contactkit.profile.models import StoreProfile
from tests.pages.builders import full_shop
from tests.profile.test_admin import profile_form, profile_url

# Every character a reader may take for the end of a line, and the other control characters.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
PROPERTY_LINE = re.compile(r"^(?:[A-Za-z0-9-]+(?:;[^:]*)?:| ).*$")

HOSTILE_NAME = "Cerámica\nAlba\r\nEND:VCARD\x0bBEGIN:VCARD\x1bTEL:+1 555\u2028x"
HOSTILE_LEGAL = "Cerámica Alba\x85Artesanos, S.L.\x07"


@pytest.fixture
def pages(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return full_shop(site)


def assert_well_formed(card):
    """One card, CRLF lines only, each a property or a folded continuation, no control
    character anywhere: what any contacts app can read."""
    assert card.endswith("\r\n")
    lines = card[:-2].split("\r\n")
    assert not CONTROL.search("".join(lines)), [line for line in lines if CONTROL.search(line)]
    assert card.splitlines() == lines  # no reader finds a line break we did not mean
    for line in lines:
        assert PROPERTY_LINE.match(line), line
    assert lines[0] == "BEGIN:VCARD" and lines[-1] == "END:VCARD"
    assert lines.count("BEGIN:VCARD") == 1 and lines.count("END:VCARD") == 1


def download(client, page):
    response = client.get(page.url + "vcard/")
    assert response.status_code == 200, response.status_code
    return response


def test_a_line_break_in_the_profile_cannot_break_the_vcard(client, pages, site):
    StoreProfile.objects.filter(site=site).update(
        trade_name=HOSTILE_NAME,
        legal_name=HOSTILE_LEGAL,
        city="Valencia\n",
        street_address="Calle de Sueca,\r\n27",
        story="Empezamos en un taller.\r\n\r\nHoy somos seis.\x0cFin\x1b",
    )

    response = download(client, pages["contacto"])

    card = response.content.decode("utf-8")
    assert_well_formed(card)
    parsed = vobject.readOne(card)
    assert parsed.fn.value == "Cerámica Alba END:VCARD BEGIN:VCARD TEL:+1 555 x"
    assert parsed.org.value == ["Cerámica Alba Artesanos, S.L."]
    assert parsed.adr.value.street == "Calle de Sueca, 27"
    assert parsed.adr.value.city == "Valencia"
    assert parsed.note.value == "Empezamos en un taller.\n\nHoy somos seis.\nFin"
    assert [tel.value for tel in parsed.contents["tel"]] == ["+34960123456", "+34612345678"]
    assert "\n" not in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_vcard_keeps_ordinary_names_as_they_are(client, pages):
    card = download(client, pages["contacto"]).content.decode("utf-8")
    assert_well_formed(card)
    parsed = vobject.readOne(card)
    assert parsed.fn.value == "Cerámica Alba"
    assert parsed.org.value == ["Cerámica Alba Artesanos, S.L."]
    assert parsed.note.value == "Empezamos en un taller.\n\nHoy somos seis."


# Any text at all: hypothesis tries control characters, separators, escapes and long names.
any_text = st.text(
    st.characters(blacklist_categories=["Cs"]) | st.sampled_from("\r\n\x0b\x0c\x85\u2028\\;,:"),
    max_size=120,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trade_name=any_text, legal_name=any_text, city=any_text, story=any_text)
def test_any_profile_text_gives_a_card_that_reads_back(trade_name, legal_name, city, story):
    profile = StoreProfile(
        trade_name=trade_name,
        legal_name=legal_name,
        street_address="Calle Mayor 1",
        city=city or "Valencia",
        country="ES",
        story=story,
    )
    shop = SimpleNamespace(
        profile=profile,
        channels=[],
        site=SimpleNamespace(site_name="Tienda", hostname="tienda.example"),
        home_url="https://tienda.example/",
    )

    card = shop_vcard(shop)

    assert_well_formed(card)
    parsed = vobject.readOne(card)
    name, legal = parsed.fn.value, parsed.org.value[0] if "org" in parsed.contents else ""
    assert not CONTROL.search(name + legal + parsed.adr.value.city)
    assert name.strip() == name and name
    if trade_name.strip() and not CONTROL.sub("", trade_name).strip():
        assert name in (legal, "Tienda")  # only control characters: the next name is used
    if "note" in parsed.contents:
        assert not CONTROL.search(parsed.note.value.replace("\n", ""))


def test_the_admin_refuses_a_shop_name_on_two_lines(admin_client, site):
    response = admin_client.post(
        profile_url(site),
        profile_form(trade_name="Cerámica\nEND:VCARD", legal_name="Alba\r\nS.L."),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("Write the name on one line") == 2
    assert StoreProfile.for_site(site).trade_name == ""  # nothing saved


def test_the_admin_still_saves_a_shop_name_on_one_line(admin_client, site):
    response = admin_client.post(profile_url(site), profile_form(trade_name="Cerámica Alba"))
    assert response.status_code == 302
    assert StoreProfile.for_site(site).trade_name == "Cerámica Alba"
