"""The shop's JSON-LD: what a search engine reads about the shop, checked as strict JSON."""

import datetime as dt
import json
import re
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.safestring import SafeString
from wagtail.images.models import Image, Rendition
from wagtail.images.tests.utils import get_test_image_file

from contactkit.accounts.models import ProfileProof
from contactkit.pages.models import AboutPage, ContactPage, ReturnsPage
from contactkit.profile.models import (
    ChannelHoursException,
    ContactChannel,
    Person,
    StoreClosure,
    StoreProfile,
)
from contactkit.profile.shop import Shop
from contactkit.returns.models import ReturnPolicy, ReturnStep
from contactkit.structured_data.graph import graph, json_ld, organisation, script_tag
from tests.profile.builders import channel, profile_for

MADRID = ZoneInfo("Europe/Madrid")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MADRID)
CHRISTMAS_EVE = dt.date(2026, 12, 24)
CHRISTMAS = dt.date(2026, 12, 25)
FAR_HOLIDAY = NOW.date() + dt.timedelta(days=200)
ORGANISATION_ID = "http://testserver/#organisation"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Every type the module may emit, with the properties it may give it. Written from the
# schema.org vocabulary: each property is defined on that type or one of its parents.
SCHEMA_TERMS = {
    "OnlineStore": {
        "name",
        "legalName",
        "url",
        "logo",
        "description",
        "email",
        "telephone",
        "address",
        "vatID",
        "taxID",
        "foundingDate",
        "numberOfEmployees",
        "knowsLanguage",
        "sameAs",
        "contactPoint",
        "department",
        "hasMerchantReturnPolicy",
        "iso6523Code",
        "hasShippingService",
        "subjectOf",
    },
    # A social profile the shop proved it manages (contactkit.accounts): WebPage's
    # lastReviewed, CreativeWork's mainEntity.
    "ProfilePage": {"url", "mainEntity", "lastReviewed"},
    "ShippingService": {"shippingConditions"},
    "ShippingConditions": {"shippingDestination"},
    "DefinedRegion": {"addressCountry"},
    "PostalAddress": {
        "streetAddress",
        "postalCode",
        "addressLocality",
        "addressRegion",
        "addressCountry",
    },
    "QuantitativeValue": {"value"},
    "ContactPoint": {
        "contactType",
        "name",
        "telephone",
        "email",
        "url",
        "availableLanguage",
        "hoursAvailable",
    },
    "OpeningHoursSpecification": {"dayOfWeek", "opens", "closes", "validFrom", "validThrough"},
    "Store": {"name", "url", "address", "telephone", "openingHoursSpecification", "geo"},
    "GeoCoordinates": {"latitude", "longitude"},
    "MerchantReturnPolicy": {
        "applicableCountry",
        "returnPolicyCountry",
        "returnPolicyCategory",
        "merchantReturnDays",
        "returnMethod",
        "returnFees",
        "returnShippingFeesAmount",
        "restockingFee",
        "refundType",
        "itemCondition",
        "merchantReturnLink",
        "returnLabelSource",
    },
    "MonetaryAmount": {"value", "currency"},
    "WebPage": {"url", "name", "inLanguage", "publisher", "about", "isPartOf"},
    "ContactPage": {"url", "name", "inLanguage", "publisher", "about"},
    "AboutPage": {"url", "name", "inLanguage", "publisher", "about"},
}
JSON_LD_KEYWORDS = {"@context", "@graph", "@type", "@id"}
SCHEMA_ORG_MEMBERS = {
    *(f"https://schema.org/{day}" for day in WEEKDAYS),
    *(
        f"https://schema.org/{member}"
        for member in (
            "MerchantReturnFiniteReturnWindow",
            "MerchantReturnUnlimitedWindow",
            "MerchantReturnNotPermitted",
            "ReturnByMail",
            "ReturnInStore",
            "ReturnAtKiosk",
            "FreeReturn",
            "ReturnFeesCustomerResponsibility",
            "ReturnShippingFees",
            "FullRefund",
            "ExchangeRefund",
            "StoreCreditRefund",
            "NewCondition",
            "UsedCondition",
            "DamagedCondition",
            "ReturnLabelDownloadAndPrint",
            "ReturnLabelCustomerResponsibility",
        )
    ),
}
E164 = re.compile(r"\+[1-9]\d{6,14}")
ISO_COUNTRY = re.compile(r"[A-Z]{2}")


# --- helpers -----------------------------------------------------------------------------------


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")


def parse(text):
    """Strict JSON: NaN and Infinity are refused, as a search engine's parser would."""
    return json.loads(text, parse_constant=_not_json)


def document(shop, **kwargs):
    return parse(json_ld(shop, **kwargs))


def org_of(shop, **kwargs):
    return document(shop, **kwargs)["@graph"][0]


def values(data, key=None):
    """Every (property, value) pair in ``data``; list items are paired with their list's key."""
    if isinstance(data, dict):
        for name, value in data.items():
            yield from values(value, name)
    elif isinstance(data, list):
        yield key, data
        for item in data:
            yield from values(item, key)
    else:
        yield key, data


def nodes(data):
    """Every object anywhere in ``data``."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from nodes(value)
    elif isinstance(data, list):
        for item in data:
            yield from nodes(item)


def hours(*, days, opens, closes):
    named = [f"https://schema.org/{WEEKDAYS[day]}" for day in days]
    return {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": named[0] if len(named) == 1 else named,
        "opens": opens,
        "closes": closes,
    }


def on_date(date, opens="00:00", closes="00:00"):
    return {
        "@type": "OpeningHoursSpecification",
        "validFrom": date.isoformat(),
        "validThrough": date.isoformat(),
        "opens": opens,
        "closes": closes,
    }


def contact_point(org, name):
    return next(point for point in org["contactPoint"] if point["name"] == name)


def fill_in_policy(site, **fields):
    policy = ReturnPolicy.for_site(site)
    defaults = {
        "window": "MerchantReturnFiniteReturnWindow",
        "return_days": 30,
        "applicable_countries": ["ES", "PT"],
        "item_conditions": ["NewCondition"],
        "return_methods": ["ReturnByMail", "ReturnInStore"],
        "fees": "ReturnShippingFees",
        "fee_amount": Decimal("4.95"),
        "currency": "EUR",
        "restocking_fee_percent": Decimal("10.00"),
        "refund_types": ["FullRefund", "StoreCreditRefund"],
    }
    for name, value in {**defaults, **fields}.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    ReturnStep.objects.create(policy=policy, title="Pide la devolución")
    return policy


def with_special_days(made, *dates):
    for date in dates:
        ChannelHoursException.objects.create(
            channel=made, date=date, opens=dt.time(10), closes=dt.time(14), label="Especial"
        )
    return made


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Renditions cached by earlier tests belong to images of their own, now rolled back.
    Rendition.cache_backend.clear()
    return tmp_path


@pytest.fixture
def pages(site):
    home = site.root_page
    return SimpleNamespace(
        home=home,
        contact=home.add_child(instance=ContactPage(title="Contacto", slug="contacto")),
        about=home.add_child(instance=AboutPage(title="Quiénes somos", slug="quienes-somos")),
        returns=home.add_child(instance=ReturnsPage(title="Devoluciones", slug="devoluciones")),
    )


@pytest.fixture
def full_profile(site, media):
    profile = profile_for(
        site,
        trade_name="Cerámica Alba",
        legal_name="Cerámica Alba S.L.",
        story="Tazas y platos hechos a mano en nuestro taller de València.",
        logo=Image.objects.create(title="Logo", file=get_test_image_file()),
        street_address="Carrer de la Pau 1",
        postal_code="46002",
        city="València",
        region="Valencia",
        country="ES",
        vat_id="ESB12345674",
        tax_id="B12345674",
        founding_date=dt.date(2015, 3, 1),
        number_of_employees=4,
        languages_spoken=["es", "ca", "en"],
        countries_shipped_to=["ES", "PT", "FR"],
    )
    Person.objects.create(profile=profile, name="Alba Ferrer", role="Fundadora")
    StoreClosure.objects.create(profile=profile, date=CHRISTMAS, label="Navidad")
    StoreClosure.objects.create(profile=profile, date=FAR_HOLIDAY, label="Fiesta lejana")
    return profile


@pytest.fixture
def shop(site, full_profile, pages):
    """A shop with every kind of channel, holidays, special days and a returns policy."""
    weekdays = range(5)
    channel(
        site,
        "phone",
        label="Atención al cliente",
        languages=["es", "en"],
        hours=[(day, "09:00", "14:00") for day in weekdays]
        + [(day, "16:00", "19:00") for day in range(4)],
    )
    channel(
        site,
        "whatsapp",
        label="WhatsApp",
        phone="+34 612 34 56 78",
        purposes=["sales"],
        hours=[(4, "20:00", "02:00", True)],
    )
    channel(
        site,
        "email",
        label="Email",
        email="hola@ceramica-alba.example",
        purposes=["returns", "complaints"],
    )
    channel(site, "form", label="Formulario", page=pages.contact, purposes=["support"])
    channel(
        site,
        "chat",
        label="Chat",
        url="https://chat.ceramica-alba.example/",
        chat_provider="link",
        purposes=["sales", "support", "returns", "complaints"],
        hours=[(5, "00:00", "00:00", True)],
    )
    with_special_days(
        channel(
            site,
            "store",
            label="Taller de Russafa",
            street_address="Carrer de Sueca 10",
            postal_code="46006",
            city="València",
            country="ES",
            latitude=Decimal("39.4610"),
            longitude=Decimal("-0.3765"),
            hours=[(day, "10:00", "20:00") for day in range(6)],
        ),
        CHRISTMAS_EVE,
    )
    instagram = channel(site, "instagram", url="https://www.instagram.com/ceramicaalba")
    channel(site, "facebook", url="https://www.facebook.com/ceramicaalba")
    # The shop proved it manages its Instagram profile (contactkit.accounts), on 20 November.
    ProfileProof.objects.create(
        channel=instagram,
        provider="oidc",
        account_id="17841400000000000",
        url="https://instagram.com/CeramicaAlba/",
        verified_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
    )
    fill_in_policy(site)
    return Shop.for_site(site, now=NOW)


# --- the shop itself ---------------------------------------------------------------------------


def test_search_engines_read_who_the_shop_is(shop):
    org = org_of(shop)

    expected = {
        "@type": "OnlineStore",
        "@id": ORGANISATION_ID,
        "name": "Cerámica Alba",
        "legalName": "Cerámica Alba S.L.",
        "url": "http://testserver/",
        "description": "Tazas y platos hechos a mano en nuestro taller de València.",
        "email": "hola@ceramica-alba.example",
        "telephone": "+34960123456",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Carrer de la Pau 1",
            "postalCode": "46002",
            "addressLocality": "València",
            "addressRegion": "Valencia",
            "addressCountry": "ES",
        },
        "vatID": "ESB12345674",
        "taxID": "B12345674",
        "foundingDate": "2015-03-01",
        "numberOfEmployees": {"@type": "QuantitativeValue", "value": 4},
        "knowsLanguage": ["es", "ca", "en"],
        "sameAs": [
            "https://www.instagram.com/ceramicaalba",
            "https://www.facebook.com/ceramicaalba",
        ],
    }
    assert {key: org[key] for key in expected} == expected


def test_a_proven_social_profile_is_described_as_the_shops_profile_page_reviewed_that_day(shop):
    org = organisation(shop, base_url="http://testserver")

    assert org["subjectOf"] == [
        {
            "@type": "ProfilePage",
            "url": "https://www.instagram.com/ceramicaalba",
            "mainEntity": {"@id": ORGANISATION_ID},
            "lastReviewed": "2026-11-20",
        }
    ]


def test_a_changed_link_is_no_longer_described_as_proven(shop):
    instagram = ContactChannel.objects.get(kind="instagram")
    instagram.url = "https://www.instagram.com/ceramica.alba.oficial"
    instagram.save()

    org = organisation(Shop.for_site(instagram.site, now=NOW), base_url="http://testserver")

    assert "subjectOf" not in org
    assert "https://www.instagram.com/ceramica.alba.oficial" in org["sameAs"]


def test_the_vat_id_is_also_given_as_an_iso_6523_code(shop):
    # ICD 0223 "EU based company": the identifier is the intra-community VAT number.
    assert org_of(shop)["iso6523Code"] == "0223:ESB12345674"


def test_without_a_vat_id_there_is_no_iso_6523_code(site):
    profile_for(site, tax_id="B12345674")

    assert "iso6523Code" not in org_of(Shop.for_site(site, now=NOW))


def test_the_countries_shipped_to_are_a_shipping_service(shop):
    assert org_of(shop)["hasShippingService"] == {
        "@type": "ShippingService",
        "shippingConditions": {
            "@type": "ShippingConditions",
            "shippingDestination": [
                {"@type": "DefinedRegion", "addressCountry": code} for code in ("ES", "FR", "PT")
            ],
        },
    }


def test_the_legal_name_holds_the_legal_form_once(site):
    profile_for(
        site, legal_name="Cerámica Alba Artesanos, S.L.", legal_form="Sociedad Limitada (S.L.)"
    )
    shop = Shop.for_site(site, now=NOW)
    assert org_of(shop)["legalName"] == "Cerámica Alba Artesanos, S.L."

    profile_for(site, legal_name="Cerámica Alba Artesanos", legal_form="S.L.")
    shop = Shop.for_site(site, now=NOW)
    assert org_of(shop)["legalName"] == "Cerámica Alba Artesanos (S.L.)"


def test_the_logo_is_an_absolute_url_of_a_reasonably_sized_image(shop):
    logo = org_of(shop)["logo"]

    assert re.fullmatch(r"http://testserver/media/images/\w+\.max-512x512\.png", logo)


def test_a_logo_whose_file_went_missing_is_left_out_instead_of_breaking_the_page(shop):
    shop.profile.logo.file.storage.delete(shop.profile.logo.file.name)

    assert "logo" not in org_of(shop)


def test_a_shop_with_only_a_name_says_just_that(site):
    profile = StoreProfile.for_site(site)
    profile.trade_name = "Tienda"
    profile.save()

    assert org_of(Shop.for_site(site, now=NOW)) == {
        "@type": "OnlineStore",
        "@id": ORGANISATION_ID,
        "name": "Tienda",
        "url": "http://testserver/",
    }


def test_every_url_follows_the_base_url_given(shop, pages):
    base = "https://www.ceramica-alba.es"

    org = org_of(shop, base_url=base + "/")

    assert org["@id"] == f"{base}/#organisation"
    assert org["url"] == f"{base}/"
    assert org["logo"].startswith(f"{base}/media/images/")
    assert contact_point(org, "Formulario")["url"] == f"{base}/contacto/"
    assert org["hasMerchantReturnPolicy"]["merchantReturnLink"] == f"{base}/devoluciones/"
    assert organisation(shop, base_url=base) == org


# --- ways to reach the shop --------------------------------------------------------------------


def test_every_direct_channel_is_a_contact_point_but_stores_and_social_profiles_are_not(shop):
    org = org_of(shop)

    assert [point["name"] for point in org["contactPoint"]] == [
        "Atención al cliente",
        "WhatsApp",
        "Email",
        "Formulario",
        "Chat",
    ]
    assert {point["@type"] for point in org["contactPoint"]} == {"ContactPoint"}


def test_each_contact_point_carries_the_number_address_or_link_to_use(shop):
    org = org_of(shop)

    phone = contact_point(org, "Atención al cliente")
    assert phone["telephone"] == "+34960123456"
    assert "url" not in phone
    assert contact_point(org, "WhatsApp")["telephone"] == "+34612345678"
    assert contact_point(org, "WhatsApp")["url"] == "https://wa.me/34612345678"
    assert contact_point(org, "Email")["email"] == "hola@ceramica-alba.example"
    assert contact_point(org, "Formulario")["url"] == "http://testserver/contacto/"
    assert contact_point(org, "Chat")["url"] == "https://chat.ceramica-alba.example/"


def test_contact_type_says_what_the_channel_is_for(shop):
    org = org_of(shop)

    assert {point["name"]: point["contactType"] for point in org["contactPoint"]} == {
        "Atención al cliente": "customer service",
        "WhatsApp": "sales",
        "Email": ["returns", "complaints"],
        "Formulario": "customer support",
        "Chat": "customer service",
    }


def test_a_channel_for_product_questions_and_order_help_says_both(site, pages):
    profile_for(site)
    channel(site, "whatsapp", label="WhatsApp", purposes=["sales", "support"])

    point = org_of(Shop.for_site(site, now=NOW))["contactPoint"][0]

    # The page lists it under "Product questions and order help": not sales alone.
    assert point["contactType"] == ["sales", "customer support"]


def test_languages_are_listed_only_for_channels_that_say_them(shop):
    org = org_of(shop)

    assert contact_point(org, "Atención al cliente")["availableLanguage"] == ["es", "en"]
    assert "availableLanguage" not in contact_point(org, "WhatsApp")


def test_a_form_channel_without_a_page_points_at_the_contact_page(site, pages):
    profile_for(site)
    channel(site, "form")

    assert org_of(Shop.for_site(site, now=NOW))["contactPoint"] == [
        {
            "@type": "ContactPoint",
            "contactType": "customer service",
            "name": "Contact form",
            "url": "http://testserver/contacto/",
        }
    ]


def test_a_form_channel_with_nowhere_to_go_is_left_out(site):
    profile_for(site)
    channel(site, "form")

    assert "contactPoint" not in org_of(Shop.for_site(site, now=NOW))


# --- opening hours -----------------------------------------------------------------------------


def test_days_with_the_same_hours_share_one_specification(shop):
    phone = contact_point(org_of(shop), "Atención al cliente")

    assert phone["hoursAvailable"][:2] == [
        hours(days=range(5), opens="09:00", closes="14:00"),
        hours(days=range(4), opens="16:00", closes="19:00"),
    ]


def test_an_opening_past_midnight_closes_before_it_opens(shop):
    whatsapp = contact_point(org_of(shop), "WhatsApp")

    assert whatsapp["hoursAvailable"][0] == hours(days=[4], opens="20:00", closes="02:00")


def test_a_round_the_clock_day_ends_at_23_59_so_it_is_not_read_as_closed(shop):
    chat = contact_point(org_of(shop), "Chat")

    assert chat["hoursAvailable"][0] == hours(days=[5], opens="00:00", closes="23:59")


def test_a_holiday_in_the_next_60_days_shows_as_closed_all_day(shop):
    phone = contact_point(org_of(shop), "Atención al cliente")

    assert phone["hoursAvailable"][2:] == [on_date(CHRISTMAS)]


def test_a_holiday_200_days_away_is_not_announced_yet(shop):
    assert FAR_HOLIDAY.isoformat() not in json_ld(shop)


def test_special_days_count_from_today_for_60_days(site):
    profile = profile_for(site)
    today = NOW.date()
    for days in (-1, 0, 59, 60):
        StoreClosure.objects.create(profile=profile, date=today + dt.timedelta(days=days))
    channel(site, "phone", hours=[(0, "09:00", "14:00")])

    specs = org_of(Shop.for_site(site, now=NOW))["contactPoint"][0]["hoursAvailable"]

    assert [spec.get("validFrom") for spec in specs] == [
        None,
        today.isoformat(),
        (today + dt.timedelta(days=59)).isoformat(),
    ]


def test_the_special_days_declared_are_those_the_page_lists(shop):
    org = org_of(shop)

    for view in shop.channels:
        if not view.has_hours:
            continue
        declared = {
            spec["validFrom"]
            for point in org["contactPoint"] + org["department"]
            if point["name"] == view.display_label
            for spec in point.get("hoursAvailable", point.get("openingHoursSpecification", []))
            if "validFrom" in spec
        }
        assert declared == {row.date.isoformat() for row in view.special_day_rows}


def test_channels_without_hours_say_nothing_about_hours(shop):
    assert "hoursAvailable" not in contact_point(org_of(shop), "Email")


# --- physical stores ---------------------------------------------------------------------------


def test_a_physical_store_is_a_department_with_its_address_and_hours(shop):
    store_id = shop.stores[0].pk
    assert org_of(shop)["department"] == [
        {
            "@type": "Store",
            "@id": f"http://testserver/#store-{store_id}",
            "url": f"http://testserver/contacto/#store-{store_id}",
            "name": "Taller de Russafa",
            # The store has no line of its own: the page and the graph give the shop's line.
            "telephone": "+34960123456",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "Carrer de Sueca 10",
                "postalCode": "46006",
                "addressLocality": "València",
                "addressCountry": "ES",
            },
            # Numbers, as schema.org's examples and Google's documentation give them.
            "geo": {"@type": "GeoCoordinates", "latitude": 39.461, "longitude": -0.3765},
            "openingHoursSpecification": [
                hours(days=range(6), opens="10:00", closes="20:00"),
                on_date(CHRISTMAS_EVE, opens="10:00", closes="14:00"),
                on_date(CHRISTMAS),
            ],
        }
    ]


# --- returns -----------------------------------------------------------------------------------


def test_the_returns_policy_is_published_with_schema_org_terms(shop):
    assert org_of(shop)["hasMerchantReturnPolicy"] == {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": ["ES", "PT"],
        "returnPolicyCountry": "ES",
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": 30,
        "returnMethod": ["https://schema.org/ReturnByMail", "https://schema.org/ReturnInStore"],
        "returnFees": "https://schema.org/ReturnShippingFees",
        "returnShippingFeesAmount": {"@type": "MonetaryAmount", "value": 4.95, "currency": "EUR"},
        "restockingFee": 10,
        "refundType": ["https://schema.org/FullRefund", "https://schema.org/StoreCreditRefund"],
        "itemCondition": ["https://schema.org/NewCondition"],
        "returnLabelSource": "https://schema.org/ReturnLabelDownloadAndPrint",
        "merchantReturnLink": "http://testserver/devoluciones/",
    }


def test_free_returns_by_post_come_with_a_label_from_the_shop(site, full_profile):
    fill_in_policy(site, fees="FreeReturn", restocking_fee_percent=None)

    policy = org_of(Shop.for_site(site, now=NOW))["hasMerchantReturnPolicy"]

    assert policy["returnLabelSource"] == "https://schema.org/ReturnLabelDownloadAndPrint"


def test_a_shopper_who_pays_the_return_gets_the_label_themselves(site, full_profile):
    fill_in_policy(site, fees="ReturnFeesCustomerResponsibility")

    policy = org_of(Shop.for_site(site, now=NOW))["hasMerchantReturnPolicy"]

    assert policy["returnLabelSource"] == "https://schema.org/ReturnLabelCustomerResponsibility"


def test_returns_only_in_store_need_no_label(site, full_profile):
    fill_in_policy(site, return_methods=["ReturnInStore"])

    policy = org_of(Shop.for_site(site, now=NOW))["hasMerchantReturnPolicy"]

    assert "returnLabelSource" not in policy


def test_free_returns_without_a_time_limit_have_no_fee_and_no_day_count(site, full_profile):
    fill_in_policy(
        site,
        window="MerchantReturnUnlimitedWindow",
        applicable_countries=[],
        return_country="PT",
        fees="FreeReturn",
        restocking_fee_percent=None,
    )

    policy = org_of(Shop.for_site(site, now=NOW))["hasMerchantReturnPolicy"]

    assert policy["returnPolicyCategory"] == "https://schema.org/MerchantReturnUnlimitedWindow"
    assert policy["returnFees"] == "https://schema.org/FreeReturn"
    assert policy["applicableCountry"] == ["ES", "FR", "PT"]
    assert policy["returnPolicyCountry"] == "PT"
    for absent in (
        "merchantReturnDays",
        "returnShippingFeesAmount",
        "restockingFee",
        "merchantReturnLink",
    ):
        assert absent not in policy


def test_a_shop_that_takes_no_returns_says_only_that(site, full_profile, pages):
    fill_in_policy(site, window="MerchantReturnNotPermitted", return_methods=[], refund_types=[])

    assert org_of(Shop.for_site(site, now=NOW))["hasMerchantReturnPolicy"] == {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": ["ES", "PT"],
        "returnPolicyCountry": "ES",
        "returnPolicyCategory": "https://schema.org/MerchantReturnNotPermitted",
    }


def test_a_policy_the_owner_never_filled_in_promises_nothing(site, full_profile):
    assert "hasMerchantReturnPolicy" not in org_of(Shop.for_site(site, now=NOW))


# --- the page being read -----------------------------------------------------------------------


def test_the_contact_page_is_a_contact_page_about_the_shop(shop, pages):
    assert document(shop, page=pages.contact)["@graph"][1] == {
        "@type": "ContactPage",
        "@id": "http://testserver/contacto/#webpage",
        "url": "http://testserver/contacto/",
        "name": "Contacto",
        "inLanguage": "en",
        "publisher": {"@id": ORGANISATION_ID},
        "about": {"@id": ORGANISATION_ID},
    }


def test_the_about_page_is_an_about_page_in_the_language_it_is_read_in(shop, pages):
    with translation.override("es"):
        page = document(shop, page=pages.about)["@graph"][1]

    assert page["@type"] == "AboutPage"
    assert page["name"] == "Quiénes somos"
    assert page["inLanguage"] == "es"
    assert page["about"] == {"@id": ORGANISATION_ID}


def test_any_other_page_is_a_web_page_published_by_the_shop(shop, pages):
    page = document(shop, page=pages.home)["@graph"][1]

    assert page["@type"] == "WebPage"
    assert page["url"] == "http://testserver/"
    assert page["publisher"] == {"@id": ORGANISATION_ID}
    assert "about" not in page


def served(site, page, path):
    """A shop built for a request of ``page`` (and its sub-page ``path``), as a view gets it."""
    request = RequestFactory().get(page.url + path)
    page.specific.route(request, [part for part in path.split("/") if part])
    return Shop(site, request=request, now=NOW)


@pytest.mark.parametrize(
    ("slug", "path", "name"),
    [
        ("contact", "thanks/", "Message received"),
        ("returns", "withdrawal-form/", "Model withdrawal form"),
    ],
)
def test_a_page_served_below_another_is_a_web_page_of_its_own(shop, site, pages, slug, path, name):
    parent = getattr(pages, slug)
    parent_node = document(served(site, parent, ""), page=parent)["@graph"][1]

    node = document(served(site, parent, path), page=parent)["@graph"][1]

    assert node == {
        "@type": "WebPage",
        "@id": f"{parent_node['url']}{path}#webpage",
        "url": f"{parent_node['url']}{path}",
        "name": name,
        "inLanguage": "en",
        "isPartOf": {"@id": parent_node["@id"]},
        "publisher": {"@id": ORGANISATION_ID},
    }
    assert parent_node["@id"] == f"{parent_node['url']}#webpage"


def test_sub_pages_use_only_real_schema_org_terms(shop, site, pages):
    data = document(served(site, pages.contact, "thanks/"), page=pages.contact)

    for node in nodes(data["@graph"]):
        if "@type" in node:
            assert set(node) - JSON_LD_KEYWORDS <= SCHEMA_TERMS[node["@type"]], node["@type"]


def test_without_a_wagtail_page_the_graph_holds_only_the_shop(shop):
    paginated = Paginator([1, 2, 3], 2).page(1)

    assert graph(shop)["@context"] == "https://schema.org"
    assert len(graph(shop)["@graph"]) == 1
    assert len(graph(shop, page=paginated)["@graph"]) == 1


# --- what every consumer relies on -------------------------------------------------------------


def test_no_property_is_ever_empty(shop, pages):
    data = document(shop, page=pages.contact)

    for key, value in values(data):
        assert value not in (None, "", [], {}), key


def test_only_real_schema_org_types_and_properties_are_used(shop, pages):
    data = document(shop, page=pages.contact)

    assert set(data) == {"@context", "@graph"}
    types_seen = set()
    for node in nodes(data["@graph"]):
        if "@type" not in node:
            assert set(node) == {"@id"}
            continue
        types_seen.add(node["@type"])
        assert node["@type"] in SCHEMA_TERMS
        assert set(node) - JSON_LD_KEYWORDS <= SCHEMA_TERMS[node["@type"]], node["@type"]
    assert types_seen == set(SCHEMA_TERMS) - {"WebPage", "AboutPage"}


def test_enumerations_are_full_schema_org_urls(shop):
    data = document(shop)

    linked = {value for _key, value in values(data) if str(value).startswith("https://schema.")}
    assert linked - {"https://schema.org"} <= SCHEMA_ORG_MEMBERS
    assert "https://schema.org/Monday" in linked


def test_phones_are_e164_and_countries_iso_codes(shop):
    data = document(shop)

    pairs = list(values(data))
    phones = [value for key, value in pairs if key == "telephone"]
    countries = [
        value
        for key, value in pairs
        if key in ("addressCountry", "applicableCountry", "returnPolicyCountry")
        and isinstance(value, str)
    ]
    assert phones and all(E164.fullmatch(phone) for phone in phones)
    assert countries and all(ISO_COUNTRY.fullmatch(country) for country in countries)


def test_a_script_tag_typed_in_the_story_cannot_escape_the_json(site):
    story = "Hola </script><script>alert(1)</script> & más"
    profile_for(site, story=story)
    shop = Shop.for_site(site, now=NOW)

    text = json_ld(shop)
    tag = script_tag(shop)

    assert not set("<>&") & set(text)
    assert "más" in text
    assert parse(text)["@graph"][0]["description"] == story
    assert isinstance(tag, SafeString)
    assert tag == f'<script type="application/ld+json">{text}</script>'
    assert tag.count("</script") == 1


def test_the_output_is_the_same_on_every_render_with_keys_in_order(shop, site):
    key_lists = []

    def remember_keys(pairs):
        key_lists.append([key for key, _value in pairs])
        return dict(pairs)

    text = json_ld(shop)
    json.loads(text, object_pairs_hook=remember_keys)

    assert text == json_ld(Shop.for_site(site, now=NOW))
    assert all(keys == sorted(keys) for keys in key_lists)


def test_the_graph_costs_as_many_queries_for_six_channels_as_for_one(
    site, full_profile, pages, django_assert_num_queries
):
    fill_in_policy(site)
    hours_and_holidays = {"hours": [(0, "09:00", "14:00"), (4, "20:00", "02:00", True)]}
    # A store links to the contact page: one query for the whole graph, whatever the channels.
    with_special_days(
        channel(
            site,
            "store",
            street_address="Carrer de Sueca 10",
            city="València",
            country="ES",
            **hours_and_holidays,
        ),
        CHRISTMAS_EVE,
    )

    def build():
        return json_ld(Shop.for_site(site, now=NOW), page=pages.contact)

    build()  # the first render creates the logo's rendition and fills the caches
    with CaptureQueriesContext(connection) as one_channel:
        build()

    with_special_days(
        channel(site, "whatsapp", **hours_and_holidays), CHRISTMAS_EVE, dt.date(2026, 12, 31)
    )
    with_special_days(
        channel(site, "email", email="hola@tienda.example", **hours_and_holidays), CHRISTMAS_EVE
    )
    with_special_days(
        channel(site, "form", page=pages.contact, **hours_and_holidays), CHRISTMAS_EVE
    )
    with_special_days(
        channel(
            site,
            "chat",
            url="https://chat.tienda.example/",
            chat_provider="link",
            **hours_and_holidays,
        ),
        CHRISTMAS_EVE,
    )
    with_special_days(channel(site, "phone", **hours_and_holidays), CHRISTMAS_EVE)
    build()
    with django_assert_num_queries(len(one_channel)):
        text = build()

    assert text.count('"ContactPoint"') == 5
    assert text.count('"Store"') == 1
