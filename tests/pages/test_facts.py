"""Facts that agree: what the pages show a shopper is what the JSON-LD tells a search engine,
and the facts an owner types are checked before anything is published."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from contactkit.profile.models import StoreClosure, StoreProfile
from tests.languages import in_language
from tests.pages.builders import full_shop

MADRID = ZoneInfo("Europe/Madrid")
# A Tuesday three weeks before Christmas: four closed days lie in the next 60 days.
TUESDAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MADRID)
CLOSED_DAYS = [
    (dt.date(2026, 12, 8), "Inmaculada Concepción"),
    (dt.date(2027, 1, 1), "Año Nuevo"),
    (dt.date(2027, 1, 6), "Reyes"),
]


@pytest.fixture
def pages(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = full_shop(site)
    profile = StoreProfile.for_site(site)
    profile.legal_form = "Sociedad Limitada (S.L.)"
    profile.save()
    for date, label in CLOSED_DAYS:  # with the builder's Christmas Day, four closed days
        StoreClosure.objects.create(profile=profile, date=date, label=label)
    return made


def get(client, url, language="en"):
    with time_machine.travel(TUESDAY, tick=False):
        response = client.get(in_language(url, language))
    assert response.status_code == 200, response.content[:2000]
    return BeautifulSoup(response.content, "html.parser")


def graph_of(html):
    return json.loads(html.find("script", type="application/ld+json").string)["@graph"]


def text_of(html):
    return " ".join(html.get_text(" ").split())


def closed_dates(specs):
    return {
        spec["validFrom"]
        for spec in specs
        if "validFrom" in spec and spec["opens"] == spec["closes"] == "00:00"
    }


# --- the legal name ----------------------------------------------------------------------------


def test_the_legal_form_is_written_once(client, pages):
    html = get(client, pages["quienes-somos"].url)

    assert "Cerámica Alba Artesanos, S.L." in text_of(html)
    assert "Sociedad Limitada" not in text_of(html.find(id="ck-company").parent)
    assert graph_of(html)[0]["legalName"] == "Cerámica Alba Artesanos, S.L."


# --- tax ids and postcodes ---------------------------------------------------------------------


def test_a_vat_id_of_another_nif_is_refused(site, pages):
    profile = StoreProfile.for_site(site)
    profile.vat_id = "ESB12345674"  # a valid VAT id, but not of the NIF B98765431

    with pytest.raises(ValidationError) as caught:
        profile.full_clean()

    assert "ESB98765431" in " ".join(caught.value.message_dict["vat_id"])


def test_a_postcode_that_does_not_exist_in_the_country_is_refused(site, pages):
    profile = StoreProfile.for_site(site)
    profile.postal_code = "ABCDE"

    with pytest.raises(ValidationError) as caught:
        profile.full_clean()

    assert caught.value.message_dict["postal_code"] == ["This is not a valid postal code in Spain."]


def test_the_owners_facts_as_the_builder_types_them_pass(site, pages):
    StoreProfile.for_site(site).full_clean()


# --- opening hours -----------------------------------------------------------------------------


def test_every_closed_day_the_json_ld_declares_is_shown_on_the_contact_page(client, pages):
    html = get(client, pages["contacto"].url)
    org = graph_of(html)[0]
    shown = {time["datetime"] for time in html.select(".ck-special-days time")}

    declared = set()
    for point in org["contactPoint"]:
        declared |= closed_dates(point.get("hoursAvailable", []))
    for store in org["department"]:
        declared |= closed_dates(store["openingHoursSpecification"])

    assert declared == {"2026-12-08", "2026-12-25", "2027-01-01", "2027-01-06"}
    assert declared <= shown


def test_closed_days_are_in_view_with_their_reason(client, pages):
    html = get(client, pages["contacto"].url)

    phone = html.find(string="Atención al cliente").find_parent("li")
    items = [" ".join(item.get_text().split()) for item in phone.select(".ck-special-days li")]
    assert items[0] == "Tuesday, December 8: closed (Inmaculada Concepción)"
    assert len(items) == 4
    assert not phone.select_one(".ck-special-days").find_parent("details")


# --- the page being read -----------------------------------------------------------------------


def test_the_withdrawal_form_is_a_web_page_of_its_own(client, pages):
    returns = graph_of(get(client, pages["devoluciones"].url))[1]

    form = graph_of(get(client, pages["devoluciones"].url + "withdrawal-form/"))[1]

    assert form["@id"] != returns["@id"]
    assert form["url"] == returns["url"] + "withdrawal-form/"
    assert form["name"] == "Model withdrawal form"
    assert form["isPartOf"] == {"@id": returns["@id"]}


def test_the_thank_you_page_is_a_web_page_of_its_own(client, pages):
    contact = graph_of(get(client, pages["contacto"].url))[1]
    session = client.session
    session["contactkit_reference"] = "CK-TEST"
    session.save()

    thanks = graph_of(get(client, pages["contacto"].url + "thanks/"))[1]

    assert thanks["@id"] != contact["@id"]
    assert thanks["url"] == contact["url"] + "thanks/"
    assert thanks["name"] == "Message received"
    assert thanks["@type"] == "WebPage"


# --- channels ----------------------------------------------------------------------------------


def test_contact_type_follows_the_purposes_the_page_lists(client, pages):
    html = get(client, pages["contacto"].url)
    whatsapp = next(p for p in graph_of(html)[0]["contactPoint"] if p["name"] == "WhatsApp")

    assert "Product questions and order help" in text_of(html)
    assert whatsapp["contactType"] == ["sales", "customer support"]


def test_the_store_node_points_at_the_store_the_page_shows(client, pages):
    html = get(client, pages["contacto"].url)
    store = graph_of(html)[0]["department"][0]

    anchor = store["url"].partition("#")[2]
    assert store["url"] == f"http://testserver{pages['contacto'].url}#{anchor}"
    assert store["@id"] == f"http://testserver/#{anchor}"
    card = html.find(id=anchor).find_parent("li")
    assert "Taller" in text_of(card)
    assert store["telephone"] == "+34960123456"
    assert card.find("a", href="tel:+34960123456")


# --- returns and shipping ----------------------------------------------------------------------


def test_free_returns_by_post_say_the_shop_provides_the_label(client, pages):
    policy = graph_of(get(client, pages["devoluciones"].url))[0]["hasMerchantReturnPolicy"]

    assert policy["returnFees"] == "https://schema.org/FreeReturn"
    assert policy["returnLabelSource"] == "https://schema.org/ReturnLabelDownloadAndPrint"


def test_the_countries_shipped_to_agree_with_where_we_ship(client, pages):
    html = get(client, pages["quienes-somos"].url)
    org = graph_of(html)[0]

    destinations = org["hasShippingService"]["shippingConditions"]["shippingDestination"]
    assert [region["addressCountry"] for region in destinations] == ["ES", "PT"]
    listed = html.find(id="ck-shipping").find_parent("section").find_all("li")
    assert [item.get_text(strip=True) for item in listed] == ["Spain", "Portugal"]
    assert org["iso6523Code"] == "0223:ESB98765431"
