"""The withdrawal button (Directive 2011/83/EU art. 11a), end to end through the test client.

"Withdraw from contract here" on the Returns page and in every footer; a short statement
(never a reason); a separate step whose one button reads "Confirm withdrawal"; at once an
acknowledgement of receipt with the date and time to the second in the shop's time zone, a
reference and the fingerprint. Stored before anything else, once however often it is
confirmed; an expired step keeps what was written; no account, no session needed.
"""

import datetime as dt
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import signing
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client

from contactkit.inbox.models import Conversation, EmailDelivery, Source, Status, Topic
from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage
from contactkit.returns.models import ReturnPolicy, ReturnStep
from contactkit.returns.withdrawal import fingerprint, links
from contactkit.returns.withdrawal.models import Withdrawal
from tests.languages import in_language
from tests.profile.builders import channel, profile_for

UTC = dt.UTC
# 10:15:42 in Madrid (summer time, UTC+2), with a fraction the receipt leaves out.
NOW = dt.datetime(2026, 6, 19, 8, 15, 42, 640000, tzinfo=UTC)
TODAY = dt.date(2026, 6, 19)

WORDS = {
    "en": {
        "button": "Withdraw from contract here",
        "confirm": "Confirm withdrawal",
        "received": "We have received your withdrawal",
        "date": "June 19, 2026, 10:15:42 (Europe/Madrid, UTC+02:00)",
        "refund_by": "July 3, 2026",
    },
    "es": {
        "button": "Desistir del contrato aquí",
        "confirm": "Confirmar desistimiento",
        "received": "Hemos recibido tu desistimiento",
        "date": "19 de junio de 2026, 10:15:42 (Europe/Madrid, UTC+02:00)",
        "refund_by": "3 de julio de 2026",
    },
}


@pytest.fixture(autouse=True)
def clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    """Three minutes before NOW: the shopper opens the form, then takes their time."""
    with time_machine.travel(NOW - dt.timedelta(minutes=3), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CONTACTKIT_ORDER_LOOKUP = "demoshop.orders.lookup"
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    policy = ReturnPolicy.for_site(site)
    policy.return_days = 30
    policy.return_methods = ["ReturnByMail"]
    policy.refund_types = ["FullRefund"]
    policy.full_clean()
    policy.save()
    ReturnStep.objects.create(policy=policy, title="Embálalo bien", text="Con papel.")
    home = site.root_page
    pages = {}
    for model, slug, title in (
        (ContactPage, "contacto", "Contacto"),
        (AboutPage, "quienes-somos", "Quiénes somos"),
        (ReturnsPage, "devoluciones", "Devoluciones"),
        (LegalNoticePage, "aviso-legal", "Aviso legal"),
    ):
        pages[slug] = home.add_child(instance=model(title=title, slug=slug))
    return pages


@pytest.fixture
def returns(shop):
    return shop["devoluciones"]


def html_of(response):
    return BeautifulSoup(response.content, "html.parser")


def text_of(response):
    return " ".join(html_of(response).get_text(" ").split())


def withdraw_url(page, language="en"):
    return in_language(page.url, language) + "withdraw/"


def open_form(client, page, language="en", query=""):
    """The statement form as the shopper gets it: its action and every field's value."""
    response = client.get(withdraw_url(page, language) + query)
    assert response.status_code == 200
    form = html_of(response).find("form", class_="ck-form")
    values = {}
    for field in form.find_all(["input", "textarea"]):
        if field.get("name") and field.get("name") != "csrfmiddlewaretoken":
            values[field["name"]] = field.get("value") or field.get_text() or ""
    return form["action"], values


def state(client, clock, page, language="en", **fields):
    """Open the form, wait a minute, send the statement; the confirmation step's response."""
    action, values = open_form(client, page, language)
    values.update(
        {
            "name": "Ana García",
            "email": "ana@example.com",
            "order_number": "CA-1001",
            **fields,
        }
    )
    clock.shift(dt.timedelta(minutes=1))
    return client.post(action, {k: v for k, v in values.items() if v is not None})


def confirmation_form(response):
    form = html_of(response).find("form", class_="ck-form")
    return form["action"], form.find("input", attrs={"name": "token"})["value"]


def confirm(client, response, capture, clock=None):
    """Press "Confirm withdrawal" on the confirmation step ``response``."""
    action, token = confirmation_form(response)
    if clock is not None:
        clock.move_to(NOW)
    with capture(execute=True):
        return client.post(action, {"token": token})


def stored():
    return Withdrawal.objects.select_related("conversation").get()


# The control


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_returns_page_has_the_withdrawal_button_and_still_the_printable_form(
    client, returns, language
):
    html = html_of(client.get(in_language(returns.url, language)))
    button = html.find("a", string=WORDS[language]["button"])
    assert button is not None and "ck-button" in button["class"]
    assert button["href"] == withdraw_url(returns, language)
    # Near the top: before the policy.
    assert button.find_previous("h2") == html.find("h2")
    assert html.find("a", href=re.compile(rf"{returns.url}withdrawal-form/$"))


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_links_to_the_withdrawal_form_in_its_footer(client, shop, site, language):
    returns = shop["devoluciones"]
    for page in [site.root_page, *shop.values()]:
        response = client.get(in_language(page.url, language))
        assert response.status_code == 200, page
        footer = html_of(response).find("footer")
        link = footer.find("a", string=WORDS[language]["button"])
        assert link is not None, page
        assert link["href"] in (withdraw_url(returns, language), withdraw_url(returns)), page


def test_the_standalone_base_template_has_the_link_in_its_footer(client, shop, settings):
    settings.CONTACTKIT_BASE_TEMPLATE = "contactkit/standalone.html"
    returns = shop["devoluciones"]
    for page in shop.values():
        footer = html_of(client.get(page.url)).find("footer")
        assert footer.find("a", string=WORDS["en"]["button"])["href"] == withdraw_url(returns)


def test_the_footer_link_marks_the_withdrawal_form_as_the_current_page(client, returns):
    footer = html_of(client.get(withdraw_url(returns))).find("footer")
    assert footer.find("a", string=WORDS["en"]["button"])["aria-current"] == "page"


def test_no_returns_page_no_withdrawal_link(client, site):
    profile_for(site)
    footer = html_of(client.get("/")).find("footer")
    assert footer.find("a", string=WORDS["en"]["button"]) is None


# The whole flow


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_shopper_withdraws_and_gets_a_receipt_at_once(
    client, clock, returns, language, django_capture_on_commit_callbacks
):
    words = WORDS[language]
    # From the button on the Returns page to the statement form.
    page = html_of(client.get(in_language(returns.url, language)))
    form_url = page.find("a", string=words["button"])["href"]
    form = html_of(client.get(form_url)).find("form", class_="ck-form")
    for field in form.find_all(["input", "textarea"]):
        if field.get("type") != "hidden" and field.get("name") not in ("website", None):
            assert form.find("label", attrs={"for": field["id"]}), field
            assert "required" not in field.attrs or field["name"] in ("name", "email")

    step = state(client, clock, returns, language, items="2 Taza de gres azul cobalto", comment="")
    assert step.status_code == 200
    assert not Conversation.objects.exists()  # nothing is stored before the confirmation
    html = html_of(step)
    buttons = html.find_all("button")
    assert [b.get_text(strip=True) for b in buttons] == [words["confirm"]]
    statement = " ".join(html.find("main").get_text(" ").split())
    assert "Ana García" in statement and "CA-1001" in statement
    assert "2 × Taza de gres azul cobalto" in statement

    response = confirm(client, step, django_capture_on_commit_callbacks, clock)
    assert response.status_code == 303
    receipt_url = response["Location"]
    assert receipt_url.startswith(withdraw_url(returns, language) + "receipt/")

    receipt = client.get(receipt_url)
    assert receipt.status_code == 200
    assert (
        receipt["Cache-Control"].startswith("max-age=0") or "no-store" in receipt["Cache-Control"]
    )
    text = text_of(receipt)
    withdrawal = stored()
    conversation = withdrawal.conversation
    assert html_of(receipt).find("h1").get_text(strip=True) == words["received"]
    assert conversation.reference in text
    assert words["date"] in text
    assert fingerprint.formatted(withdrawal.fingerprint) in text
    assert words["refund_by"] in text
    assert "Embálalo bien" in text  # the policy's steps to send the items back
    assert html_of(receipt).find("a", href=receipt_url + "pdf/")

    # Stored as the inbox needs it.
    assert conversation.topic == Topic.WITHDRAWAL
    assert conversation.source == Source.WITHDRAWAL
    assert conversation.status == Status.NEW
    assert conversation.language == language
    assert conversation.refund_due == TODAY + dt.timedelta(days=14)
    assert conversation.created_at == NOW.replace(microsecond=0)
    assert conversation.form_page_id == returns.pk
    assert "CA-1001" in conversation.messages.get().body
    assert withdrawal.received_at == NOW.replace(microsecond=0)
    assert withdrawal.time_zone == "Europe/Madrid"
    assert withdrawal.language == language
    assert (withdrawal.name, withdrawal.email, withdrawal.order_number) == (
        "Ana García",
        "ana@example.com",
        "CA-1001",
    )
    assert withdrawal.items == [{"description": "Taza de gres azul cobalto", "quantity": 2}]
    assert withdrawal.comment == ""
    assert withdrawal.verify()
    # The acknowledgement was queued, and the receipt says so truthfully.
    assert conversation.deliveries.filter(kind=EmailDelivery.Kind.ACKNOWLEDGEMENT).exists()
    assert "ana@example.com" in text


def test_no_account_and_no_session_are_needed(clock, returns, django_capture_on_commit_callbacks):
    """Each step from a browser that has no cookie of the others."""
    step = state(Client(), clock, returns)
    response = confirm(Client(), step, django_capture_on_commit_callbacks, clock)
    assert response.status_code == 303
    assert Client().get(response["Location"]).status_code == 200
    assert Withdrawal.objects.count() == 1


def test_the_receipt_is_found_again_from_its_link_any_time_later(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns)
    location = confirm(client, step, django_capture_on_commit_callbacks, clock)["Location"]
    clock.shift(dt.timedelta(days=400))
    assert Client().get(location).status_code == 200


def test_a_bad_receipt_link_is_not_found(client, returns):
    assert client.get(withdraw_url(returns) + "receipt/CK-2026-000001/").status_code == 404
    forged = signing.dumps(1, salt="another.salt")
    assert client.get(withdraw_url(returns) + f"receipt/{forged}/").status_code == 404


# Once, whatever happens


def test_a_double_clicked_confirmation_stores_one_withdrawal(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns)
    first = confirm(client, step, django_capture_on_commit_callbacks, clock)
    second = confirm(client, step, django_capture_on_commit_callbacks)
    assert first.status_code == second.status_code == 303
    assert Withdrawal.objects.count() == Conversation.objects.count() == 1
    ids = {
        links.conversation_id(r["Location"].rstrip("/").rsplit("/", 1)[1]) for r in (first, second)
    }
    assert ids == {stored().conversation_id}
    assert EmailDelivery.objects.filter(kind=EmailDelivery.Kind.ACKNOWLEDGEMENT).count() == 1


def test_a_replayed_confirmation_long_after_still_gives_the_same_receipt(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns)
    first = confirm(client, step, django_capture_on_commit_callbacks, clock)
    clock.shift(dt.timedelta(days=2))
    again = confirm(client, step, django_capture_on_commit_callbacks)
    assert again.status_code == 303
    assert links.conversation_id(again["Location"].split("/")[-2]) == links.conversation_id(
        first["Location"].split("/")[-2]
    )
    assert Withdrawal.objects.count() == 1


def test_the_statement_sent_again_and_confirmed_again_is_still_one_withdrawal(
    client, clock, returns, django_capture_on_commit_callbacks
):
    """The back button from the receipt and "send the form again": the same form."""
    action, values = open_form(client, returns)
    values.update({"name": "Ana García", "email": "ana@example.com", "order_number": "CA-1001"})
    clock.shift(dt.timedelta(minutes=1))
    confirm(client, client.post(action, values), django_capture_on_commit_callbacks, clock)
    confirm(client, client.post(action, values), django_capture_on_commit_callbacks)
    assert Withdrawal.objects.count() == 1


def test_a_changed_statement_is_a_new_withdrawal(
    client, clock, returns, django_capture_on_commit_callbacks
):
    action, values = open_form(client, returns)
    values.update({"name": "Ana García", "email": "ana@example.com", "order_number": "CA-1001"})
    clock.shift(dt.timedelta(minutes=1))
    confirm(client, client.post(action, values), django_capture_on_commit_callbacks, clock)
    values["items"] = "1 Plato llano"
    confirm(client, client.post(action, values), django_capture_on_commit_callbacks)
    assert Withdrawal.objects.count() == 2


def test_an_expired_confirmation_step_goes_back_to_the_statement_as_written(
    client, clock, returns, settings, django_capture_on_commit_callbacks
):
    settings.CONTACTKIT_WITHDRAWAL_CONFIRM_MINUTES = 30
    step = state(client, clock, returns, items="2 Taza azul\n1 Plato llano", comment="Llegó tarde.")
    clock.shift(dt.timedelta(minutes=31))
    action, token = confirmation_form(step)
    response = client.post(action, {"token": token})
    assert response.status_code == 200
    assert not Conversation.objects.exists()
    assert "expired after 30 minutes" in text_of(response)
    form = html_of(response).find("form", class_="ck-form")
    assert form.find("input", attrs={"name": "name"})["value"] == "Ana García"
    assert form.find("input", attrs={"name": "email"})["value"] == "ana@example.com"
    assert form.find("input", attrs={"name": "order_number"})["value"] == "CA-1001"
    assert form.find("textarea", attrs={"name": "items"}).get_text().strip() == (
        "2 Taza azul\n1 Plato llano"
    )
    assert form.find("textarea", attrs={"name": "comment"}).get_text().strip() == "Llegó tarde."
    # Sent again as it stands, it is a person's withdrawal, not a robot's.
    values = {
        field["name"]: field.get("value") or field.get_text()
        for field in form.find_all(["input", "textarea"])
        if field.get("name") and field["name"] != "csrfmiddlewaretoken"
    }
    step = client.post(form["action"], values)
    confirm(client, step, django_capture_on_commit_callbacks)
    withdrawal = stored()
    assert withdrawal.conversation.status == Status.NEW
    assert withdrawal.items == [
        {"description": "Taza azul", "quantity": 2},
        {"description": "Plato llano", "quantity": 1},
    ]


def test_a_confirmation_that_cannot_be_read_asks_for_the_statement_again(client, returns):
    response = client.post(withdraw_url(returns) + "confirm/", {"token": "made-up"})
    assert response.status_code == 400
    assert "nothing was sent" in text_of(response)
    assert html_of(response).find("form", class_="ck-form")
    assert not Conversation.objects.exists()


def test_the_confirmation_step_is_only_posted_to(client, returns):
    response = client.get(withdraw_url(returns) + "confirm/")
    assert response.status_code == 302 and response["Location"] == withdraw_url(returns)


def test_when_the_database_is_busy_the_step_is_shown_again_with_nothing_lost(
    client, clock, returns, monkeypatch
):
    from contactkit.returns.withdrawal import service

    step = state(client, clock, returns)
    action, token = confirmation_form(step)

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(service, "_receive", busy)
    response = client.post(action, {"token": token})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "press “Confirm withdrawal” again" in text_of(response)
    assert confirmation_form(response) == (action, token)


def test_with_the_mail_server_down_the_withdrawal_is_kept_and_the_receipt_says_so(
    client, clock, returns, monkeypatch, django_capture_on_commit_callbacks
):
    from contactkit.inbox import mailer

    def down(message, recipients):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(mailer, "send", down)
    response = confirm(client, state(client, clock, returns), django_capture_on_commit_callbacks)
    assert response.status_code == 303
    withdrawal = stored()
    assert withdrawal.verify()
    delivery = withdrawal.conversation.deliveries.get(kind=EmailDelivery.Kind.ACKNOWLEDGEMENT)
    assert delivery.state == EmailDelivery.State.FAILED  # tried again later
    text = text_of(client.get(response["Location"]))
    assert fingerprint.formatted(withdrawal.fingerprint) in text
    assert "We are also sending this acknowledgement to ana@example.com." in text


def test_a_broken_email_step_never_loses_the_withdrawal(
    client, clock, returns, monkeypatch, django_capture_on_commit_callbacks
):
    from contactkit.inbox import emails

    def broken(conversation):
        raise RuntimeError("a bug in the emails")

    monkeypatch.setattr(emails, "queue_withdrawal_emails", broken)
    response = confirm(client, state(client, clock, returns), django_capture_on_commit_callbacks)
    assert response.status_code == 303
    assert stored().verify()
    text = text_of(client.get(response["Location"]))
    assert "We have not emailed you this acknowledgement." in text


# What the shopper is told, and what never stops them


def test_an_order_the_shop_does_not_know_is_said_and_can_still_be_sent(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns, order_number="CA-7777")
    assert (
        "We could not find order CA-7777 for the email ana@example.com. You can still send "
        "your withdrawal: the shop will check it." in text_of(step)
    )
    assert confirm(client, step, django_capture_on_commit_callbacks, clock).status_code == 303
    withdrawal = stored()
    assert withdrawal.order_found is False and withdrawal.order_details == {}


def test_a_period_that_looks_over_is_said_and_can_still_be_sent(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns, order_number="CA-0999")
    # Delivered 40 days ago (10 May); the policy gives 30 days.
    assert (
        "The withdrawal period for this order looks to have ended on June 9, 2026. You can "
        "still send your withdrawal: the shop will check it." in text_of(step)
    )
    confirm(client, step, django_capture_on_commit_callbacks, clock)
    withdrawal = stored()
    assert withdrawal.order_found is True
    assert withdrawal.period_ends == dt.date(2026, 6, 9)
    assert withdrawal.period_over is True


def test_a_known_order_within_the_period_has_no_notice(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns)
    text = text_of(step)
    assert "could not find" not in text and "looks to have ended" not in text
    # The whole order, and what the shop's system says it holds.
    assert "The whole order" in text and "2 × Taza de gres azul cobalto" in text
    location = confirm(client, step, django_capture_on_commit_callbacks, clock)["Location"]
    assert "2 × Taza de gres azul cobalto" in text_of(client.get(location))
    withdrawal = stored()
    assert withdrawal.order_found is True
    assert withdrawal.items == []
    assert withdrawal.order_details["number"] == "CA-1001"
    assert withdrawal.period_ends == dt.date.fromisoformat(
        withdrawal.order_details["delivered_on"]
    ) + dt.timedelta(days=30)
    assert withdrawal.period_over is False


def test_without_an_order_lookup_nothing_is_checked(
    client, clock, returns, settings, django_capture_on_commit_callbacks
):
    settings.CONTACTKIT_ORDER_LOOKUP = None
    step = state(client, clock, returns, order_number="PED-55", delivery_date="2026-06-10")
    assert "could not find" not in text_of(step)
    confirm(client, step, django_capture_on_commit_callbacks, clock)
    withdrawal = stored()
    assert withdrawal.order_found is None
    assert withdrawal.delivery_date == dt.date(2026, 6, 10)
    assert withdrawal.period_ends == dt.date(2026, 7, 10)


def test_a_link_from_the_shop_fills_in_the_order(client, clock, returns):
    _action, values = open_form(client, returns, query="?order=CA-1001&email=ana@example.com")
    assert values["order_number"] == "CA-1001"
    assert values["email"] == "ana@example.com"
    assert values["order_date"] == "2026-06-11"
    assert values["delivery_date"] == "2026-06-14"
    assert values["items"].strip().splitlines() == [
        "2 Taza de gres azul cobalto",
        "1 Plato llano de 27 cm, esmalte crema",
    ]
    _action, values = open_form(client, returns, query="?order=CA-1001&email=luis@example.com")
    assert values["order_number"] == "CA-1001" and values["items"].strip() == ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"email": "ana@"}, "email", "Enter a valid email address."),
        (
            {"order_number": ""},
            "order_number",
            "Give the order number, or the date you ordered or received it, so we know which "
            "contract you withdraw from.",
        ),
        ({"order_date": "31/02/2026"}, "order_date", "Give the date like this: 2026-06-15."),
        ({"delivery_date": "2026-07-30"}, "delivery_date", "This date is still to come."),
        (
            {"order_date": "2026-06-10", "delivery_date": "2026-06-01"},
            "delivery_date",
            "This is before the day you ordered: check both dates.",
        ),
        (
            {"items": "2 Taza azul\n3"},
            "items",
            "Line 2: say which item it is, for example “2 blue mugs”.",
        ),
        ({"items": "0 Taza azul"}, "items", "Line 1: the quantity must be at least 1."),
        ({"name": "Ana\nBcc: x@example.com"}, "name", "Write this on one line."),
    ],
)
def test_missing_or_wrong_fields_are_explained_and_nothing_is_stored(
    client, clock, returns, fields, field, message
):
    response = state(client, clock, returns, **fields)
    assert response.status_code == 200
    html = html_of(response)
    summary = html.find(id="ck-form-errors")
    assert message in summary.get_text()
    assert summary.find("a", href=f"#id_{field}")
    widget = html.find(attrs={"name": field})
    assert widget["aria-invalid"] == "true"
    assert f"id_{field}_error" in widget["aria-describedby"].split()
    assert html.find(id=f"id_{field}_error")
    assert not html.find("button", string=WORDS["en"]["confirm"])
    assert not Conversation.objects.exists()


def test_in_spanish_the_form_explains_itself_with_tu(client, clock, returns):
    from tests.inbox.test_spanish_wording import USTED

    response = state(
        client, clock, returns, "es", name="", order_number="", order_date="2026-02-31", items="3"
    )
    text = " ".join(html_of(response).find(id="ck-form-errors").get_text(" ").split())
    assert "Tu nombre:" in text
    assert "Escribe la fecha así: 15/06/2026." in text
    assert "Línea 1: di qué artículo es, por ejemplo «2 tazas azules»." in text
    assert not USTED.search(text), USTED.search(text)
    response = state(client, clock, returns, "es", order_number="")
    assert "Indica el número de pedido, o la fecha en que lo hiciste o lo recibiste" in text_of(
        response
    )


def test_a_date_typed_the_spanish_way_is_understood_in_spanish(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns, "es", order_number="", delivery_date="10/06/2026")
    assert step.status_code == 200 and html_of(step).find("input", attrs={"name": "token"})
    confirm(client, step, django_capture_on_commit_callbacks, clock)
    assert stored().delivery_date == dt.date(2026, 6, 10)


def test_a_date_alone_identifies_the_contract_and_no_reason_is_asked(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns, order_number="", order_date="2026-06-01")
    assert html_of(step).find("input", attrs={"name": "token"})
    confirm(client, step, django_capture_on_commit_callbacks, clock)
    withdrawal = stored()
    assert withdrawal.order_number == "" and withdrawal.order_date == dt.date(2026, 6, 1)
    assert withdrawal.comment == ""


# Suspicious withdrawals are kept, never dropped


def test_a_filled_in_honeypot_is_stored_as_spam_without_an_acknowledgement(
    client, clock, returns, django_capture_on_commit_callbacks
):
    step = state(client, clock, returns, website="http://spam.example")
    response = confirm(client, step, django_capture_on_commit_callbacks, clock)
    assert response.status_code == 303
    conversation = stored().conversation
    assert conversation.status == Status.SPAM
    assert "honeypot" in conversation.spam_reason.split()
    assert not conversation.deliveries.exists()
    # The shopper is told the truth: received, and no email.
    text = text_of(client.get(response["Location"]))
    assert "We have received your withdrawal" in text
    assert "We have not emailed you this acknowledgement." in text


def test_a_statement_sent_at_once_is_taken_for_a_robot_but_kept(
    client, returns, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        action, values = open_form(client, returns)
        values.update({"name": "Bot", "email": "bot@example.com", "order_number": "X1"})
        step = client.post(action, values)
        confirm(client, step, django_capture_on_commit_callbacks)
    conversation = stored().conversation
    assert conversation.status == Status.SPAM
    assert conversation.spam_reason.startswith("too_fast:")


def test_a_withdrawal_over_a_limit_is_held_for_review(
    client, clock, returns, settings, django_capture_on_commit_callbacks
):
    settings.CONTACTKIT_RATE_LIMIT_EMAIL = (1, 3600)
    confirm(client, state(client, clock, returns), django_capture_on_commit_callbacks, clock)
    step = state(client, clock, returns, order_number="CA-0999")
    confirm(client, step, django_capture_on_commit_callbacks)
    first, second = Conversation.objects.order_by("pk")
    assert first.status == Status.NEW
    assert second.status == Status.HELD and "rate_email" in second.spam_reason
    assert not second.deliveries.exists()
    assert second.withdrawal.verify()


# The PDF (its content is tested with the PDF itself)


def test_the_receipt_is_also_a_pdf_with_a_proper_file_name(
    client, clock, returns, django_capture_on_commit_callbacks
):
    location = confirm(
        client, state(client, clock, returns), django_capture_on_commit_callbacks, clock
    )["Location"]
    response = client.get(location + "pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reference = stored().conversation.reference
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="receipt-{reference}.pdf"' in disposition
    assert f"filename*=UTF-8''receipt-{reference}.pdf" in disposition
    assert disposition.isascii()
