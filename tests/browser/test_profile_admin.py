"""The owner edits a contact channel in Chromium: long lists searchable, days in a row,
translations beside the words they translate.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from contactkit.profile.models import ContactChannel

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def channel_page(demo, browser):
    """The demo's phone channel open in the admin, as its owner sees it in Spanish."""
    get_user_model().objects.filter(username="lucia").delete()
    get_user_model().objects.create_superuser("lucia", "lucia@example.com", "taller-2026")
    phone = ContactChannel.objects.get(kind="phone")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    page = context.new_page()
    page.goto(demo.url + "/admin/login/")
    page.fill("#id_username", "lucia")
    page.fill("#id_password", "taller-2026")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    edit = reverse("wagtailsnippets_contactkit_contactchannel:edit", args=[phone.pk])
    page.goto(demo.url + edit, wait_until="load")
    yield page, phone
    context.close()


def visible_languages(page):
    return page.eval_on_selector_all(
        "input[name='languages']",
        "boxes => boxes.filter(box => box.offsetParent !== null).map(box => box.value)",
    )


def test_the_languages_list_is_searchable_and_keeps_ticked_ones(channel_page):
    page, phone = channel_page
    everything = visible_languages(page)
    assert len(everything) > 50
    search = page.locator(".ck-choice-filter__search").first
    search.fill("aleman")  # without the accent, as typed on a phone
    shown = visible_languages(page)
    assert "de" in shown
    # The languages the channel already speaks stay in sight, ticked.
    assert set(phone.languages) <= set(shown)
    assert len(shown) < 10
    search.fill("")
    assert len(visible_languages(page)) == len(everything)


def test_one_opening_ticks_its_days_in_one_row(channel_page):
    page, phone = channel_page
    first_row = page.locator(".ck-weekdays").first
    boxes = first_row.locator("input[type=checkbox]")
    assert boxes.count() == 7
    ticked = [boxes.nth(day).is_checked() for day in range(7)]
    assert ticked == [
        day in phone.hours.order_by("sort_order").first().weekdays for day in "0123456"
    ]
    # Measured in one go: the page may still be scrolling after the search above.
    tops = first_row.evaluate(
        "row => [...row.querySelectorAll('input')].map(box => box.getBoundingClientRect().top)"
    )
    # One line (a few pixels apart at most, as text baselines are), not seven.
    assert max(tops) - min(tops) < 8, f"the seven days are not on one line: {tops}"


def test_the_label_has_its_english_beside_it(channel_page):
    page, phone = channel_page
    english = page.locator("fieldset.ck-translations__language input[lang=en]").first
    assert english.is_visible()
    label = page.locator(f"label[for='{english.get_attribute('id')}']")
    assert label.inner_text().strip()
    assert english.input_value() == phone.translations["en"]["label"]
