"""Django finds contactkit's models here; each concern keeps its own in its sub-package."""

from contactkit.accounts.models import ProfileProof, ShopperAccount  # noqa: F401
from contactkit.inbox.models import (  # noqa: F401
    Attachment,
    CannedReply,
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    TopicRoute,
)
from contactkit.launcher.models import ChatPresence, LauncherSettings  # noqa: F401
from contactkit.pages.models import (  # noqa: F401
    AboutPage,
    ContactFormField,
    ContactPage,
    LegalNoticePage,
    ReturnsPage,
)
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
from contactkit.returns.withdrawal.models import Withdrawal  # noqa: F401
from contactkit.theming.models import ThemeSettings  # noqa: F401
