"""Opening hours of contact channels: what a shopper sees as open, closed, opening and closing."""

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactkit.profile.availability import (
    DateException,
    Interval,
    Schedule,
    Span,
    Status,
    WeeklyInterval,
)

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
SANTIAGO = ZoneInfo("America/Santiago")
UTC = dt.UTC
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WORKDAYS = (MON, TUE, WED, THU, FRI)
HOUR = dt.timedelta(hours=1)
TINY = dt.timedelta(microseconds=1)


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


def madrid(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MADRID)


def every(days, opens, closes, closes_next_day=False):
    return [WeeklyInterval(opens, closes, closes_next_day, weekday=day) for day in days]


def real_hours(span: Span) -> float:
    return span.duration / HOUR


def same_instant(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    """Compare instants, not wall times (same-zone datetimes compare by wall clock)."""
    if a is None or b is None:
        return a is b
    return a.astimezone(UTC) == b.astimezone(UTC)


# 2026-01-12 is a Monday; 2026-12-25 (Christmas) is a Friday.
OFFICE = Schedule("Europe/Madrid", every(WORKDAYS, t(9), t(18)))
PHONE = Schedule("Europe/Madrid", every(WORKDAYS, t(9), t(14)) + every(WORKDAYS, t(17), t(20)))


# --- Everyday hours ---------------------------------------------------------------------


def test_shop_is_open_during_weekday_hours_and_closed_at_night_and_weekends():
    assert OFFICE.is_open(madrid(2026, 1, 12, 12))
    assert not OFFICE.is_open(madrid(2026, 1, 12, 20))
    assert not OFFICE.is_open(madrid(2026, 1, 17, 12))  # Saturday
    status = OFFICE.status(madrid(2026, 1, 12, 12))
    assert status.is_open
    assert status.closes_at == madrid(2026, 1, 12, 18)
    assert status.opens_at is None


def test_shop_opens_at_nine_sharp_and_is_already_closed_at_six_sharp():
    assert not OFFICE.is_open(madrid(2026, 1, 12, 8, 59, 59, 999999))
    assert OFFICE.is_open(madrid(2026, 1, 12, 9))
    assert OFFICE.is_open(madrid(2026, 1, 12, 17, 59, 59, 999999))
    assert not OFFICE.is_open(madrid(2026, 1, 12, 18))
    assert OFFICE.next_opening(madrid(2026, 1, 12, 18)) == madrid(2026, 1, 13, 9)


def test_friday_evening_shopper_is_told_the_shop_opens_on_monday():
    status = OFFICE.status(madrid(2026, 1, 16, 19))
    assert not status.is_open
    assert status.closes_at is None
    assert status.opens_at == madrid(2026, 1, 19, 9)
    assert OFFICE.next_closing(madrid(2026, 1, 16, 19)) == madrid(2026, 1, 19, 18)


def test_phone_line_is_closed_at_lunch_and_reopens_at_17():
    lunch = madrid(2026, 1, 12, 15)
    assert not PHONE.is_open(lunch)
    assert PHONE.next_opening(lunch) == madrid(2026, 1, 12, 17)
    assert PHONE.next_closing(lunch) == madrid(2026, 1, 12, 20)


def test_phone_line_in_the_morning_closes_for_lunch_at_14_and_reopens_at_17():
    morning = madrid(2026, 1, 12, 10)
    assert PHONE.next_closing(morning) == madrid(2026, 1, 12, 14)
    assert PHONE.next_opening(morning) == madrid(2026, 1, 12, 17)


def test_overlapping_intervals_on_one_day_are_one_opening():
    schedule = Schedule(
        "Europe/Madrid",
        [WeeklyInterval(t(9), t(14), weekday=MON), WeeklyInterval(t(12), t(16), weekday=MON)],
    )
    assert schedule.next_closing(madrid(2026, 1, 12, 10)) == madrid(2026, 1, 12, 16)
    assert schedule.spans_on(dt.date(2026, 1, 12)) == [
        Span(madrid(2026, 1, 12, 9), madrid(2026, 1, 12, 16))
    ]


# --- After midnight -----------------------------------------------------------------------


def test_late_night_chat_is_still_open_after_midnight_on_a_day_without_hours():
    chat = Schedule("Europe/Madrid", [WeeklyInterval(t(20), t(2), True, weekday=FRI)])
    saturday_1am = madrid(2026, 1, 17, 1)
    assert chat.is_open(saturday_1am)
    assert chat.next_closing(saturday_1am) == madrid(2026, 1, 17, 2)
    assert not chat.is_open(madrid(2026, 1, 17, 2))
    assert chat.next_opening(madrid(2026, 1, 17, 2)) == madrid(2026, 1, 23, 20)


def test_evening_opening_that_runs_into_the_next_days_hours_closes_at_the_later_time():
    schedule = Schedule(
        "Europe/Madrid",
        [
            WeeklyInterval(t(20), t(0), True, weekday=MON),
            WeeklyInterval(t(0), t(2), weekday=TUE),
        ],
    )
    before_midnight = madrid(2026, 1, 12, 23, 59)
    assert schedule.is_open(before_midnight)
    assert schedule.next_closing(before_midnight) == madrid(2026, 1, 13, 2)
    assert schedule.is_open(madrid(2026, 1, 13, 0))
    assert schedule.next_opening(before_midnight) == madrid(2026, 1, 19, 20)
    assert schedule.spans_between(madrid(2026, 1, 13, 1), madrid(2026, 1, 13, 3)) == [
        Span(madrid(2026, 1, 12, 20), madrid(2026, 1, 13, 2))
    ]


def test_friday_night_opening_still_runs_into_a_saturday_holiday():
    holiday = DateException(dt.date(2026, 1, 17), label="Local holiday")
    bar = Schedule(
        "Europe/Madrid",
        [WeeklyInterval(t(20), t(2), True, weekday=FRI)] + every([SAT], t(10), t(14)),
        [holiday],
    )
    status = bar.status(madrid(2026, 1, 17, 1))
    assert status.is_open
    assert status.closes_at == madrid(2026, 1, 17, 2)
    assert status.exception == holiday
    assert status.today == ()  # Friday's opening started the day before
    assert not bar.is_open(madrid(2026, 1, 17, 11))
    assert bar.next_opening(madrid(2026, 1, 17, 1)) == madrid(2026, 1, 23, 20)


# --- Holidays and special hours ---------------------------------------------------------------


CHRISTMAS = DateException(dt.date(2026, 12, 25), label="Christmas Day")
XMAS_SHOP = Schedule("Europe/Madrid", every(WORKDAYS, t(9), t(18)), [CHRISTMAS])


def test_shop_is_closed_all_day_on_a_holiday():
    assert not XMAS_SHOP.is_open(madrid(2026, 12, 25, 12))
    assert XMAS_SHOP.spans_on(dt.date(2026, 12, 25)) == []


def test_on_the_evening_before_a_holiday_the_next_opening_is_the_next_working_day():
    status = XMAS_SHOP.status(madrid(2026, 12, 24, 19))
    assert not status.is_open
    assert status.opens_at == madrid(2026, 12, 28, 9)  # Friday holiday, then the weekend


def test_holiday_status_names_the_holiday():
    status = XMAS_SHOP.status(madrid(2026, 12, 25, 12))
    assert status.exception == CHRISTMAS
    assert status.exception.label == "Christmas Day"
    assert status.exception.closed_all_day


def test_special_hours_replace_the_usual_hours_for_that_date():
    eve = DateException(dt.date(2026, 12, 24), (Interval(t(9), t(14)),), "Christmas Eve")
    shop = Schedule("Europe/Madrid", every(WORKDAYS, t(9), t(18)), [eve])
    assert shop.next_closing(madrid(2026, 12, 24, 10)) == madrid(2026, 12, 24, 14)
    assert not shop.is_open(madrid(2026, 12, 24, 15))
    assert shop.is_open(madrid(2026, 12, 23, 15))


def test_special_hours_open_the_shop_on_a_sunday_it_is_normally_closed():
    sale = DateException(dt.date(2026, 1, 18), [Interval(t(11), t(15))], "Sales Sunday")
    shop = Schedule("Europe/Madrid", every(WORKDAYS, t(9), t(18)), [sale])
    assert shop.status(madrid(2026, 1, 17, 12)).opens_at == madrid(2026, 1, 18, 11)
    assert shop.is_open(madrid(2026, 1, 18, 12))
    assert not shop.is_open(madrid(2026, 1, 25, 12))  # the following Sunday is normal


# --- Daylight saving time (Europe/Madrid) -------------------------------------------------
# 2026-03-29: clocks jump from 02:00 to 03:00.  2026-10-25: clocks go from 03:00 back to 02:00.
# Both are Sundays.

SPRING_FORWARD = dt.date(2026, 3, 29)
FALL_BACK = dt.date(2026, 10, 25)


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
def test_shop_opens_at_nine_local_time_on_the_days_the_clocks_change(day):
    shop = Schedule("Europe/Madrid", every([SUN], t(9), t(18)))
    [span] = shop.spans_on(day)
    assert (span.start.hour, span.end.hour) == (9, 18)
    assert real_hours(span) == 9
    assert not shop.is_open(madrid(day.year, day.month, day.day, 8, 59))
    assert shop.is_open(madrid(day.year, day.month, day.day, 9))


def test_overnight_opening_is_an_hour_longer_when_clocks_go_back():
    club = Schedule("Europe/Madrid", every([SAT], t(20), t(4), True))
    [span] = club.spans_on(FALL_BACK - dt.timedelta(days=1))
    assert real_hours(span) == 9


def test_overnight_opening_is_an_hour_shorter_when_clocks_go_forward():
    club = Schedule("Europe/Madrid", every([SAT], t(20), t(4), True))
    [span] = club.spans_on(SPRING_FORWARD - dt.timedelta(days=1))
    assert real_hours(span) == 7


def test_overnight_opening_closing_at_two_when_clocks_go_back_closes_at_the_first_two():
    # 02:00 happens twice that night; closings use the first occurrence.
    bar = Schedule("Europe/Madrid", every([SAT], t(20), t(2), True))
    [span] = bar.spans_on(FALL_BACK - dt.timedelta(days=1))
    assert real_hours(span) == 6
    assert span.end.utcoffset() == 2 * HOUR  # still summer time
    assert bar.is_open(dt.datetime(2026, 10, 24, 23, 59, tzinfo=UTC))  # 01:59 CEST
    assert not bar.is_open(dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC))  # first 02:00
    assert not bar.is_open(dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC))  # second 02:00


def test_overnight_opening_closing_at_two_when_clocks_go_forward_closes_when_clocks_show_three():
    # 02:00 does not exist that night; the first instant after the gap is 03:00 CEST.
    bar = Schedule("Europe/Madrid", every([SAT], t(20), t(2), True))
    [span] = bar.spans_on(SPRING_FORWARD - dt.timedelta(days=1))
    assert real_hours(span) == 6
    assert span.end == madrid(2026, 3, 29, 3)
    assert bar.is_open(madrid(2026, 3, 29, 1, 59))
    assert not bar.is_open(madrid(2026, 3, 29, 3))


def test_opening_time_skipped_by_the_clocks_opens_when_the_clocks_jump_past_it():
    early = Schedule("Europe/Madrid", every([SUN], t(2, 30), t(4)))
    [span] = early.spans_on(SPRING_FORWARD)
    assert span.start == madrid(2026, 3, 29, 3)
    assert real_hours(span) == 1
    assert early.next_opening(madrid(2026, 3, 29, 1, 30)) == madrid(2026, 3, 29, 3)
    assert early.is_open(madrid(2026, 3, 29, 3))


def test_interval_entirely_inside_the_skipped_hour_does_not_happen():
    odd = Schedule("Europe/Madrid", every([SUN], t(2, 15), t(2, 45)))
    assert odd.spans_on(SPRING_FORWARD) == []
    assert odd.next_opening(madrid(2026, 3, 29, 1)) == madrid(2026, 4, 5, 2, 15)


def test_opening_at_a_repeated_time_opens_at_its_first_occurrence_and_stays_open():
    early = Schedule("Europe/Madrid", every([SUN], t(2, 30), t(4)))
    [span] = early.spans_on(FALL_BACK)
    assert span.start.utcoffset() == 2 * HOUR
    assert real_hours(span) == 2.5
    assert early.is_open(dt.datetime(2026, 10, 25, 1, 15, tzinfo=UTC))  # second 02:15


def test_channel_opening_at_midnight_opens_at_one_when_santiago_skips_midnight():
    # America/Santiago moves from 00:00 to 01:00 on 2026-09-06.
    shop = Schedule(SANTIAGO, every([SUN], t(0), t(6)))
    [span] = shop.spans_on(dt.date(2026, 9, 6))
    assert span.start == dt.datetime(2026, 9, 6, 1, tzinfo=SANTIAGO)
    assert real_hours(span) == 5


# --- Shoppers elsewhere -------------------------------------------------------------------


def test_shopper_in_new_york_sees_the_madrid_shop_open_and_gets_madrid_times():
    at = dt.datetime(2026, 1, 12, 6, tzinfo=NEW_YORK)  # 12:00 in Madrid
    assert OFFICE.is_open(at)
    closes_at = OFFICE.next_closing(at)
    assert closes_at == madrid(2026, 1, 12, 18)
    assert closes_at.tzinfo == MADRID


def test_shopper_in_tokyo_asking_on_monday_morning_gets_madrid_sundays_answer():
    at = dt.datetime(2026, 1, 19, 8, tzinfo=TOKYO)  # Monday 08:00 Tokyo = Monday 00:00 Madrid
    status = OFFICE.status(at)
    assert not status.is_open
    assert status.opens_at == madrid(2026, 1, 19, 9)
    assert status.opens_at.tzinfo == MADRID
    assert status.today == (Span(madrid(2026, 1, 19, 9), madrid(2026, 1, 19, 18)),)
    earlier = dt.datetime(2026, 1, 19, 7, tzinfo=TOKYO)  # still Sunday in Madrid
    assert OFFICE.status(earlier).today == ()


def test_shop_in_another_zone_answers_in_its_own_zone():
    store = Schedule(TOKYO, every(WORKDAYS, t(10), t(19)))
    at = madrid(2026, 1, 12, 3)  # 11:00 in Tokyo
    assert store.is_open(at)
    assert store.next_closing(at) == dt.datetime(2026, 1, 12, 19, tzinfo=TOKYO)


# --- Mistakes callers can make --------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda s, at: s.is_open(at),
        lambda s, at: s.next_opening(at),
        lambda s, at: s.next_closing(at),
        lambda s, at: s.status(at),
        lambda s, at: s.spans_between(at, at + HOUR),
    ],
)
def test_naive_datetime_is_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(OFFICE, dt.datetime(2026, 1, 12, 12))


@pytest.mark.parametrize(
    ("interval", "reason"),
    [
        (Interval(t(18), t(9)), "after the opening time"),
        (Interval(t(9), t(9)), "after the opening time"),
        (Interval(t(20), t(0)), "00:00"),
        (Interval(t(9), t(10), True), "more than 24 hours"),
        (Interval(dt.time(9, tzinfo=UTC), t(10)), "without a zone"),
        (WeeklyInterval(t(9), t(10), weekday=7), "weekday"),
    ],
)
def test_impossible_hours_are_refused_with_a_reason(interval, reason):
    with pytest.raises(ValueError, match=reason):
        interval.validate()


@pytest.mark.parametrize(
    "interval",
    [
        Interval(t(9), t(18)),
        Interval(t(20), t(2), True),
        Interval(t(20), t(0), True),
        Interval(t(6), t(6), True),  # exactly 24 hours
    ],
)
def test_sensible_hours_are_accepted(interval):
    interval.validate()


def test_schedule_refuses_invalid_hours_and_two_exceptions_for_one_date():
    with pytest.raises(ValueError, match="after the opening time"):
        Schedule("Europe/Madrid", every([MON], t(18), t(9)))
    with pytest.raises(ValueError, match="00:00"):
        Schedule("UTC", exceptions=[DateException(dt.date(2026, 1, 1), (Interval(t(9), t(0)),))])
    with pytest.raises(ValueError, match="more than one exception"):
        Schedule("UTC", exceptions=[CHRISTMAS, DateException(CHRISTMAS.date, label="again")])


# --- Channels without hours, round the clock, and the horizon ---------------------------------


def test_email_channel_without_hours_is_never_open_and_never_opens():
    email = Schedule("Europe/Madrid")
    assert not email.has_hours
    at = madrid(2026, 1, 12, 12)
    assert not email.is_open(at)
    assert email.next_opening(at) is None
    assert email.next_closing(at) is None
    assert email.status(at) == Status(False, None, None, (), None)


def test_holidays_alone_do_not_count_as_hours():
    assert not Schedule("Europe/Madrid", exceptions=[CHRISTMAS]).has_hours


def test_channel_open_only_on_a_past_date_never_opens_again():
    popup = Schedule(
        "Europe/Madrid", exceptions=[DateException(dt.date(2025, 5, 1), (Interval(t(10), t(14)),))]
    )
    assert popup.has_hours
    assert popup.next_opening(madrid(2026, 1, 12, 12)) is None
    assert popup.is_open(madrid(2025, 5, 1, 12))


def test_opening_beyond_the_horizon_is_not_announced():
    summer = DateException(dt.date(2026, 3, 1), (Interval(t(10), t(14)),))
    at = madrid(2026, 1, 1, 12)
    assert Schedule("Europe/Madrid", (), [summer], horizon_days=30).next_opening(at) is None
    assert Schedule("Europe/Madrid", (), [summer], horizon_days=90).next_opening(at) == madrid(
        2026, 3, 1, 10
    )


ALWAYS = Schedule("Europe/Madrid", every(range(7), t(0), t(0), True))


@pytest.mark.parametrize(
    "at",
    [
        madrid(2026, 1, 12, 12),
        madrid(2026, 3, 29, 2, 30),  # does not exist on the wall clock: 03:30 CEST
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # first 02:30
        dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # second 02:30
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=TOKYO),
    ],
)
def test_round_the_clock_channel_is_always_open_and_never_announces_a_closing(at):
    assert ALWAYS.is_open(at)
    assert ALWAYS.next_closing(at) is None
    assert ALWAYS.next_opening(at) is None
    status = ALWAYS.status(at)
    assert status.is_open
    assert status.closes_at is None
    assert status.opens_at is None


def test_channel_closed_one_day_a_year_announces_that_closing():
    schedule = Schedule(
        "Europe/Madrid", every(range(7), t(0), t(0), True), [DateException(dt.date(2026, 12, 25))]
    )
    at = madrid(2026, 12, 1, 12)
    assert schedule.next_closing(at) == madrid(2026, 12, 25, 0)
    assert schedule.next_opening(at) == madrid(2026, 12, 26, 0)


# --- Today's hours ------------------------------------------------------------------------------


def test_status_lists_the_openings_of_the_shoppers_day_in_the_shop():
    status = PHONE.status(madrid(2026, 1, 12, 15))
    assert status.today == (
        Span(madrid(2026, 1, 12, 9), madrid(2026, 1, 12, 14)),
        Span(madrid(2026, 1, 12, 17), madrid(2026, 1, 12, 20)),
    )
    assert status.exception is None
    assert all(span.start.tzinfo == MADRID for span in status.today)


def test_status_shows_special_hours_and_their_label_for_the_day():
    eve = DateException(dt.date(2026, 12, 24), (Interval(t(9), t(14)),), "Christmas Eve")
    shop = Schedule("Europe/Madrid", every(WORKDAYS, t(9), t(18)), [eve])
    status = shop.status(madrid(2026, 12, 24, 8))
    assert status.today == (Span(madrid(2026, 12, 24, 9), madrid(2026, 12, 24, 14)),)
    assert status.exception == eve
    assert status.opens_at == madrid(2026, 12, 24, 9)


def test_week_overview_lists_each_opening_once():
    week = PHONE.spans_between(madrid(2026, 1, 12), madrid(2026, 1, 19))
    assert len(week) == 10
    assert week[0] == Span(madrid(2026, 1, 12, 9), madrid(2026, 1, 12, 14))
    assert week[-1] == Span(madrid(2026, 1, 16, 17), madrid(2026, 1, 16, 20))


def test_long_weekend_opening_is_listed_whole_even_when_asked_about_its_last_hour():
    marathon = Schedule(
        "Europe/Madrid",
        every([THU], t(18), t(0), True)
        + every([FRI, SAT, SUN], t(0), t(0), True)
        + every([MON], t(0), t(9)),
    )
    monday_8am = madrid(2026, 1, 19, 8)
    whole = Span(madrid(2026, 1, 15, 18), madrid(2026, 1, 19, 9))
    assert marathon.spans_between(monday_8am, monday_8am + HOUR / 2) == [whole]
    assert marathon.next_closing(madrid(2026, 1, 16, 12)) == madrid(2026, 1, 19, 9)
    assert real_hours(whole) == 87


# --- Properties over random weekly schedules ----------------------------------------------------

ZONES = ["Europe/Madrid", "America/Santiago", "Australia/Lord_Howe", "UTC"]
ELSEWHERE = [NEW_YORK, TOKYO, ZoneInfo("Asia/Kathmandu"), SANTIAGO]
FIRST = dt.datetime(2025, 1, 1, tzinfo=UTC)
LAST = dt.datetime(2027, 1, 1, tzinfo=UTC)
QUARTER = dt.timedelta(minutes=15)


@functools.cache
def clock_changes(zone_name: str) -> tuple[dt.datetime, ...]:
    """UTC instants at which the zone's offset changes between FIRST and LAST."""
    zone = ZoneInfo(zone_name)
    changes = []
    instant, offset = FIRST, FIRST.astimezone(zone).utcoffset()
    while instant < LAST:
        instant += QUARTER
        new_offset = instant.astimezone(zone).utcoffset()
        if new_offset != offset:
            changes.append(instant)
            offset = new_offset
    return tuple(changes)


@st.composite
def intervals(draw, on_date: bool = False):
    """Intervals on quarter hours (clock changes happen on quarter hours too), up to 24h."""
    opens = draw(st.integers(0, 95))
    # Shop-like lengths (4h to a full day) as well as any length down to a quarter hour.
    length = draw(st.one_of(st.integers(1, 96), st.sampled_from([16, 20, 32, 36, 40, 48, 96])))
    closes = opens + length
    opens_at = t(opens // 4, opens % 4 * 15)
    closes_at = t(closes % 96 // 4, closes % 4 * 15)
    if on_date:
        return Interval(opens_at, closes_at, closes >= 96)
    return WeeklyInterval(opens_at, closes_at, closes >= 96, weekday=draw(st.integers(0, 6)))


@st.composite
def cases(draw):
    """A random schedule and an instant, often close to one of the zone's clock changes."""
    zone_name = draw(st.sampled_from(ZONES))
    changes = clock_changes(zone_name)
    if changes and draw(st.booleans()):
        around = draw(st.sampled_from(changes))
        quarters = draw(st.one_of(st.integers(-8, 8), st.integers(-3 * 24 * 4, 3 * 24 * 4)))
        instant = around + quarters * QUARTER
        instant += draw(st.sampled_from([dt.timedelta(0), TINY, -TINY, dt.timedelta(minutes=7)]))
    else:
        instant = FIRST + dt.timedelta(seconds=draw(st.integers(0, 2 * 365 * 24 * 3600)))
    weekly = draw(st.lists(intervals(), min_size=3, max_size=14))
    local_date = instant.astimezone(ZoneInfo(zone_name)).date()
    exceptions = {}
    for offset in draw(st.lists(st.integers(-2, 3), max_size=3, unique=True)):
        date = local_date + dt.timedelta(days=offset)
        hours = draw(st.lists(intervals(on_date=True), max_size=2))
        exceptions[date] = DateException(date, tuple(hours))
    return Schedule(zone_name, weekly, exceptions.values()), instant


def samples_between(start: dt.datetime, end: dt.datetime, count: int = 12) -> list[dt.datetime]:
    step = (end - start) / (count + 1)
    return [start + step * i for i in range(1, count + 1)]


def wall_clock_says_open(schedule: Schedule, instant: dt.datetime) -> bool:
    """Independent answer: is the local wall time inside an interval that applies today?"""
    local = instant.astimezone(schedule.time_zone)
    now = local.time().replace(fold=0)

    def applying(date):
        exception = schedule.exception_on(date)
        if exception is not None:
            return exception.intervals
        return [i for i in schedule.weekly if i.weekday == date.weekday()]

    for interval in applying(local.date()):
        if interval.opens <= now and (interval.closes_next_day or now < interval.closes):
            return True
    yesterday = local.date() - dt.timedelta(days=1)
    return any(i.closes_next_day and now < i.closes for i in applying(yesterday))


def is_repeated_wall_time(zone: ZoneInfo, instant: dt.datetime) -> bool:
    local = instant.astimezone(zone)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(cases())
def test_an_open_channel_stays_open_until_its_announced_closing(case):
    schedule, instant = case
    if not schedule.is_open(instant):
        return
    closing = schedule.next_closing(instant)
    if closing is None:  # still open at the horizon
        return
    closing = closing.astimezone(UTC)
    assert closing > instant
    assert schedule.is_open(closing - TINY)
    assert not schedule.is_open(closing)
    assert all(schedule.is_open(between) for between in samples_between(instant, closing))


@PROPERTY_SETTINGS
@given(cases())
def test_a_closed_channel_stays_closed_until_its_announced_opening(case):
    schedule, instant = case
    if schedule.is_open(instant):
        return
    opening = schedule.next_opening(instant)
    if opening is None:
        assert schedule.next_closing(instant) is None
        return
    opening = opening.astimezone(UTC)
    assert opening > instant
    assert schedule.is_open(opening)
    assert not schedule.is_open(opening - TINY)
    assert not any(schedule.is_open(between) for between in samples_between(instant, opening))
    closing = schedule.next_closing(instant)
    assert closing is None or closing.astimezone(UTC) > opening


@PROPERTY_SETTINGS
@given(cases(), st.sampled_from(ELSEWHERE))
def test_shoppers_in_any_zone_get_the_same_answer_for_the_same_instant(case, zone):
    schedule, instant = case
    elsewhere = instant.astimezone(zone)
    assert schedule.is_open(elsewhere) == schedule.is_open(instant)
    assert same_instant(schedule.next_opening(elsewhere), schedule.next_opening(instant))
    assert same_instant(schedule.next_closing(elsewhere), schedule.next_closing(instant))


@PROPERTY_SETTINGS
@given(cases())
def test_open_exactly_when_a_listed_opening_contains_the_instant(case):
    schedule, instant = case
    spans = schedule.spans_between(instant - 2 * 24 * HOUR, instant + 2 * 24 * HOUR)
    assert schedule.is_open(instant) == any(span.contains(instant) for span in spans)
    for earlier, later in zip(spans, spans[1:], strict=False):
        assert earlier.end.astimezone(UTC) < later.start.astimezone(UTC)  # merged
    for span in spans:
        assert span.duration > dt.timedelta(0)
        assert span.start.tzinfo == schedule.time_zone


@PROPERTY_SETTINGS
@given(cases())
def test_open_exactly_when_the_shop_clock_shows_opening_hours(case):
    schedule, instant = case
    if is_repeated_wall_time(schedule.time_zone, instant):
        return  # during a repeated hour the first-occurrence rule decides instead
    assert schedule.is_open(instant) == wall_clock_says_open(schedule, instant)


@PROPERTY_SETTINGS
@given(cases())
def test_status_agrees_with_the_individual_questions(case):
    schedule, instant = case
    status = schedule.status(instant)
    assert status.is_open == schedule.is_open(instant)
    if status.is_open:
        assert same_instant(status.closes_at, schedule.next_closing(instant))
        assert status.opens_at is None
    else:
        assert same_instant(status.opens_at, schedule.next_opening(instant))
        assert status.closes_at is None
    local_date = instant.astimezone(schedule.time_zone).date()
    assert list(status.today) == schedule.spans_on(local_date)
    assert status.exception == schedule.exception_on(local_date)
