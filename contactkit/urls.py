"""contactkit's own addresses outside the admin and the pages (include them under a prefix).

``path("contactkit/", include("contactkit.urls"))`` in the project's URLconf, before Wagtail's
catch-all page route.
"""

from django.urls import path

from contactkit.inbox.mailin.views import inbound_email

urlpatterns = [
    # A mail provider posts the emails it receives here (docs/incoming-email.md).
    path("inbound-email/", inbound_email, name="contactkit_inbound_email"),
]
