"""Builders for profile objects with sensible defaults, for tests."""

import datetime as dt

from contactkit.profile.models import ContactChannel, OpeningHoursInterval, StoreProfile


def profile_for(site, **fields):
    profile = StoreProfile.for_site(site)
    defaults = {"trade_name": "Tienda", "time_zone": "Europe/Madrid", "country": "ES"}
    for name, value in {**defaults, **fields}.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def channel(site, kind="phone", hours=(), **fields):
    """A saved channel; ``hours`` is a list of (weekday, "09:00", "14:00"[, next_day]), where
    weekday is a day (0 is Monday) or a list of days the same opening is on."""
    defaults = {"phone": "+34960123456"} if kind in ("phone", "whatsapp") else {}
    made = ContactChannel(site=site, kind=kind, **{**defaults, **fields})
    made.full_clean()
    made.save()
    for row in hours:
        weekday, opens, closes, *rest = row
        OpeningHoursInterval.objects.create(
            channel=made,
            weekdays=[
                str(day) for day in (weekday if isinstance(weekday, list | tuple) else [weekday])
            ],
            opens=dt.time.fromisoformat(opens),
            closes=dt.time.fromisoformat(closes),
            closes_next_day=bool(rest and rest[0]),
        )
    return made
