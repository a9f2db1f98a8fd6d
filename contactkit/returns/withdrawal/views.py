"""The withdrawal button's pages, served by the Returns page (see ``ReturnsPage``'s routes).

``withdraw/``
    The statement: who withdraws, from which contract, optionally which items. Sent, it is
    checked against the shop's order lookup and shown back as the confirmation step, with any
    notice (an order the shop's system does not know, a period that looks over: the shopper
    can still send). The statement travels in a signed, timestamped token in the confirmation
    form, so no session or account is needed.
``withdraw/confirm/``
    The one button, "Confirm withdrawal": stores the withdrawal and redirects (303) to its
    receipt. The same confirmation twice gives one withdrawal; a step older than
    ``CONTACTKIT_WITHDRAWAL_CONFIRM_MINUTES`` goes back to the statement with what was written.
``withdraw/receipt/<token>/`` and ``…/pdf/``
    The acknowledgement of receipt, and the same as a PDF, for as long as the link is kept.
"""

import json
import re
import time
import unicodedata
import uuid
from urllib.parse import quote

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch
from django.utils import formats, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactkit.conf import contactkit_settings
from contactkit.inbox.models import EmailDelivery
from contactkit.profile.shop import Shop
from contactkit.returns.withdrawal import fingerprint, links, service
from contactkit.returns.withdrawal.forms import StatementForm, items_text
from contactkit.returns.withdrawal.models import Withdrawal

CONFIRM_SALT = "contactkit.withdrawal.confirm"
# Confirmation keys are name-based UUIDs in this namespace: see confirmation_key().
KEY_NAMESPACE = uuid.UUID("836564cd-e6e3-40d5-86d0-67e974417c3c")
TEMPLATES = "contactkit/withdrawal/{}.html"


# Addresses and rendering


def served_url(page, request):
    """``page``'s address as ``request`` reached it, with its language prefix: an English
    page not translated yet is served at /es/… in Spanish, and its routes must stay there.
    Else (a preview, another page) the page's own address."""
    match = getattr(request, "routable_resolver_match", None)
    if match is not None and getattr(request, "path", None):
        try:
            route = page.reverse_subpage(match.url_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            route = None
        if route is not None and request.path.endswith("/" + route.lstrip("/")):
            return request.path[: len(request.path) - len(route.lstrip("/"))]
    return page.get_url(request) or ""


def _url(page, request, route, *args):
    return served_url(page, request) + page.reverse_subpage(route, args=args)


def _render(page, request, name, extra, status=200):
    context = page.get_context(request)
    context.update(extra)
    template = page.get_themed_template(request, TEMPLATES.format(name))
    response = TemplateResponse(request, template, context, status=status)
    # Personal data, and forms with a CSRF token: for this shopper's browser only.
    add_never_cache_headers(response)
    return response


def _private(response):
    """A receipt: never cached, never indexed, its address (the token) never sent elsewhere."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


# The statement


def confirmation_key(statement):
    """The confirmation's key: the same form sent with the same statement (a double click, a
    reload, the back button) gives the same key, so it is stored once; a statement changed
    before confirming is a new one."""
    if not statement.get("submission_key"):
        return uuid.uuid4().hex
    fields = {name: statement.get(name) for name in StatementForm.STATEMENT_FIELDS}
    fields["submission_key"] = statement["submission_key"]
    return uuid.uuid5(KEY_NAMESPACE, json.dumps(fields, sort_keys=True)).hex


def statement(page, request):
    """The statement form; sent and valid, the confirmation step."""
    shop = Shop.for_request(request)
    if request.method == "POST":
        form = StatementForm(request.POST, today=shop.today)
        if form.is_valid():
            data = form.statement()
            payload = {
                "statement": data,
                "order": service.check_order(data["order_number"], data["email"], shop.site),
                "key": confirmation_key(data),
                "stated_at": time.time(),
            }
            token = signing.dumps(payload, salt=CONFIRM_SALT, compress=True)
            return _confirmation(page, request, token, payload)
    else:
        from contactkit.accounts import identity

        initial = {**identity.initial(request), **_initial_from_query(request, shop)}
        form = StatementForm(initial=initial, today=shop.today)
    return _statement_page(page, request, form)


def _initial_from_query(request, shop):
    """``?order=`` (and ``?email=``) from a link in the shop, such as its order page; with
    both, and an order the shop's system knows, its dates and items too."""
    initial = {}
    number = " ".join(request.GET.get("order", "").split())[:60]
    email = request.GET.get("email", "").strip()[:254]
    if number:
        initial["order_number"] = number
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    if email:
        initial["email"] = email
    if number and email:
        order = service.check_order(number, email, shop.site)
        if order["found"]:
            details = order["details"]
            for field, key in (("order_date", "ordered_on"), ("delivery_date", "delivered_on")):
                if details.get(key):
                    initial[field] = details[key]
            initial["items"] = items_text(details.get("items"))
    return initial


def _sign_in(request):
    from contactkit.accounts import identity

    return identity.sign_in_context(request, request.path)


def _statement_page(page, request, form, *, notice="", status=200):
    return _render(
        page,
        request,
        "statement",
        {
            "form": form,
            "action": _url(page, request, "withdraw"),
            "notice": notice,
            **_sign_in(request),
        },
        status=status,
    )


# The confirmation step


def _notices(shop, payload):
    """What the shopper should know before confirming; none of it stops them."""
    data, order = payload["statement"], payload["order"]
    notices = []
    if order.get("found") is False:
        notices.append(
            _(
                "We could not find order %(number)s for the email %(email)s. You can still "
                "send your withdrawal: the shop will check it."
            )
            % {"number": data["order_number"], "email": data["email"]}
        )
    ends = service.period_ends(shop.return_policy, data, order)
    if ends is not None and ends < shop.today:
        notices.append(
            _(
                "The withdrawal period for this order looks to have ended on %(date)s. You can "
                "still send your withdrawal: the shop will check it."
            )
            % {"date": formats.date_format(ends, "DATE_FORMAT")}
        )
    return notices


def _known_items(items, order_found, order_details):
    """The order's items as the shop's system gives them, when the shopper withdraws from the
    whole order: what "the whole order" stands for."""
    if items or not order_found:
        return []
    return [
        f"{item.get('quantity', 1)} × {item.get('description', '')}"
        for item in (order_details or {}).get("items") or []
    ]


def _confirmation(page, request, token, payload, *, error="", status=200):
    from contactkit.returns.withdrawal.pdf import statement_rows

    shop = Shop.for_request(request)
    response = _render(
        page,
        request,
        "confirm",
        {
            "statement_rows": statement_rows(service.unsaved_withdrawal(payload["statement"])),
            "known_items": _known_items(
                payload["statement"].get("items"),
                payload["order"].get("found"),
                payload["order"].get("details"),
            ),
            "notices": _notices(shop, payload),
            "token": token,
            "action": _url(page, request, "withdraw_confirm"),
            "error": error,
        },
        status=status,
    )
    if status == 503:
        response["Retry-After"] = "5"
    return response


def _read(token, max_age=None):
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("statement"), dict):
        raise signing.BadSignature("Not a withdrawal statement.")
    payload.setdefault("order", {"found": None, "details": {}})
    return payload


def confirm(page, request):
    """The one button: store the withdrawal, then show its receipt."""
    shop = Shop.for_request(request)
    if request.method != "POST":
        return HttpResponseRedirect(_url(page, request, "withdraw"))
    token = request.POST.get("token", "")
    try:
        payload = _read(token)
    except (signing.BadSignature, ValueError, TypeError):
        form = StatementForm(today=shop.today)
        notice = _(
            "Your confirmation could not be read, so nothing was sent. Fill in your statement "
            "again, please."
        )
        return _statement_page(page, request, form, notice=notice, status=400)
    # Confirmed already (a double click, the back button): the same receipt, however late.
    if found := service.existing(payload.get("key")):
        return _to_receipt(page, request, found)
    minutes = contactkit_settings.WITHDRAWAL_CONFIRM_MINUTES
    try:
        _read(token, max_age=minutes * 60)
    except signing.SignatureExpired:
        initial = StatementForm.initial_from(payload["statement"])
        form = StatementForm(initial=initial, today=shop.today)
        notice = ngettext(
            "The confirmation step expired after %(minutes)s minute, before you confirmed, "
            "so nothing was sent. Your statement is below as you wrote it: check it and "
            "continue.",
            "The confirmation step expired after %(minutes)s minutes, before you confirmed, "
            "so nothing was sent. Your statement is below as you wrote it: check it and "
            "continue.",
            minutes,
        ) % {"minutes": minutes}
        return _statement_page(page, request, form, notice=notice)
    try:
        conversation = service.receive_withdrawal(
            payload["statement"],
            site=shop.site,
            request=request,
            confirmation_key=payload.get("key"),
            page=page,
            order=payload["order"],
            stated_at=payload.get("stated_at"),
        )
    except service.NotStored:
        error = _(
            "We could not store your withdrawal just now because many people are writing at "
            "the same moment. Nothing was sent: please press “Confirm withdrawal” again."
        )
        return _confirmation(page, request, token, payload, error=error, status=503)
    return _to_receipt(page, request, conversation)


def _to_receipt(page, request, conversation):
    url = _url(page, request, "withdrawal_receipt", links.receipt_token(conversation))
    # 303: the receipt is fetched with GET, and reloading it never confirms again.
    return HttpResponseRedirect(url, status=303)


# The receipt


def _withdrawal(request, token):
    """The withdrawal ``token`` stands for, on this site; else 404."""
    pk = links.conversation_id(token)
    if pk is None:
        raise Http404
    withdrawal = (
        Withdrawal.objects.select_related("conversation__site")
        .filter(conversation_id=pk, conversation__site=Shop.for_request(request).site)
        .first()
    )
    if withdrawal is None:
        raise Http404
    return withdrawal


def _email_state(conversation):
    """Whether the acknowledgement went out by email: "sent", "sending", "failed" or ""."""
    states = set(
        conversation.deliveries.filter(kind=EmailDelivery.Kind.ACKNOWLEDGEMENT).values_list(
            "state", flat=True
        )
    )
    State = EmailDelivery.State
    if State.SENT in states:
        return "sent"
    if states & {State.PENDING, State.FAILED}:
        return "sending"
    if State.GAVE_UP in states:
        return "failed"
    return ""


def receipt(page, request, token):
    """The acknowledgement of receipt: the statement, when it was received, its fingerprint."""
    from contactkit.returns.text import return_instructions
    from contactkit.returns.withdrawal import pdf

    withdrawal = _withdrawal(request, token)
    conversation = withdrawal.conversation
    shop = Shop.for_request(request)
    zone = pdf.zone_of(withdrawal, shop)
    days = contactkit_settings.REFUND_DAYS
    refund_due = conversation.refund_due
    refund = ""
    if refund_due is not None:
        refund = ngettext(
            "If your withdrawal is valid, we refund your payments within %(days)s day of "
            "receiving it, that is by %(date)s. We may wait until we have the items back, or "
            "until you show us that you have sent them.",
            "If your withdrawal is valid, we refund your payments within %(days)s days of "
            "receiving it, that is by %(date)s. We may wait until we have the items back, or "
            "until you show us that you have sent them.",
            days,
        ) % {"days": days, "date": formats.date_format(refund_due, "DATE_FORMAT")}
    response = _render(
        page,
        request,
        "receipt",
        {
            "withdrawal": withdrawal,
            "reference": conversation.reference,
            "received_at": pdf.received_at_text(withdrawal, shop),
            "received_at_iso": withdrawal.received_at.astimezone(zone).isoformat(),
            "receipt_sentence": pdf.receipt_sentence(),
            "statement_rows": pdf.statement_rows(withdrawal),
            "known_items": _known_items(
                withdrawal.items, withdrawal.order_found, withdrawal.order_details
            ),
            "fingerprint": fingerprint.formatted(withdrawal.fingerprint),
            "fingerprint_sentence": pdf.fingerprint_sentence(),
            "refund": refund,
            "return_instructions": return_instructions(shop.return_policy, shop.profile),
            "return_steps": shop.return_policy.prefetched_steps,
            "email_state": _email_state(conversation),
            "pdf_url": _url(page, request, "withdrawal_receipt_pdf", token),
            "thread_url": _thread_url(conversation),
        },
    )
    return _private(response)


def _thread_url(conversation):
    """The shopper's conversation page, to follow the withdrawal and write to the shop; not
    once staff revoked its links (this receipt's own link never expires)."""
    from contactkit.inbox import threads

    if conversation.thread_revoked_at is not None:
        return ""
    return threads.thread_url(conversation, translation.get_language())


def receipt_pdf(page, request, token):
    """The receipt as a PDF, in the language of the page it is asked from."""
    # Imported here: the PDF library is only loaded by those who ask for a PDF.
    from contactkit.returns.withdrawal.pdf import receipt_pdf as make_pdf

    withdrawal = _withdrawal(request, token)
    content = make_pdf(withdrawal, language=translation.get_language())
    response = HttpResponse(content, content_type="application/pdf")
    # Named as the PDF attached to the acknowledgement email.
    name = f"receipt-{withdrawal.conversation.reference}.pdf"
    response["Content-Disposition"] = content_disposition(name)
    return _private(response)


def content_disposition(filename, fallback="receipt.pdf"):
    """A download named ``filename``, as RFC 6266 says (as the vCard's, see
    :func:`contactkit.pages.vcard.vcard_content_disposition`): ``filename*`` in UTF-8 and an
    ASCII ``filename`` for clients that do not read it, so the header itself is pure ASCII."""
    filename = re.sub(r"[\x00-\x1f\x7f/\\]+", " ", filename).strip(". ") or fallback
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\%;]', "", ascii_name).strip(". ")
    if not re.search(r"[A-Za-z0-9]", ascii_name.rsplit(".", 1)[0]):
        ascii_name = fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
