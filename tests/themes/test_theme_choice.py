"""A themer's own theme in the project's folder, picked per site, with template overrides.

This is the tutorial of docs/theming.md done by a test: a folder with a manifest, a stylesheet
changing one variable and a copied template with a change, found through
CONTACTKIT_THEME_DIRS, picked in Settings → Theme, and shown on that site only.
"""

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.core import checks
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from contactkit import themes
from contactkit.theming.models import ThemeSettings
from demoshop.home.models import HomePage
from tests.pages.builders import full_shop
from tests.themes.conftest import contactkit_template, make_theme, pick_theme

MARKER = 'data-harbour="channel"'


@pytest.fixture
def harbour(theme_dir):
    """A project theme that changes the accent and overrides two templates."""
    channel_head = contactkit_template("contactkit/includes/channel_head.html").replace(
        '<div class="ck-channel__head">', f'<div class="ck-channel__head" {MARKER}>'
    )
    assert MARKER in channel_head
    return make_theme(
        theme_dir,
        "harbour",
        ":root { --ck-color-accent: #004d40; }\n",
        manifest='label = "Harbour"\nlabel_es = "Puerto"\n',
        templates={
            "contactkit/includes/channel_head.html": channel_head,
            # Extending the template it replaces: the theme adds to a block, keeps the rest.
            "contactkit/base.html": '{% extends "contactkit/base.html" %}'
            '{% block extra_head %}{{ block.super }}<meta name="harbour">{% endblock %}',
        },
    )


@pytest.fixture
def other_site(pages):
    """A second shop on the same install, which has not picked a theme."""
    root = Site.objects.get(is_default_site=True).root_page.get_parent()
    home = root.add_child(instance=HomePage(title="Otra", slug="otra"))
    site = Site.objects.create(hostname="otra.example", port=80, root_page=home)
    return site, full_shop(site)


def get(client, page, suffix="", host="testserver"):
    response = client.get(page.relative_url(page.get_site()) + suffix, HTTP_HOST=host)
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def stylesheets(html):
    return [link["href"] for link in BeautifulSoup(html, "html.parser").find_all("link")]


def test_a_site_shows_the_theme_it_picked_and_its_template_overrides(client, harbour, pages, site):
    pick_theme(site, "harbour")
    html = get(client, pages["contacto"])
    assert MARKER in html
    assert '<meta name="harbour">' in html
    assert "/static/contactkit/themes/harbour/theme.css" in stylesheets(html)
    # Templates the theme does not override are contactkit's own.
    assert 'class="ck-facts"' in html


def test_a_theme_never_leaks_into_another_sites_pages(client, harbour, pages, site, other_site):
    pick_theme(site, "harbour")
    other, other_pages = other_site
    for _round in range(2):  # the cached template loaders are warm on the second round
        mine = get(client, pages["contacto"])
        theirs = get(client, other_pages["contacto"], host="otra.example")
        assert MARKER in mine
        assert MARKER not in theirs
        assert '<meta name="harbour">' not in theirs
        assert "/static/contactkit/themes/default/theme.css" in stylesheets(theirs)
        assert not any("harbour" in href for href in stylesheets(theirs))


def test_every_route_of_a_page_uses_the_theme(client, harbour, pages, site):
    pick_theme(site, "harbour")
    form = get(client, pages["devoluciones"], "withdrawal-form/")
    assert '<meta name="harbour">' in form
    assert "/static/contactkit/themes/harbour/theme.css" in stylesheets(form)


def test_the_theme_stylesheet_is_a_static_file_and_nothing_else_of_the_theme_is(harbour):
    assert finders.find("contactkit/themes/harbour/theme.css") == str(harbour / "theme.css")
    assert not finders.find("contactkit/themes/harbour/theme.toml")
    assert not finders.find("contactkit/themes/harbour/templates/contactkit/base.html")


def test_a_theme_without_a_choice_follows_the_project_default(client, pages, settings):
    settings.CONTACTKIT_THEME = "boutique"
    html = get(client, pages["quienes-somos"])
    assert "/static/contactkit/themes/boutique/theme.css" in stylesheets(html)


def test_the_sites_choice_wins_over_the_project_default(client, pages, settings, site):
    settings.CONTACTKIT_THEME = "boutique"
    pick_theme(site, "contrast")
    html = get(client, pages["quienes-somos"])
    assert "/static/contactkit/themes/contrast/theme.css" in stylesheets(html)


def test_an_unknown_project_default_falls_back_to_default_with_a_warning(client, pages, settings):
    settings.CONTACTKIT_THEME = "no-such-theme"
    warnings = [message for message in checks.run_checks() if message.id == "contactkit.W002"]
    assert len(warnings) == 1
    assert "no-such-theme" in warnings[0].msg
    html = get(client, pages["contacto"])
    assert "/static/contactkit/themes/default/theme.css" in stylesheets(html)


def test_a_site_whose_theme_was_removed_falls_back(client, pages, site):
    pick_theme(site, "removed-since")
    html = get(client, pages["contacto"])
    assert "/static/contactkit/themes/default/theme.css" in stylesheets(html)


def test_a_project_theme_replaces_a_shipped_one_of_the_same_name(theme_dir):
    make_theme(theme_dir, "boutique", ":root { --ck-color-accent: #000000; }")
    assert themes.get_theme("boutique").path == theme_dir / "boutique"


def test_the_theme_css_tag_follows_the_site_on_any_template(site):
    pick_theme(site, "boutique")
    template = Template("{% load contactkit_tags %}{% contactkit_theme_css %}")
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert "themes/boutique/theme.css" in template.render(Context({"request": request}))
    assert "themes/default/theme.css" in template.render(Context({}))


def test_an_edited_theme_template_shows_without_a_restart(client, harbour, pages, site):
    """What runserver does when a themer saves a template of a theme."""
    pick_theme(site, "harbour")
    assert MARKER in get(client, pages["contacto"])
    edited = harbour / "templates/contactkit/includes/channel_head.html"
    edited.write_text(edited.read_text().replace(MARKER, 'data-harbour="edited"'))
    assert themes.theme_file_changed(sender=None, file_path=edited) is True
    assert 'data-harbour="edited"' in get(client, pages["contacto"])
    assert themes.theme_file_changed(sender=None, file_path=harbour.parent.parent / "x.txt") is None


# --- Previews ---------------------------------------------------------------------------------


def test_each_theme_is_a_preview_mode(harbour, pages):
    modes = dict(pages["contacto"].specific.preview_modes)
    assert modes[""]  # Wagtail's own preview, in the site's theme
    assert modes["theme-default"] == "Preview in theme “Clean”"
    assert modes["theme-boutique"] == "Preview in theme “Boutique”"
    assert modes["theme-harbour"] == "Preview in theme “Harbour”"
    with translation.override("es"):
        assert "Alto contraste" in dict(pages["contacto"].specific.preview_modes)["theme-contrast"]


@pytest.mark.parametrize("slug", ["contacto", "quienes-somos", "devoluciones", "aviso-legal"])
def test_a_preview_shows_the_theme_it_names(harbour, pages, site, slug):
    pick_theme(site, "boutique")
    page = pages[slug].specific
    previewed = page.make_preview_request(preview_mode="theme-harbour").content.decode()
    assert "/static/contactkit/themes/harbour/theme.css" in stylesheets(previewed)
    assert '<meta name="harbour">' in previewed
    default = page.make_preview_request(preview_mode="").content.decode()
    assert "/static/contactkit/themes/boutique/theme.css" in stylesheets(default)
    assert '<meta name="harbour">' not in default


def test_the_page_editor_offers_each_theme_as_preview_mode(admin_client, pages):
    page = pages["contacto"]
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    html = BeautifulSoup(response.content, "html.parser")
    options = {option["value"] for option in html.select("#id_preview_mode option")}
    assert {"", "theme-default", "theme-boutique", "theme-contrast"} <= options
    preview = admin_client.get(
        reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk]), {"mode": "theme-contrast"}
    )
    assert preview.status_code == 200


# --- Settings → Theme -------------------------------------------------------------------------


def settings_url(site):
    return reverse("wagtailsettings:edit", args=["contactkit", "themesettings", site.pk])


@pytest.mark.parametrize(
    ("client_fixture", "labels"),
    [
        ("admin_client", ["The project’s default: Clean", "Clean", "Boutique", "High contrast"]),
        ("spanish_admin_client", ["Limpio", "Boutique", "Alto contraste", "Puerto"]),
    ],
)
def test_the_settings_screen_lists_the_themes_by_label(
    request, harbour, site, client_fixture, labels
):
    client = request.getfixturevalue(client_fixture)
    response = client.get(settings_url(site))
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    radios = html.select('input[type="radio"][name="theme"]')
    values = [radio["value"] for radio in radios]
    # The project's default comes first, then the shipped default, then the rest by label.
    assert values[:2] == ["", "default"]
    assert sorted(values[2:]) == ["boutique", "contrast", "harbour"]
    text = " ".join(html.get_text(" ").split())
    for label in labels:
        assert label in text
    if client_fixture == "spanish_admin_client":
        assert "Blanco y amarillo sobre negro" in text


def test_staff_pick_a_theme_in_the_settings_screen(admin_client, pages, site):
    response = admin_client.post(settings_url(site), {"theme": "contrast"})
    assert response.status_code == 302
    assert ThemeSettings.for_site(site).theme == "contrast"
    html = get(admin_client, pages["contacto"])
    assert "/static/contactkit/themes/contrast/theme.css" in stylesheets(html)


def test_the_settings_screen_refuses_a_theme_that_does_not_exist(admin_client, site):
    response = admin_client.post(settings_url(site), {"theme": "nope"})
    assert response.status_code == 200
    assert ThemeSettings.for_site(site).theme == ""
