"""A shopper withdraws from a contract on a phone, in Spanish and in English (art. 11a).

The whole way, as a shopper does it in Chromium at 360×740: the Returns page's clearly labelled
control, the short statement, the separate confirmation whose only button confirms, the receipt
page with its time to the second and fingerprint, the PDF, and the acknowledgement email
received by a real SMTP server on 127.0.0.1. Then what the shop keeps: the conversation with
its refund deadline, and a fingerprint that verifies until someone edits the statement.
"""

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.test import override_settings
from pypdf import PdfReader

from contactkit.inbox.models import Conversation, Topic
from contactkit.returns.withdrawal.models import Withdrawal
from demoshop.settings.base import mail_settings
from tests.browser.demo_pages import PAGES, PAGES_EN
from tests.inbox.smtp import SMTPServer

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")

# (returns page, browser locale, the control, the confirm button, the receipt's heading)
LANGUAGES = {
    "es": (
        PAGES["returns"],
        "es-ES",
        "Desistir del contrato aquí",
        "Confirmar desistimiento",
        "Hemos recibido tu desistimiento",
    ),
    "en": (
        PAGES_EN["returns"],
        "en-GB",
        "Withdraw from contract here",
        "Confirm withdrawal",
        "We have received your withdrawal",
    ),
}


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.start()
    mail = override_settings(
        **mail_settings(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=server.port
        )
    )
    mail.enable()
    yield server
    mail.disable()
    server.stop()


@pytest.fixture(scope="module", params=sorted(LANGUAGES))
def withdrawn(request, demo, browser, smtp, tmp_path_factory):
    """What a shopper on a phone sees and gets, withdrawing from demo order CA-1001."""
    returns, locale, control, confirm, heading = LANGUAGES[request.param]
    email = f"ana.{request.param}@example.com"
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=locale,
        base_url=demo.url,
        accept_downloads=True,
    )
    page = context.new_page()
    seen = {"language": request.param, "email": email, "errors": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    try:
        page.goto(returns, wait_until="load")
        button = page.get_by_role("link", name=control).first
        seen["control_visible"] = button.is_visible()
        with page.expect_navigation(wait_until="load"):
            button.click()
        seen["statement_lang"] = page.evaluate("document.documentElement.lang")
        page.fill("#id_name", "Ana García")
        page.fill("#id_email", email)
        page.fill("#id_order_number", "CA-1002")
        page.fill("#id_items", "1 juego de cuencos")
        page.fill("#id_comment", "Prefiero otro color.")
        # A person takes a few seconds over the form; a robot's instant send is held as spam.
        page.wait_for_timeout(3500)
        with page.expect_navigation(wait_until="load"):
            page.click(".ck-form__submit")
        # The confirmation step: the statement as it will be sent, and one button.
        seen["confirm_text"] = page.locator("main").inner_text()
        seen["buttons"] = page.locator("main button, main input[type=submit]").all_inner_texts()
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=confirm).click()
        seen["receipt_url"] = page.url
        seen["receipt_text"] = page.locator("main").inner_text()
        seen["heading"] = heading
        seen["reference"] = page.locator(".ck-reference").inner_text().strip()
        seen["fingerprint"] = page.locator("main code").first.inner_text().strip()
        seen["time"] = page.locator("main time").first.inner_text().strip()
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("PDF")).click()
        path = tmp_path_factory.mktemp("pdf") / download.value.suggested_filename
        download.value.save_as(path)
        seen["pdf_name"] = download.value.suggested_filename
        seen["pdf_text"] = "\n".join(
            page_.extract_text() for page_ in PdfReader(io.BytesIO(path.read_bytes())).pages
        )
    finally:
        context.close()
    return seen


def test_the_control_and_the_confirm_button_say_what_the_law_says(withdrawn):
    assert withdrawn["control_visible"]
    assert withdrawn["statement_lang"] == withdrawn["language"]
    assert withdrawn["buttons"] == [LANGUAGES[withdrawn["language"]][3]]
    assert "CA-1002" in withdrawn["confirm_text"]
    assert "Prefiero otro color." in withdrawn["confirm_text"]
    assert withdrawn["errors"] == []


def test_the_receipt_page_has_the_time_to_the_second_and_the_fingerprint(withdrawn):
    assert withdrawn["heading"] in withdrawn["receipt_text"]
    assert re.search(r"\d{1,2}:\d{2}:\d{2}", withdrawn["time"]), withdrawn["time"]
    assert re.fullmatch(r"([0-9a-f]{4} ){15}[0-9a-f]{4}", withdrawn["fingerprint"])
    assert withdrawn["reference"].startswith("CK-")


def test_one_conversation_with_its_refund_deadline(withdrawn):
    conversation = Conversation.objects.get(reference=withdrawn["reference"])
    assert conversation.topic == Topic.WITHDRAWAL
    assert conversation.language == withdrawn["language"]
    withdrawal = conversation.withdrawal
    received = withdrawal.received_at.astimezone(MADRID).date()
    assert conversation.refund_due == received + dt.timedelta(days=14)
    assert withdrawal.items == [{"description": "juego de cuencos", "quantity": 1}]
    assert Withdrawal.objects.filter(email=withdrawn["email"]).count() == 1


def test_the_pdf_is_the_receipt(withdrawn):
    assert withdrawn["pdf_name"].endswith(".pdf")
    text = " ".join(withdrawn["pdf_text"].split())
    assert withdrawn["reference"] in text
    assert withdrawn["fingerprint"] in text
    assert "CA-1002" in text


def test_the_acknowledgement_email_arrives_with_the_time_and_fingerprint(withdrawn, smtp):
    [email] = smtp.to(withdrawn["email"])
    assert withdrawn["reference"] in email["Subject"]
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert withdrawn["fingerprint"] in body
    assert re.search(r"\d{1,2}:\d{2}:\d{2}", body)
    assert "Prefiero otro color." in body
    attachments = [part.get_filename() for part in email.iter_attachments()]
    assert any(name and name.endswith(".pdf") for name in attachments)


def test_the_fingerprint_verifies_until_the_statement_is_edited(withdrawn):
    withdrawal = Withdrawal.objects.get(conversation__reference=withdrawn["reference"])
    assert withdrawal.verify()
    Withdrawal.objects.filter(pk=withdrawal.pk).update(comment="Nunca dije esto.")
    withdrawal.refresh_from_db()
    assert not withdrawal.verify()
