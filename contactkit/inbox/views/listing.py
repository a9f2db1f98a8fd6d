"""The inbox listing and its two folders: spam, and messages held for review."""

from django.db.models import Count, F, Prefetch, Q, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import (
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    StatusTagColumn,
    TitleColumn,
    UserColumn,
)
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import Button, HeaderButton, ListingButton
from wagtail.models import Site

from contactkit.inbox import actions
from contactkit.inbox.exports import ConversationExportMixin
from contactkit.inbox.filters import InboxFilterSet, ShopCalendar, SpamFilterSet
from contactkit.inbox.models import CannedReply, Conversation, Message, Status
from contactkit.inbox.reply_times import staff_figures
from contactkit.inbox.views.bulk_actions import BULK_ACTIONS_BY_TYPE
from contactkit.inbox.views.display import (
    can,
    detail_url,
    first_message_start,
    first_response_text,
    preview_text,
    refund_deadline,
    spam_reason_text,
    url,
)


def conversations_with(word):
    """The ids of the conversations with ``word`` (case ignored, Django's ``icontains``) in
    their reference, name, email or order number, or in one of their messages.

    One set of ids, made of two plain queries, rather than a condition on each conversation
    (``… OR EXISTS (a message …)``): on PostgreSQL each part is answered by the trigram indexes
    of migration 0011 (a search for an email or a reference at 100,000 conversations takes
    milliseconds instead of seconds), and without them (SQLite, or no pg_trgm) each table is
    still read only once. The same conversations match as with the condition.
    """
    in_conversation = (
        Conversation.objects.filter(
            Q(reference__icontains=word)
            | Q(name__icontains=word)
            | Q(email__icontains=word)
            | Q(order_number__icontains=word)
        )
        .order_by()
        .values("pk")
    )
    in_a_message = Message.objects.filter(body__icontains=word).order_by().values("conversation")
    # UNION ALL: a conversation found twice is still one conversation for ``pk IN (…)``.
    # Unordered (Django 6.1 would order the union by Conversation.Meta.ordering).
    return in_conversation.union(in_a_message, all=True).order_by()


class PageCountingPaginator(WagtailPaginator):
    """Wagtail's paginator, which counts the rows in the query that finds the page's rows.

    Instead of a COUNT query and then the page's query, which both find every row, it asks for
    the ids of the page's rows with their count (``COUNT(*) OVER ()``), then reads those rows.
    For a search, where the database must find every match to count them, this halves the
    work: at 100,000 conversations a word in a quarter of them is looked for once, not twice.
    The count is the same exact number, and the rows the same rows in the same order.

    ``wanted`` is the page asked for (the ``p`` parameter). If it holds no rows (past the last
    page), the rows are counted the usual way and the page Django's paginator chooses is read.
    ``rows_with_ids(ids)`` gives the rows to show for some ids, without the search's
    conditions, which the database would otherwise evaluate again for every match.
    """

    def __init__(self, object_list, per_page, *, rows_with_ids, wanted=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows_with_ids = rows_with_ids
        try:
            self.wanted = max(1, int(wanted))
        except (TypeError, ValueError):
            self.wanted = 1
        self.read = None  # (number, rows) of the page read with the count

    @cached_property
    def count(self):
        # Orphans make a page's size depend on the count, and DISTINCT would count the rows
        # before it: then the rows are counted first, as usual.
        if self.orphans or self.object_list.query.distinct:
            return self.object_list.count()
        start = (self.wanted - 1) * self.per_page
        # Only the ids travel through the count (not every column of every match), in the
        # listing's order.
        found = list(
            self.object_list.annotate(ck_rows=Window(Count("pk"))).values_list("pk", "ck_rows")[
                start : start + self.per_page
            ]
        )
        if not found:
            # No row on the first page: nothing matches. Past the last page: count them.
            return 0 if self.wanted == 1 else self.object_list.count()
        ids = [pk for pk, _count in found]
        rows = {row.pk: row for row in self.rows_with_ids(ids)}
        self.read = (self.wanted, [rows[pk] for pk in ids if pk in rows])
        return found[0][1]

    def page(self, number):
        number = self.validate_number(number)
        if self.read and self.read[0] == number:
            return self._get_page(self.read[1], number, self)
        return super().page(number)


def sender_email(conversation):
    """The sender's address, marked when they wrote signed in with a provider that verified
    it (contactkit.accounts)."""
    if conversation.sender_verified:
        return _("%(email)s (verified by sign-in)") % {"email": conversation.email}
    return conversation.email


class RefundDueColumn(Column):
    """A withdrawal's refund deadline: the date, and a flag when it is near or past."""

    cell_template_name = "contactkit/admin/refund_due_cell.html"

    def __init__(self, name, calendar, **kwargs):
        super().__init__(name, **kwargs)
        self.calendar = calendar

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["deadline"] = refund_deadline(instance, self.calendar)
        return context


class InboxIndexView(ConversationExportMixin, IndexView):
    """Conversations in the inbox (not spam, not held), newest first, with filters, search,
    a preview of each first message, and exports."""

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
    held_folder = False
    bulk_action_types = ["close", "mark_spam", "assign"]

    def get_base_queryset(self):
        queryset = Conversation.objects.select_related("assignee__wagtail_userprofile").annotate(
            preview=first_message_start()
        )
        if self.spam_folder:
            queryset = queryset.filter(status=Status.SPAM)
        elif self.held_folder:
            queryset = queryset.filter(status=Status.HELD)
        else:
            queryset = queryset.inbox()
        if self.is_export:
            first = Message.objects.filter(kind=Message.Kind.SHOPPER).order_by("created_at", "pk")
            queryset = queryset.prefetch_related(
                Prefetch("messages", queryset=first, to_attr="shopper_messages")
            )
        return queryset

    # A pasted page must not build a query the database refuses (SQLite: "Expression tree is
    # too large", "LIKE or GLOB pattern too complex"): only the first words count, each cut.
    search_max_words = 10
    search_max_word_length = 100

    def search_queryset(self, queryset):
        """Every word must appear in the reference, name, email, order number or a message.

        Only the first ``search_max_words`` different words are searched (case does not make a
        word different), each cut to ``search_max_word_length`` characters. ``%`` and ``_`` are
        searched as themselves.
        """
        words = {}
        for word in (self.search_query or "").split():
            words.setdefault(word.casefold(), word[: self.search_max_word_length])
        for word in list(words.values())[: self.search_max_words]:
            queryset = queryset.filter(pk__in=conversations_with(word))
        return queryset

    def get_paginator(self, queryset, per_page, **kwargs):
        # A search reads every match to count them: once, with the page, not twice.
        if self.is_searching and not self.is_export:
            return PageCountingPaginator(
                queryset,
                per_page,
                rows_with_ids=lambda ids: self.get_base_queryset().filter(pk__in=ids),
                wanted=self.request.GET.get(self.page_kwarg),
                **kwargs,
            )
        return super().get_paginator(queryset, per_page, **kwargs)

    @cached_property
    def can_act(self):
        return can(self.request.user, "reply")

    @cached_property
    def calendar(self):
        """Today in each shop, for the refund deadlines (its one query runs only if needed)."""
        return ShopCalendar()

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
            Column("preview", label=_("Message"), accessor=preview_text, classname="ck-preview"),
            Column("email", label=_("Email"), accessor=sender_email),
            DateColumn("created_at", label=_("Received"), sort_key="created_at"),
            RefundDueColumn(
                "refund_due",
                calendar=self.calendar,
                label=_("Refund due"),
                sort_key="refund_due",
                classname="ck-refund-due",
            ),
        ]
        if self.spam_folder or self.held_folder:
            columns.append(
                Column(
                    "spam_reason",
                    label=_("Why it was held") if self.held_folder else _("Why it looks like spam"),
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
    def set_aside_counts(self):
        """How many conversations the spam folder and the held folder hold, in one query."""
        counts = dict(
            Conversation.objects.filter(status__in=actions.SET_ASIDE)
            .order_by()
            .values_list("status")
            .annotate(Count("pk"))
        )
        return {status: counts.get(status, 0) for status in actions.SET_ASIDE}

    @cached_property
    def held_count(self):
        return self.set_aside_counts[Status.HELD]

    @cached_property
    def header_buttons(self):
        if self.spam_folder or self.held_folder:
            return []
        return [
            HeaderButton(
                _("Spam (%(count)s)") % {"count": self.set_aside_counts[Status.SPAM]},
                url=url("spam"),
                icon_name="warning",
                priority=10,
            ),
            HeaderButton(
                _("Held for review (%(count)s)") % {"count": self.held_count},
                url=url("held"),
                icon_name="time",
                priority=20,
            ),
        ]

    def order_queryset(self, queryset):
        # By refund deadline: the conversations that have one first, either way.
        if self.ordering in ("refund_due", "-refund_due"):
            due = F("refund_due")
            due = due.desc(nulls_last=True) if self.ordering[0] == "-" else due.asc(nulls_last=True)
            return queryset.order_by(due, "-created_at", "-pk")
        return super().order_queryset(queryset)

    def get_filterset_kwargs(self):
        # The folder's own conversations, so a filter offers only what is in there.
        return {
            **super().get_filterset_kwargs(),
            "queryset": self.get_base_queryset(),
            "calendar": self.calendar,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not (self.spam_folder or self.held_folder):
            context["held_count"] = self.held_count
            context["held_url"] = url("held")
        return context

    @cached_property
    def mailbox_problems(self):
        """The support mailboxes that could not be read at their last poll (one query, none
        without CONTACTKIT_MAILBOXES): replies by email wait until they can."""
        from contactkit.inbox.mailin.status import mailbox_problems

        return mailbox_problems()

    @cached_property
    def reply_figures(self):
        """The user's own first replies and the team's (working hours, last 30 days) for the
        site the admin is reached on, or None when nobody answered anything in that time (and
        in the spam and held folders). Read by the page only, not by the results a filter
        refreshes. From the cache when warm; on a cold one, one query for the conversations
        and, only if there are any, five for the channels' hours."""
        if self.spam_folder or self.held_folder:
            return None
        return staff_figures(Site.find_for_request(self.request), self.request.user)

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
        folder = "spam" if self.spam_folder else "held" if self.held_folder else "inbox"
        return f"{folder}-{timezone.localdate():%Y-%m-%d}"


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


class HeldIndexView(SpamIndexView):
    """Messages held for review (they tripped a limit): stored, shown, and nothing emailed
    until staff release them."""

    page_title = gettext_lazy("Held for review")
    header_icon = "time"
    spam_folder = False
    held_folder = True
    bulk_action_types = ["release", "mark_spam"]
