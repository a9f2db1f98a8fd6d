"""The owner writes the shop's story and a person's bio in the site's other language in the
profile admin; shoppers reading that language see them, and what is not translated yet shows
in the default language, marked as such.

The tests' default language is English (the main fields); Spanish is the other language.
"""

import html

import pytest
from bs4 import BeautifulSoup
from wagtail.test.utils.form_data import inline_formset

from contactkit.pages.models import AboutPage
from contactkit.profile.models import StoreProfile
from tests.languages import in_language
from tests.profile.test_admin import form_data, profile_form, profile_url

STORY = "We started in a small workshop.\n\nToday there are six of us."
STORY_ES = "Empezamos en un taller pequeño.\n\nHoy somos seis."
BIO = "Lucía throws every piece on the wheel."
BIO_ES = "Lucía tornea cada pieza."


def person(**fields):
    return {"name": "Lucía Alba", "role": "Founder", "bio": BIO, **fields}


def profile_with_translations(people=None, **overrides):
    data = profile_form(
        story=STORY,
        people=inline_formset(people or [person(translations__es__bio=BIO_ES)]),
        **overrides,
    )
    data["translations__es__story"] = STORY_ES
    return data


@pytest.fixture
def saved(admin_client, site):
    response = admin_client.post(profile_url(site), profile_with_translations())
    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    return StoreProfile.for_site(site)


def test_the_translations_are_stored_beside_the_default_text(saved):
    assert saved.story == STORY
    assert saved.translations == {"es": {"story": STORY_ES}}
    (lucia,) = saved.people.all()
    assert lucia.bio == BIO
    # The role was left empty in Spanish: nothing is stored for it.
    assert lucia.translations == {"es": {"bio": BIO_ES}}


def test_the_edit_screen_shows_the_translations_again(admin_client, site, saved):
    page = BeautifulSoup(admin_client.get(profile_url(site)).content, "html.parser")
    story = page.find("textarea", attrs={"name": "translations__es__story"})
    assert story.get_text().strip() == STORY_ES
    bio = page.find("textarea", attrs={"name": "people-0-translations__es__bio"})
    assert bio.get_text().strip() == BIO_ES
    role = page.find("input", attrs={"name": "people-0-translations__es__role"})
    assert role["value"] == ""
    # Each language's boxes are one group, named by the language; what is typed in a box is in
    # that language (its lang), while the labels are in the owner's.
    group = story.find_parent("fieldset")
    assert group.find("legend").get_text(strip=True) == "Spanish"
    assert story["lang"] == "es"
    assert "lang" not in group.attrs


def test_saving_again_without_changes_keeps_the_translations(admin_client, site, saved):
    response = admin_client.post(profile_url(site), profile_with_translations())
    assert response.status_code == 302
    assert StoreProfile.for_site(site).translations == {"es": {"story": STORY_ES}}


def test_a_translation_too_long_is_refused_naming_the_field_and_language(admin_client, site):
    too_long = "x" * 601
    data = profile_with_translations(people=[person(translations__es__bio=too_long)])
    response = admin_client.post(profile_url(site), data)
    assert response.status_code == 200
    assert "Spanish: Short bio is 601 characters long; it can be at most 600." in html.unescape(
        response.content.decode()
    )
    # Nothing is stored half: neither the profile's story nor the person.
    profile = StoreProfile.objects.filter(site=site).first()
    assert profile is None or (profile.translations == {} and not profile.people.exists())


def test_a_too_long_translation_is_explained_in_spanish(spanish_admin_client, site):
    data = profile_with_translations(people=[person(translations__es__role="y" * 201)])
    response = spanish_admin_client.post(profile_url(site), data)
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Español: «Cargo» tiene 201 caracteres; puede tener como máximo 200." in content


def test_a_language_the_site_does_not_offer_is_dropped(admin_client, site):
    data = profile_with_translations()
    data.update(form_data({"translations__fr__story": "Nous avons commencé…"}))
    assert admin_client.post(profile_url(site), data).status_code == 302
    assert StoreProfile.for_site(site).translations == {"es": {"story": STORY_ES}}


# --- what shoppers read ------------------------------------------------------------------------


@pytest.fixture
def about(site, saved):
    return site.root_page.add_child(instance=AboutPage(title="About us", slug="about"))


def about_page(client, page, language):
    response = client.get(in_language(page.url, language))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def paragraphs(section):
    return [paragraph.get_text(strip=True) for paragraph in section.find_all("p")]


def test_a_shopper_in_the_other_language_reads_the_translations(client, about):
    page = about_page(client, about, "es")
    assert paragraphs(page.select_one(".ck-story")) == [
        "Empezamos en un taller pequeño.",
        "Hoy somos seis.",
    ]
    assert page.select_one(".ck-person__bio").get_text(strip=True) == BIO_ES


def test_a_shopper_in_the_default_language_reads_the_main_text(client, about):
    page = about_page(client, about, "en")
    assert paragraphs(page.select_one(".ck-story")) == [
        "We started in a small workshop.",
        "Today there are six of us.",
    ]
    assert page.select_one(".ck-person__bio").get_text(strip=True) == BIO
    assert "Empezamos" not in page.get_text()


def test_what_is_not_translated_falls_back_to_the_default_language(client, about):
    page = about_page(client, about, "es")
    # The role has no Spanish text: the English one is shown rather than nothing.
    assert page.select_one(".ck-person__role").get_text(strip=True) == "Founder"


def test_fallen_back_text_is_marked_with_its_language(client, about):
    page = about_page(client, about, "es")
    assert page.select_one(".ck-person__role").get("lang") == "en"
    # Translated text is in the page's own language: no lang of its own.
    assert page.select_one(".ck-person__bio").get("lang") is None
    assert page.select_one(".ck-story div").get("lang") is None
    # In the default language nothing fell back.
    assert not about_page(client, about, "en").select(".ck-story [lang], .ck-person [lang]")


def test_an_untranslated_story_is_shown_in_the_default_language(admin_client, client, site):
    data = profile_with_translations()
    del data["translations__es__story"]
    assert admin_client.post(profile_url(site), data).status_code == 302
    about = site.root_page.add_child(instance=AboutPage(title="About us", slug="about"))
    story = about_page(client, about, "es").select_one(".ck-story div")
    assert story["lang"] == "en"
    assert paragraphs(story) == ["We started in a small workshop.", "Today there are six of us."]
