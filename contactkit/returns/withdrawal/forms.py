"""The statement of withdrawal a shopper fills in: who, which contract, optionally which items.

Never a reason: the law gives the right to withdraw without one (Directive 2011/83/EU art. 9).
The items are a text area, one item per line with its quantity ("2 blue mugs"): on a phone one
box to type in is far quicker than rows of paired fields, it needs no JavaScript to add a row,
and a shopper withdrawing from a whole order leaves it empty. :func:`parse_items` reads it.
"""

import datetime as dt
import re
import uuid

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from contactkit.inbox import spam
from contactkit.inbox.forms import no_line_breaks

# What one statement may list; more is a whole order, or the comment says it.
MAX_ITEMS = 20
MAX_QUANTITY = 999
MAX_DESCRIPTION = 200

# Words for "pieces" that may follow a quantity.
_UNITS_FIRST = r"(?:uds?\.?|pcs?\.?)"
_UNITS_LAST = r"(?:uds?\.?|unidad(?:es)?|units?|pcs?\.?|pieces?)"
# "2 blue mugs", "2 x blue mug", "2x blue mug", "2 uds. taza azul"
_QUANTITY_FIRST = re.compile(
    rf"^(?P<quantity>\d+)(?:\s*[x×*]\s+|\s*{_UNITS_FIRST}\s+|\s+|[x×*](?=\S))"
    r"(?P<description>.+)$",
    re.IGNORECASE,
)
# "blue mug x2", "blue mug × 2", "blue mug, 2", "blue mug: 2 units", "blue mug (2)"
_QUANTITY_LAST = [
    re.compile(
        rf"^(?P<description>.+?)\s+[x×*]\s*(?P<quantity>\d+)(?:\s*{_UNITS_LAST})?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?P<description>.+?)\s*[,;:]\s*(?P<quantity>\d+)(?:\s*{_UNITS_LAST})?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?P<description>.+?)\s*\(\s*[x×*]?\s*(?P<quantity>\d+)(?:\s*{_UNITS_LAST})?\s*\)$",
        re.IGNORECASE,
    ),
]
_LETTER = re.compile(r"[^\W\d_]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BULLET = re.compile(r"^(?:[-•*·]\s+)")


def _split(line):
    """(quantity, description) of one line; the quantity is 1 when the line gives none."""
    line = _BULLET.sub("", line).strip()
    match = _QUANTITY_FIRST.match(line)
    if match is None:
        match = next((m for pattern in _QUANTITY_LAST if (m := pattern.match(line))), None)
    if match is None:
        return (1 if line and not line.isdigit() else None), line
    return _quantity(match["quantity"]), match["description"].strip(" ,;:-")


def _quantity(digits):
    """The number ``digits`` stand for; more than any quantity when they are too many for
    Python to read (int() refuses strings of over 4300 digits), so the line is explained as
    over the limit rather than breaking the form."""
    try:
        return int(digits)
    except ValueError:
        return MAX_QUANTITY + 1


def parse_items(text):
    """The items of the text area as ``[{"description", "quantity"}]``, or ValidationError.

    One item per line; the quantity may come first ("2 blue mugs", "2 x blue mug") or last
    ("blue mug x2", "blue mug, 2", "blue mug (2)"); a line without one means one. Empty lines
    and list bullets are ignored. Every bad line is named in the error, with its number.
    """
    items, errors = [], []
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [(number, line) for number, line in enumerate(lines, 1) if line]
    if len(lines) > MAX_ITEMS:
        raise forms.ValidationError(
            _(
                "List at most %(limit)s items. For more, leave this empty to withdraw from the "
                "whole order, or name the rest in the comment."
            ),
            code="too_many_items",
            params={"limit": MAX_ITEMS},
        )
    for number, line in lines:
        quantity, description = _split(line)
        if quantity is None or not _LETTER.search(description):
            errors.append(
                forms.ValidationError(
                    _("Line %(line)s: say which item it is, for example “2 blue mugs”."),
                    code="no_description",
                    params={"line": number},
                )
            )
        elif quantity < 1:
            errors.append(
                forms.ValidationError(
                    _("Line %(line)s: the quantity must be at least 1."),
                    code="quantity",
                    params={"line": number},
                )
            )
        elif quantity > MAX_QUANTITY:
            errors.append(
                forms.ValidationError(
                    _("Line %(line)s: the quantity can be at most %(limit)s."),
                    code="quantity",
                    params={"line": number, "limit": MAX_QUANTITY},
                )
            )
        elif len(description) > MAX_DESCRIPTION:
            errors.append(
                forms.ValidationError(
                    _("Line %(line)s is too long: an item can have at most %(limit)s characters."),
                    code="too_long",
                    params={"line": number, "limit": MAX_DESCRIPTION},
                )
            )
        else:
            items.append({"description": description, "quantity": quantity})
    if errors:
        raise forms.ValidationError(errors)
    return items


def items_text(items):
    """``items`` written back as the text area shows them, one "2 blue mugs" per line."""
    return "\n".join(f"{item['quantity']} {item['description']}" for item in items or [])


class ItemsField(forms.CharField):
    """The items text area, cleaned into a list of ``{"description", "quantity"}``."""

    def to_python(self, value):
        return parse_items(super().to_python(value))

    def prepare_value(self, value):
        if isinstance(value, list):
            return items_text(value)
        return value


class DatePickerInput(forms.DateInput):
    """``<input type="date">``: the phone's own calendar. It only ever holds an ISO date, so
    anything else typed is not written back into it (the error says what to type)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        value = super().format_value(value)
        return value if value and _ISO_DATE.match(value) else None


class OptionalDateField(forms.DateField):
    """A date picked on the phone's own calendar, or typed as the shopper's language writes
    dates (15/06/2026 in Spanish) where the browser has no picker."""

    widget = DatePickerInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            example = dt.date(2026, 6, 15).strftime(formats.get_format("DATE_INPUT_FORMATS")[0])
            raise forms.ValidationError(
                _("Give the date like this: %(example)s."),
                code="invalid",
                params={"example": example},
            ) from None


class StatementForm(forms.Form):
    """The statement of withdrawal: who withdraws, from which contract, and where the receipt
    goes. The order number or one of the dates must say which contract it is."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        validators=[no_line_breaks],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("We send the acknowledgement of receipt to this address at once."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=60,
        required=False,
        validators=[no_line_breaks],
        help_text=_(
            "It is in the order confirmation we emailed you. If you do not have it, give the "
            "date you ordered or received the order instead."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    order_date = OptionalDateField(label=_("Ordered on (optional)"))
    delivery_date = OptionalDateField(label=_("Received on (optional)"))
    items = ItemsField(
        label=_("Which items? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One item per line, starting with how many, for example “2 blue mugs”. Leave it "
            "empty to withdraw from the whole order."
        ),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You do not need to give a reason."),
    )
    # Spam traps, as in the contact form: a field people never see, and when the form opened.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    # The fields of the statement itself, in the order it is written out.
    STATEMENT_FIELDS = (
        "name",
        "email",
        "order_number",
        "order_date",
        "delivery_date",
        "items",
        "comment",
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The shop's today: no one orders or receives anything later than that (a day's
        # grace for a shopper whose own day has already begun).
        self.today = today
        if not self.is_bound:
            self.initial.setdefault("started", spam.form_timestamp())
            self.initial.setdefault("submission_key", uuid.uuid4().hex)

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_order_number(self):
        return self.cleaned_data["order_number"].strip()

    def clean_comment(self):
        return self.cleaned_data["comment"].strip()

    def clean(self):
        data = super().clean()
        number = data.get("order_number")
        ordered, received = data.get("order_date"), data.get("delivery_date")
        named = {"order_number", "order_date", "delivery_date"}
        if not (number or ordered or received) and not named & set(self.errors):
            self.add_error(
                "order_number",
                forms.ValidationError(
                    _(
                        "Give the order number, or the date you ordered or received it, so "
                        "we know which contract you withdraw from."
                    ),
                    code="no_contract",
                ),
            )
        latest = self.today + dt.timedelta(days=1) if self.today else None
        for field, value in (("order_date", ordered), ("delivery_date", received)):
            if value and latest and value > latest:
                self.add_error(
                    field,
                    forms.ValidationError(_("This date is still to come."), code="future"),
                )
        if ordered and received and received < ordered and "delivery_date" not in self.errors:
            self.add_error(
                "delivery_date",
                forms.ValidationError(
                    _("This is before the day you ordered: check both dates."),
                    code="before_order",
                ),
            )
        return data

    def statement(self):
        """The statement as plain JSON values (dates in ISO 8601), with the spam traps."""
        data = self.cleaned_data
        statement = {name: data.get(name) for name in self.STATEMENT_FIELDS}
        for name in ("order_date", "delivery_date"):
            statement[name] = statement[name].isoformat() if statement[name] else ""
        statement["items"] = list(statement["items"] or [])
        statement["comment"] = statement["comment"] or ""
        statement["order_number"] = statement["order_number"] or ""
        for name in ("website", "started", "submission_key"):
            statement[name] = data.get(name) or ""
        return statement

    @classmethod
    def initial_from(cls, statement):
        """The form's initial values from a statement (one sent back after its step expired)."""
        initial = {name: statement.get(name) for name in cls.STATEMENT_FIELDS}
        for name in ("order_date", "delivery_date"):
            value = initial.get(name)
            initial[name] = dt.date.fromisoformat(value) if value else None
        initial["items"] = items_text(statement.get("items"))
        for name in ("started", "submission_key"):
            if statement.get(name):
                initial[name] = statement[name]
        return {key: value for key, value in initial.items() if value not in (None, "")}
