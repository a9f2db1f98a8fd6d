"""Opening hours in words a shopper reads at a glance, in the active language.

Times are formatted with the active language's TIME_FORMAT and always shown in the shop's time
zone, the zone the schedule returns them in.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import formats
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def time_text(value):
    """A wall time as the active language writes it (09:00 in Spanish, 9 a.m. in English)."""
    if isinstance(value, dt.datetime):
        value = value.time()
    return formats.time_format(value, "TIME_FORMAT")


def span_text(opens, closes):
    return _("%(opens)s–%(closes)s") % {"opens": time_text(opens), "closes": time_text(closes)}


def weekday_name(number):
    """The weekday as written inside a sentence ("Monday" in English, "lunes" in Spanish)."""
    return str(WEEKDAYS[number])


@dataclass(frozen=True)
class StatusText:
    is_open: bool
    text: str


def status_text(status, now):
    """ "Open now, until 14:00", "Closed now, opens at 16:00", "Closed today, opens Monday at…"."""
    today = now.astimezone(status.today[0].start.tzinfo).date() if status.today else None
    if status.is_open:
        if status.closes_at is None:
            return StatusText(True, _("Open now"))
        closes = status.closes_at
        if today is None or closes.date() == today or closes.time() == dt.time(0):
            return StatusText(True, _("Open now, until %(time)s") % {"time": time_text(closes)})
        return StatusText(
            True,
            _("Open now, until %(day)s at %(time)s")
            % {"day": weekday_name(closes.weekday()), "time": time_text(closes)},
        )
    opens = status.opens_at
    later_today = [span for span in status.today if span.start > now]
    if opens is None:
        return StatusText(False, _("Closed"))
    if later_today and opens == later_today[0].start:
        return StatusText(False, _("Closed now, opens at %(time)s") % {"time": time_text(opens)})
    local_now = now.astimezone(opens.tzinfo)
    days_ahead = (opens.date() - local_now.date()).days
    closed_today = _("Closed today") if not status.today else _("Closed now")
    if days_ahead == 1:
        when = _("opens tomorrow at %(time)s") % {"time": time_text(opens)}
    elif days_ahead < 7:
        when = _("opens %(day)s at %(time)s") % {
            "day": weekday_name(opens.weekday()),
            "time": time_text(opens),
        }
    else:
        when = _("opens on %(date)s at %(time)s") % {
            "date": formats.date_format(opens.date(), "SHORT_DATE_FORMAT"),
            "time": time_text(opens),
        }
    return StatusText(
        False,
        pgettext("closed, then when it opens", "%(closed)s, %(when)s")
        % {
            "closed": closed_today,
            "when": when,
        },
    )


def today_text(status):
    """Today's hours: "09:00–14:00, 16:00–19:00", or "closed" with the reason when known."""
    if status.today:
        return ", ".join(span_text(span.start, span.end) for span in status.today)
    if status.exception and status.exception.label:
        return _("closed (%(reason)s)") % {"reason": status.exception.label}
    return _("closed")


@dataclass(frozen=True)
class WeekRow:
    days: str
    hours: str


def week_rows(schedule):
    """The usual week, Monday first, with consecutive days of equal hours joined.

    "Monday to Friday: 09:00–14:00, 16:00–19:00"; days without hours read "closed".
    """
    by_day = {number: [] for number in range(7)}
    for interval in sorted(schedule.weekly, key=lambda i: (i.weekday, i.opens)):
        by_day[interval.weekday].append(span_text(interval.opens, interval.closes))
    rows, start = [], 0
    for number in range(7):
        last_of_run = number == 6 or by_day[number + 1] != by_day[number]
        if not last_of_run:
            continue
        if start == number:
            days = capfirst(weekday_name(start))
        elif number == start + 1:
            days = _("%(first)s and %(last)s") % {
                "first": capfirst(weekday_name(start)),
                "last": weekday_name(number),
            }
        else:
            days = _("%(first)s to %(last)s") % {
                "first": capfirst(weekday_name(start)),
                "last": weekday_name(number),
            }
        hours = ", ".join(by_day[number]) or _("closed")
        rows.append(WeekRow(days=days, hours=hours))
        start = number + 1
    return rows
