"""Admin forms and panels for the store profile and its channels.

Each row of opening hours is checked on its own by its model's ``clean``; what only shows when
the rows are read together (two openings that overlap, a day both closed and open) is checked
here, on the formset, and reported on the row that contradicts an earlier one.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import FieldPanel, InlinePanel

from contactkit.profile import hours
from contactkit.profile.widgets import date_input_format, date_placeholder, time_placeholder


def _date_error():
    fmt = date_input_format()
    return gettext("Write the date as %(format)s, for example %(example)s.") % {
        "format": date_placeholder(fmt),
        "example": dt.date(2026, 12, 24).strftime(fmt),
    }


def _time_error():
    return gettext("Write the time as %(format)s, for example %(example)s.") % {
        "format": time_placeholder(),
        "example": "09:30",
    }


date_error = lazy(_date_error, str)
time_error = lazy(_time_error, str)


def date_text(date):
    """A date as the owner types it in the admin (24/12/2026 in Spanish)."""
    return date.strftime(date_input_format())


class HoursFormSet(BaseChildFormSet):
    """Rows of dates and times: explains, in the owner's format, a date or time it cannot read."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, message in (("date", date_error), ("opens", time_error), ("closes", time_error)):
            if name in form.fields:
                form.fields[name].error_messages["invalid"] = message()

    def rows(self):
        """The forms that will be kept and are valid on their own."""
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() or form.errors:
                continue
            yield form

    def refuse(self, contradictions):
        said = set()
        for form, message in contradictions:
            # An opening on several days can clash on more than one of them: say it once.
            if (id(form), str(message)) in said:
                continue
            said.add((id(form), str(message)))
            form.add_error(None, ValidationError(message, code="contradicts"))


class WeeklyHoursFormSet(HoursFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "weekdays" in form.fields:
            form.fields["weekdays"].error_messages["required"] = gettext("Tick at least one day.")

    def clean(self):
        super().clean()
        self.refuse(
            hours.weekly_overlaps(
                (
                    form,
                    int(weekday),
                    form.cleaned_data["opens"],
                    form.cleaned_data["closes"],
                    form.cleaned_data.get("closes_next_day", False),
                )
                for form in self.rows()
                for weekday in form.cleaned_data.get("weekdays") or []
            )
        )


class SpecialDaysFormSet(HoursFormSet):
    def clean(self):
        super().clean()
        self.refuse(
            hours.date_overlaps(
                (
                    (
                        form,
                        form.cleaned_data["date"],
                        form.cleaned_data.get("closed", False),
                        form.cleaned_data.get("opens"),
                        form.cleaned_data.get("closes"),
                        form.cleaned_data.get("closes_next_day", False),
                    )
                    for form in self.rows()
                    if form.cleaned_data.get("date")
                ),
                date_text,
            )
        )


class CheckedInlinePanel(InlinePanel):
    """An InlinePanel whose rows are checked together by ``formset_class``."""

    def __init__(self, relation_name, *args, formset_class=HoursFormSet, **kwargs):
        super().__init__(relation_name, *args, **kwargs)
        self.formset_class = formset_class

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "formset_class": self.formset_class}

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = self.formset_class
        return options


def shop_country(instance, request):
    """The ISO code of the shop's country, from the profile being edited or the channel's site."""
    from contactkit.profile.models import StoreProfile

    if isinstance(instance, StoreProfile):
        return instance.country.code if instance.country else None
    from wagtail.models import Site

    site_id = getattr(instance, "site_id", None)
    if site_id is None and request is not None:
        site = Site.find_for_request(request)
        site_id = site.pk if site else None
    code = StoreProfile.objects.filter(site_id=site_id).values_list("country", flat=True).first()
    return code or None


class CommonChoicesPanel(FieldPanel):
    """A field with a :class:`~contactkit.profile.widgets.SearchableCheckboxSelectMultiple`,
    told the shop's country so that its languages come first."""

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.bound_field is not None:
                widget = self.bound_field.field.widget
                if hasattr(widget, "country"):
                    widget.country = shop_country(self.instance, self.request)
