"""The filters of the inbox listing and of the spam and held folders.

It also says which refund deadlines are near or past (:class:`ShopCalendar`), in each shop's own
days, so the listing's flags and its "Refund deadline" filter always agree.
"""

import datetime as dt
import zoneinfo

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.generic.history import HistoryFilterSet
from wagtail.permissions import policy_registry

from contactkit.conf import contactkit_settings
from contactkit.inbox.models import Conversation, Source, Status, Topic
from contactkit.profile.models import StoreProfile, default_time_zone

# What a browser's date input sends and shows, whatever the admin's language.
ISO_DATE = "%Y-%m-%d"


def staff(request=None):
    """The people a conversation can be given to: everyone allowed to see the inbox."""
    policy = policy_registry.get_by_type(Conversation)
    users = policy.users_with_any_permission(["view"])
    return (
        get_user_model()
        .objects.filter(pk__in=users.values("pk"))
        .order_by("first_name", "last_name", get_user_model().USERNAME_FIELD)
    )


class DateRangeWidget(DateRangePickerWidget):
    """Wagtail's "from … to" date range, with the browser's own date inputs.

    Wagtail's date picker writes an inline script after each input, which a strict
    Content-Security-Policy blocks; the browser's date input needs no script at all.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets = [
            forms.DateInput(attrs={"type": "date", "aria-label": _("Date from")}, format=ISO_DATE),
            forms.DateInput(attrs={"type": "date", "aria-label": _("Date to")}, format=ISO_DATE),
        ]


class AssigneeField(forms.ModelChoiceField):
    """A form field to pick someone who may see the inbox, or nobody, by their display name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", _("Nobody"))
        super().__init__(queryset=get_user_model().objects.none(), required=False, **kwargs)

    def __deepcopy__(self, memo):
        # Each form gets its own copy of the field: the staff as they are now, not as they
        # were when the form class was defined.
        copy = super().__deepcopy__(memo)
        copy.queryset = staff()
        return copy

    def label_from_instance(self, obj):
        return get_user_display_name(obj)


class StaffChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return get_user_display_name(obj)


class StaffFilter(django_filters.ModelChoiceFilter):
    field_class = StaffChoiceField


class SpamFilterSet(WagtailFilterSet):
    """Filters that make sense in the spam or held folder: everything there has one status.

    Pass the folder's conversations as ``queryset``: the source filter offers only the sources
    they came from.
    """

    topic = django_filters.ChoiceFilter(
        label=_("Topic"), choices=Topic.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Source.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Received"), widget=DateRangeWidget)

    class Meta:
        model = Conversation
        fields = []

    def __init__(self, *args, calendar=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Asked for each time the choices are read (the form, its validation, the active
        # filters): found once.
        self.filters["source"].extra["choices"] = lambda: self.sources_used
        # The listing's ShopCalendar, so its flags and the refund filter share one "today".
        self.calendar = calendar

    @cached_property
    def sources_used(self):
        return sources_in(self.queryset)


def sources_in(conversations):
    """The choices of :class:`Source` that ``conversations`` came from, in their usual order.

    One query. Where the database allows it (PostgreSQL), it asks for one conversation of each
    source, which the (source, created_at) index finds at once, instead of reading every
    conversation for its source (50 ms at 100,000 conversations).
    """
    conversations = conversations.order_by()
    if connections[conversations.db].features.supports_slicing_ordering_in_compound:
        first, *others = [
            conversations.filter(source=value).values_list("source", flat=True)[:1]
            for value in Source.values
        ]
        # Unordered (Django 6.1 would order the union by Conversation.Meta.ordering).
        used = set(first.union(*others, all=True).order_by())
    else:
        used = set(conversations.values_list("source", flat=True).distinct())
    return [(value, label) for value, label in Source.choices if value in used]


# A withdrawal's refund deadline (Conversation.refund_due), as the inbox flags and filters it.
REFUND_SOON = "soon"
REFUND_OVERDUE = "overdue"
REFUND_ANY = "any"


class ShopCalendar:
    """Today's date where each shop is, for conversations of any site.

    The shops' time zones are read in one query, and only when first needed, so a listing asks
    the same number of queries however many rows it shows. A site without a store profile
    counts in the default time zone a new profile would get.
    """

    def __init__(self, now=None):
        self.now = now or timezone.now()

    @cached_property
    def zone_names(self):
        """{site id: time zone name} of every store profile."""
        return dict(StoreProfile.objects.order_by().values_list("site_id", "time_zone"))

    @cached_property
    def default_zone_name(self):
        """The time zone of a site without a store profile. Found once: finding it lists
        every time zone the system knows (40 ms), which each row of a page would repeat."""
        return default_time_zone()

    @staticmethod
    def zone_named(name):
        """The time zone called ``name`` (UTC if this system does not know it)."""
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def zone(self, site_id):
        """The time zone of the shop of ``site_id``."""
        return self.zone_named(self.zone_names.get(site_id) or self.default_zone_name)

    def today(self, site_id):
        """Today's date in the shop of ``site_id``."""
        return self.now.astimezone(self.zone(site_id)).date()

    def days_left(self, conversation):
        """Days from the shop's today to the refund deadline (negative once past), or None."""
        if conversation.refund_due is None:
            return None
        return (conversation.refund_due - self.today(conversation.site_id)).days

    def refund_state(self, conversation):
        """REFUND_SOON (due within CONTACTKIT_REFUND_WARNING_DAYS days, today included),
        REFUND_OVERDUE (past), or "" (no deadline, not near yet, or the conversation is
        closed: nothing is flagged once it is done)."""
        days = self.days_left(conversation)
        if days is None or conversation.status == Status.CLOSED:
            return ""
        if days < 0:
            return REFUND_OVERDUE
        if days <= contactkit_settings.REFUND_WARNING_DAYS:
            return REFUND_SOON
        return ""

    def _in_each_shop(self, condition):
        """``condition(today)`` with each conversation's own shop's today, as one Q."""
        sites = {}
        for site_id, name in self.zone_names.items():
            sites.setdefault(self.zone_named(name or self.default_zone_name), []).append(site_id)
        default = self.zone_named(self.default_zone_name)
        query = ~Q(site_id__in=list(self.zone_names)) & condition(
            self.now.astimezone(default).date()
        )
        for zone, site_ids in sites.items():
            query |= Q(site_id__in=site_ids) & condition(self.now.astimezone(zone).date())
        return query

    def refund_query(self, value):
        """The conversations :meth:`refund_state` flags as ``value`` (REFUND_SOON,
        REFUND_OVERDUE), or, for REFUND_ANY, every withdrawal, whatever its status."""
        if value == REFUND_ANY:
            return Q(refund_due__isnull=False) | Q(withdrawal__isnull=False)
        open_ = ~Q(status=Status.CLOSED) & Q(refund_due__isnull=False)
        if value == REFUND_OVERDUE:
            return open_ & self._in_each_shop(lambda today: Q(refund_due__lt=today))
        if value == REFUND_SOON:
            warning = dt.timedelta(days=contactkit_settings.REFUND_WARNING_DAYS)
            return open_ & self._in_each_shop(
                lambda today: Q(refund_due__gte=today, refund_due__lte=today + warning)
            )
        return Q()


class InboxFilterSet(SpamFilterSet):
    """The inbox's filters: status (spam and held have their folders), topic, refund deadline,
    assignee, date, source."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=[
            (value, label)
            for value, label in Status.choices
            if value not in (Status.SPAM, Status.HELD)
        ],
        widget=forms.CheckboxSelectMultiple,
        # Each conversation has one status, so the filter cannot repeat a row; with DISTINCT
        # (django-filter's default here) the count computed every row's preview (2 s for the
        # 90,000 closed conversations of a 100,000 inbox).
        distinct=False,
    )
    refund_due = django_filters.ChoiceFilter(
        label=_("Refund deadline"),
        choices=[
            (REFUND_SOON, _("Due soon")),
            (REFUND_OVERDUE, _("Overdue")),
            (REFUND_ANY, _("Any withdrawal")),
        ],
        empty_label=_("All"),
        widget=forms.RadioSelect,
        method="filter_refund_due",
    )
    assignee = StaffFilter(
        label=_("Assigned to"), queryset=staff, empty_label=_("All"), null_label=_("Nobody")
    )

    class Meta:
        model = Conversation
        fields = ["status", "topic", "refund_due", "assignee", "created_at", "source"]

    def filter_refund_due(self, queryset, name, value):
        """Withdrawals whose refund is due soon or overdue (closed ones are done), or all."""
        if not value:
            return queryset
        return queryset.filter((self.calendar or ShopCalendar()).refund_query(value))


class ConversationHistoryFilterSet(HistoryFilterSet):
    """The History's filters (action, user, date), with a date range that needs no script."""

    timestamp = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangeWidget)
