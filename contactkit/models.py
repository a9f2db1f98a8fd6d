"""Django finds contactkit's models here; each concern keeps its own in its sub-package."""

from contactkit.profile.models import (  # noqa: F401
    ChannelHoursException,
    ContactChannel,
    OpeningHoursInterval,
    Person,
    ReviewProfile,
    StoreClosure,
    StoreProfile,
    TrustSeal,
)
