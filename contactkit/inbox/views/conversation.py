"""A conversation's page: its thread and details, the forms to act on it, its history and files.

The POST views are that page with one form bound; each calls :mod:`contactkit.inbox.actions`,
the one place that changes a conversation.
"""

import datetime as dt

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import HistoryView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from contactkit.conf import contactkit_settings
from contactkit.inbox import actions
from contactkit.inbox.filters import AssigneeField, ConversationHistoryFilterSet, ShopCalendar
from contactkit.inbox.models import Attachment, CannedReply, Conversation, EmailDelivery, Status
from contactkit.inbox.views.display import (
    detail_url,
    first_response_text,
    language_name,
    refund_deadline,
    shop_name,
    spam_reason_text,
    url,
)
from contactkit.returns.withdrawal import fingerprint


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Reply"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Sent to the shopper by email, in this conversation's thread."),
    )
    then = forms.ChoiceField(
        label=gettext_lazy("Then set the status to"),
        choices=[
            (Status.WAITING, Status.WAITING.label),
            (Status.OPEN, Status.OPEN.label),
            (Status.CLOSED, Status.CLOSED.label),
        ],
        initial=Status.WAITING,
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Internal note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Only staff see notes: they are never emailed."),
    )


class HandlingForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        # Spam and held conversations leave their folder with "Not spam" and "Release".
        choices=[(value, label) for value, label in Status.choices if value in actions.WORKING],
    )
    assignee = AssigneeField(label=gettext_lazy("Assigned to"))


def canned_replies_for(conversation):
    """The canned replies in the order staff want them for ``conversation``: those in the
    shopper's language first, then those for any language, then the others (by language)."""
    language = (conversation.language or "").lower()

    def rank(reply):
        code = reply.language.lower()
        if code and language and (code == language or code == language.split("-")[0]):
            return 0
        return 1 if not code else 2

    replies = CannedReply.objects.all()
    return sorted(
        replies, key=lambda r: (rank(r), language_name(r.language), r.title.casefold(), r.pk)
    )


class CannedReplyChoiceForm(forms.Form):
    """Picks a canned reply, grouped by language, the shopper's first."""

    canned = forms.ChoiceField(label=gettext_lazy("Canned reply"), required=False)

    def __init__(self, *args, replies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.replies = {str(reply.pk): reply for reply in replies}
        groups = {}
        for reply in replies:
            group = language_name(reply.language) or _("Any language")
            groups.setdefault(group, []).append((str(reply.pk), reply.title))
        self.fields["canned"].choices = [("", _("Choose one…")), *groups.items()]

    def chosen(self):
        """The canned reply picked, or None."""
        if not self.is_valid():
            return None
        return self.replies.get(self.cleaned_data["canned"])


def _date_or_none(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class ConversationView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """A conversation's thread, details and, for those allowed, the forms to act on it.

    The POST views below are this view with one form bound: an invalid form shows this page
    again with its errors.
    """

    model = Conversation
    permission_required = "view"
    template_name = "contactkit/admin/conversation.html"
    header_icon = "mail"
    # How many of the shopper's other conversations are listed on the page.
    other_conversations_shown = 10

    @cached_property
    def conversation(self):
        return get_object_or_404(
            Conversation.objects.select_related("assignee", "site", "withdrawal"),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def can_reply(self):
        return self.user_has_permission("reply")

    @cached_property
    def folder(self):
        """The folder the conversation is set aside in ("spam", "held"), or "" for the inbox."""
        return {Status.SPAM: "spam", Status.HELD: "held"}.get(self.conversation.status, "")

    def get_page_title(self):
        return self.conversation.reference

    def get_page_subtitle(self):
        return self.conversation.name

    def get_breadcrumbs_items(self):
        folder = []
        if self.folder == "spam":
            folder = [{"url": url("spam"), "label": _("Spam")}]
        elif self.folder == "held":
            folder = [{"url": url("held"), "label": _("Held for review")}]
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Inbox")},
            *folder,
            {"url": "", "label": str(self.conversation)},
        ]

    @cached_property
    def canned_replies(self):
        return canned_replies_for(self.conversation)

    def canned_texts(self):
        """Each canned reply's text for this conversation, {name}, {reference}, {shop} filled
        in, by id: the data the "Use this text" button inserts."""
        if not self.canned_replies:
            return {}
        shop = shop_name(self.conversation.site)
        return {
            str(reply.pk): reply.render(self.conversation, shop) for reply in self.canned_replies
        }

    def get_forms(self):
        if not self.can_reply:
            return {}
        conversation = self.conversation
        return {
            "reply_form": ReplyForm(prefix="reply"),
            "note_form": NoteForm(prefix="note"),
            "handling_form": HandlingForm(
                prefix="handling",
                initial={"status": conversation.status, "assignee": conversation.assignee_id},
            ),
            "canned_form": CannedReplyChoiceForm(replies=self.canned_replies),
        }

    def other_conversations(self):
        """The same shopper's other conversations (same email, any case), newest first."""
        others = (
            Conversation.objects.for_email(self.conversation.email)
            .exclude(pk=self.conversation.pk)
            .order_by("-created_at")
        )
        return {
            "other_conversations": others[: self.other_conversations_shown],
            "other_conversations_count": others.count(),
            "search_url": url("index") + "?" + urlencode({"q": self.conversation.email}),
        }

    def withdrawal_details(self, calendar):
        """What staff need of the conversation's withdrawal, if it is one: the statement, when
        it was received in the shop's time zone, the order lookup's answer and whether the
        stored statement still matches the fingerprint on the shopper's receipt."""
        try:
            withdrawal = self.conversation.withdrawal
        except ObjectDoesNotExist:
            return None
        if withdrawal is None:
            return None
        zone = calendar.zone(self.conversation.site_id)
        if withdrawal.time_zone:
            zone = calendar.zone_named(withdrawal.time_zone)
        details = withdrawal.order_details or {}
        return {
            "statement": withdrawal,
            "received_at": withdrawal.received_at,
            "zone": zone,
            "fingerprint": fingerprint.formatted(withdrawal.fingerprint),
            "verified": withdrawal.verify(),
            "period_over": withdrawal.period_over,
            # The dates as the shop's system gave them, when it was asked.
            "ordered_on": _date_or_none(details.get("ordered_on")),
            "delivered_on": _date_or_none(details.get("delivered_on")),
        }

    def thread_links(self):
        """What staff need to know of the shopper's private conversation page: whether links
        to it work at all (the site has a live contact page), for how long, when they were
        last revoked."""
        from contactkit.inbox import threads

        conversation = self.conversation
        return {
            "active": threads.contact_page(conversation.site, conversation.language or None)
            is not None,
            "days": contactkit_settings.THREAD_LINK_DAYS,
            "revoked_at": conversation.thread_revoked_at,
        }

    def live_chat(self):
        """The live chat panel (see contactkit.launcher.staff), or None: for a chat, or a
        shopper with the chat open, in the inbox, for staff who may answer."""
        if not self.can_reply or self.folder:
            return None
        from contactkit.launcher.staff import live_chat_panel

        return live_chat_panel(self.conversation, self.request.user)

    def get_context_data(self, **kwargs):
        conversation = self.conversation
        calendar = ShopCalendar()
        thread = conversation.messages.select_related("author").prefetch_related(
            "attachments", "deliveries"
        )
        context = {
            **self.get_forms(),
            **self.other_conversations(),
            **kwargs,
            "conversation": conversation,
            "thread": thread,
            "other_deliveries": conversation.deliveries.filter(message__isnull=True),
            "spam_reason": spam_reason_text(conversation.spam_reason),
            "first_response": first_response_text(conversation),
            "language": language_name(conversation.language),
            "withdrawal": self.withdrawal_details(calendar),
            "refund": refund_deadline(conversation, calendar),
            "can_reply": self.can_reply,
            "can_erase": self.user_has_permission("delete"),
            "is_spam": self.folder == "spam",
            "is_held": self.folder == "held",
            "in_inbox": not self.folder,
            "failed_states": [EmailDelivery.State.FAILED, EmailDelivery.State.GAVE_UP],
            "thread_links": self.thread_links(),
            "live_chat": self.live_chat(),
            "urls": {
                name: url(name, conversation.pk)
                for name in (
                    "detail",
                    "reply",
                    "note",
                    "handle",
                    "mark_spam",
                    "not_spam",
                    "release",
                    "history",
                    "revoke_links",
                )
            },
            "history_url": url("history", conversation.pk),
            "privacy_url": url("privacy") + "?" + urlencode({"email": conversation.email}),
        }
        if self.can_reply:
            context["canned_texts"] = self.canned_texts()
        return super().get_context_data(**context)


class ConversationActionView(ConversationView):
    """Base for the POST-only actions on one conversation; they need the reply permission.

    Each calls one function of :mod:`contactkit.inbox.actions`, which makes the change and
    logs it for the conversation's History.
    """

    permission_required = "reply"
    http_method_names = ["post"]
    form_class = None
    form_name = ""
    # Spam and held conversations must leave their folder before this action: the message why.
    set_aside_messages = {}

    def post(self, request, *args, **kwargs):
        if self.folder in self.set_aside_messages:
            messages.error(request, self.set_aside_messages[self.folder])
            return redirect(detail_url(self.conversation))
        form = self.form_class(request.POST, prefix=self.form_name.removesuffix("_form"))
        if not form.is_valid():
            messages.validation_error(request, _("The form could not be sent: see below."), form)
            return self.render_to_response(self.get_context_data(**{self.form_name: form}))
        try:
            self.act(form.cleaned_data)
        except actions.NotInInbox:
            # Someone moved it to spam or held it a moment ago.
            messages.error(request, _("The conversation is no longer in the inbox."))
            return redirect(detail_url(self.conversation))
        return redirect(self.get_success_url())

    def act(self, data):
        raise NotImplementedError

    def get_success_url(self):
        return detail_url(self.conversation)


class ReplyView(ConversationActionView):
    """Sends a reply; or, with "Use this text" and no JavaScript, adds a canned reply's text
    to the end of the draft and shows the page again, so nothing typed is lost."""

    form_class = ReplyForm
    form_name = "reply_form"

    @property
    def set_aside_messages(self):
        return {
            "spam": _("Take the conversation out of spam before replying."),
            "held": _("Release the conversation before replying."),
        }

    def post(self, request, *args, **kwargs):
        if "use_canned" in request.POST and not self.folder:
            return self.insert_canned_text()
        return super().post(request, *args, **kwargs)

    def insert_canned_text(self):
        canned_form = CannedReplyChoiceForm(self.request.POST, replies=self.canned_replies)
        draft = self.request.POST.get("reply-body", "")
        chosen = canned_form.chosen()
        if chosen is None:
            body = draft
            messages.warning(self.request, _("Choose a canned reply first."))
        else:
            text = self.canned_texts()[str(chosen.pk)]
            body = f"{draft.rstrip()}\n\n{text}" if draft.strip() else text
        reply_form = ReplyForm(
            prefix="reply",
            initial={"body": body, "then": self.request.POST.get("reply-then") or Status.WAITING},
        )
        return self.render_to_response(
            self.get_context_data(reply_form=reply_form, canned_form=canned_form)
        )

    def act(self, data):
        self.message = actions.reply(
            self.conversation, data["body"], user=self.request.user, then=data["then"]
        )
        messages.success(
            self.request,
            _("Your reply is on its way to %(email)s.") % {"email": self.conversation.email},
        )

    def get_success_url(self):
        return f"{detail_url(self.conversation)}#message-{self.message.pk}"


class NoteView(ConversationActionView):
    form_class = NoteForm
    form_name = "note_form"

    def act(self, data):
        self.message = actions.add_note(self.conversation, data["body"], user=self.request.user)
        messages.success(self.request, _("Note added. Only staff can see it."))

    def get_success_url(self):
        return f"{detail_url(self.conversation)}#message-{self.message.pk}"


class HandlingView(ConversationActionView):
    form_class = HandlingForm
    form_name = "handling_form"

    @property
    def set_aside_messages(self):
        return {
            "spam": _("Take the conversation out of spam before changing it."),
            "held": _("Release the conversation before changing it."),
        }

    def act(self, data):
        user = self.request.user
        changed = actions.change_status(self.conversation, data["status"], user=user)
        changed |= actions.assign(self.conversation, data["assignee"], user=user)
        if changed:
            messages.success(self.request, _("Conversation updated."))
        else:
            messages.info(self.request, _("Nothing changed."))


class MoveView(ConversationActionView):
    """Marks a conversation as spam, as not spam, or releases it from review (no form)."""

    move = None  # "mark_spam", "not_spam" or "release"

    def post(self, request, *args, **kwargs):
        user = request.user
        if self.move == "mark_spam":
            actions.mark_spam(self.conversation, user=user)
            messages.success(request, _("Moved to spam."))
            return redirect(url("index"))
        if self.move == "not_spam":
            if actions.not_spam(self.conversation, user=user):
                messages.success(
                    request, _("Not spam: the conversation is back in the inbox as new.")
                )
        elif actions.release(self.conversation, user=user):
            messages.success(request, _("Released: the conversation is back in the inbox as new."))
        return redirect(self.get_success_url())


class RevokeLinksView(ConversationActionView):
    """Makes every link to the shopper's conversation page given so far stop working (no
    form): for a link forwarded to the wrong person. Emails sent from now on carry new ones."""

    def post(self, request, *args, **kwargs):
        actions.revoke_thread_links(self.conversation, user=request.user)
        messages.success(
            request,
            _(
                "The shopper's links to the conversation page no longer work. The next email "
                "they get from the inbox carries a new one."
            ),
        )
        return redirect(f"{detail_url(self.conversation)}#thread-links-section")


class ConversationHistoryView(HistoryView):
    """Wagtail's History of a conversation: every staff action, with who and when.

    The entries are written by :mod:`contactkit.inbox.actions`; anyone who may read the
    conversation may read its history.
    """

    any_permission_required = ["view"]
    filterset_class = ConversationHistoryFilterSet

    def get_edit_url(self, instance):
        return detail_url(instance)

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Back to the conversation"), url=detail_url(self.object), icon_name="mail"
            )
        ]

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Inbox")},
            {"url": detail_url(self.object), "label": str(self.object)},
            {"url": "", "label": _("History"), "sublabel": str(self.object)},
        ]


class AttachmentView(PermissionCheckedMixin, View):
    """An attachment's file, for staff allowed to see the inbox and nobody else.

    Anyone else gets a 404, as if the file did not exist. The file is always a download,
    never shown in the browser, so a shopper's HTML or SVG cannot run in the admin.
    """

    model = Conversation

    def get(self, request, pk):
        if not self.user_has_permission("view"):
            raise Http404
        attachment = get_object_or_404(Attachment, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError, ValueError) as error:
            raise Http404 from error
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
