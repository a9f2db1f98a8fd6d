"""Admin widgets that do not set traps for a shop owner.

Wagtail's date and time pickers show dates as ``WAGTAIL_DATE_FORMAT`` (2026-12-24) whatever the
editor's language, and their picker rewrites, when the field loses focus, anything it cannot
read with that format: 24/12/2026 became 2026-12-01, and 25:00 became the current time, with
no error. These widgets show and read the editor's own format (24/12/2026 in Spanish), and let
what was typed reach the server untouched, where Django's form field refuses it with a
translated error if it cannot read it.
"""

from django import forms
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from wagtail.admin.datetimepicker import to_datetimepicker_format
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput

from contactkit.profile.choices import common_languages

TIME_FORMAT = "%H:%M"


def date_input_format():
    """The format dates are shown and typed in for the active language (first one Django reads)."""
    return formats.get_format("DATE_INPUT_FORMATS")[0]


def date_placeholder(fmt=None):
    """``dd/mm/aaaa`` in Spanish, ``yyyy-mm-dd`` in English: the format, in the editor's words."""
    parts = {
        "%d": pgettext("placeholder for the day of a date", "dd"),
        "%m": pgettext("placeholder for the month of a date", "mm"),
        "%Y": pgettext("placeholder for the year of a date", "yyyy"),
        "%y": pgettext("placeholder for the year of a date, two digits", "yy"),
    }
    text = fmt or date_input_format()
    for code, word in parts.items():
        text = text.replace(code, word)
    return text


def time_placeholder():
    return pgettext("placeholder for a time of day", "hh:mm")


class LocalDateInput(AdminDateInput):
    """Wagtail's date picker in the editor's date format; what they type is never replaced."""

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format)
        # Decided when rendering, in the language of the editor looking at it.
        self.format = format

    def get_config(self):
        fmt = self.format or date_input_format()
        return {
            **super().get_config(),
            "format": to_datetimepicker_format(fmt),
            "validateOnBlur": False,
        }

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault(
            "placeholder", date_placeholder(self.format or date_input_format())
        )
        return context


class LocalTimeInput(AdminTimeInput):
    """Wagtail's time picker (24-hour hh:mm); what the editor types is never replaced."""

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or TIME_FORMAT)

    def get_config(self):
        return {**super().get_config(), "validateOnBlur": False}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", time_placeholder())
        return context


class SearchableCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes for a long list: the common choices first, and a box to search the rest.

    Without JavaScript it is a plain list of checkboxes. ``common`` is a callable returning the
    values to put first, in that order; ``country`` (an ISO code, set by the panel from the shop)
    is passed to it. The order of the stored values does not change: the form field keeps its
    own order.
    """

    def __init__(self, attrs=None, choices=(), common=common_languages):
        super().__init__(attrs, choices)
        self.common = common
        self.country = None

    @property
    def media(self):
        return forms.Media(
            js=["contactkit/admin/choice-filter.js"],
            css={"all": ["contactkit/admin/choice-filter.css"]},
        )

    def grouped_choices(self, choices):
        choices = list(choices)
        first = [value for value in self.common(self.country) if value in dict(choices)]
        if not first:
            return choices
        labels = dict(choices)
        rest = [(value, label) for value, label in choices if value not in first]
        return [
            (_("Most used"), [(value, labels[value]) for value in first]),
            (_("All the others"), rest),
        ]

    def optgroups(self, name, value, attrs=None):
        original = self.choices
        self.choices = self.grouped_choices(original)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = original

    def render(self, name, value, attrs=None, renderer=None):
        checkboxes = super().render(name, value, attrs, renderer)
        list_id = (attrs or {}).get("id") or self.attrs.get("id", "")
        return format_html(
            '<div class="ck-choice-filter" data-ck-choice-filter>'
            '<input type="search" class="ck-choice-filter__search" hidden'
            ' placeholder="{}" aria-label="{}" aria-controls="{}" autocomplete="off">'
            '<p class="ck-choice-filter__none" hidden>{}</p>'
            '<div class="ck-choice-filter__list">{}</div></div>',
            _("Search…"),
            _("Search the list"),
            list_id,
            _("Nothing matches your search."),
            checkboxes,
        )


class WeekdaysCheckboxes(forms.CheckboxSelectMultiple):
    """The seven days as one row of checkboxes: Monday to Friday is five ticks on one line."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "ck-weekdays", **(attrs or {})}, choices)

    @property
    def media(self):
        return forms.Media(css={"all": ["contactkit/admin/weekdays.css"]})
