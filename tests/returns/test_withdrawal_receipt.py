"""The receipt of a withdrawal on a durable medium: the PDF, the acknowledgement email through a
real SMTP server (also when it was down), the fingerprint and its check, and the instructions
for sending the items back that the emails carry.
"""

import datetime as dt
import io
import re
from decimal import Decimal
from itertools import product

import pypdf
import pytest
import time_machine
from django.core import signing
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import resolve
from django.utils import timezone, translation
from wagtail.models import Locale

from contactkit.inbox.emails import (
    BACKOFF_MINUTES,
    build_message,
    queue_new_conversation_emails,
    queue_withdrawal_emails,
    send_reply,
)
from contactkit.inbox.models import (
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    Source,
    Topic,
)
from contactkit.pages.models import ReturnsPage
from contactkit.profile.shop import Shop
from contactkit.returns.models import ReturnPolicy
from contactkit.returns.text import (
    LABEL_FROM_CUSTOMER,
    LABEL_FROM_SHOP,
    label_source,
    return_instructions,
)
from contactkit.returns.withdrawal import fingerprint, links
from contactkit.returns.withdrawal import pdf as receipt
from contactkit.returns.withdrawal.models import Withdrawal
from contactkit.structured_data.graph import _return_label_source
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import wagtail_root_fixture  # noqa: F401
from tests.profile.builders import channel, profile_for

SHOP = "hola@ceramica.example"
STAFF = "ventas@ceramica.example"
SHOPPER = "ana@example.com"
# 10:15:42 in Madrid (summer time, UTC+02:00).
RECEIVED = dt.datetime(2026, 6, 19, 8, 15, 42, tzinfo=dt.UTC)
ITEMS = [{"description": "Taza azul", "quantity": 2}, {"description": "Plato llano", "quantity": 1}]
COMMENT = "La caja llegó abierta."
ADDRESS_EN = "Cerámica Alba Artesanos (S.L.), Calle de la Paz 12, 46002 Valencia, Spain"
ADDRESS_ES = "Cerámica Alba Artesanos (S.L.), Calle de la Paz 12, 46002 Valencia, España"


# --- the shop and its withdrawals ------------------------------------------------------------


@pytest.fixture(autouse=True)
def just_after_receipt():
    """The clock a few seconds after the withdrawal was received, as when it is confirmed."""
    with time_machine.travel(RECEIVED + dt.timedelta(seconds=3), tick=True):
        yield


def set_policy(site, **fields):
    """The site's returns policy, as staff save it: 30 days, by post, free, full refund."""
    policy = ReturnPolicy.for_site(site)
    values = {
        "window": "MerchantReturnFiniteReturnWindow",
        "return_days": 30,
        "return_methods": ["ReturnByMail"],
        "fees": "FreeReturn",
        "fee_amount": None,
        "refund_types": ["FullRefund"],
        "return_country": "",
    } | fields
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy


@pytest.fixture(name="shop")
def shop_fixture(site):
    """A Spanish shop with its address, an email address, staff to notify, a returns policy
    and a Returns page in English and in Spanish."""
    profile_for(
        site,
        trade_name="Cerámica Alba",
        legal_name="Cerámica Alba Artesanos",
        legal_form="S.L.",
        street_address="Calle de la Paz 12",
        postal_code="46002",
        city="Valencia",
        country="ES",
    )
    channel(site, "email", email=SHOP)
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = STAFF
    inbox.save()
    set_policy(site)
    returns = site.root_page.add_child(instance=ReturnsPage(title="Returns", slug="returns"))
    spanish = returns.copy_for_translation(
        Locale.objects.get_or_create(language_code="es")[0], copy_parents=True
    )
    spanish.title, spanish.slug = "Devoluciones", "devoluciones"
    spanish.save_revision().publish()
    return site


def make_withdrawal(site, *, language="en", items=ITEMS, comment=COMMENT, message=True, **fields):
    """A withdrawal as the confirmation step stores it: its conversation (with the statement
    as the shopper's message), the statement, signed. Call it inside a transaction."""
    statement = {
        "name": "Ana García",
        "email": SHOPPER,
        "order_number": "CA-1001",
        "order_date": dt.date(2026, 6, 2),
        "delivery_date": dt.date(2026, 6, 10),
        "items": list(items),
        "comment": comment,
    } | fields
    conversation = Conversation.objects.create(
        site=site,
        source=Source.WITHDRAWAL,
        topic=Topic.WITHDRAWAL,
        name=statement["name"],
        email=statement["email"],
        order_number=statement["order_number"],
        language=language,
        created_at=RECEIVED,
        refund_due=dt.date(2026, 7, 3),
    )
    if message:
        Message.objects.create(
            conversation=conversation,
            kind=Message.Kind.SHOPPER,
            body=f"I withdraw from the contract of order {statement['order_number']}.",
            created_at=RECEIVED,
        )
    withdrawal = Withdrawal(
        conversation=conversation,
        received_at=RECEIVED,
        language=language,
        time_zone="Europe/Madrid",
        **statement,
    )
    withdrawal.sign()
    withdrawal.save()
    return withdrawal


@pytest.fixture(name="withdraw")
def withdraw_fixture(shop, django_capture_on_commit_callbacks):
    """Store a withdrawal and queue its emails as the confirmation step does, then commit."""

    def withdraw(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                withdrawal = make_withdrawal(shop, **fields)
                queue_withdrawal_emails(withdrawal.conversation)
        return withdrawal

    return withdraw


def pdf_text(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text):
    """``text`` with every run of white space as one space (lines wrap anywhere in a PDF)."""
    return " ".join(text.split())


def body_of(message):
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def pdf_attachments(message):
    return [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    ]


# --- the PDF ---------------------------------------------------------------------------------


def test_the_receipt_pdf_holds_the_statement_its_time_and_its_fingerprint(shop):
    withdrawal = make_withdrawal(shop)
    reference = withdrawal.conversation.reference
    data = receipt.receipt_pdf(withdrawal)

    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = flat(pdf_text(data))
    for expected in [
        "Cerámica Alba",
        "Cerámica Alba Artesanos (S.L.)",
        "Calle de la Paz 12, 46002 Valencia, Spain",
        SHOP,
        "Acknowledgement of receipt of your withdrawal",
        f"Reference {reference}",
        "Received at June 19, 2026, 10:15:42 (Europe/Madrid, UTC+02:00)",
        "Name Ana García",
        f"Email {SHOPPER}",
        "Order number CA-1001",
        "Order date June 2, 2026",
        "Delivery date June 10, 2026",
        "2 × Taza azul",
        "1 × Plato llano",
        f"Comment {COMMENT}",
        fingerprint.formatted(withdrawal.fingerprint),
        "The fingerprint is a keyed signature of your statement as we stored it",
        "This acknowledges that we have received your withdrawal; it does not mean it has been "
        "accepted.",
    ]:
        assert expected in text, expected
    assert "accepted your withdrawal" not in text
    metadata = reader.metadata
    assert metadata.title == f"Acknowledgement of receipt of your withdrawal – {reference}"
    assert metadata.author == "Cerámica Alba"
    assert metadata.creation_date == RECEIVED
    # The same withdrawal always gives the same file.
    assert receipt.receipt_pdf(withdrawal) == data


def test_the_receipt_pdf_is_in_the_withdrawals_language(shop):
    withdrawal = make_withdrawal(shop, language="es", items=[])
    text = flat(pdf_text(receipt.receipt_pdf(withdrawal)))
    for expected in [
        "Acuse de recibo de tu desistimiento",
        f"Referencia {withdrawal.conversation.reference}",
        "Recibido el 19 de junio de 2026, 10:15:42 (Europe/Madrid, UTC+02:00)",
        "Tu declaración",
        "Nombre Ana García",
        "Fecha del pedido 2 de junio de 2026",
        "Fecha de entrega 10 de junio de 2026",
        "Artículos Todo el pedido",
        "Comentario La caja llegó abierta.",
        "Huella",
        fingerprint.formatted(withdrawal.fingerprint),
        "no significa que lo hayamos aceptado",
        "Calle de la Paz 12, 46002 Valencia, España",
    ]:
        assert expected in text, expected
    # Another language can be asked for.
    assert "Acknowledgement of receipt" in pdf_text(receipt.receipt_pdf(withdrawal, "en"))


NON_LATIN = "Łukasz Wiśniewski 李小龍 “Ο Γιάννης” – Олег 😀"


@pytest.mark.parametrize("fonts", ["unicode", "core"])
def test_names_outside_latin1_never_break_the_pdf(shop, monkeypatch, fonts):
    if fonts == "core":
        monkeypatch.setattr(receipt, "unicode_fonts", lambda: None)
    elif receipt.unicode_fonts() is None:
        pytest.skip("No DejaVu fonts on this system (Debian: fonts-dejavu-core).")
    withdrawal = make_withdrawal(
        shop,
        name=NON_LATIN,
        comment=f"Precio: 12 € — “rota”\r\n\tsegunda línea {NON_LATIN}",
        items=[{"description": "Ζ-Tasse № 5", "quantity": 1}],
    )
    # A NUL never gets past the form (Django refuses it, PostgreSQL cannot store it); the PDF
    # copes with one anyway.
    withdrawal.comment = withdrawal.comment.replace("línea ", "línea\x00 ")
    text = flat(pdf_text(receipt.receipt_pdf(withdrawal)))
    assert withdrawal.conversation.reference in text
    assert fingerprint.formatted(withdrawal.fingerprint) in text
    if fonts == "unicode":
        assert "Łukasz Wiśniewski" in text
        assert "“Ο Γιάννης” – Олег" in text
        assert "12 € — “rota”" in text
    else:
        assert 'Lukasz Wisniewski ??? "? ???????" - ???? ?' in text
        assert 'Precio: 12 EUR - "rota"' in text
        assert "segunda línea" in text
        assert "?-Tasse No 5" in text


def test_a_long_statement_takes_two_pages(shop):
    items = [{"description": f"Pieza de cerámica número {n}", "quantity": n} for n in range(1, 41)]
    withdrawal = make_withdrawal(shop, items=items, comment="Texto largo. " * 150)
    data = receipt.receipt_pdf(withdrawal)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    reference = withdrawal.conversation.reference
    assert f"{reference} · 1/2" in reader.pages[0].extract_text()
    last = flat(reader.pages[1].extract_text())
    assert f"{reference} · 2/2" in last
    assert "40 × Pieza de cerámica número 40" in flat(pdf_text(data))
    assert fingerprint.formatted(withdrawal.fingerprint) in last


# --- the acknowledgement email ---------------------------------------------------------------


def test_the_acknowledgement_is_emailed_with_the_receipt_and_its_pdf(withdraw, smtp_mailer):
    withdrawal = withdraw()
    conversation = withdrawal.conversation
    reference = conversation.reference

    [email] = smtp_mailer.to(SHOPPER)
    assert str(email["Subject"]).strip() == f"We have received your withdrawal – {reference}"
    thread = conversation.thread_message_id
    assert email["In-Reply-To"] == thread
    assert email["References"] == thread
    assert email["Message-ID"] == f"<acknowledgement.{thread[1:]}"
    assert email["Auto-Submitted"] == "auto-generated"
    body = body_of(email)
    for expected in [
        "Hello Ana García,",
        "Acknowledgement of receipt of your withdrawal",
        f"Reference: {reference}",
        "Received at: June 19, 2026, 10:15:42 (Europe/Madrid, UTC+02:00)",
        "Name: Ana García\n",
        f"Email: {SHOPPER}\n",
        "Order number: CA-1001\n",
        "Order date: June 2, 2026\n",
        "Delivery date: June 10, 2026\n",
        "Items:\n- 2 × Taza azul\n- 1 × Plato llano\n",
        f"Comment: {COMMENT}\n",
        f"Fingerprint: {fingerprint.formatted(withdrawal.fingerprint)}\n",
        "it does not mean it has been accepted",
        "we refund your payments within 14 days of receiving it, that is by July 3, 2026.",
        "How to send the items back:\n- You can return the items by post or courier.\n",
        f"- Send the items to: {ADDRESS_EN}.\n",
        "- We will email you a prepaid label to print and stick on the parcel.\n",
        "\n-- \nCerámica Alba\n",
    ]:
        assert expected in body, expected

    [link] = re.findall(r"http://testserver/returns/withdraw/receipt/([^/\s]+)/\n", body)
    assert links.conversation_id(link) == conversation.pk
    # An address Wagtail serves: its page paths take letters, digits, "-" and "_" only.
    assert resolve(f"/returns/withdraw/receipt/{link}/").url_name == "wagtail_serve"

    [(filename, content_type, data)] = pdf_attachments(email)
    assert (filename, content_type) == (f"receipt-{reference}.pdf", "application/pdf")
    assert data == receipt.receipt_pdf(withdrawal)
    assert fingerprint.formatted(withdrawal.fingerprint) in flat(pdf_text(data))

    [notification] = smtp_mailer.to(STAFF)
    staff_body = body_of(notification)
    assert "Topic: Withdrawal from the contract" in staff_body
    assert "Received at: June 19, 2026, 10:15:42 (Europe/Madrid, UTC+02:00)" in staff_body
    assert "Refund due: July 3, 2026" in staff_body
    assert notification["Message-ID"] == thread

    assert sorted(conversation.deliveries.values_list("kind", "state", "recipients")) == [
        ("acknowledgement", "sent", [SHOPPER]),
        ("notification", "sent", [STAFF]),
    ]


def test_the_acknowledgement_is_in_the_shoppers_language(withdraw, smtp_mailer):
    withdrawal = withdraw(language="es")
    reference = withdrawal.conversation.reference
    [email] = smtp_mailer.to(SHOPPER)
    assert str(email["Subject"]).strip() == f"Hemos recibido tu desistimiento – {reference}"
    body = body_of(email)
    for expected in [
        "Hola, Ana García:",
        "Acuse de recibo de tu desistimiento",
        "Recibido el: 19 de junio de 2026, 10:15:42 (Europe/Madrid, UTC+02:00)",
        "Artículos:\n- 2 × Taza azul\n",
        "Huella:",
        "hasta el 3 de julio de 2026",
        "Cómo devolver los artículos:\n- Puedes devolver los artículos por correo o mensajería.\n",
        f"- Envía los artículos a: {ADDRESS_ES}.\n",
    ]:
        assert expected in body, expected
    assert re.search(r"http://testserver/es/devoluciones/withdraw/receipt/[^/\s]+/\n", body)
    # The staff notification is in the site's language, as for any message.
    assert "Topic: Withdrawal from the contract" in body_of(smtp_mailer.to(STAFF)[0])


def test_a_withdrawal_stored_while_smtp_is_down_is_acknowledged_once_it_is_back(
    withdraw, smtp_mailer
):
    smtp_mailer.stop()
    withdrawal = withdraw()

    assert Withdrawal.objects.get(pk=withdrawal.pk).verify()
    acknowledgement = EmailDelivery.objects.get(kind="acknowledgement")
    assert acknowledgement.state == "failed"
    assert "ConnectionRefusedError" in acknowledgement.last_error
    assert smtp_mailer.messages == []
    # What the shopper can still see: the receipt page's link and PDF work without email.
    assert links.receipt_url(withdrawal).startswith("http://testserver/returns/withdraw/receipt/")
    assert links.receipt_pdf_url(withdrawal).endswith("/pdf/")

    smtp_mailer.start()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=BACKOFF_MINUTES[0] + 1)):
        call_command("contactkit_send_emails", verbosity=0)
        call_command("contactkit_send_emails", verbosity=0)
    [email] = smtp_mailer.to(SHOPPER)
    reference = withdrawal.conversation.reference
    assert reference in str(email["Subject"])
    assert [name for name, _type, _data in pdf_attachments(email)] == [f"receipt-{reference}.pdf"]
    assert len(smtp_mailer.to(STAFF)) == 1
    assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("sent", 2)}


def test_without_a_returns_page_the_email_has_no_link(withdraw, smtp_mailer, shop):
    ReturnsPage.objects.all().delete()
    withdraw()
    body = body_of(smtp_mailer.to(SHOPPER)[0])
    assert "/withdraw/receipt/" not in body
    assert "Fingerprint:" in body


@pytest.mark.parametrize("status", ["held", "spam"])
def test_a_withdrawal_held_for_review_is_acknowledged_when_released(
    shop, smtp_mailer, django_capture_on_commit_callbacks, status
):
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = make_withdrawal(shop)
        conversation = withdrawal.conversation
        conversation.status = status
        conversation.save()
        assert queue_withdrawal_emails(conversation) == []
    assert smtp_mailer.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        conversation.status = "new"
        conversation.save()
        # What releasing a conversation calls: a withdrawal gets its acknowledgement.
        queue_new_conversation_emails(conversation)
    assert [m["Subject"] for m in smtp_mailer.to(SHOPPER)] == [
        f"We have received your withdrawal – {conversation.reference}"
    ]


def test_a_withdrawal_without_a_message_still_notifies_staff_with_its_statement(
    shop, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = make_withdrawal(shop, message=False)
        queue_withdrawal_emails(withdrawal.conversation)
    body = body_of(smtp_mailer.to(STAFF)[0])
    assert "Order number: CA-1001\nOrder date: June 2, 2026\n" in body
    assert "Items:\n- 2 × Taza azul\n- 1 × Plato llano\n" in body
    assert len(smtp_mailer.to(SHOPPER)) == 1


def test_the_whole_order_and_a_comment_of_several_lines_read_well_in_the_email(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        withdrawal = make_withdrawal(shop, items=[], comment="Línea uno\n\nLínea dos")
        [acknowledgement, _notification] = queue_withdrawal_emails(withdrawal.conversation)
    body = build_message(acknowledgement).body
    assert "Items: The whole order\nComment:\n  Línea uno\n  Línea dos\n\nFingerprint:" in body


def test_a_reply_to_a_withdrawal_is_threaded_with_the_acknowledgement(
    withdraw, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    withdrawal = withdraw()
    conversation = withdrawal.conversation
    [acknowledgement] = smtp_mailer.to(SHOPPER)
    marta = django_user_model.objects.create_user(username="marta")
    with django_capture_on_commit_callbacks(execute=True):
        send_reply(conversation, marta, "Recibido.")
    [_acknowledgement, reply] = smtp_mailer.to(SHOPPER)
    assert reply["In-Reply-To"] == acknowledgement["Message-ID"]
    assert reply["References"] == acknowledgement["Message-ID"]


# --- the fingerprint and its check -------------------------------------------------------------


def test_the_fingerprint_shows_an_edited_statement(shop, capsys):
    withdrawal = make_withdrawal(shop)
    reference = withdrawal.conversation.reference
    assert withdrawal.verify()
    call_command("contactkit_verify_withdrawal", reference)
    out = capsys.readouterr().out
    assert f"Withdrawal {reference}" in out
    assert 'order_number: "CA-1001"' in out
    assert "item: 2 x Taza azul" in out
    assert "The stored statement matches its fingerprint." in out
    assert out.rstrip().endswith(f"{reference}: verified.")

    # The fingerprint as the shopper reads it from the receipt, in groups, or in one piece.
    for given in (fingerprint.formatted(withdrawal.fingerprint), withdrawal.fingerprint.upper()):
        call_command("contactkit_verify_withdrawal", reference, fingerprint=given)
        assert "The given fingerprint matches" in capsys.readouterr().out
    with pytest.raises(CommandError) as wrong:
        call_command("contactkit_verify_withdrawal", reference, fingerprint="0" * 64)
    assert wrong.value.returncode == 1
    assert "does NOT match the stored statement" in capsys.readouterr().out

    Withdrawal.objects.filter(pk=withdrawal.pk).update(comment="x")
    edited = Withdrawal.objects.get(pk=withdrawal.pk)
    assert edited.fingerprint == withdrawal.fingerprint
    assert not edited.verify()
    with pytest.raises(CommandError) as changed:
        call_command("contactkit_verify_withdrawal", reference)
    assert changed.value.returncode == 1
    assert "NOT verified" in str(changed.value)
    assert "does NOT match its fingerprint" in capsys.readouterr().out


@pytest.mark.parametrize("arguments", [["CK-2026-999999"], ["CK-2026-000001", "--fingerprint=xyz"]])
def test_the_check_fails_for_an_unknown_reference_or_a_malformed_fingerprint(shop, arguments):
    make_withdrawal(shop)
    with pytest.raises(CommandError) as error:
        call_command("contactkit_verify_withdrawal", *arguments)
    assert error.value.returncode == 1


def test_the_receipt_token_stands_for_its_conversation_only(shop):
    withdrawal = make_withdrawal(shop)
    conversation = withdrawal.conversation
    token = links.receipt_token(conversation)
    # Only the characters Wagtail's page addresses take, the same token every time.
    assert re.fullmatch(r"[\w-]+", token, flags=re.ASCII)
    assert links.receipt_token(conversation) == token
    assert links.conversation_id(token) == conversation.pk
    for forged in [
        token + "x",
        f"{conversation.pk + 1}{token[len(str(conversation.pk)) :]}",
        "nonsense",
        "",
        "-",
        signing.dumps(conversation.pk),
        signing.Signer(salt="another").sign(str(conversation.pk)).replace(":", "-", 1),
    ]:
        assert links.conversation_id(forged) is None, forged
    with translation.override("es"):
        assert links.receipt_url(withdrawal).startswith("http://testserver/returns/")


# --- how to send the items back ----------------------------------------------------------------


EXPECTED_INSTRUCTIONS = {
    ("FreeReturn", "en"): [
        "You can return the items by post or courier.",
        f"Send the items to: {ADDRESS_EN}.",
        "Returns are free: we pay the return shipping.",
        "We will email you a prepaid label to print and stick on the parcel.",
    ],
    ("FreeReturn", "es"): [
        "Puedes devolver los artículos por correo o mensajería.",
        f"Envía los artículos a: {ADDRESS_ES}.",
        "Las devoluciones son gratis: pagamos nosotros el envío.",
        "Te enviaremos por correo electrónico una etiqueta prepagada para que la imprimas y la "
        "pegues en el paquete.",
    ],
    ("ReturnFeesCustomerResponsibility", "en"): [
        "You can return the items by post or courier.",
        f"Send the items to: {ADDRESS_EN}.",
        "You pay the cost of sending the item back.",
        "You choose the carrier and pay for the label yourself.",
    ],
    ("ReturnFeesCustomerResponsibility", "es"): [
        "Puedes devolver los artículos por correo o mensajería.",
        f"Envía los artículos a: {ADDRESS_ES}.",
        "Tú pagas el envío de vuelta.",
        "Tú eliges la empresa de transporte y pagas la etiqueta.",
    ],
    ("ReturnShippingFees", "en"): [
        "You can return the items by post or courier.",
        f"Send the items to: {ADDRESS_EN}.",
        "Returns cost €4.95, deducted from your refund.",
        "We will email you a label to print and stick on the parcel; its cost is the return fee.",
    ],
    ("ReturnShippingFees", "es"): [
        "Puedes devolver los artículos por correo o mensajería.",
        f"Envía los artículos a: {ADDRESS_ES}.",
        "La devolución cuesta 4,95\N{NO-BREAK SPACE}€, que se descuentan del reembolso.",
        "Te enviaremos por correo electrónico una etiqueta para que la imprimas y la pegues en el "
        "paquete; su coste es la tarifa de devolución.",
    ],
}


@pytest.mark.parametrize(("fees", "language"), list(EXPECTED_INSTRUCTIONS))
def test_return_instructions_say_where_who_pays_and_the_label(shop, fees, language):
    fee = Decimal("4.95") if fees == "ReturnShippingFees" else None
    policy = set_policy(shop, fees=fees, fee_amount=fee)
    with translation.override(language):
        local = Shop.for_site(shop)
        instructions = return_instructions(local.return_policy, local.profile)
    assert instructions == EXPECTED_INSTRUCTIONS[fees, language]
    # The language can also be given.
    with translation.override("en" if language == "es" else "es"):
        assert (
            return_instructions(policy, local.profile, language=language)[2:]
            == (EXPECTED_INSTRUCTIONS[fees, language][2:])
        )


def test_return_instructions_for_other_methods_countries_and_policies(shop):
    profile = Shop.for_site(shop).profile
    with translation.override("en"):
        policy = set_policy(shop, return_methods=["ReturnInStore", "ReturnAtKiosk", "ReturnByMail"])
        assert return_instructions(policy, profile)[0] == (
            "You can return the items by post or courier, in one of our stores or at a "
            "drop-off point."
        )
        policy = set_policy(shop, return_methods=["ReturnInStore"])
        assert return_instructions(policy, profile) == [
            "You can return the items in one of our stores.",
            "Returns are free: we pay the return shipping.",
        ]
        policy = set_policy(shop, return_country="PT")
        assert return_instructions(policy, profile)[1] == (
            "The items go back to our returns address in Portugal, which we will send you."
        )
        policy = set_policy(shop, window="MerchantReturnNotPermitted")
        assert return_instructions(policy, profile) == [f"Send the items to: {ADDRESS_EN}."]
        profile.street_address = ""
        assert return_instructions(policy, profile) == [
            "We will send you the address to return them to."
        ]
        assert return_instructions(ReturnPolicy(site=shop), profile) == []


def test_the_label_agrees_with_the_structured_data():
    methods = [[], ["ReturnByMail"], ["ReturnInStore"], ["ReturnByMail", "ReturnAtKiosk"]]
    fees = ["FreeReturn", "ReturnFeesCustomerResponsibility", "ReturnShippingFees"]
    schema = {
        None: None,
        LABEL_FROM_SHOP: "https://schema.org/ReturnLabelDownloadAndPrint",
        LABEL_FROM_CUSTOMER: "https://schema.org/ReturnLabelCustomerResponsibility",
    }
    for return_methods, fee in product(methods, fees):
        policy = ReturnPolicy(return_methods=return_methods, fees=fee)
        assert schema[label_source(policy)] == _return_label_source(policy)


def test_a_return_requests_confirmation_tells_how_to_send_the_items_back(
    shop, smtp_mailer, django_capture_on_commit_callbacks
):
    def arrive(topic, language):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    site=shop, topic=topic, name="Ana", email=SHOPPER, language=language
                )
                Message.objects.create(
                    conversation=conversation, kind=Message.Kind.SHOPPER, body="Llegó rota."
                )
                queue_new_conversation_emails(conversation)
        return body_of(smtp_mailer.to(SHOPPER)[-1])

    body = arrive("return", "en")
    assert "> Llegó rota.\n\nHow to send the items back:\n" in body
    for sentence in EXPECTED_INSTRUCTIONS["FreeReturn", "en"]:
        assert f"- {sentence}\n" in body
    assert "\n\n-- \nCerámica Alba\n" in body
    assert "\n\n\n" not in body

    body = arrive("return", "es")
    assert "Cómo devolver los artículos:\n" in body
    for sentence in EXPECTED_INSTRUCTIONS["FreeReturn", "es"]:
        assert f"- {sentence}\n" in body

    body = arrive("product", "en")
    assert "How to send the items back" not in body
    assert "> Llegó rota.\n\n-- \nCerámica Alba\n" in body


def test_the_confirmation_of_other_topics_is_unchanged(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = Conversation.objects.create(
            site=shop, topic="product", name="Ana", email=SHOPPER, language="en"
        )
        Message.objects.create(conversation=conversation, kind=Message.Kind.SHOPPER, body="Hola")
        queue_new_conversation_emails(conversation)
    delivery = conversation.deliveries.get(kind="confirmation")
    message = build_message(delivery)
    assert message.attachments == []
    assert "Your message:\n\n> Hola\n\n-- \nCerámica Alba\n" in message.body
    assert "\n\n\n" not in message.body
