"""Honest reply times: how long shoppers really waited for a first answer, from the inbox.

The figure is the **median** first-response time of the conversations answered in the last
``CONTACTKIT_REPLY_TIME_DAYS`` days (30), shown to shoppers only once at least
``CONTACTKIT_REPLY_TIME_MIN_CONVERSATIONS`` (10) were answered in that time; before that the
page keeps the reply time staff promised. The median, not the mean, so one conversation left
for a week does not hide that most are answered within hours, nor one lucky minute make a slow
shop look fast.

**Working time only.** The wait is counted while the channel the shopper used was open, from
its opening hours (:meth:`contactkit.profile.availability.Schedule.spans_between`, holidays and
special days included). A message sent on Friday evening and answered on Monday at 10:00 cost
the shop one working hour, not 63 hours; saying "about 63 hours" would scare shoppers off, and
saying "about 1 hour" without "working" would make a shopper who writes at 20:00 expect an
answer at 21:00. So the words say "working hours" whenever they were measured that way (see
:func:`reply_time_words`). A channel without hours is measured against the shop's general
hours: the first channel (in the editor's order) that has opening hours, a physical store
only if no other channel has any. A shop without any hours is measured in wall-clock time.

Which channel a conversation was written through, by its ``Conversation.source``
(:class:`contactkit.inbox.models.Source`) and the :class:`ChannelKind` whose hours count:

* ``form``, ``withdrawal``, ``widget``, ``launcher`` -> ``ChannelKind.FORM`` (the contact
  form: every message typed on the shop's own pages);
* ``email`` -> ``ChannelKind.EMAIL`` (a mail to the shop's support mailbox);
* ``chat`` -> ``ChannelKind.CHAT``, once the live chat stores its conversations with that
  source.

Which conversations count: the site's own, in the inbox (not spam, not held for review), with a
first answer (``first_response_at``) inside the window. The window is the time of the *answer*,
so a slow answer given this week to an older message still counts against the shop; a
conversation still waiting is not counted yet.

**Cost and freshness.** Figures are computed with one query (values only) for the
conversations, and each channel's schedule is built once (the page's own :class:`Shop` passes
the schedules it already has). The result, which holds no words, only durations and counts, is
kept in Django's default cache for :data:`CACHE_SECONDS` per site, the same for every language;
nothing invalidates it. An answer shows in the figures at most five minutes late, which a
30-day median does not notice, and a page asks nothing of the database for them on a warm cache.
"""

import bisect
import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from contactkit.conf import contactkit_settings
from contactkit.inbox.models import Conversation
from contactkit.profile.choices import SOCIAL_KINDS, ChannelKind

# The channel kind whose opening hours count for a conversation of each source.
SOURCE_KINDS = {
    "form": ChannelKind.FORM,
    "withdrawal": ChannelKind.FORM,
    "widget": ChannelKind.FORM,
    "launcher": ChannelKind.FORM,
    "email": ChannelKind.EMAIL,
    "chat": ChannelKind.CHAT,
}
MEASURED_KINDS = (ChannelKind.FORM, ChannelKind.EMAIL, ChannelKind.CHAT)

# How long computed figures are kept in the cache; a short time instead of invalidation.
CACHE_SECONDS = 5 * 60

_ZERO = dt.timedelta(0)
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Figure:
    """The median wait of ``count`` answered conversations.

    ``working_hours`` says whether the wait was counted in opening hours (False: wall-clock
    time). ``working_day`` is how long an average open day of those hours lasts (24 h for wall
    clock), to say "2 working days" honestly; None when the figure mixes channels.
    """

    median: dt.timedelta
    count: int
    working_hours: bool
    working_day: dt.timedelta | None = None


@dataclass(frozen=True)
class ReplyTimes:
    """The site's median first response over the window, and per channel kind.

    ``per_kind`` holds only the kinds with enough answered conversations of their own.
    """

    median: dt.timedelta
    count: int
    per_kind: dict = field(default_factory=dict)
    days: int = 30

    def for_kind(self, kind):
        """The :class:`Figure` of channels of ``kind``, or None if it has too few answers."""
        return self.per_kind.get(kind)


@dataclass(frozen=True)
class StaffFigures:
    """One member of staff's first replies (``own``, None if none) and the whole team's."""

    own: Figure | None
    team: Figure
    days: int

    @property
    def lines(self):
        """The figures in words for the inbox, one sentence each."""
        if self.own is None:
            mine = ngettext(
                "You sent no first replies in the last %(days)s day.",
                "You sent no first replies in the last %(days)s days.",
                self.days,
            ) % {"days": self.days}
        else:
            mine = ngettext(
                "Your first replies in the last %(days)s days: median %(median)s over "
                "%(count)s conversation.",
                "Your first replies in the last %(days)s days: median %(median)s over "
                "%(count)s conversations.",
                self.own.count,
            ) % {
                "days": self.days,
                "median": duration_text(self.own.median),
                "count": self.own.count,
            }
        team = ngettext(
            "The team: median %(median)s over %(count)s conversation.",
            "The team: median %(median)s over %(count)s conversations.",
            self.team.count,
        ) % {"median": duration_text(self.team.median), "count": self.team.count}
        lines = [mine, team]
        if self.team.working_hours:
            lines.append(gettext("Counted in opening hours only, from each channel’s hours."))
        return lines


@dataclass(frozen=True)
class _Measured:
    """What the cache keeps for a site: figures without words, and without any threshold."""

    overall: Figure | None
    per_kind: dict
    per_user: dict


# --- the public functions ---------------------------------------------------------------------


def reply_times(site, *, channels=None, now=None):
    """The :class:`ReplyTimes` of ``site``, or None below the minimum number of conversations.

    ``channels`` gives the site's channels as ``(kind, schedule)`` pairs in the editor's order
    (or a function returning them, called only on a cold cache) when the caller already has
    them, as :class:`contactkit.profile.shop.Shop` does; without it they are read from the
    database, and only if there is anything to measure.
    """
    measured = _measured(site, channels=channels, now=now)
    minimum = contactkit_settings.REPLY_TIME_MIN_CONVERSATIONS
    if measured.overall is None or measured.overall.count < minimum:
        return None
    return ReplyTimes(
        median=measured.overall.median,
        count=measured.overall.count,
        per_kind={
            kind: figure for kind, figure in measured.per_kind.items() if figure.count >= minimum
        },
        days=contactkit_settings.REPLY_TIME_DAYS,
    )


def staff_figures(site, user, *, now=None):
    """``user``'s own first replies (by ``first_response_by``) and the team's, over the same
    window and counted the same way, or None when nobody answered anything in it.

    Staff see their figures from the first answer: the minimum for shoppers does not apply.
    """
    measured = _measured(site, now=now)
    if measured.overall is None:
        return None
    return StaffFigures(
        own=measured.per_user.get(getattr(user, "pk", None)),
        team=measured.overall,
        days=contactkit_settings.REPLY_TIME_DAYS,
    )


def cache_key(site):
    return f"contactkit:reply-times:v2:{site.pk}:{contactkit_settings.REPLY_TIME_DAYS}"


# --- words ------------------------------------------------------------------------------------

# Minutes under an hour are said in these steps (the nearest one, halves rounded up).
MINUTE_STEPS = (5, 10, 15, 30, 45)


def _half_up(value):
    return int(value + 0.5)


def reply_time_words(figure):
    """How long a reply usually takes, as the end of "usually answers …": "in about 3 working
    hours", "in about 15 minutes", "in about 2 working days".

    Rounded the way a person says it and never to flatter: minutes to the nearest of 5, 10,
    15, 30 or 45 (a median under 5 minutes is "about 5"), then whole hours, then whole days.
    A figure counted in opening hours says so ("working hours", "minutes during opening
    hours", "working days"): "about 3 hours" would promise a shopper who writes at closing time
    an answer that evening. Its days are the channel's average open day (9:00–17:00 makes 16
    working hours "about 2 working days"), never 24 working hours, which would be three times
    longer for such a shop. Wall-clock figures use plain hours and days of 24 hours.
    """
    minutes = figure.median.total_seconds() / 60
    working = figure.working_hours
    day = figure.working_day or _DAY
    day_hours = max(day.total_seconds() / 3600, 1)
    if minutes < 52.5:
        count = MINUTE_STEPS[-1]
        for low, high in zip(MINUTE_STEPS, MINUTE_STEPS[1:], strict=False):
            if minutes < (low + high) / 2:
                count = low
                break
        if working:
            return ngettext(
                "in about %(count)s minute during opening hours",
                "in about %(count)s minutes during opening hours",
                count,
            ) % {"count": count}
        return ngettext("in about %(count)s minute", "in about %(count)s minutes", count) % {
            "count": count
        }
    hours = minutes / 60
    if _half_up(hours) < _half_up(day_hours):
        count = max(_half_up(hours), 1)
        if working:
            return ngettext(
                "in about %(count)s working hour", "in about %(count)s working hours", count
            ) % {"count": count}
        return ngettext("in about %(count)s hour", "in about %(count)s hours", count) % {
            "count": count
        }
    count = max(_half_up(hours / day_hours), 1)
    if working:
        return ngettext(
            "in about %(count)s working day", "in about %(count)s working days", count
        ) % {"count": count}
    return ngettext("in about %(count)s day", "in about %(count)s days", count) % {"count": count}


def measured_note(days):
    """Said after a measured reply time, so a shopper knows it is not a promise."""
    return ngettext(
        "measured over the last %(count)s day", "measured over the last %(count)s days", days
    ) % {"count": days}


def duration_text(delta):
    """A duration for staff, to the minute: "45 min", "2 h 10 min", "3 h", "26 h"."""
    minutes = _half_up(max(delta, _ZERO).total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)s min") % {"minutes": minutes}
    if not minutes:
        return gettext("%(hours)s h") % {"hours": hours}
    return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}


# --- measuring ----------------------------------------------------------------------------------


def _measured(site, *, channels=None, now=None):
    from contactkit.pages import cache as page_cache

    key = cache_key(site)
    # Kept with the time it was measured ("too few answers yet" too), so a page stored by the
    # page cache is kept no longer than these figures.
    found = cache.get(key)
    if found is None:
        found = (timezone.now(), _measure(site, channels=channels, now=now))
        cache.set(key, found, CACHE_SECONDS)
    measured_at, measured = found
    page_cache.expires_by(measured_at + dt.timedelta(seconds=CACHE_SECONDS))
    return measured


def _measure(site, *, channels=None, now=None):
    now = now or timezone.now()
    since = now - dt.timedelta(days=contactkit_settings.REPLY_TIME_DAYS)
    rows = list(
        Conversation.objects.inbox()
        .filter(site=site, first_response_at__gte=since, first_response_at__lte=now)
        .order_by()
        .values_list("source", "created_at", "first_response_at", "first_response_by")
    )
    if not rows:
        return _Measured(overall=None, per_kind={}, per_user={})
    if channels is None:
        channels = _channels_of(site)
    elif callable(channels):
        channels = channels()
    schedules = _schedules_by_kind(channels)
    start = min(created for _source, created, _answered, _by in rows)
    end = max(answered for _source, _created, answered, _by in rows)
    # One clock per schedule: kinds that fall back to the general hours share it.
    built, clocks = {}, {}
    for kind, schedule in schedules.items():
        if id(schedule) not in built:
            built[id(schedule)] = _Clock(schedule, start, end)
        clocks[kind] = built[id(schedule)]

    waits, by_kind, by_user = [], {}, {}
    for source, created, answered, by in rows:
        kind = SOURCE_KINDS.get(source)
        clock = clocks[kind if kind in clocks else None]
        wait = clock.between(created, answered)
        waits.append((wait, clock.has_hours))
        if kind is not None:
            by_kind.setdefault(kind, []).append(wait)
        if by is not None:
            by_user.setdefault(by, []).append((wait, clock.has_hours))

    def mixed(pairs):
        return Figure(
            median=_median([wait for wait, _hours in pairs]),
            count=len(pairs),
            working_hours=any(hours for _wait, hours in pairs),
        )

    return _Measured(
        overall=mixed(waits),
        per_kind={
            kind: Figure(
                median=_median(found),
                count=len(found),
                working_hours=clocks[kind].has_hours,
                working_day=clocks[kind].working_day,
            )
            for kind, found in by_kind.items()
        },
        per_user={user: mixed(pairs) for user, pairs in by_user.items()},
    )


def _median(waits):
    seconds = statistics.median(wait.total_seconds() for wait in waits)
    return dt.timedelta(seconds=round(seconds))


def _channels_of(site):
    """The site's channels as ``(kind, schedule)`` pairs, in five queries."""
    from contactkit.profile.models import ContactChannel, StoreProfile

    # Not StoreProfile.for_site: that would create a profile while only reading.
    profile = StoreProfile.objects.filter(site=site).first() or StoreProfile(site=site)
    closures = list(profile.closures.all()) if profile.pk else []
    return [
        (channel.kind, channel.schedule(profile, closures=closures))
        for channel in ContactChannel.objects.for_site(site)
    ]


def _schedules_by_kind(channels):
    """The schedule each measured kind is counted in, and the general one under ``None``.

    A kind's first channel with opening hours; else the shop's general hours (the first
    channel with hours that is not a social profile, a store only when nothing else has hours);
    else None: the wall clock.
    """
    channels = [(kind, schedule) for kind, schedule in channels if kind not in SOCIAL_KINDS]
    with_hours = [(kind, schedule) for kind, schedule in channels if schedule.has_hours]
    general = next(
        (schedule for kind, schedule in with_hours if kind != ChannelKind.STORE),
        next((schedule for _kind, schedule in with_hours), None),
    )
    schedules = {None: general}
    for wanted in MEASURED_KINDS:
        schedules[wanted] = next(
            (schedule for kind, schedule in with_hours if kind == wanted), general
        )
    return schedules


class _Clock:
    """Working time between two instants, from one schedule's openings, or the wall clock.

    The openings from ``start`` to ``end`` are read once, with the open time before each, so
    every conversation costs two binary searches however long it waited.
    """

    def __init__(self, schedule, start, end):
        self.has_hours = schedule is not None
        self.working_day = _average_open_day(schedule) if schedule is not None else _DAY
        self.starts, self.ends, self.before = [], [], [_ZERO]
        if schedule is None:
            return
        for span in schedule.spans_between(start, end + dt.timedelta(microseconds=1)):
            opens, closes = span.start.astimezone(dt.UTC), span.end.astimezone(dt.UTC)
            self.starts.append(opens)
            self.ends.append(closes)
            self.before.append(self.before[-1] + (closes - opens))

    def _open_until(self, at):
        """How long the channel was open from the first opening read until ``at``."""
        index = bisect.bisect_right(self.starts, at)
        if index == 0:
            return _ZERO
        last = index - 1
        return self.before[last] + min(at, self.ends[last]) - self.starts[last]

    def between(self, start, end):
        if end <= start:
            return _ZERO
        if not self.has_hours:
            return end - start
        return self._open_until(end) - self._open_until(start)


def _average_open_day(schedule):
    """How long the channel is open on an average day it opens, from its weekly hours (or
    its special days' hours when it has no weekly ones); 24 h when that says nothing."""
    by_day = {}
    rows = [(interval.weekday, interval) for interval in schedule.weekly] or [
        (exception.date, interval)
        for exception in schedule.exceptions
        for interval in exception.intervals
    ]
    for day, interval in rows:
        opens = interval.opens.hour * 60 + interval.opens.minute
        closes = interval.closes.hour * 60 + interval.closes.minute
        if interval.closes_next_day:
            closes += 24 * 60
        by_day.setdefault(day, []).append((opens, closes))
    lengths = []
    for spans in by_day.values():
        total, reached = 0, None
        for opens, closes in sorted(spans):
            if reached is not None:
                opens = max(opens, reached)
            if closes > opens:
                total += closes - opens
                reached = closes
        lengths.append(min(total, 24 * 60))
    if not lengths or not sum(lengths):
        return _DAY
    return dt.timedelta(minutes=sum(lengths) / len(lengths))
