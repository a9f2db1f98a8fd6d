"""The shopper's private conversation page, served by the contact page (see ``ContactPage``'s
routes): what the link in every email opens.

``conversation/<token>/``
    The conversation as the shopper may see it: their messages and the shop's replies, in
    order, with the files they sent, and a box to write again (stored by
    :func:`contactkit.inbox.followups.add_shopper_message`, then back to the page: a reload
    never sends twice). Never staff's notes, the assignee, a spam reason or the emails sent.
``conversation/<token>/files/<id>/``
    A file the shopper sent in this conversation, as a download.
``conversation/link/``
    "Send me a new link": an email and a reference that match a conversation get a fresh
    link by email. The answer is the same whether they match or not.

A link that is expired, revoked, tampered with or made up gets a page that says so, shows
nothing of any conversation, and offers the new-link form (see :mod:`contactkit.inbox.threads`).
Every page here is for one shopper's browser only: never cached, never indexed, its address
(which is the secret) never sent to another site as a referrer.
"""

import datetime as dt

from django import forms
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactkit.conf import contactkit_settings
from contactkit.inbox import limits, spam, threads
from contactkit.inbox.forms import MultipleFileField, MultipleFileInput, file_problem
from contactkit.inbox.models import Attachment, Conversation, Message, Status
from contactkit.profile.shop import Shop

THREAD_TEMPLATE = "contactkit/pages/thread.html"
PROBLEM_TEMPLATE = "contactkit/pages/thread_problem.html"
NEW_LINK_TEMPLATE = "contactkit/pages/thread_new_link.html"

# The reference of the conversation this browser just wrote in, for "Your message is sent".
SENT_KEY = "contactkit_thread_sent"
# The message just sent was over the limit: kept, but nobody was emailed about it.
HELD_KEY = "contactkit_thread_held"

# What the shopper sees of a conversation: never internal notes.
SHOWN = (Message.Kind.SHOPPER, Message.Kind.REPLY)

# Messages from one conversation's page in an hour before the page asks to wait; asking for
# new links from one address in 15 minutes; new-link emails to one address in an hour.
REPLY_LIMIT = (30, 3600)
NEW_LINK_LIMIT = (5, 900)
NEW_LINK_EMAIL_LIMIT = (3, 3600)

# The same text sent again within this time (a double click, the back button) is one message.
DOUBLE_SEND = dt.timedelta(minutes=10)

ACCEPT = "image/jpeg,image/png,image/gif,image/webp,.pdf"


# Forms


class ReplyForm(forms.Form):
    """The shopper's new message on their conversation page."""

    message = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write your message first.")},
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Photos or PDF (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    # Spam traps, as on the contact form: a field people never see, and when it was opened.
    website = forms.CharField(label=gettext_lazy("Leave this empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if not self.is_bound:
            self.initial.setdefault("started", spam.form_timestamp())
        self.fields["attachments"].help_text = ngettext(
            "Up to %(count)s file of %(size)s.",
            "Up to %(count)s files of %(size)s each.",
            contactkit_settings.ATTACHMENT_MAX_COUNT,
        ) % {
            "count": contactkit_settings.ATTACHMENT_MAX_COUNT,
            "size": filesizeformat(contactkit_settings.ATTACHMENT_MAX_SIZE),
        }

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        limit = contactkit_settings.ATTACHMENT_MAX_COUNT
        if len(files) > limit:
            raise forms.ValidationError(
                ngettext(
                    "You can attach %(count)s file at most.",
                    "You can attach %(count)s files at most.",
                    limit,
                )
                % {"count": limit},
                code="too_many_files",
            )
        errors = [error for upload in files if (error := file_problem(upload))]
        if errors:
            raise forms.ValidationError(errors, code="bad_file")
        if limits.attachment_quota_exceeded(self.request, sum(upload.size for upload in files)):
            raise forms.ValidationError(
                _(
                    "You have sent many files in the last hour. Send your message without "
                    "files, or try again later."
                ),
                code="attachment_quota",
            )
        return files

    def spam_reason(self):
        """The spam checks' codes for a robot's send (the hidden field filled in, the form not
        opened from the page, or sent faster than anyone types), or "".

        Such a message is still stored, held back for staff to judge (see
        :func:`contactkit.inbox.followups.add_shopper_message`): nothing is ever dropped.
        """
        return spam.check(
            honeypot=self.cleaned_data.get("website"),
            timestamp=self.cleaned_data.get("started"),
            message="",
        )


class NewLinkForm(forms.Form):
    """The email and reference of a conversation, to be sent a new link to its page."""

    email = forms.EmailField(
        label=gettext_lazy("Your email"),
        max_length=254,
        help_text=gettext_lazy("The address you wrote to us from."),
    )
    reference = forms.CharField(
        label=gettext_lazy("Your reference"),
        max_length=32,
        help_text=gettext_lazy(
            "It is in the emails we sent you, such as CK-2026-000123 (in the subject line)."
        ),
    )
    website = forms.CharField(label=gettext_lazy("Leave this empty"), required=False)

    def clean_reference(self):
        return " ".join(self.cleaned_data["reference"].split()).upper()


# Helpers


def private(response):
    """For this shopper's browser only: never cached or indexed; the address (the secret)
    never sent to another site as a referrer.

    "same-origin", not "no-referrer": with no referrer at all, browsers send the form's
    ``Origin`` as "null", and Django's CSRF check refuses the reply box's POST.
    """
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def page_address(page, request):
    """The contact page's address as this request reached it (with its language prefix)."""
    path = request.path
    if "/conversation/" in path:
        return path[: path.rindex("/conversation/") + 1]
    return page.get_url(request) or ""


def new_link_address(page, request):
    return page_address(page, request) + page.reverse_subpage("thread_new_link")


def thanks_link(page, request, conversation):
    """The address of ``conversation``'s page for the thank-you page of ``page`` (a contact
    page), in the language it was reached in, with a fresh token; "" once staff revoked the
    conversation's links (from then on only new emails carry one)."""
    if conversation is None or conversation.thread_revoked_at is not None:
        return ""
    thanks = page.reverse_subpage("thanks")
    base = request.path.removesuffix(thanks) if request.path.endswith(thanks) else page.url
    if not base:
        return ""
    return base + page.reverse_subpage("thread", args=(threads.thread_token(conversation),))


def _render(page, request, template, extra, status=200):
    context = page.get_context(request)
    context.update(extra)
    response = TemplateResponse(
        request, page.get_themed_template(request, template), context, status=status
    )
    return private(response)


def status_words(status):
    """The conversation's status in the shopper's words: never "spam" nor "held"."""
    if status == Status.WAITING:
        return _("We have answered: the next word is yours.")
    if status == Status.CLOSED:
        return _("Closed. If you write again, we open it again.")
    return _("We are looking at it.")


def _shown_messages(conversation, shop, here):
    """The messages the shopper sees, oldest first, ready for the template."""
    files = Attachment.objects.order_by("pk")
    found = (
        conversation.messages.filter(kind__in=SHOWN)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=files))
        .order_by("created_at", "pk")
    )
    zone = shop.profile.zone
    shop_name = shop.profile.name
    shown = []
    for message in found:
        mine = message.kind == Message.Kind.SHOPPER
        if mine:
            who = _("You")
        else:
            who = (message.author.first_name if message.author else "") or shop_name
        when = timezone.localtime(message.created_at, zone)
        shown.append(
            {
                "pk": message.pk,
                "mine": mine,
                "who": who,
                "when": formats.date_format(when, "DATETIME_FORMAT"),
                "when_iso": when.replace(microsecond=0).isoformat(),  # HTML: at most 3 decimals
                "body": message.body,
                # Only the shopper's own files: staff's replies carry none they could see.
                "files": [_file(attachment, here) for attachment in message.attachments.all()]
                if mine
                else [],
            }
        )
    return shown


def _downloadable(attachment):
    return bool(attachment.file) and not attachment.quarantined and attachment.purged_at is None


def _file(attachment, here):
    return {
        "name": attachment.name,
        "size": attachment.size,
        "url": f"{here}files/{attachment.pk}/" if _downloadable(attachment) else "",
    }


def _check(request, token):
    return threads.check_token(token, site=Shop.for_request(request).site)


# The pages


def problem(page, request, reason):
    """The page for a link that does not work: why, and the new-link form. No conversation."""
    return _render(
        page,
        request,
        PROBLEM_TEMPLATE,
        {
            "problem": reason,
            "days": contactkit_settings.THREAD_LINK_DAYS,
            "form": NewLinkForm(),
            "action": new_link_address(page, request),
        },
        status=410 if reason == threads.EXPIRED else 404,
    )


def thread(page, request, token):
    """The conversation's page; its reply box posts here."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    conversation, reason = _check(request, token)
    if conversation is None:
        return problem(page, request, reason)
    here = request.path
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES, request=request)
        if form.is_valid():
            # Over the limit, the message is kept all the same, held back from staff's email
            # (and the shopper is told so); a robot's is held back without a word.
            over_limit = _too_many(conversation)
            held = " ".join(filter(None, [form.spam_reason(), "limit" if over_limit else ""]))
            _store(conversation, form, request, held_reason=held)
            request.session[SENT_KEY] = conversation.reference
            if over_limit:
                request.session[HELD_KEY] = conversation.reference
            # 303: the page is fetched again with GET, so a reload never sends twice.
            return HttpResponseRedirect(here, status=303)
        return _thread_page(page, request, conversation, form)
    sent = request.session.pop(SENT_KEY, None) == conversation.reference
    held = request.session.pop(HELD_KEY, None) == conversation.reference
    return _thread_page(
        page, request, conversation, ReplyForm(request=request), sent=sent, held=held
    )


def _too_many(conversation):
    count, window = REPLY_LIMIT
    key = spam.keyed_hash(conversation.reply_token)
    return limits.add("thread_reply", key, window) > count


def _store(conversation, form, request, *, held_reason=""):
    """Store the shopper's message (once, if the same text is sent twice in a row)."""
    from contactkit.inbox.followups import add_shopper_message

    body = form.cleaned_data["message"]
    files = form.cleaned_data.get("attachments") or []
    last = conversation.messages.order_by("-created_at", "-pk").first()
    if (
        last is not None
        and last.kind == Message.Kind.SHOPPER
        and last.via == Message.Via.THREAD
        and last.body == body
        and last.created_at > timezone.now() - DOUBLE_SEND
    ):
        return last
    message = add_shopper_message(
        conversation, body, via=Message.Via.THREAD, files=files, held_reason=held_reason
    )
    limits.count_attachment_bytes(request, sum(upload.size for upload in files))
    return message


def _thread_page(page, request, conversation, form, *, sent=False, held=False, status=200):
    shop = Shop.for_request(request)
    here = request.path
    return _render(
        page,
        request,
        THREAD_TEMPLATE,
        {
            "conversation_reference": conversation.reference,
            "status": conversation.status,
            "status_text": status_words(conversation.status),
            "thread": _shown_messages(conversation, shop, here),
            "form": form,
            "action": here,
            "sent": sent,
            "held": held,
            "shop_name": shop.profile.name,
            "days": contactkit_settings.THREAD_LINK_DAYS,
        },
        status=status,
    )


def attachment(page, request, token, attachment_id):
    """A file the shopper sent in this conversation, as a download; else 404."""
    conversation, reason = _check(request, token)
    if conversation is None:
        raise Http404
    found = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__conversation=conversation,
            message__kind=Message.Kind.SHOPPER,
            quarantined=False,
            purged_at__isnull=True,
        )
        .exclude(file="")
        .first()
    )
    if found is None:
        raise Http404
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, OSError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return private(response)


def new_link(page, request):
    """ "Send me a new link": the same answer whether the email and reference match or not."""
    action = new_link_address(page, request)
    if request.method == "POST":
        form = NewLinkForm(request.POST)
        if form.is_valid():
            if _new_link_limited(request):
                form.add_error(
                    None,
                    _(
                        "You have asked for many links in a short time. Wait a quarter of an "
                        "hour and try again, please."
                    ),
                )
                return _render(
                    page,
                    request,
                    NEW_LINK_TEMPLATE,
                    {"form": form, "action": action},
                    status=429,
                )
            if not form.cleaned_data.get("website"):
                _send_new_link(request, form.cleaned_data)
            return HttpResponseRedirect(f"{action}?sent=1", status=303)
        return _render(page, request, NEW_LINK_TEMPLATE, {"form": form, "action": action})
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    sent = request.GET.get("sent") == "1"
    return _render(
        page,
        request,
        NEW_LINK_TEMPLATE,
        {"form": None if sent else NewLinkForm(), "sent": sent, "action": action},
    )


def _new_link_limited(request):
    """Count one ask from this address; True once it has asked too often."""
    address = limits.address_key(limits.client_address(request))
    if not address:
        return False
    count, window = NEW_LINK_LIMIT
    return limits.add("thread_link_ip", spam.keyed_hash(address), window) > count


def _send_new_link(request, data):
    """Email a new link if the email and reference name a conversation of this site.

    At most a few such emails per address and hour, whoever asks, so nobody can flood a
    shopper's mailbox with them.
    """
    from django.db import transaction

    count, window = NEW_LINK_EMAIL_LIMIT
    if limits.add("thread_link_email", spam.keyed_hash(data["email"]), window) > count:
        return None
    conversation = (
        Conversation.objects.for_email(data["email"])
        .filter(site=Shop.for_request(request).site, reference=data["reference"])
        .first()
    )
    if conversation is None:
        return None
    with transaction.atomic():
        return threads.queue_link_email(conversation)
