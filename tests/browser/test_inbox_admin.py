"""Staff answer the inbox in Chromium, with a strict Content-Security-Policy on every admin page.

The CSP is added to each admin response on its way to the browser (as a shop's proxy or
django-csp would), so any inline style or script of the inbox would be blocked and reported.
"""

import re

import pytest
from django.contrib.auth import get_user_model

from contactkit.inbox.models import CannedReply, Conversation

pytestmark = pytest.mark.django_db

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@pytest.fixture(scope="module")
def staff_page(demo, browser):
    get_user_model().objects.filter(username="marta").delete()
    get_user_model().objects.create_superuser("marta", "marta@example.com", "tienda-2026")
    CannedReply.objects.update_or_create(
        title="Envíos a Canarias",
        defaults={
            "language": "es",
            "body": "Gracias, {name}: enviamos a Canarias en 5 días ({reference}).",
        },
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def with_csp(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(r".*/admin/.*"), with_csp)
    page.goto(demo.url + "/admin/login/")
    page.fill("#id_username", "marta")
    page.fill("#id_password", "tienda-2026")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    yield page, violations
    context.close()


def test_use_this_text_inserts_at_the_cursor_and_keeps_the_draft(demo, staff_page):
    page, violations = staff_page
    conversation = Conversation.objects.order_by("pk").first()
    page.goto(f"{demo.url}/admin/contactkit/inbox/{conversation.pk}/")
    reply = page.locator("textarea[name='reply-body']")
    reply.fill("Hola,\n\nUn saludo, Marta")
    # The cursor goes between the greeting and the signature, as a person would click there.
    reply.evaluate("box => { box.focus(); box.setSelectionRange(7, 7); }")
    page.select_option("select[name='canned']", label="Envíos a Canarias")
    page.click("[data-ck-canned-insert]")

    canned = (
        f"Gracias, {conversation.name}: enviamos a Canarias en 5 días ({conversation.reference})."
    )
    assert reply.input_value() == f"Hola,\n\n{canned}\n\nUn saludo, Marta"
    assert page.url.endswith(f"/inbox/{conversation.pk}/")  # no reload: nothing was lost
    assert violations == []


@pytest.mark.parametrize(
    "path",
    ["", "spam/", "held/", "{pk}/", "{pk}/history/", "privacy/"],
    ids=["inbox", "spam", "held", "conversation", "history", "privacy"],
)
def test_the_inbox_runs_under_a_strict_csp(demo, staff_page, path):
    page, violations = staff_page
    violations.clear()
    pk = Conversation.objects.order_by("pk").first().pk
    response = page.goto(f"{demo.url}/admin/contactkit/inbox/{path.format(pk=pk)}")
    page.wait_for_load_state("networkidle")

    assert response.status == 200
    assert response.headers["content-security-policy"] == STRICT_CSP
    assert violations == []
