"""The inbox's CSV and XLSX downloads: every conversation readable, nothing run, nothing lost.

Wagtail's :class:`~wagtail.admin.views.mixins.SpreadsheetExportMixin` writes the files;
:class:`ConversationExportMixin` decides what goes in each cell:

- **Control characters** a shopper may send (vertical tab, escape, backspace, NUL…) would make
  the XLSX file impossible to write and garble a CSV. They are shown instead of dropped: a C0
  control or DEL as its Unicode "control picture" (``\\x0b`` becomes ``␋``, U+2400 + its code),
  any other (C1 controls, lone surrogates, U+FFFE/U+FFFF) as ``<U+0085>``. Tabs and line breaks
  stay as they are: a quoted CSV field keeps its lines, an XLSX cell wraps them.
- **Formulas never run.** In the XLSX file every text is a text cell (never a formula), with
  Excel's hidden "quote prefix" on text that looks like a formula, so nothing extra shows. In the
  CSV file, which has no cell types, such text gets a leading ``'`` (the usual defence against
  CSV injection; spreadsheets hide or show it, but never run the formula).
- **The CSV opens in the staff member's spreadsheet**: UTF-8 with a byte order mark, so accents
  survive Excel; cells separated by ``;`` where the admin language writes decimals with a comma
  (Spanish, for example), by ``,`` otherwise.
- **Times are the shop's**: each conversation's times are in the time zone of its site's
  profile; the headings name the zone and a column gives it for each row.
- The number of queries does not grow with the number of conversations.
"""

import csv
import datetime
import re
import zoneinfo
from functools import cached_property

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.mixins import Echo

from contactkit.profile.models import StoreProfile, default_time_zone

# A spreadsheet opens a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters that cannot go in an XLSX cell or that would garble a line of text: C0 controls
# but tab, line feed and carriage return; DEL and the C1 controls; lone surrogates (which
# cannot be written as UTF-8); and the two noncharacters XML forbids.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# The most characters an Excel cell holds.
XLSX_CELL_LIMIT = 32767

# Exported datetimes in CSV: ISO order, which every spreadsheet reads as a date in any locale.
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M"

# Fields holding datetimes, shown in the shop's time zone.
TIME_FIELDS = ("created_at", "first_response_at")


def _picture(match):
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def escape_control_characters(value):
    """``value`` with each control character shown as a visible sign (see the module's doc)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub(_picture, value)
    return value


def neutralise_formula(value):
    """Text a spreadsheet would run as a formula, made plain text with a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def looks_like_formula(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def answers_text(answers, definition=()):
    """The extra questions' answers ({label: answer}) as "label: answer" lines in one cell, in
    the order the form asked them (``definition``, the questions as they were then)."""
    if not isinstance(answers, dict):
        return force_str(answers or "")
    asked = [q.get("label") for q in definition or () if isinstance(q, dict)]
    labels = [label for label in asked if label in answers]
    labels += [label for label in answers if label not in labels]
    lines = []
    for label in labels:
        answer = answers[label]
        if isinstance(answer, (list, tuple)):
            answer = ", ".join(force_str(item) for item in answer)
        lines.append(f"{label}: {force_str(answer if answer is not None else '')}")
    return "\n".join(lines)


def csv_delimiter():
    """``;`` where the active language writes decimals with a comma (so a spreadsheet in that
    locale splits the columns), else ``,``."""
    return ";" if get_format("DECIMAL_SEPARATOR") == "," else ","


class ConversationExportMixin:
    """What the inbox listing puts in its CSV and XLSX downloads (for an ``IndexView``)."""

    @cached_property
    def export_values(self):
        """Values computed for a field of ``list_export``, by field name."""
        # The listing's own texts, so the file says what the screen says.
        from contactkit.inbox.views.display import first_response_text, spam_reason_text

        return {
            "status": lambda c: c.get_status_display(),
            "topic": lambda c: c.get_topic_display(),
            "source": lambda c: c.get_source_display(),
            "phone": lambda c: str(c.phone or ""),
            "assignee": lambda c: get_user_display_name(c.assignee) if c.assignee else "",
            "first_response_time": first_response_text,
            "spam_reason": lambda c: spam_reason_text(c.spam_reason),
            "message": lambda c: c.shopper_messages[0].body if c.shopper_messages else "",
            "extra_fields": lambda c: answers_text(c.extra_fields, c.form_definition),
            "time_zone": lambda c: self.time_zone_name(c.site_id),
        }

    # Time zones

    @cached_property
    def shop_time_zones(self):
        """Each site's time zone name, by site id, in one query."""
        return dict(StoreProfile.objects.values_list("site_id", "time_zone"))

    def time_zone_name(self, site_id):
        return self.shop_time_zones.get(site_id) or default_time_zone()

    def shop_zone(self, site_id):
        try:
            return zoneinfo.ZoneInfo(self.time_zone_name(site_id))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.UTC

    def zones_in(self, queryset):
        """The names of the time zones of the conversations in ``queryset``."""
        site_ids = queryset.order_by().values_list("site_id", flat=True).distinct()
        return {self.time_zone_name(site_id) for site_id in site_ids}

    def get_heading(self, queryset, field):
        heading = super().get_heading(queryset, field)
        if field in TIME_FIELDS:
            zones = self.export_zones or set(self.shop_time_zones.values()) or {default_time_zone()}
            zone = next(iter(zones)) if len(zones) == 1 else _("each shop's time zone")
            return _("%(heading)s (%(time_zone)s)") % {"heading": heading, "time_zone": zone}
        if field == "time_zone":
            return capfirst(force_str(StoreProfile._meta.get_field("time_zone").verbose_name))
        return heading

    # Rows and cells

    def to_row_dict(self, item):
        row = {}
        for field in self.list_export:
            if field in self.export_values:
                value = self.export_values[field](item)
            else:
                value = getattr(item, field)
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                value = value.astimezone(self.shop_zone(item.site_id))
            row[field] = value
        return row

    def preprocess_field_value(self, field, value, export_format):
        if isinstance(value, datetime.datetime):
            # Already in the shop's time zone (to_row_dict): written as its wall-clock time.
            wall_clock = value.replace(tzinfo=None)
            if export_format == self.FORMAT_CSV:
                return wall_clock.strftime(CSV_DATETIME_FORMAT)
            return wall_clock
        value = escape_control_characters(
            super().preprocess_field_value(field, value, export_format)
        )
        if export_format == self.FORMAT_CSV:
            return neutralise_formula(value)
        return value

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment

        for field, raw in row_dict.items():
            value = self.preprocess_field_value(field, raw, self.FORMAT_XLSX)
            if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
                marker = _("… [cut here: the full text is in the inbox]")
                value = value[: XLSX_CELL_LIMIT - len(marker)] + marker
            cell = WriteOnlyCell(worksheet, value)
            if isinstance(value, str):
                # Text is text: never a formula, whatever it starts with.
                cell.data_type = "s"
                if looks_like_formula(value):
                    cell.quotePrefix = True
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif date_format and isinstance(value, datetime.datetime):
                cell.number_format = date_format
            yield cell

    # Files

    def as_spreadsheet(self, queryset, spreadsheet_format):
        self.export_zones = self.zones_in(queryset)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def stream_csv(self, queryset):
        """The CSV file, line by line: a byte order mark, the headings, then the rows."""
        writer = csv.DictWriter(Echo(), fieldnames=self.list_export, delimiter=csv_delimiter())
        yield "\ufeff".encode()
        yield writer.writerow(
            {field: self.get_heading(queryset, field) for field in self.list_export}
        )
        for item in queryset:
            yield self.write_csv_row(writer, self.to_row_dict(item))

    def write_csv_response(self, queryset):
        # The response is streamed after the view returns, when the admin's language is no
        # longer active: the lines are written in the language of the request.
        language = translation.get_language()

        def lines():
            chunks = self.stream_csv(queryset)
            while True:
                with translation.override(language):
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                yield chunk

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response
