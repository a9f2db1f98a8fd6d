"""Pages in two languages: the switch, hreflang alternates, the sitemap and the shop's own words.

The tests' default language is English (pages without a prefix); Spanish pages start with /es/.
"""

import re

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Locale, Page

from contactkit.profile.models import Person, StoreProfile
from contactkit.returns.models import ReturnStep
from tests.pages.builders import full_shop


def translate(page, locale, **fields):
    """``page`` copied into ``locale`` with ``fields`` changed, and published, as an editor
    does with "Translate"."""
    copy = page.copy_for_translation(locale, copy_parents=True)
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    copy.refresh_from_db()
    return copy


@pytest.fixture
def spanish(db):
    return Locale.objects.get_or_create(language_code="es")[0]


@pytest.fixture
def shop(site, spanish, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pages = full_shop(site)
    pages["contacto-es"] = translate(
        pages["contacto"], spanish, title="Contacto", slug="contacto", intro="<p>Hola</p>"
    )
    pages["devoluciones-es"] = translate(
        pages["devoluciones"], spanish, title="Devoluciones", slug="devoluciones"
    )
    return pages


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:1000]
    return BeautifulSoup(response.content, "html.parser")


def switch_of(html):
    nav = html.find("nav", class_="ck-languages")
    assert nav is not None, "no language switch"
    return {
        link.get("hreflang"): (link["href"], link.get("aria-current"), link.get("title"))
        for link in nav.find_all("a")
    }


def test_the_switch_links_each_page_to_its_translation(client, shop):
    english = shop["contacto"].url
    assert english == "/contacto/"
    html = html_of(client, english)
    switch = switch_of(html)
    assert switch["en"][:2] == ("/contacto/", "true")
    assert switch["es"][:2] == ("/es/contacto/", None)
    # Each language's name is written in that language, and marked so a screen reader says it so.
    names = {span["lang"]: span.get_text() for span in html.select("nav.ck-languages span[lang]")}
    assert names == {"en": "English", "es": "Español"}

    spanish = html_of(client, "/es/contacto/")
    assert spanish.find("html")["lang"] == "es"
    assert switch_of(spanish)["en"][:2] == ("/contacto/", None)
    assert switch_of(spanish)["es"][1] == "true"


def test_a_sub_page_switches_to_the_same_sub_page(client, shop):
    switch = switch_of(html_of(client, "/devoluciones/withdrawal-form/"))
    assert switch["es"][0] == "/es/devoluciones/withdrawal-form/"


def test_a_page_not_translated_yet_links_to_the_nearest_translated_page(client, shop):
    switch = switch_of(html_of(client, shop["quienes-somos"].url))
    spanish_home = shop["contacto-es"].get_parent()
    assert switch["es"][0] == spanish_home.url
    assert "not in this language yet" in switch["es"][2]


def test_hreflang_alternates_name_every_translation_and_the_default(client, shop):
    html = html_of(client, "/es/contacto/")
    links = {
        link["hreflang"]: link["href"]
        for link in html.find_all("link", rel="alternate")
        if link.get("hreflang")
    }
    assert links == {
        "en": "http://testserver/contacto/",
        "es": "http://testserver/es/contacto/",
        "x-default": "http://testserver/contacto/",
    }
    # A page in one language only has no alternates to announce.
    about = html_of(client, shop["quienes-somos"].url)
    assert not about.find_all("link", rel="alternate", hreflang=True)


def test_the_sitemap_lists_every_language_with_alternates(client, shop):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/contacto/</loc>" in xml
    assert "<loc>http://testserver/es/contacto/</loc>" in xml
    assert "<loc>http://testserver/quienes-somos/</loc>" in xml
    entry = re.search(r"<url><loc>http://testserver/es/contacto/</loc>.*?</url>", xml, re.S)
    assert entry, xml
    assert 'hreflang="en" href="http://testserver/contacto/"' in entry.group(0)
    assert 'hreflang="x-default" href="http://testserver/contacto/"' in entry.group(0)
    # Each address once.
    locations = re.findall(r"<loc>(.*?)</loc>", xml)
    assert len(locations) == len(set(locations))


def test_the_shops_own_words_follow_the_language_with_a_marked_fallback(client, shop, site):
    profile = StoreProfile.for_site(site)
    profile.story = "We started in a workshop."
    profile.translations = {"es": {"story": "Empezamos en un taller."}}
    profile.save()
    person = Person.objects.filter(profile=profile).first()
    person.role = "Potter"
    person.bio = "Throws every piece."
    person.translations = {"es": {"role": "Ceramista"}}  # the bio is not translated yet
    person.save()
    step = ReturnStep.objects.get()
    step.translations = {"es": {"title": "Escríbenos"}}
    step.save()

    about_es = shop["quienes-somos"].copy_for_translation(
        Locale.objects.get(language_code="es"), copy_parents=True
    )
    about_es.save_revision().publish()
    spanish = html_of(client, "/es/" + shop["quienes-somos"].slug + "/")
    text = spanish.get_text(" ")
    assert "Empezamos en un taller." in text
    assert "We started in a workshop." not in text
    assert "Ceramista" in text
    # The bio falls back to the default language, marked as English for screen readers.
    bio = spanish.find(string=re.compile("Throws every piece"))
    assert bio is not None
    assert bio.find_parent(attrs={"lang": "en"}) is not None

    english = html_of(client, shop["quienes-somos"].url).get_text(" ")
    assert "We started in a workshop." in english
    assert "Empezamos" not in english

    returns_es = html_of(client, "/es/devoluciones/").get_text(" ")
    assert "Escríbenos" in returns_es


def test_a_one_language_site_shows_no_switch(client, shop, settings):
    settings.WAGTAIL_I18N_ENABLED = False
    html = html_of(client, shop["contacto"].url)
    assert html.find("nav", class_="ck-languages") is None
    assert not html.find_all("link", rel="alternate", hreflang=True)


def test_a_localized_profile_is_never_saved_over_the_default_language(rf, shop, site):
    from contactkit.i18n import LocalizedInstanceError
    from contactkit.profile.shop import Shop

    profile = StoreProfile.for_site(site)
    profile.translations = {"es": {"story": "Empezamos."}}
    profile.save()
    from django.utils import translation

    with translation.override("es"):
        shown = Shop.for_site(site).profile
    assert shown.story == "Empezamos."
    with pytest.raises(LocalizedInstanceError):
        shown.save()
    assert StoreProfile.for_site(site).story != "Empezamos."


def test_the_english_home_is_a_page_of_its_own(shop):
    # copy_parents made the Spanish home as an alias of the English one.
    homes = Page.objects.filter(depth=2)
    assert {home.locale.language_code for home in homes} == {"en", "es"}


def test_check_warns_when_a_library_catalogue_would_win(settings):
    from contactkit.i18n import catalogue_order_problems, check_catalogue_order

    assert check_catalogue_order() == []
    apps = [app for app in settings.INSTALLED_APPS if app != "contactkit"]
    position = apps.index("phonenumber_field")
    reordered = [*apps[: position + 1], "contactkit", *apps[position + 1 :]]
    assert [warning.id for warning in catalogue_order_problems(reordered)] == ["contactkit.W009"]
