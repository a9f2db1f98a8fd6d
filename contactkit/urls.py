"""contactkit's own addresses outside the admin and the pages (include them under a prefix).

``path("contactkit/", include("contactkit.urls"))`` in the project's URLconf, before Wagtail's
catch-all page route.
"""

from django.urls import path

from contactkit.accounts import views as accounts
from contactkit.health import health
from contactkit.inbox.mailin.views import inbound_email
from contactkit.launcher import sse
from contactkit.launcher.api import api

urlpatterns = [
    # A mail provider posts the emails it receives here (docs/incoming-email.md).
    path("inbound-email/", inbound_email, name="contactkit_inbound_email"),
    # The launcher's live state and the live chat, for the shop's pages and the widget on
    # other storefronts (docs/launcher-api.md); OpenAPI at api/openapi.json.
    # The same chat pushed as Server-Sent Events (django-eventstream; polling is the
    # fallback): the shopper's panel, named by its thread token, and staff's live panel.
    path("api/chats/<str:token>/stream", sse.shopper_stream, name="contactkit_chat_stream"),
    path("api/", api.urls),
    path("chat/<int:pk>/stream/", sse.staff_stream, name="contactkit_staff_chat_stream"),
    path("health/", health, name="contactkit_health"),
    # Signed-in shoppers (docs/sign-in.md): a stable address of "My messages" for the shop's
    # header, and signing out.
    path("account/messages/", accounts.my_messages, name="contactkit_my_messages"),
    path("account/sign-out/", accounts.sign_out, name="contactkit_sign_out"),
]
