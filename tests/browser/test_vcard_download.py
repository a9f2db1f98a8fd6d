"""The contact card downloads in Chromium as "Cerámica Alba.vcf", and reads back as the shop."""

import pytest
import vobject

from tests.browser.demo_pages import LOCALE, PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def downloaded(demo, browser, tmp_path_factory):
    """(suggested file name, text) of the card, downloaded outside any test's transaction."""
    context = browser.new_context(locale=LOCALE, base_url=demo.url, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(PAGES["contact"], wait_until="load")
        with page.expect_download() as download_info:
            page.click(".ck-vcard a")
        download = download_info.value
        path = tmp_path_factory.mktemp("vcard") / "card.vcf"
        download.save_as(path)
        yield download.suggested_filename, path.read_text(encoding="utf-8")
    finally:
        context.close()


def test_the_vcard_is_saved_under_the_shops_name(downloaded):
    name, text = downloaded
    assert name == "Cerámica Alba.vcf"
    card = vobject.readOne(text)
    assert card.fn.value == "Cerámica Alba"
    assert card.tel.value.startswith("+34")
