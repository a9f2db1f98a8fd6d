"""The inbox in the Wagtail admin: the listing, a conversation's thread and what staff do there.

Two permissions decide everything: ``contactkit.view_conversation`` to read conversations and
their attachments, ``contactkit.reply_conversation`` to act on them (reply, notes, status,
assignee, spam). Erasing a person's data also needs ``contactkit.delete_conversation``.
"""

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.timesince import timesince
from django.utils.translation import get_language_info, gettext_lazy, ngettext, ngettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import (
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    StatusTagColumn,
    TitleColumn,
    UserColumn,
)
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, HeaderButton, ListingButton

from contactkit.inbox import privacy, spam
from contactkit.inbox.filters import InboxFilterSet, SpamFilterSet, staff
from contactkit.inbox.models import (
    Attachment,
    CannedReply,
    Conversation,
    EmailDelivery,
    Message,
    Status,
)
from contactkit.profile.models import StoreProfile

NAMESPACE = "contactkit_inbox"

# Stored as the spam reason when a person, not a check, put a conversation in the spam folder.
STAFF_SPAM_CODE = "staff"

# A spreadsheet opens a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def url(name, *args):
    return reverse(f"{NAMESPACE}:{name}", args=args)


def detail_url(conversation):
    return url("detail", quote(conversation.pk))


def spam_reason_text(code):
    """Why a conversation is in the spam folder, in the reader's language."""
    parts = (code or "").split()
    texts = [_("Marked as spam by staff.")] if STAFF_SPAM_CODE in parts else []
    described = spam.describe(" ".join(part for part in parts if part != STAFF_SPAM_CODE))
    if described:
        texts.append(described)
    return " ".join(texts) or (code or "")


def first_response_text(conversation):
    """How long the shopper waited for the first answer, as words ("2 hours, 5 minutes")."""
    if conversation.first_response_at is None:
        return ""
    return timesince(conversation.created_at, conversation.first_response_at, depth=2)


def language_name(code):
    """The name of a language code in the reader's language, or the code if unknown."""
    try:
        return get_language_info(code)["name_translated"] if code else ""
    except KeyError:
        return code


def shop_name(site):
    """The shop's name for canned replies: the store profile's, else the site's."""
    profile = StoreProfile.objects.filter(site=site).first()
    return (profile and profile.name) or site.site_name or ""


def set_status(conversations, status, spam_reason=STAFF_SPAM_CODE):
    """Move ``conversations`` (a queryset) to ``status``; returns how many changed.

    Closing dates the conversation (retention counts from then); leaving the spam folder
    forgets why it was there.
    """
    now = timezone.now()
    changes = {"status": status, "updated_at": now}
    changes["closed_at"] = now if status == Status.CLOSED else None
    changes["spam_reason"] = spam_reason if status == Status.SPAM else ""
    return conversations.exclude(status=status).update(**changes)


def neutralise_formula(value):
    """Text a spreadsheet would run as a formula, made plain text with a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def can(user, action):
    return user.has_perm(f"contactkit.{action}_conversation")


# The listing


class InboxIndexView(IndexView):
    """Conversations that are not spam, newest first, with filters, search and exports."""

    template_name = "contactkit/admin/index.html"
    results_template_name = "contactkit/admin/index_results.html"
    any_permission_required = ["view"]
    page_title = gettext_lazy("Inbox")
    header_icon = "mail"
    default_ordering = "-created_at"
    filterset_class = InboxFilterSet
    # Declared so the listing offers a search box; the search itself is search_queryset's.
    search_fields = ["reference", "name", "email", "order_number"]
    search_backend_name = None
    spam_folder = False
    bulk_action_types = ["close", "mark_spam", "assign"]
    export_values = {
        "status": lambda c: c.get_status_display(),
        "topic": lambda c: c.get_topic_display(),
        "source": lambda c: c.get_source_display(),
        "phone": lambda c: str(c.phone or ""),
        "assignee": lambda c: get_user_display_name(c.assignee) if c.assignee else "",
        "first_response_time": first_response_text,
        "spam_reason": lambda c: spam_reason_text(c.spam_reason),
        "message": lambda c: c.shopper_messages[0].body if c.shopper_messages else "",
    }

    def get_base_queryset(self):
        queryset = Conversation.objects.select_related("assignee__wagtail_userprofile")
        if self.spam_folder:
            queryset = queryset.filter(status=Status.SPAM)
        else:
            queryset = queryset.inbox()
        if self.is_export:
            first = Message.objects.filter(kind=Message.Kind.SHOPPER).order_by("created_at", "pk")
            queryset = queryset.prefetch_related(
                Prefetch("messages", queryset=first, to_attr="shopper_messages")
            )
        return queryset

    def search_queryset(self, queryset):
        """Every word must appear in the reference, name, email, order number or a message."""
        for word in self.search_query.split():
            in_a_message = Message.objects.filter(conversation=OuterRef("pk"), body__icontains=word)
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(name__icontains=word)
                | Q(email__icontains=word)
                | Q(order_number__icontains=word)
                | Exists(in_a_message)
            )
        return queryset

    @cached_property
    def can_act(self):
        return can(self.request.user, "reply")

    @cached_property
    def columns(self):
        columns = []
        if self.can_act:
            columns.append(BulkActionsCheckboxColumn("bulk_actions", obj_type="conversation"))
        columns += [
            TitleColumn(
                "reference",
                label=_("Reference"),
                classname="w-whitespace-nowrap",
                get_url=detail_url,
                get_title_id=lambda c: f"conversation_{c.pk}_title",
                sort_key="reference",
            ),
            Column("name", label=_("Name"), sort_key="name"),
            Column("email", label=_("Email")),
            DateColumn("created_at", label=_("Received"), sort_key="created_at"),
        ]
        if self.spam_folder:
            columns.append(
                Column(
                    "spam_reason",
                    label=_("Why it looks like spam"),
                    accessor=lambda c: spam_reason_text(c.spam_reason),
                )
            )
        else:
            columns += [
                Column("topic", label=_("Topic"), accessor="get_topic_display"),
                StatusTagColumn(
                    "status",
                    label=_("Status"),
                    accessor="get_status_display",
                    primary=lambda c: c.status == Status.NEW,
                    sort_key="status",
                ),
                UserColumn("assignee", label=_("Assigned to")),
                Column(
                    "first_response",
                    label=_("First answered after"),
                    accessor=first_response_text,
                ),
            ]
        return columns

    @cached_property
    def header_buttons(self):
        if self.spam_folder:
            return []
        count = Conversation.objects.filter(status=Status.SPAM).count()
        return [
            HeaderButton(
                _("Spam (%(count)s)") % {"count": count},
                url=url("spam"),
                icon_name="warning",
            )
        ]

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        user = self.request.user
        if user.has_perm("contactkit.view_cannedreply") or user.has_perm(
            "contactkit.change_cannedreply"
        ):
            buttons.append(
                Button(
                    _("Canned replies"),
                    url=reverse(CannedReply.snippet_viewset.get_url_name("list")),
                    icon_name="comment",
                    priority=10,
                )
            )
        buttons.append(
            Button(
                _("Privacy: export or erase a shopper's data"),
                url=url("privacy"),
                icon_name="lock",
                priority=20,
            )
        )
        return buttons

    @cached_property
    def bulk_action_buttons(self):
        buttons = []
        for action_type in self.bulk_action_types:
            action = BULK_ACTIONS_BY_TYPE[action_type]
            buttons.append(
                ListingButton(
                    action.display_name,
                    reverse(
                        "wagtail_bulk_action", args=["contactkit", "conversation", action_type]
                    ),
                    attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
                    priority=action.action_priority,
                    classname="bulk-action-btn",
                )
            )
        return buttons

    def get_filename(self):
        folder = "spam" if self.spam_folder else "inbox"
        return f"{folder}-{timezone.localdate():%Y-%m-%d}"

    def to_row_dict(self, item):
        return {
            field: self.export_values[field](item)
            if field in self.export_values
            else getattr(item, field)
            for field in self.list_export
        }

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return neutralise_formula(value)


class SpamIndexView(InboxIndexView):
    """The spam folder: nothing is dropped, everything here shows why it was held back."""

    page_title = gettext_lazy("Spam")
    header_icon = "warning"
    filterset_class = SpamFilterSet
    spam_folder = True
    bulk_action_types = ["not_spam"]

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Inbox")},
            {"url": "", "label": self.get_page_title()},
        ]


# A conversation


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
        choices=[(value, label) for value, label in Status.choices if value != Status.SPAM],
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assigned to"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Nobody"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff()
        self.fields["assignee"].label_from_instance = get_user_display_name


class CannedReplyChoiceForm(forms.Form):
    canned = forms.ModelChoiceField(
        label=gettext_lazy("Canned reply"),
        queryset=CannedReply.objects.all(),
        empty_label=gettext_lazy("Choose one…"),
        required=False,
    )


class ConversationView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """A conversation's thread, details and, for those allowed, the forms to act on it.

    The POST views below are this view with one form bound: an invalid form shows this page
    again with its errors.
    """

    model = Conversation
    permission_required = "view"
    template_name = "contactkit/admin/conversation.html"
    header_icon = "mail"

    @cached_property
    def conversation(self):
        return get_object_or_404(
            Conversation.objects.select_related("assignee", "site"), pk=self.kwargs["pk"]
        )

    @cached_property
    def can_reply(self):
        return self.user_has_permission("reply")

    def get_page_title(self):
        return self.conversation.reference

    def get_page_subtitle(self):
        return self.conversation.name

    def get_breadcrumbs_items(self):
        folder = (
            [{"url": url("spam"), "label": _("Spam")}]
            if self.conversation.status == Status.SPAM
            else []
        )
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Inbox")},
            *folder,
            {"url": "", "label": str(self.conversation)},
        ]

    def canned_text(self):
        """The text of the canned reply picked with ?canned=<id>, filled in, or None."""
        form = CannedReplyChoiceForm(self.request.GET)
        if not form.is_valid() or form.cleaned_data["canned"] is None:
            return None
        return form.cleaned_data["canned"].render(
            self.conversation, shop_name(self.conversation.site)
        )

    def get_forms(self):
        if not self.can_reply:
            return {}
        conversation = self.conversation
        canned = self.canned_text()
        return {
            "reply_form": ReplyForm(
                prefix="reply", initial={"body": canned} if canned is not None else None
            ),
            "note_form": NoteForm(prefix="note"),
            "handling_form": HandlingForm(
                prefix="handling",
                initial={
                    "status": Status.NEW
                    if conversation.status == Status.SPAM
                    else conversation.status,
                    "assignee": conversation.assignee_id,
                },
            ),
            "canned_form": CannedReplyChoiceForm(
                self.request.GET if "canned" in self.request.GET else None,
                prefix=None,
            ),
            "has_canned_replies": CannedReply.objects.exists(),
        }

    def get_context_data(self, **kwargs):
        conversation = self.conversation
        thread = conversation.messages.select_related("author").prefetch_related(
            "attachments", "deliveries"
        )
        context = {
            **self.get_forms(),
            **kwargs,
            "conversation": conversation,
            "thread": thread,
            "other_deliveries": conversation.deliveries.filter(message__isnull=True),
            "spam_reason": spam_reason_text(conversation.spam_reason),
            "first_response": first_response_text(conversation),
            "language": language_name(conversation.language),
            "can_reply": self.can_reply,
            "can_erase": self.user_has_permission("delete"),
            "is_spam": conversation.status == Status.SPAM,
            "failed_states": [EmailDelivery.State.FAILED, EmailDelivery.State.GAVE_UP],
            "urls": {
                name: url(name, conversation.pk)
                for name in ("detail", "reply", "note", "handle", "mark_spam", "not_spam")
            },
            "privacy_url": url("privacy") + "?" + urlencode({"email": conversation.email}),
        }
        return super().get_context_data(**context)


class ConversationActionView(ConversationView):
    """Base for the POST-only actions on one conversation; they need the reply permission."""

    permission_required = "reply"
    http_method_names = ["post"]
    form_class = None
    form_name = ""

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, prefix=self.form_name.removesuffix("_form"))
        if not form.is_valid():
            messages.validation_error(request, _("The form could not be sent: see below."), form)
            return self.render_to_response(self.get_context_data(**{self.form_name: form}))
        self.act(form.cleaned_data)
        return redirect(self.get_success_url())

    def act(self, data):
        raise NotImplementedError

    def get_success_url(self):
        return detail_url(self.conversation)


class ReplyView(ConversationActionView):
    form_class = ReplyForm
    form_name = "reply_form"

    def post(self, request, *args, **kwargs):
        if self.conversation.status == Status.SPAM:
            messages.error(request, _("Take the conversation out of spam before replying."))
            return redirect(detail_url(self.conversation))
        return super().post(request, *args, **kwargs)

    def act(self, data):
        # emails.py does the sending and the threading; it is imported here because it is
        # written alongside this view.
        from contactkit.inbox.emails import send_reply

        conversation = self.conversation
        with transaction.atomic():
            # send_reply also records the first-response time and sets "waiting on customer".
            message = send_reply(conversation, self.request.user, data["body"])
            set_status(Conversation.objects.filter(pk=conversation.pk), data["then"])
        messages.success(
            self.request,
            _("Your reply is on its way to %(email)s.") % {"email": conversation.email},
        )
        self.message = message

    def get_success_url(self):
        return f"{detail_url(self.conversation)}#message-{self.message.pk}"


class NoteView(ConversationActionView):
    form_class = NoteForm
    form_name = "note_form"

    def act(self, data):
        self.message = Message.objects.create(
            conversation=self.conversation,
            kind=Message.Kind.NOTE,
            author=self.request.user,
            body=data["body"],
        )
        messages.success(self.request, _("Note added. Only staff can see it."))

    def get_success_url(self):
        return f"{detail_url(self.conversation)}#message-{self.message.pk}"


class HandlingView(ConversationActionView):
    form_class = HandlingForm
    form_name = "handling_form"

    def act(self, data):
        conversations = Conversation.objects.filter(pk=self.conversation.pk)
        set_status(conversations, data["status"])
        conversations.update(assignee=data["assignee"], updated_at=timezone.now())
        messages.success(self.request, _("Conversation updated."))


class SpamView(ConversationActionView):
    """Puts a conversation in the spam folder, or (``to_spam=False``) back in the inbox as new."""

    to_spam = True

    def post(self, request, *args, **kwargs):
        conversations = Conversation.objects.filter(pk=self.conversation.pk)
        if self.to_spam:
            set_status(conversations, Status.SPAM)
            messages.success(request, _("Moved to spam."))
            return redirect(url("index"))
        set_status(conversations, Status.NEW)
        messages.success(request, _("Not spam: the conversation is back in the inbox as new."))
        return redirect(self.get_success_url())


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


# Privacy requests


class PrivacyForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("The shopper's email address"),
        help_text=gettext_lazy("Every conversation sent from this address, in any case."),
    )


class PrivacyView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Hand over (JSON) or erase everything stored for one email address.

    Erasing shows what will go and asks to confirm; the confirmation posts to
    :class:`PrivacyEraseView`.
    """

    model = Conversation
    permission_required = "view"
    template_name = "contactkit/admin/privacy.html"
    header_icon = "lock"
    page_title = gettext_lazy("Privacy requests")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Inbox")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, *args, **kwargs):
        initial = {"email": request.GET.get("email", "")}
        return self.render_to_response(self.get_context_data(form=PrivacyForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = PrivacyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        email = form.cleaned_data["email"]
        if request.POST.get("action") == "erase":
            if not self.user_has_permission("delete"):
                raise PermissionDenied
            conversations = Conversation.objects.for_email(email)
            self.template_name = "contactkit/admin/privacy_confirm_erase.html"
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    email=email,
                    conversations=conversations.order_by("created_at"),
                    counts=privacy.count_stored(conversations),
                )
            )
        response = JsonResponse(
            privacy.export_for_email(email), json_dumps_params={"indent": 2, "ensure_ascii": False}
        )
        response["Content-Disposition"] = (
            f'attachment; filename="contactkit-{slugify(email) or "export"}.json"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_erase=self.user_has_permission("delete"), action_url=url("privacy"), **kwargs
        )


class PrivacyEraseView(PermissionCheckedMixin, View):
    """Erases, once confirmed, every conversation of an address with its files and emails."""

    model = Conversation
    permission_required = "delete"
    http_method_names = ["post"]

    def post(self, request):
        form = PrivacyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That is not an email address."))
            return redirect(url("privacy"))
        counts = privacy.erase_for_email(form.cleaned_data["email"])
        messages.success(
            request,
            ngettext(
                "Erased %(count)d conversation of %(email)s, with its messages and files.",
                "Erased %(count)d conversations of %(email)s, with their messages and files.",
                counts["conversations"],
            )
            % {"count": counts["conversations"], "email": form.cleaned_data["email"]},
        )
        return redirect(url("privacy"))


# Bulk actions


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assign to"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Nobody"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff()
        self.fields["assignee"].label_from_instance = get_user_display_name


class ConversationBulkAction(PermissionCheckedMixin, BulkAction):
    """Acts on the conversations ticked in the listing, after a confirmation page."""

    models = [Conversation]
    permission_required = "reply"
    template_name = "contactkit/admin/bulk_confirm.html"
    question = ""
    button_label = ""
    status = None
    # ngettext_lazy(singular, plural, "count"): filled in with how many were changed.
    success_message = None

    def get_success_message(self, num_parent_objects, num_child_objects):
        return self.success_message % {"count": num_parent_objects}

    def get_all_objects_in_listing_query(self, parent_id):
        # The listing offers no "select all in listing": only ticked conversations are acted on.
        return Conversation.objects.none().values_list("pk", flat=True)

    def object_context(self, obj):
        return {"item": obj, "url": detail_url(obj)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action=self, header_icon="mail", index_url=url("index"), **kwargs
        )

    def get_execution_context(self):
        return {"status": self.status}

    @classmethod
    def execute_action(cls, objects, status=None, **kwargs):
        changed = set_status(Conversation.objects.filter(pk__in=[o.pk for o in objects]), status)
        return changed, 0


class CloseBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Close")
    action_type = "close"
    aria_label = gettext_lazy("Close the selected conversations")
    action_priority = 10
    status = Status.CLOSED
    question = gettext_lazy("Close these conversations?")
    button_label = gettext_lazy("Yes, close them")

    success_message = ngettext_lazy(
        "%(count)d conversation closed.",
        "%(count)d conversations closed.",
        "count",
    )


class MarkSpamBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Mark as spam")
    action_type = "mark_spam"
    aria_label = gettext_lazy("Move the selected conversations to spam")
    action_priority = 20
    status = Status.SPAM
    question = gettext_lazy("Move these conversations to spam?")
    button_label = gettext_lazy("Yes, they are spam")

    success_message = ngettext_lazy(
        "%(count)d conversation moved to spam.",
        "%(count)d conversations moved to spam.",
        "count",
    )


class NotSpamBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Not spam")
    action_type = "not_spam"
    aria_label = gettext_lazy("Move the selected conversations back to the inbox")
    action_priority = 10
    status = Status.NEW
    question = gettext_lazy("Move these conversations back to the inbox, as new?")
    button_label = gettext_lazy("Yes, they are not spam")

    success_message = ngettext_lazy(
        "%(count)d conversation is back in the inbox.",
        "%(count)d conversations are back in the inbox.",
        "count",
    )


class AssignBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Assign")
    action_type = "assign"
    aria_label = gettext_lazy("Assign the selected conversations to someone")
    action_priority = 30
    form_class = AssignForm
    question = gettext_lazy("Assign these conversations to:")
    button_label = gettext_lazy("Assign")

    def get_execution_context(self):
        return {"assignee": self.cleaned_form.cleaned_data["assignee"]}

    @classmethod
    def execute_action(cls, objects, assignee=None, **kwargs):
        changed = Conversation.objects.filter(pk__in=[o.pk for o in objects]).update(
            assignee=assignee, updated_at=timezone.now()
        )
        return changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        assignee = self.cleaned_form.cleaned_data["assignee"]
        if assignee is None:
            return ngettext(
                "%(count)d conversation is now assigned to nobody.",
                "%(count)d conversations are now assigned to nobody.",
                num_parent_objects,
            ) % {"count": num_parent_objects}
        return ngettext(
            "%(count)d conversation assigned to %(name)s.",
            "%(count)d conversations assigned to %(name)s.",
            num_parent_objects,
        ) % {"count": num_parent_objects, "name": get_user_display_name(assignee)}


BULK_ACTIONS = [CloseBulkAction, MarkSpamBulkAction, NotSpamBulkAction, AssignBulkAction]
BULK_ACTIONS_BY_TYPE = {action.action_type: action for action in BULK_ACTIONS}
