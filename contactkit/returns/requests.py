"""Return requests: a fault, a wrong item, an exchange or a change of mind, with photos.

It is not the withdrawal of art. 11a (that has its own button, and never asks why): a return
request says why, which items, and may bring photos of the fault, so the shop can answer it. It
is the contact form with the topic fixed to "return" (:class:`ReturnRequestForm` is a
:class:`~contactkit.inbox.forms.ContactForm`), so the same checks, limits, spam traps and
storage apply: :func:`contactkit.inbox.submission.receive` stores it before any email.

The Returns page routes ``return-request/`` to :func:`serve`. After storing, the shopper is
redirected to ``return-request/?sent=<reference>``, which shows what happened to the request
to the browser that sent it (the reference is kept in its session) and, to anyone else, the
empty form: a reload never sends it twice, and a reference in an address tells nothing.
"""

from django import forms
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contactkit.inbox.forms import ContactForm
from contactkit.inbox.models import Topic
from contactkit.profile.shop import Shop

TEMPLATE = "contactkit/returns/return_request.html"
# The reference of the last return request this browser sent, for the ?sent= page.
SESSION_KEY = "contactkit_return_request"

REASONS = [
    ("fault", _("It is faulty or damaged")),
    ("wrong_item", _("I received the wrong item")),
    ("exchange", _("I want to exchange it (another size or colour)")),
    ("change_of_mind", _("I changed my mind")),
]

NOT_STORED_MESSAGE = _(
    "We could not store your request just now because many people are writing at the same "
    "moment. Nothing was sent: please press “Send return request” again. Your text is still "
    "here; attach your photos again if you had any."
)


class ReturnRequestForm(ContactForm):
    """The contact form as a return request: the order and why are asked, the topic is
    "return", and the message stored is the reason, the items and the shopper's text."""

    # Not asked: the topic is always "return"; the answer goes by email.
    topic = None
    phone = None
    reason = forms.ChoiceField(
        label=_("Why do you want to return it?"),
        choices=[("", _("Choose one…")), *REASONS],
        error_messages={"required": _("Choose why you want to return it.")},
    )
    items = forms.CharField(
        label=_("Which items, and how many?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: 2 × blue mug. Write “all” if it is the whole order."),
        error_messages={"required": _("Tell us which items you want to return.")},
    )

    field_order = [
        "name",
        "email",
        "order_number",
        "reason",
        "items",
        "message",
        "attachments",
        "consent",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order_number = self.fields["order_number"]
        order_number.label = _("Order number")
        order_number.required = True
        order_number.help_text = _("It is in the email confirming your order.")
        order_number.error_messages["required"] = _(
            "Write your order number: it is in the email confirming your order."
        )
        message = self.fields["message"]
        message.label = _("Tell us more (optional)")
        message.required = False
        message.help_text = _("What is wrong with it, or what you would like instead.")
        attachments = self.fields["attachments"]
        attachments.help_text = " ".join(
            [
                gettext("A photo of the fault or of what you received helps us."),
                attachments.help_text,
            ]
        )

    def clean(self):
        cleaned = super().clean()
        cleaned["topic"] = Topic.RETURN
        if "reason" in cleaned and "items" in cleaned:
            cleaned["message"] = self.compose(
                cleaned["reason"], cleaned["items"], cleaned.get("message") or ""
            )
        return cleaned

    def compose(self, reason, items, text):
        """The message stored for staff, in the shopper's language: why, which items, the
        shopper's own words. Sent again unchanged, it is the same text (one conversation)."""
        parts = [
            gettext("Reason: %(reason)s") % {"reason": dict(REASONS)[reason]},
            gettext("Items: %(items)s") % {"items": items.strip()},
        ]
        if text.strip():
            parts.append(text.strip())
        return "\n\n".join(parts)


def privacy_url(request):
    """The shop's privacy page in the shopper's language, as the contact form links it."""
    from contactkit.inbox.models import InboxSettings

    privacy = InboxSettings.for_request(request).privacy_page
    privacy = privacy.localized if privacy is not None else None
    return privacy.url if privacy is not None and privacy.live else ""


def serve(page, request):
    """The return request form of ``page`` (a Returns page), what sending it did, or the form
    again with its errors and everything the shopper typed."""
    if request.method == "POST":
        form = ReturnRequestForm(request.POST, request.FILES, request=request)
        if form.is_valid():
            from contactkit.inbox.submission import NotStored, receive

            try:
                conversation = receive(
                    form, site=Shop.for_request(request).site, request=request, page=page
                )
            except NotStored:
                # Nothing was kept: say so, and give the form back with the text in it.
                form.add_error(None, NOT_STORED_MESSAGE)
                response = render(page, request, form=form, status=503)
                response["Retry-After"] = "5"
                return response
            request.session[SESSION_KEY] = conversation.reference
            # Redirecting (rather than rendering) means a reload never sends it twice.
            return redirect(f"{request.path}?{urlencode({'sent': conversation.reference})}")
        return render(page, request, form=form)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    sent = request.GET.get("sent")
    if sent is not None:
        if sent and sent == request.session.get(SESSION_KEY):
            return render_sent(page, request, sent)
        return redirect(request.path)
    return render(page, request, form=ReturnRequestForm())


def render(page, request, *, form, status=200):
    context = page.get_context(request)
    context["form"] = form
    context["privacy_url"] = privacy_url(request)
    template = page.get_themed_template(request, TEMPLATE)
    return TemplateResponse(request, template, context, status=status)


def render_sent(page, request, reference):
    """What happened to the request just sent, told truthfully, as the contact form's thanks:
    an email is said to be sent only if a confirmation was really queued."""
    from contactkit.inbox.models import Conversation, EmailDelivery, Status

    conversation = Conversation.objects.filter(reference=reference).first()
    context = page.get_context(request)
    context["sent"] = True
    context["reference"] = reference
    context["reply_time"] = context["shop"].expected_reply_time
    context["held_for_review"] = conversation is not None and conversation.status in (
        Status.HELD,
        Status.SPAM,
    )
    context["confirmation_sent"] = (
        conversation is not None
        and conversation.deliveries.filter(kind=EmailDelivery.Kind.CONFIRMATION).exists()
    )
    template = page.get_themed_template(request, TEMPLATE)
    return TemplateResponse(request, template, context)
