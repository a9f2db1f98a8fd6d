"""The Contact, About us, Returns and legal notice pages, as a shopper on a phone reads them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.test import RequestFactory

from contactkit.profile.models import StoreProfile
from tests.languages import in_language
from tests.pages.builders import full_shop

MADRID = ZoneInfo("Europe/Madrid")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)


@pytest.fixture
def pages(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return full_shop(site)


def get(client, page, suffix="", language="en", at=MONDAY_10):
    with time_machine.travel(at, tick=False):
        response = client.get(in_language(page.url, language) + suffix)
    assert response.status_code == 200, response.content[:2000]
    return response


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def text(response):
    return " ".join(soup(response).get_text(" ").split())


def assert_well_formed_outline(html):
    """One h1, headings that never skip a level, a main landmark, no "None" anywhere."""
    levels = [int(tag.name[1]) for tag in html.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, levels
    for heading in html.find_all(["h1", "h2", "h3", "h4"]):
        assert heading.get_text(strip=True), heading
    assert html.find("main")
    assert "None" not in html.get_text()


# --- Contact page --------------------------------------------------------------------------


def test_contact_page_links_every_channel(client, pages):
    html = soup(get(client, pages["contacto"]))
    hrefs = {a["href"] for a in html.find_all("a", href=True)}
    assert {
        "tel:+34960123456",
        "https://wa.me/34612345678",
        "mailto:hola@ceramica.example",
        "https://www.instagram.com/ceramica/",
    } <= hrefs
    assert any(href.startswith("https://www.openstreetmap.org/search?query=") for href in hrefs)
    assert not html.find("iframe")  # no embedded third-party map


def test_contact_page_is_well_formed(client, pages):
    assert_well_formed_outline(soup(get(client, pages["contacto"])))


def test_phone_shows_open_now_until_lunch(client, pages):
    page_text = text(get(client, pages["contacto"]))
    assert "Atención al cliente Open now, until 2 p.m." in page_text
    assert "Today 9 a.m.–2 p.m., 4 p.m.–7 p.m." in page_text


def test_phone_at_lunch_says_when_it_reopens(client, pages):
    at = dt.datetime(2026, 11, 23, 15, 0, tzinfo=MADRID)
    assert "Closed now, opens at 4 p.m." in text(get(client, pages["contacto"], at=at))


def test_on_saturday_the_phone_says_it_opens_monday(client, pages):
    at = dt.datetime(2026, 11, 28, 12, 0, tzinfo=MADRID)
    assert "Closed today, opens Monday at 9 a.m." in text(get(client, pages["contacto"], at=at))


def test_on_a_holiday_today_says_closed_with_the_reason(client, pages):
    christmas = dt.datetime(2026, 12, 25, 11, 0, tzinfo=MADRID)
    page_text = text(get(client, pages["contacto"], at=christmas))
    assert "Today closed (Navidad)" in page_text
    assert "Closed today, opens Monday at 9 a.m." in page_text


def test_contact_page_in_spanish_uses_spanish_times_and_words(client, pages):
    page_text = text(get(client, pages["contacto"], language="es"))
    assert "Abierto ahora, hasta las 14:00" in page_text
    assert "Hoy 09:00–14:00, 16:00–19:00" in page_text
    assert "Lunes a viernes" in page_text


def test_week_hours_fold_equal_days_together(client, pages):
    html = soup(get(client, pages["contacto"]))
    phone = html.find("h4", string="Atención al cliente").find_parent("li")
    rows = [" ".join(row.get_text(" ").split()) for row in phone.select(".ck-hours dl > div")]
    assert rows == [
        "Monday to Friday 9 a.m.–2 p.m., 4 p.m.–7 p.m.",
        "Saturday and Sunday closed",
    ]


def test_channels_are_grouped_by_purpose_and_listed_once(client, pages):
    html = soup(get(client, pages["contacto"]))
    groups = {
        group.find("h3").get_text(strip=True): [
            h.get_text(strip=True) for h in group.find_all("h4")
        ]
        for group in html.select(".ck-channel-group")
    }
    assert groups == {
        "For anything": ["Atención al cliente", "Email"],
        "Product questions and order help": ["WhatsApp"],
    }
    assert html.find("h3", string="Taller")  # the store has its own section


def test_contact_page_works_without_javascript(client, pages):
    html = soup(get(client, pages["contacto"]))
    # The one script is the launcher's, which turns a plain link to this page into a panel.
    assert [tag["src"] for tag in html.find_all("script", src=True)] == [
        "/static/contactkit/launcher.js"
    ]
    assert html.select_one("a.ck-launcher__button")["href"] == pages["contacto"].url
    assert html.find("details", class_="ck-hours")  # the week opens without JavaScript


def test_vcard_downloads_the_shop(client, pages):
    response = get(client, pages["contacto"], "vcard/")
    assert response["Content-Type"].startswith("text/vcard")
    assert "attachment" in response["Content-Disposition"]
    card = response.content.decode()
    assert card.startswith("BEGIN:VCARD")
    assert "ORG:Cerámica Alba Artesanos\\, S.L." in card
    assert "TEL;TYPE=WORK,VOICE:+34960123456" in card.upper()
    assert "EMAIL;TYPE=INTERNET:hola@ceramica.example" in card.upper().replace(
        "HOLA@CERAMICA.EXAMPLE", "hola@ceramica.example"
    )
    assert "Calle de Sueca\\, 27;Valencia" in card


# --- About page ----------------------------------------------------------------------------


def test_about_page_tells_who_is_behind_the_shop(client, pages):
    response = get(client, pages["quienes-somos"])
    html = soup(response)
    page_text = text(response)
    assert "Empezamos en un taller." in page_text
    assert [h.get_text(strip=True) for h in html.select(".ck-person__name")] == [
        "Persona 0",
        "Persona 1",
    ]
    # The name already ends in its legal form: the form is not written a second time.
    assert "Legal name Cerámica Alba Artesanos, S.L. Founded" in page_text
    assert "Founded 2016" in page_text
    assert "EU VAT id ESB98765431" in page_text
    assert html.find("a", href="https://ec.europa.eu/taxation_customs/vies/#/vat-validation")
    assert html.find("a", href="https://sede.registradores.org/site/mercantil")
    assert html.find("a", href="https://sellos.example.org/verificar")
    assert "Credit or debit card" in page_text and "Bizum" in page_text
    assert "Portugal" in page_text
    assert html.find("address")
    assert_well_formed_outline(html)


def test_editor_text_is_escaped(client, pages, site):
    profile = StoreProfile.for_site(site)
    profile.story = "<script>alert(1)</script>"
    profile.save()
    response = get(client, pages["quienes-somos"])
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


# --- Returns and legal notice -----------------------------------------------------------


def test_returns_page_shows_the_policy_and_the_withdrawal_form(client, pages):
    response = get(client, pages["devoluciones"])
    html = soup(response)
    assert "30 days" in text(response)
    assert html.find("ol", class_="ck-steps")
    form_link = html.find("a", href=pages["devoluciones"].url + "withdrawal-form/")
    assert form_link
    form = text(get(client, pages["devoluciones"], "withdrawal-form/"))
    assert "Model withdrawal form" in form
    assert "Cerámica Alba Artesanos, S.L." in form
    assert "Calle de Sueca, 27" in form
    assert_well_formed_outline(html)


def test_legal_notice_page_has_the_identification_data(client, pages):
    response = get(client, pages["aviso-legal"])
    page_text = text(response)
    for fact in (
        "Cerámica Alba Artesanos, S.L.",
        "Calle de Sueca, 27",
        "hola@ceramica.example",
        "+34 960 12 34 56",
        "Registro Mercantil de Valencia, Tomo 10234, Folio 45, Hoja V-178234",
        "B98765431",
        "ESB98765431",
    ):
        assert fact in page_text
    assert "odr" not in response.content.decode().lower()  # the EU ODR platform closed in 2025
    assert_well_formed_outline(soup(response))


def test_legal_notice_names_the_codes_of_conduct_and_where_to_read_them(client, pages):
    from contactkit.profile.models import StoreProfile, TrustSeal

    TrustSeal.objects.create(
        profile=StoreProfile.objects.get(),
        kind="code_of_conduct",
        name="Código Ético de Confianza Online",
        verification_url="https://www.confianzaonline.es/codigo-etico/",
    )
    html = soup(get(client, pages["aviso-legal"]))
    term = next(dt for dt in html.find_all("dt") if dt.get_text(strip=True) == "Code of conduct")
    link = term.find_next_sibling("dd").find("a")
    assert link.get_text(strip=True) == "Código Ético de Confianza Online"
    assert link["href"] == "https://www.confianzaonline.es/codigo-etico/"
    # A trust seal is not a code of conduct: it stays on the About page only.
    assert "Sello de prueba" not in text(get(client, pages["aviso-legal"]))


def test_legal_notice_tag_works_in_any_shop_template(pages, site, rf=None):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    rendered = Template("{% load contactkit_tags %}{% contactkit_legal_notice %}").render(
        Context({"request": request})
    )
    assert "Cerámica Alba Artesanos, S.L." in rendered
    assert "B98765431" in rendered


# --- Graceful with little data, constant queries ---------------------------------------------


@pytest.mark.parametrize("slug", ["contacto", "quienes-somos", "devoluciones", "aviso-legal"])
def test_an_empty_profile_renders_without_empty_sections(client, site, slug):
    from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage

    model = {
        "contacto": ContactPage,
        "quienes-somos": AboutPage,
        "devoluciones": ReturnsPage,
        "aviso-legal": LegalNoticePage,
    }[slug]
    page = site.root_page.add_child(instance=model(title="Página", slug=slug))
    html = soup(get(client, page))
    assert_well_formed_outline(html)
    for dl in html.find_all("dl"):
        assert dl.find("dd"), dl


@pytest.mark.parametrize("slug", ["contacto", "quienes-somos", "devoluciones", "aviso-legal"])
def test_pages_render_in_a_constant_number_of_queries(
    client, site, settings, tmp_path, slug, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    # Rendered every time: a page served from the page cache asks nothing of the database.
    settings.CONTACTKIT_PAGE_CACHE_SECONDS = 0
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = full_shop(site, people=1, extra_phones=0)[slug]
    get(client, small)  # renditions are made on the first view
    with CaptureQueriesContext(connection) as few:
        get(client, small)
    from contactkit.profile.models import Person, StoreProfile
    from tests.pages.builders import WEEKDAYS_9_TO_2_AND_4_TO_7, image
    from tests.profile.builders import channel

    profile = StoreProfile.for_site(site)
    for index in range(4):
        Person.objects.create(profile=profile, name=f"Más {index}", photo=image(f"M{index}"))
        channel(site, "phone", label=f"Extra {index}", hours=WEEKDAYS_9_TO_2_AND_4_TO_7)
    get(client, small)
    with CaptureQueriesContext(connection) as many:
        get(client, small)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
