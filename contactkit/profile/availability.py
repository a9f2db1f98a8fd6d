"""Opening hours of a shop's contact channels, and whether a channel is open at a given instant.

A channel (phone line, WhatsApp, live chat, a physical store...) has weekly opening intervals in
the shop's time zone, plus dated exceptions: a holiday closed all day, or special hours that
replace the weekly hours of one date. Whether a channel is open is always computed from the
hours and an aware instant, never stored. The module is pure Python (standard library only) so
it can be used from models, templates, views and tests alike.

Rules callers can rely on:

* Intervals are half-open: open at the opening time, closed at the closing time.
* An interval belongs to the local date it starts on. ``closes_next_day`` intervals run past
  midnight (Friday 20:00 -> Saturday 02:00), whatever Saturday's own hours are.
* A :class:`DateException` replaces the intervals that *start* on its date. An overnight
  opening from the previous evening still runs into a holiday: Friday 20:00 -> 02:00 is open at
  01:00 on a Saturday that is closed all day.
* Openings that touch or overlap are one opening: Monday 20:00 -> 00:00 plus Tuesday
  00:00 -> 02:00 closes on Tuesday at 02:00.
* Daylight saving time. Every opening and closing instant is built from its local date and
  wall-clock time, so "09:00" is 09:00 local on the days the clocks change too.

  - A wall-clock time skipped when the clocks go forward means the first instant after the gap.
    In Europe/Madrid on 2026-03-29 clocks jump from 02:00 to 03:00: an interval 02:30-04:00
    opens at 03:00, an interval 02:15-02:45 does not happen that day, and an opening
    20:00 -> 02:00 on the night before closes at 03:00 CEST, six real hours later.
  - A wall-clock time repeated when the clocks go back means its first occurrence, for
    openings and closings alike. In Europe/Madrid on 2026-10-25 clocks go from 03:00 back to
    02:00: an opening 20:00 -> 02:00 the night before closes at the first 02:00 (six real
    hours), one 20:00 -> 04:00 lasts nine real hours, and an interval opening at 02:30 opens
    at the first 02:30 and, if it closes after 03:00, stays open through the repeated hour.

  Outside a repeated hour this amounts to: a channel is open exactly when the local wall
  clock shows a time inside one of the intervals that apply.
* Searches ahead (:meth:`Schedule.next_opening`, :meth:`Schedule.next_closing`,
  :meth:`Schedule.status`) look at openings starting at most ``horizon_days`` local dates
  after the instant asked about and answer ``None`` beyond. A channel open round the clock has
  no closing within the horizon, so its closing time is ``None``.

Every datetime returned is aware and expressed in the schedule's time zone. Python compares and
subtracts datetimes that share a ``tzinfo`` by wall-clock time, so for arithmetic across a
clock change convert to UTC first (:attr:`Span.duration` does).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

__all__ = ["DateException", "Interval", "Schedule", "Span", "Status", "WeeklyInterval"]

_MIDNIGHT = dt.time(0)
_ONE_DAY = dt.timedelta(days=1)
_ONE_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Interval:
    """Opening interval in local wall-clock time. If closes_next_day, it ends on the following day.

    ``closes == opens`` with ``closes_next_day`` is a 24-hour interval. An interval that closes
    at midnight is written ``closes=time(0), closes_next_day=True``.
    """

    opens: dt.time
    closes: dt.time
    closes_next_day: bool = False

    def validate(self) -> None:
        """Raise ValueError with a short reason if the interval is empty, inverted or over 24h."""
        if not isinstance(self.opens, dt.time) or not isinstance(self.closes, dt.time):
            raise ValueError("opening and closing times must be datetime.time values")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening and closing times must be wall-clock times without a zone")
        if self.closes_next_day:
            if self.closes > self.opens:
                raise ValueError("an interval cannot last more than 24 hours")
        elif self.closes == _MIDNIGHT:
            raise ValueError("an interval closing at 00:00 must be marked as closing the next day")
        elif self.closes <= self.opens:
            raise ValueError(
                "the closing time must be after the opening time "
                "(mark the interval as closing the next day if it runs past midnight)"
            )


@dataclass(frozen=True)
class WeeklyInterval(Interval):
    """An :class:`Interval` repeated every week on ``weekday`` (keyword-only).

    ``weekday`` follows ``datetime.date.weekday()``: 0 is Monday, 6 is Sunday.
    """

    weekday: int = field(kw_only=True)

    def validate(self) -> None:
        """Raise ValueError with a short reason if the interval or its weekday is invalid."""
        if (
            isinstance(self.weekday, bool)
            or not isinstance(self.weekday, int)
            or not 0 <= self.weekday <= 6
        ):
            raise ValueError("the weekday must be a number from 0 (Monday) to 6 (Sunday)")
        super().validate()


@dataclass(frozen=True)
class DateException:
    """Replaces the weekly hours of one local date. No intervals = closed all day.

    Only intervals that start on ``date`` are replaced: an overnight opening from the day
    before still runs into it. ``intervals`` may be given as any iterable; it is stored as a
    tuple.
    """

    date: dt.date
    intervals: tuple[Interval, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervals", tuple(self.intervals))

    @property
    def closed_all_day(self) -> bool:
        """True when the exception closes the date instead of giving it special hours."""
        return not self.intervals


@dataclass(frozen=True)
class Span:
    """One concrete opening: open from ``start`` (included) to ``end`` (excluded).

    Both ends are aware and in the schedule's time zone.
    """

    start: dt.datetime
    end: dt.datetime

    @property
    def duration(self) -> dt.timedelta:
        """Real elapsed time of the opening, counting any clock change inside it."""
        return self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)

    def contains(self, at: dt.datetime) -> bool:
        """Whether the aware instant ``at`` (any zone) falls inside the opening."""
        at_utc = _require_aware(at, "at").astimezone(dt.UTC)
        return self.start.astimezone(dt.UTC) <= at_utc < self.end.astimezone(dt.UTC)


@dataclass(frozen=True)
class Status:
    """Everything a contact block needs to say about a channel at one instant.

    ``closes_at`` is set only when open, and is None when the opening runs past the horizon
    (a channel open round the clock). ``opens_at`` is set only when closed, and is None when
    nothing opens within the horizon. ``today`` holds the openings that start on the local
    date of the instant, in the shop's zone; an overnight opening from the evening before is
    not in it even while it is still running. ``exception`` is the exception for that date.
    """

    is_open: bool
    closes_at: dt.datetime | None
    opens_at: dt.datetime | None
    today: tuple[Span, ...]
    exception: DateException | None


@dataclass
class _Run:
    """A merged opening being built, in UTC; ``complete`` once nothing later can extend it."""

    start: dt.datetime
    end: dt.datetime
    first_day: dt.date
    complete: bool = False


def _require_aware(at: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(at, dt.datetime):
        raise TypeError(f"{name} must be a datetime.datetime")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return at


class Schedule:
    """The opening hours of one contact channel, in the shop's time zone.

    ``time_zone`` is an IANA name or a ``ZoneInfo``. ``weekly`` are the repeating intervals,
    ``exceptions`` the dated replacements (at most one per date). Every interval is validated
    on construction (ValueError). ``horizon_days`` bounds how far ahead the next opening or
    closing is searched.
    """

    time_zone: ZoneInfo
    has_hours: bool
    horizon_days: int

    def __init__(
        self,
        time_zone: str | ZoneInfo,
        weekly: Iterable[WeeklyInterval] = (),
        exceptions: Iterable[DateException] = (),
        horizon_days: int = 400,
    ) -> None:
        zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
        if not isinstance(zone, ZoneInfo):
            raise TypeError("time_zone must be an IANA zone name or a zoneinfo.ZoneInfo")
        if isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or horizon_days < 1:
            raise ValueError("horizon_days must be a positive number of days")

        by_weekday: list[list[WeeklyInterval]] = [[] for _ in range(7)]
        for interval in weekly:
            if not isinstance(interval, WeeklyInterval):
                raise TypeError("weekly hours must be WeeklyInterval values")
            interval.validate()
            by_weekday[interval.weekday].append(interval)

        by_date: dict[dt.date, DateException] = {}
        for exception in exceptions:
            if not isinstance(exception, DateException):
                raise TypeError("exceptions must be DateException values")
            # A datetime is a date subclass but would never match a date key.
            if isinstance(exception.date, dt.datetime) or not isinstance(exception.date, dt.date):
                raise ValueError("an exception's date must be a datetime.date")
            if exception.date in by_date:
                raise ValueError(f"more than one exception for {exception.date.isoformat()}")
            for interval in exception.intervals:
                interval.validate()
            by_date[exception.date] = exception

        self.time_zone = zone
        self.horizon_days = horizon_days
        self._weekly: tuple[tuple[WeeklyInterval, ...], ...] = tuple(map(tuple, by_weekday))
        self._exceptions = by_date
        self.has_hours = any(self._weekly) or any(e.intervals for e in by_date.values())

    def __repr__(self) -> str:
        intervals = sum(map(len, self._weekly))
        return (
            f"<Schedule {self.time_zone.key}: {intervals} weekly intervals, "
            f"{len(self._exceptions)} exceptions>"
        )

    @property
    def weekly(self) -> tuple[WeeklyInterval, ...]:
        """The weekly intervals, Monday first."""
        return tuple(interval for day in self._weekly for interval in day)

    @property
    def exceptions(self) -> tuple[DateException, ...]:
        """The dated exceptions, earliest first."""
        return tuple(self._exceptions[date] for date in sorted(self._exceptions))

    def exception_on(self, date: dt.date) -> DateException | None:
        """The exception replacing the hours of the local ``date``, if there is one."""
        return self._exceptions.get(date)

    def spans_on(self, date: dt.date) -> list[Span]:
        """Openings that start on the local ``date``, sorted, overlapping ones merged.

        An exception for the date replaces its weekly hours. An opening from the evening
        before that runs past midnight is not included.
        """
        if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
            raise TypeError("date must be a datetime.date")
        merged: list[list[dt.datetime]] = []
        for start, end in self._day_spans(date):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [Span(self._local(start), self._local(end)) for start, end in merged]

    def spans_between(self, start: dt.datetime, end: dt.datetime) -> list[Span]:
        """Openings overlapping ``[start, end)``, merged, sorted, and not cut to the window.

        Touching or overlapping intervals come back as one span, so a span may begin before
        ``start`` or end after ``end``. Merging is followed at most ``horizon_days`` beyond
        the window; an opening still running there (round the clock) is cut at that point.
        """
        start_utc, first_day = self._resolve(start, "start")
        end_utc, last_day = self._resolve(end, "end")
        spans: list[Span] = []
        if end_utc <= start_utc:
            return spans
        for run in self._runs(first_day - 2 * _ONE_DAY, last_day + self.horizon_days * _ONE_DAY):
            if run.start >= end_utc:
                break
            if run.end <= start_utc:
                continue
            run_start = run.start if spans else self._extend_back(run.start, run.first_day)
            spans.append(Span(self._local(run_start), self._local(run.end)))
        return spans

    def is_open(self, at: dt.datetime) -> bool:
        """Whether the channel is open at the aware instant ``at`` (any time zone)."""
        at_utc, day = self._resolve(at, "at")
        # An interval lasts at most a day, so only openings starting on the local date or
        # the two before can still be running (two for clock changes around midnight).
        return any(run.start <= at_utc < run.end for run in self._runs(day - 2 * _ONE_DAY, day))

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When the channel next opens after ``at``, in the shop's zone.

        If closed at ``at``: the first opening that starts after it. If open: the start of
        the opening after the current (merged) one ends. None if that is beyond the horizon.
        """
        _, following = self._locate(at)
        return self._local(following.start) if following is not None else None

    def next_closing(self, at: dt.datetime) -> dt.datetime | None:
        """When the channel next closes after ``at``, in the shop's zone.

        If open at ``at``: the end of the current (merged) opening. If closed: the end of the
        next opening. None if there is no such opening or it is still running at the horizon.
        """
        current, following = self._locate(at)
        run = current if current is not None else following
        if run is None or not run.complete:
            return None
        return self._local(run.end)

    def status(self, at: dt.datetime) -> Status:
        """Open or closed at ``at``, until when or from when, and the hours of that local date."""
        current, following = self._locate(at)
        day = at.astimezone(self.time_zone).date()
        if current is not None:
            closes_at = self._local(current.end) if current.complete else None
            opens_at = None
        else:
            closes_at = None
            opens_at = self._local(following.start) if following is not None else None
        return Status(
            is_open=current is not None,
            closes_at=closes_at,
            opens_at=opens_at,
            today=tuple(self.spans_on(day)),
            exception=self._exceptions.get(day),
        )

    def _resolve(self, at: dt.datetime, name: str) -> tuple[dt.datetime, dt.date]:
        """The instant in UTC and its local date in the shop's zone."""
        at_utc = _require_aware(at, name).astimezone(dt.UTC)
        return at_utc, at_utc.astimezone(self.time_zone).date()

    def _local(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self.time_zone)

    def _instant(self, date: dt.date, wall: dt.time) -> dt.datetime:
        """The UTC instant at which the shop's wall clock reaches ``wall`` on ``date``."""
        naive = dt.datetime.combine(date, wall)
        # fold=0 is the first occurrence of a repeated wall time; for a skipped one it
        # lands past the gap by the gap's length, and the check below catches that.
        instant = naive.replace(tzinfo=self.time_zone).astimezone(dt.UTC)
        if instant.astimezone(self.time_zone).replace(tzinfo=None) == naive:
            return instant
        # ``naive`` was skipped: find the clock change by bisection between the reading with
        # the offset after the change (before it) and the one with the offset before (after).
        before = naive.replace(tzinfo=self.time_zone, fold=1).astimezone(dt.UTC)
        after = instant
        offset_before = before.astimezone(self.time_zone).utcoffset()
        while after - before > _ONE_MICROSECOND:
            middle = before + (after - before) / 2
            if middle.astimezone(self.time_zone).utcoffset() == offset_before:
                before = middle
            else:
                after = middle
        return after

    def _day_spans(self, date: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Unmerged UTC openings starting on the local ``date``, sorted."""
        exception = self._exceptions.get(date)
        intervals = exception.intervals if exception is not None else self._weekly[date.weekday()]
        spans = []
        for interval in intervals:
            start = self._instant(date, interval.opens)
            end_date = date + _ONE_DAY if interval.closes_next_day else date
            end = self._instant(end_date, interval.closes)
            if start < end:  # an interval inside a skipped hour does not happen that day
                spans.append((start, end))
        spans.sort()
        return spans

    def _runs(self, first_day: dt.date, last_day: dt.date) -> Iterator[_Run]:
        """Merged openings from intervals starting on ``first_day`` .. ``last_day``, in order.

        Lazy: a run is yielded once a later interval does not touch it, or when the days run
        out. A run that could still be extended by a day after ``last_day`` is not complete.
        """
        run: _Run | None = None
        day = first_day
        while day <= last_day:
            for start, end in self._day_spans(day):
                if run is not None and start <= run.end:
                    run.end = max(run.end, end)
                    continue
                if run is not None:
                    run.complete = True
                    yield run
                run = _Run(start, end, day)
            day += _ONE_DAY
        if run is not None:
            # Openings of later days start no earlier than that day's first instant.
            run.complete = run.end < self._instant(last_day + _ONE_DAY, _MIDNIGHT)
            yield run

    def _extend_back(self, start: dt.datetime, first_day: dt.date) -> dt.datetime:
        """The true start of a merged opening whose intervals were read from ``first_day`` on."""
        day = first_day
        earliest_day = first_day - self.horizon_days * _ONE_DAY
        while day > earliest_day:
            day -= _ONE_DAY
            touched = False
            # Latest start first: any interval skipped here lies inside one merged later.
            for span_start, span_end in reversed(self._day_spans(day)):
                if span_end >= start:
                    touched = True
                    start = min(start, span_start)
            if not touched:
                break
        return start

    def _locate(self, at: dt.datetime) -> tuple[_Run | None, _Run | None]:
        """The merged opening containing ``at`` (if any) and the next one after it (if any)."""
        at_utc, day = self._resolve(at, "at")
        current: _Run | None = None
        last_day = day + self.horizon_days * _ONE_DAY
        for run in self._runs(day - 2 * _ONE_DAY, last_day):
            if run.end <= at_utc:
                continue
            if current is None and run.start <= at_utc:
                current = run
                continue
            return current, run
        return current, None
