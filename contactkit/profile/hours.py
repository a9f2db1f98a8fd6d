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


# --- checking what the owner typed in the admin -------------------------------------------------

MINUTES_A_DAY = 24 * 60
MINUTES_A_WEEK = 7 * MINUTES_A_DAY


def _minutes(value):
    return value.hour * 60 + value.minute


def _length(opens, closes, closes_next_day):
    return _minutes(closes) - _minutes(opens) + (MINUTES_A_DAY if closes_next_day else 0)


def _typed_span(opens, closes):
    """The span as the owner typed it in the admin (always 24-hour hh:mm)."""
    return _("%(opens)s–%(closes)s") % {
        "opens": opens.strftime("%H:%M"),
        "closes": closes.strftime("%H:%M"),
    }


def _overlap_message(first, second):
    return capfirst(_("%(first)s overlaps %(second)s.") % {"first": first, "second": second})


def weekly_overlaps(rows):
    """Pairs of weekly openings that overlap, with the message naming both.

    ``rows`` are ``(key, weekday, opens, closes, closes_next_day)``; an opening that closes the
    next day runs into the next weekday, and Sunday night runs into Monday. Openings that only
    touch (one closes at 14:00, the next opens at 14:00) do not overlap. Yields ``(key, message)``
    for the later row of each overlapping pair.
    """
    spans = []
    for key, weekday, opens, closes, next_day in rows:
        start = weekday * MINUTES_A_DAY + _minutes(opens)
        length = _length(opens, closes, next_day)
        if length <= 0:
            continue  # its own error says it closes before it opens
        label = f"{weekday_name(weekday)} {_typed_span(opens, closes)}"
        spans.append((key, start, start + length, label))
    # One opening may be on several days: two rows that clash on more than one day are named
    # once, on the first day they clash.
    said = set()
    for index, (key, start, end, label) in enumerate(spans):
        for other_key, other_start, other_end, other_label in spans[:index]:
            if (id(key), id(other_key)) in said:
                continue
            if any(
                start + shift < other_end and other_start < end + shift
                for shift in (-MINUTES_A_WEEK, 0, MINUTES_A_WEEK)
            ):
                said.add((id(key), id(other_key)))
                yield key, _overlap_message(other_label, label)
                break


def date_overlaps(rows, date_text):
    """Special days that contradict each other, with the message naming both.

    ``rows`` are ``(key, date, closed, opens, closes, closes_next_day)``; ``date_text`` writes a
    date as the owner typed it. A date closed all day cannot also have hours or be given twice;
    hours on the same date (or running past midnight into the next) cannot overlap. Yields
    ``(key, message)`` for the later row.
    """
    seen = []
    for key, date, closed, opens, closes, next_day in rows:
        if closed:
            earlier = [other for other in seen if other[1] == date]
            if earlier:
                yield key, _closed_twice_message(date_text(date), earlier[0][4] is None)
            seen.append((key, date, None, None, None))
            continue
        length = _length(opens, closes, next_day)
        if length <= 0:
            continue
        start = date.toordinal() * MINUTES_A_DAY + _minutes(opens)
        label = f"{date_text(date)} {_typed_span(opens, closes)}"
        for _key, other_date, other_start, other_end, other_label in seen:
            if other_label is None:
                if other_date == date:
                    yield key, _closed_twice_message(date_text(date), False)
                    break
            elif start < other_end and other_start < start + length:
                yield key, _overlap_message(other_label, label)
                break
        seen.append((key, date, start, start + length, label))


def _closed_twice_message(date, both_closed):
    if both_closed:
        return _("%(date)s is already in the special days as closed all day.") % {"date": date}
    return _("%(date)s is marked “closed all day” and also has opening hours.") % {"date": date}
