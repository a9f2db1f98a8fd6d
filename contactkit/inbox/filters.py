"""The filters of the inbox listing and of the spam folder."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.utils import get_user_display_name
from wagtail.permissions import policy_registry

from contactkit.inbox.models import Conversation, Source, Status, Topic


def staff(request=None):
    """The people a conversation can be given to: everyone allowed to see the inbox."""
    policy = policy_registry.get_by_type(Conversation)
    users = policy.users_with_any_permission(["view"])
    return (
        get_user_model()
        .objects.filter(pk__in=users.values("pk"))
        .order_by("first_name", "last_name", get_user_model().USERNAME_FIELD)
    )


class StaffChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return get_user_display_name(obj)


class StaffFilter(django_filters.ModelChoiceFilter):
    field_class = StaffChoiceField


class SpamFilterSet(WagtailFilterSet):
    """Filters that make sense in the spam folder: everything there has the same status."""

    topic = django_filters.ChoiceFilter(
        label=_("Topic"), choices=Topic.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Source.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Received"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Conversation
        fields = []


class InboxFilterSet(SpamFilterSet):
    """The inbox's filters: status (spam has its own folder), topic, assignee, date, source."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=[(value, label) for value, label in Status.choices if value != Status.SPAM],
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = StaffFilter(
        label=_("Assigned to"), queryset=staff, empty_label=_("All"), null_label=_("Nobody")
    )

    class Meta:
        model = Conversation
        fields = ["status", "topic", "assignee", "created_at", "source"]
