"""What contactkit keeps about signed-in shoppers and about proven social profiles.

python-social-auth keeps the link between a Django user and a provider's account
(``social_django.UserSocialAuth``); these models keep what contactkit needs on top of it,
without depending on its tables.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShopperAccount(models.Model):
    """A shopper who signed in through a provider: never staff, never an admin user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="contactkit_shopper",
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    # The address the provider gave at the last sign-in, in lower case, and whether the
    # provider said it has verified it. Only a verified address lists the conversations sent
    # from it before signing in, or marks a message as sent from a verified address.
    email = models.EmailField(_("email"), blank=True, db_index=True)
    email_verified = models.BooleanField(_("email verified by the provider"), default=False)
    provider = models.CharField(_("signed in with"), max_length=64)
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    last_sign_in_at = models.DateTimeField(_("last signed in"), default=timezone.now)

    class Meta:
        verbose_name = _("shopper account")
        verbose_name_plural = _("shopper accounts")

    def __str__(self):
        return self.email or self.name or str(self.user_id)

    @property
    def verified_email(self):
        return self.email if self.email_verified else ""


class ProfileProof(models.Model):
    """A social channel whose profile the shop proved it controls, by signing in to the
    provider as that profile's owner (or an admin of that page)."""

    channel = models.OneToOneField(
        "contactkit.ContactChannel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="proof",
    )
    provider = models.CharField(_("proven with"), max_length=64)
    account_id = models.CharField(_("account id at the provider"), max_length=255)
    # The profile the provider said the signed-in account controls, as it gave it.
    url = models.URLField(_("proven profile"), max_length=500)
    handle = models.CharField(_("handle"), max_length=255, blank=True)
    verified_at = models.DateTimeField(_("verified on"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("verified social profile")
        verbose_name_plural = _("verified social profiles")

    def __str__(self):
        return self.url

    def matches(self, url):
        """Whether ``url`` (the channel's link now) is still the proven profile."""
        from contactkit.accounts.proofs import same_profile

        return same_profile(self.url, url)
