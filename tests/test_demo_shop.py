"""The demo shop: built by one command, safe to build again, served with a sitemap, complete in
Spanish and in English."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from wagtail.models import Locale, Page, Site

from contactkit.pages.models import ReturnsPage
from contactkit.profile.models import ContactChannel, OpeningHoursInterval, StoreProfile
from contactkit.returns.models import ReturnPolicy
from demoshop.home.models import HomePage
from tests.pages.demo_html import demo_languages

# The address of each demo page in each language (Spanish is the demo's default language).
PATHS = {
    "home": {"es": "/", "en": "/en/"},
    "contact": {"es": "/contacto/", "en": "/en/contact/"},
    "about": {"es": "/quienes-somos/", "en": "/en/about-us/"},
    "returns": {"es": "/devoluciones/", "en": "/en/returns/"},
    "legal-notice": {"es": "/aviso-legal/", "en": "/en/legal-notice/"},
    "privacy": {"es": "/privacidad/", "en": "/en/privacy/"},
}

# What a shopper reads on each page, in each language: (page, Spanish, English).
WORDS = [
    ("home", "Cerámica hecha a mano en Valencia.", "Handmade ceramics from Valencia."),
    (
        "contact",
        "Somos seis personas en un taller de Valencia",
        "We are six people in a workshop in Valencia",
    ),
    ("contact", "Atención al cliente", "Customer service"),
    ("contact", "Taller y tienda en Ruzafa", "Workshop and shop in Ruzafa"),
    ("contact", "Formulario de contacto", "Contact form"),
    (
        "about",
        "Detrás de cada pieza hay una persona con nombre y apellidos.",
        "Behind every piece there is a real person",
    ),
    (
        "about",
        "Lucía Alba aprendió el oficio de su abuelo en Manises",
        "Lucía Alba learnt the craft from her grandfather in Manises",
    ),
    ("about", "Fundadora y ceramista", "Founder and ceramicist"),
    (
        "about",
        "Tornea cada pieza de la colección",
        "Throws every piece in the collection",
    ),
    (
        "about",
        "Embala con mimo cada pedido",
        "Packs every order with care",
    ),
    ("about", "Sello Tienda Artesana Verificada (demo)", "Verified Craft Shop seal (demo)"),
    (
        "returns",
        "Si una pieza no te convence, la devuelves sin complicaciones.",
        "If a piece is not right for you, you can send it back without any fuss.",
    ),
    ("returns", "Preguntas frecuentes", "Frequently asked questions"),
    ("returns", "¿Y si la pieza llega rota?", "What if the piece arrives broken?"),
    ("returns", "¿Puedo cambiar el color de una taza?", "Can I change the colour of a cup?"),
    ("returns", "Embala la pieza", "Pack the piece"),
    ("returns", "Te devolvemos el dinero", "We refund you"),
    (
        "returns",
        "Usa la caja original si la tienes",
        "Use the original box if you still have it",
    ),
    ("privacy", "guarda los mensajes que nos envías", "keeps the messages you send us"),
]

TITLES = {
    "contact": ("Contacto", "Contact"),
    "about": ("Quiénes somos", "About us"),
    "returns": ("Devoluciones", "Returns"),
    "legal-notice": ("Aviso legal", "Legal notice"),
    "privacy": ("Privacidad", "Privacy"),
}


def load_demo():
    call_command("load_demo_shop", stdout=io.StringIO())


@pytest.fixture
def demo(db, settings, tmp_path):
    """The demo in its own language setup: Spanish pages without a prefix, English ones at
    /en/ (the tests' default language is English)."""
    settings.MEDIA_ROOT = tmp_path
    with demo_languages():
        load_demo()
        site = Site.objects.get(is_default_site=True)
        site.hostname, site.port = "testserver", 80
        site.save()
        yield site


def counts():
    profile = StoreProfile.objects.get()
    return (
        Locale.objects.count(),
        Page.objects.count(),
        Page.objects.filter(locale__language_code="es").count(),
        Page.objects.filter(locale__language_code="en").count(),
        ContactChannel.objects.count(),
        OpeningHoursInterval.objects.count(),
        profile.people.count(),
        profile.seals.count(),
        profile.closures.count(),
        ReturnPolicy.objects.get().steps.count(),
        Site.objects.count(),
    )


def html(client, page, language):
    response = client.get(PATHS[page][language])
    assert response.status_code == 200, (page, language, response.status_code)
    return response.content.decode()


def test_loading_the_demo_twice_changes_nothing(demo):
    before = counts()
    load_demo()
    assert counts() == before


def test_demo_profile_is_a_complete_spanish_shop(demo):
    profile = StoreProfile.for_site(demo)
    assert profile.name == "Cerámica Alba"
    assert profile.vat_id.startswith("ES")
    assert profile.people.count() == 3
    assert (
        profile.closures.filter(label="Navidad").exists()
        or profile.closures.filter(label__icontains="Natividad").exists()
    )
    kinds = set(ContactChannel.objects.values_list("kind", flat=True))
    assert {"phone", "whatsapp", "email", "form", "store", "instagram"} <= kinds


def test_the_shops_own_words_are_in_spanish_with_an_english_translation(demo):
    profile = StoreProfile.for_site(demo)
    assert profile.story.startswith("Cerámica Alba nació en 2016")
    assert profile.translations["en"]["story"].startswith("Cerámica Alba was born in 2016")
    for person in profile.people.all():
        assert set(person.translations["en"]) == {"role", "bio"}, person
    for seal in profile.seals.all():
        assert seal.translations["en"]["name"], seal
    for closure in profile.closures.all():
        assert closure.translations["en"]["label"], closure
    # python-holidays' English is American; the demo's is British.
    labels = [closure.translations["en"]["label"] for closure in profile.closures.all()]
    assert "Labour Day" in labels
    assert not any("Labor" in label for label in labels)
    for channel in ContactChannel.objects.exclude(label=""):
        assert channel.translations["en"]["label"], channel
    phone = ContactChannel.objects.get(kind="phone")
    assert [e.translations["en"]["label"] for e in phone.exceptions.all()] == ["Black Friday"] * 2
    for step in ReturnPolicy.objects.get().steps.all():
        assert set(step.translations["en"]) == {"title", "text"}, step


def test_demo_phone_keeps_spanish_split_hours(demo):
    phone = ContactChannel.objects.get(kind="phone")
    monday = sorted(
        (str(row.opens), str(row.closes)) for row in phone.hours.all() if "0" in row.weekdays
    )
    assert monday == [("09:00:00", "14:00:00"), ("16:00:00", "19:00:00")]


def test_one_opening_row_covers_monday_to_friday(demo):
    phone = ContactChannel.objects.get(kind="phone")
    rows = [(row.weekdays, str(row.opens), str(row.closes)) for row in phone.hours.all()]
    assert rows == [
        (["0", "1", "2", "3", "4"], "09:00:00", "14:00:00"),
        (["0", "1", "2", "3", "4"], "16:00:00", "19:00:00"),
        (["5"], "10:00:00", "14:00:00"),
    ]
    store = ContactChannel.objects.get(kind="store")
    assert [(row.weekdays, str(row.opens)) for row in store.hours.all()] == [
        (["0", "1", "2", "3", "4", "5"], "10:00:00"),
        (["0", "1", "2", "3", "4"], "17:00:00"),
    ]


def test_the_store_is_on_the_map_in_ruzafa(demo):
    store = ContactChannel.objects.get(kind="store")
    assert store.street_address == "Calle de Sueca, 27"
    assert abs(store.latitude - Decimal("39.4610")) < Decimal("0.001")
    assert abs(store.longitude - Decimal("-0.3765")) < Decimal("0.001")


def test_demo_home_page_serves(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    assert "Cerámica Alba" in response.content.decode()


def test_the_default_site_is_rooted_at_the_spanish_home(demo):
    home = demo.root_page.specific
    assert isinstance(home, HomePage)
    assert home.locale == Locale.get_default()
    assert home.locale.language_code == "es"
    english = home.get_translation(Locale.objects.get(language_code="en"))
    assert english.live
    assert english.url == "/en/"
    # Wagtail's welcome page is gone: the English home took its slug.
    assert english.slug == "home"
    assert not Page.objects.filter(depth=2).exclude(pk__in=[home.pk, english.pk]).exists()


def test_every_spanish_page_has_a_live_english_translation_and_back(demo):
    spanish = Locale.objects.get(language_code="es")
    english = Locale.objects.get(language_code="en")
    pages = {
        locale: list(Page.objects.live().filter(locale=locale, depth__gt=1).specific())
        for locale in (spanish, english)
    }
    assert len(pages[spanish]) == len(pages[english]) == 1 + len(TITLES)
    for locale, other in ((spanish, english), (english, spanish)):
        for page in pages[locale]:
            translation = page.get_translation_or_none(other)
            assert translation is not None, page
            assert translation.live, translation
            assert translation.specific_class is page.specific_class
            if page.depth > 2:
                # Under the translation of its parent: the same tree in each language.
                assert translation.get_parent().pk == page.get_parent().get_translation(other).pk
    for page in pages[english]:
        assert page.alias_of_id is None, page
    urls = sorted(page.url for page in pages[english])
    assert urls == sorted(paths["en"] for paths in PATHS.values())


def test_every_page_serves_in_both_languages_with_its_own_title(client, demo):
    for page, (spanish, english) in TITLES.items():
        spanish_html, english_html = html(client, page, "es"), html(client, page, "en")
        assert '<html lang="es">' in spanish_html
        assert f"<title>{spanish} ·" in spanish_html
        assert '<html lang="en">' in english_html
        assert f"<title>{english} ·" in english_html


def wrong_language(client, language):
    """What each page in ``language`` misses of its own words, or shows of the other
    language's."""
    wrong = []
    for page, spanish, english in WORDS:
        body = html(client, page, language)
        mine, other = (spanish, english) if language == "es" else (english, spanish)
        if mine not in body:
            wrong.append(f"{PATHS[page][language]} lacks {mine!r}")
        if other in body:
            wrong.append(f"{PATHS[page][language]} shows {other!r}")
    return wrong


def test_the_english_pages_are_in_english(client, demo):
    """Title, intro, story, bios, seals, channel labels, FAQ and returns steps."""
    assert wrong_language(client, "en") == []


def test_the_spanish_pages_are_in_spanish(client, demo):
    assert wrong_language(client, "es") == []


def test_the_english_returns_page_has_the_spanish_faq_structure(demo):
    english = Locale.objects.get(language_code="en")
    spanish_page = ReturnsPage.objects.get(locale__language_code="es")
    english_page = spanish_page.get_translation(english)
    spanish_blocks = [
        (block.block_type, len(block.value["questions"])) for block in spanish_page.body
    ]
    english_blocks = [
        (block.block_type, len(block.value["questions"])) for block in english_page.body
    ]
    assert spanish_blocks == english_blocks == [("questions", 2)]


def test_sitemap_lists_every_live_page(client, demo):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    for page in Page.objects.live().exclude(depth=1).specific():
        assert f"<loc>{page.full_url}</loc>" in body


def test_home_page_links_the_contact_about_and_returns_pages(client, demo):
    for language in ("es", "en"):
        body = html(client, "home", language)
        for page in ("contact", "about", "returns"):
            path = PATHS[page][language]
            assert f'href="{path}"' in body
            assert client.get(path).status_code == 200


def test_demo_pages_are_in_the_sitemap(client, demo):
    body = client.get("/sitemap.xml").content.decode()
    for paths in PATHS.values():
        for path in paths.values():
            assert f"<loc>http://testserver{path}</loc>" in body


def test_the_demos_returns_exclude_only_what_the_law_allows(client, demo):
    # Art. 16 of Directive 2011/83/EU: made-to-order pieces may be excluded from withdrawal
    # (the personalised pieces, with a name or a dedication, are made to the shopper's
    # specification: art. 16(c)); pieces sold with small defects may not.
    policy = ReturnPolicy.for_site(demo)
    assert policy.non_returnable_categories == ["custom"]
    assert policy.non_returnable_items == ""
    page = html(client, "returns", "es")
    assert "Segunda oportunidad" not in page
    assert "garantía legal de conformidad durante 3 años" in page


def test_the_success_message_gives_both_addresses(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    with demo_languages():
        call_command("load_demo_shop", stdout=out)
    message = out.getvalue()
    assert "http://127.0.0.1:8000/ " in message or "http://127.0.0.1:8000/." in message
    assert "http://127.0.0.1:8000/en/" in message
    assert "Spanish" in message and "English" in message


def test_the_demo_follows_the_default_language(client, db, settings, tmp_path):
    """With English as the default language (the tests' own), the English pages are the tree
    under the site's root (no prefix) and the Spanish ones its translations, at /es/."""
    assert settings.LANGUAGE_CODE == "en"
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "testserver", 80
    site.save()
    assert site.root_page.locale.language_code == "en"
    profile = StoreProfile.for_site(site)
    assert profile.story.startswith("Cerámica Alba was born in 2016")
    assert profile.translations["es"]["story"].startswith("Cerámica Alba nació en 2016")
    assert ContactChannel.objects.get(kind="phone").label == "Customer service"
    english = client.get("/contact/").content.decode()
    spanish = client.get("/es/contacto/").content.decode()
    assert "We are six people in a workshop in Valencia" in english
    assert "Customer service" in english
    assert "Somos seis personas en un taller de Valencia" in spanish
    assert "Atención al cliente" in spanish
    assert client.get("/es/devoluciones/withdrawal-form/").status_code == 200
