"""Django finds contactkit's models here; each concern keeps its own in its sub-package."""

from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage  # noqa: F401
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
from contactkit.returns.models import ReturnPolicy, ReturnStep  # noqa: F401
