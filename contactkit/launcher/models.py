"""Who can answer a chat now, and the launcher's settings per site.

Presence is a database row per member of staff and site, refreshed by their admin tab while it
is open and they are at it (a heartbeat every few seconds): any number of web processes see the
same, and a tab that closes or goes idle simply stops refreshing it, so presence expires on its
own after ``CONTACTKIT_CHAT_PRESENCE_SECONDS``.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

from contactkit.conf import contactkit_settings


class ChatPresenceQuerySet(models.QuerySet):
    def available(self, site, now=None):
        """Staff available for chat on ``site`` now: ticked available, heartbeat still fresh."""
        now = now or timezone.now()
        fresh = now - timedelta(seconds=contactkit_settings.CHAT_PRESENCE_SECONDS)
        return self.filter(site=site, available=True, seen_at__gte=fresh)


class ChatPresence(models.Model):
    """A member of staff's availability for chat on one site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contactkit_presences"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    available = models.BooleanField(_("available for chat"), default=False)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)

    objects = ChatPresenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat presence")
        verbose_name_plural = _("chat presences")
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="contactkit_one_presence")
        ]

    def __str__(self):
        return f"{self.user} @ {self.site}"


def origin_lines(text):
    """The origins of a one-per-line field, without a trailing slash, lowercased."""
    return [line.strip().rstrip("/").lower() for line in (text or "").splitlines() if line.strip()]


@register_setting(icon="comment")
class LauncherSettings(BaseSiteSetting):
    """The launcher on the shop's pages and the widget on other storefronts."""

    enabled = models.BooleanField(
        _("show the launcher"),
        default=True,
        help_text=_(
            "A button at the bottom of every page with the ways to reach the shop right now."
        ),
    )
    allowed_origins = models.TextField(
        _("storefronts that may show the widget"),
        blank=True,
        help_text=_(
            "One address per line, such as https://tienda.example (Shopify, WooCommerce, "
            "PrestaShop…). Only these may show the launcher and chat with the widget."
        ),
    )

    panels = [FieldPanel("enabled"), FieldPanel("allowed_origins")]

    class Meta:
        verbose_name = _("launcher and chat")
        verbose_name_plural = _("launcher and chat")

    def __str__(self):
        return str(self._meta.verbose_name)

    def origins(self):
        return origin_lines(self.allowed_origins)
