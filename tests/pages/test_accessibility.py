"""What assistive technology relies on, on every public demo page: ids that exist and are unique.

A screen reader reads a field's help text and error through ``aria-describedby``, a label
through ``for``, a landmark's name through ``aria-labelledby``: a reference to an id that is not
on the page is silently dropped, so the shopper never hears it. These tests walk every id
reference on every page, in Spanish and English, with and without form errors.
"""

from collections import Counter

import pytest
from bs4 import BeautifulSoup

from tests.pages.demo_html import LANGUAGES, NOT_FOUND, PAGES, STATES, rendered_demo

pytestmark = pytest.mark.django_db

# Attributes holding a space-separated list of ids, and those holding one id.
ID_LIST_ATTRIBUTES = (
    "aria-describedby",
    "aria-labelledby",
    "aria-controls",
    "aria-owns",
    "aria-flowto",
    "aria-details",
    "headers",
)
ID_ATTRIBUTES = ("for", "aria-activedescendant", "aria-errormessage", "form", "list")


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker, tmp_path_factory):
    with rendered_demo(django_db_blocker, tmp_path_factory.mktemp("media")) as rendered:
        yield {
            name: BeautifulSoup(html, "html.parser")
            for name, (status, html) in rendered.items()
            if status == 200
        }


def broken_references(html):
    ids = {element["id"] for element in html.find_all(id=True)}
    broken = []
    for attribute in ID_LIST_ATTRIBUTES + ID_ATTRIBUTES:
        for element in html.find_all(attrs={attribute: True}):
            # "for" of <label> and <output>; "form" and "list" of form controls only.
            if attribute in ("for", "form", "list") and element.name not in (
                "label",
                "output",
                "input",
                "select",
                "textarea",
                "button",
            ):
                continue
            value = element[attribute]
            refs = value if isinstance(value, list) else value.split()
            broken += [f'<{element.name} {attribute}="{ref}">' for ref in refs if ref not in ids]
    # In-page links (the skip link, the error summary's links to each field).
    for link in html.select('a[href^="#"]'):
        target = link["href"][1:]
        if target and target not in ids:
            broken.append(f'<a href="#{target}">')
    return broken


def test_every_page_was_rendered(pages):
    # Each page in each language, and the states a shopper reaches by sending (the 404 of a
    # tampered link aside: it is checked in test_valid_html).
    assert len(pages) == (len(PAGES) + len(STATES) - len(NOT_FOUND)) * len(LANGUAGES), sorted(pages)


def test_every_id_reference_resolves(pages):
    broken = {name: refs for name, html in pages.items() if (refs := broken_references(html))}
    assert broken == {}


def test_no_id_is_used_twice(pages):
    duplicates = {
        name: sorted(
            id_ for id_, n in Counter(e["id"] for e in html.find_all(id=True)).items() if n > 1
        )
        for name, html in pages.items()
    }
    assert {name: ids for name, ids in duplicates.items() if ids} == {}


def test_form_fields_are_described_by_their_help_and_error(pages):
    """With errors, each wrong field points at its error and keeps pointing at its help."""
    html = pages["contact-errors-es"]
    for name in ("name", "email", "phone", "topic", "message"):
        field = html.find(attrs={"name": name, "id": True})
        described = field.get("aria-describedby", "").split()
        assert field.get("aria-invalid") == "true", name
        assert any("error" in ref for ref in described), (name, described)
        for ref in described:
            assert html.find(id=ref), (name, ref)
    email = html.find(id="id_email")
    help_ids = [ref for ref in email["aria-describedby"].split() if "help" in ref]
    assert help_ids, "the email field lost its help text"
    consent = html.find(id="id_consent")
    assert html.find(id=consent["aria-describedby"])


def test_the_error_summary_links_each_wrong_field(pages):
    html = pages["contact-errors-en"]
    summary = html.find(id="ck-form-errors")
    assert summary is not None
    targets = [link["href"][1:] for link in summary.find_all("a")]
    assert {"id_name", "id_email", "id_phone", "id_topic", "id_message", "id_consent"} <= set(
        targets
    )


def test_legal_notice_is_linked_once_from_every_page(pages):
    """Once, in the page's language (the language switch links a page to itself too, as the
    current language, and is left out)."""
    for name, html in pages.items():
        notice = PAGES["legal-notice"][name.rsplit("-", 1)[1]]
        links = [
            a
            for a in html.find_all("a", href=True)
            if a["href"] == notice and not a.find_parent(class_="ck-languages")
        ]
        assert len(links) == 1, (name, links)


def test_legal_notice_page_names_itself_once(pages):
    """One heading, no second copy of the notice in the footer, no two landmarks of one name."""
    for language, title in (("es", "Aviso legal"), ("en", "Legal notice")):
        html = pages[f"legal-notice-{language}"]
        names = {"Aviso legal", title}
        headings = [
            h
            for h in html.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p"])
            if h.get_text(strip=True) in names and not h.find("a")
        ]
        assert len(headings) == 1, headings
        regions = html.select("section[aria-labelledby], section[aria-label]")
        labels = [
            r.get("aria-label") or html.find(id=r["aria-labelledby"]).get_text() for r in regions
        ]
        assert len(labels) == len(set(labels)), labels


def test_legal_notice_tag_still_gives_the_whole_notice_for_a_footer(pages):
    """``{% contactkit_legal_notice %}`` in a shop's own footer, outside the notice's page."""
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_HOST="testserver")
    rendered = Template("{% load contactkit_tags %}{% contactkit_legal_notice %}").render(
        Context({"request": request})
    )
    assert 'aria-labelledby="ck-legal-notice"' in rendered
    assert "Registro Mercantil de Valencia" in rendered
