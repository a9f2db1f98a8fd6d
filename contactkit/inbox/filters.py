"""The filters of the inbox listing and of the spam and held folders."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.generic.history import HistoryFilterSet
from wagtail.permissions import policy_registry

from contactkit.inbox.models import Conversation, Source, Status, Topic

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = self.queryset
        self.filters["source"].extra["choices"] = lambda: sources_in(queryset)


def sources_in(conversations):
    """The choices of :class:`Source` that ``conversations`` came from, in their usual order."""
    used = set(conversations.order_by().values_list("source", flat=True).distinct())
    return [(value, label) for value, label in Source.choices if value in used]


class InboxFilterSet(SpamFilterSet):
    """The inbox's filters: status (spam and held have their folders), topic, assignee, date,
    source."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=[
            (value, label)
            for value, label in Status.choices
            if value not in (Status.SPAM, Status.HELD)
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = StaffFilter(
        label=_("Assigned to"), queryset=staff, empty_label=_("All"), null_label=_("Nobody")
    )

    class Meta:
        model = Conversation
        fields = ["status", "topic", "assignee", "created_at", "source"]


class ConversationHistoryFilterSet(HistoryFilterSet):
    """The History's filters (action, user, date), with a date range that needs no script."""

    timestamp = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangeWidget)
