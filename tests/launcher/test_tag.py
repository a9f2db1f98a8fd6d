"""{% contactkit_launcher %}: on every page, a link to the contact page that works without
JavaScript, carrying what launcher.js needs in data-* attributes; nothing when it is off."""

import pytest
from bs4 import BeautifulSoup

from contactkit.launcher.models import LauncherSettings
from contactkit.pages.models import ContactPage
from tests.languages import in_language
from tests.profile.builders import profile_for


@pytest.fixture
def contact_page(site):
    profile_for(site, trade_name="Cerámica Alba")
    return site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))


def page_html(client, page, language="en"):
    response = client.get(in_language(page.url, language))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def launcher(html):
    return html.select("[data-contactkit-launcher]")


@pytest.mark.parametrize("which", ["home", "contact"])
def test_without_javascript_it_is_a_link_to_the_contact_page(client, site, contact_page, which):
    html = page_html(client, site.root_page.specific if which == "home" else contact_page)
    [root] = launcher(html)
    [link] = root.select("a.ck-launcher__button")
    assert link["href"] == contact_page.url
    assert link.get_text(strip=True) == "Contact us"
    # Its stylesheet and its deferred script, both static files: nothing inline.
    assert html.select('link[rel=stylesheet][href$="contactkit/launcher.css"]')
    [script] = html.select('script[src$="contactkit/launcher.js"]')
    assert script.has_attr("defer")
    assert not [
        tag
        for tag in html.select("script:not([src]), style")
        if tag.get("type") != "application/ld+json"
    ]
    assert not html.select("[style]")
    # At the very end of the page: after the footer, the last thing in <body>.
    assert root.find_previous_sibling("footer") is not None


def test_the_data_attributes_say_where_the_api_is_and_what_to_ask(client, site, contact_page):
    [root] = launcher(page_html(client, site.root_page.specific))
    assert root["data-api"] == "/contactkit/api/"
    assert root["data-site"] == str(site.pk)
    assert root["data-lang"] == "en"
    assert root["data-poll"] == "1"
    assert root["data-contact-url"] == contact_page.url
    # The words launcher.js needs besides the API's, translated here.
    assert root["data-text-end-chat"] == "End chat here"


def test_spanish_pages_ask_in_spanish(client, site, contact_page):
    [root] = launcher(page_html(client, site.root_page.specific, "es"))
    assert root["data-lang"] == "es"
    assert root.select_one("a").get_text(strip=True) == "Contáctanos"


def test_the_standalone_base_template_has_it_too(client, site, contact_page, settings):
    settings.CONTACTKIT_BASE_TEMPLATE = "contactkit/standalone.html"
    html = page_html(client, contact_page)
    assert "ck-standalone-footer" in str(html)
    assert len(launcher(html)) == 1


def test_off_when_the_site_turns_it_off(client, site, contact_page):
    setting = LauncherSettings.for_site(site)
    setting.enabled = False
    setting.save()
    for page in (site.root_page.specific, contact_page):
        html = page_html(client, page)
        assert launcher(html) == []
        assert not html.select('script[src$="launcher.js"], link[href$="launcher.css"]')


def test_nothing_without_a_contact_page_to_link_to(client, site):
    profile_for(site, trade_name="Cerámica Alba")
    assert launcher(page_html(client, site.root_page.specific)) == []
