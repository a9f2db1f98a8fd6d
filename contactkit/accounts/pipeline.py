"""contactkit's python-social-auth pipeline (``SOCIAL_AUTH_PIPELINE``).

One sign-in flow serves three purposes, chosen where the sign-in starts and kept in the
session (:data:`INTENT`): a shopper signing in, staff signing in to the admin, and staff
proving the shop controls a social profile. The rules:

- a shopper's sign-in creates a shopper account of its own: it never merges into an existing
  user by email, never logs in a user who may use the admin, never gives admin access;
- staff sign-in only finds existing staff, by an address the provider verified, in one of
  ``staff_email_domains``; it never creates a user, so never a superuser;
- proving a profile logs nobody in: it keeps the proof and goes back to the admin.
"""

import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone
from social_core.exceptions import AuthPolicyError

from contactkit.accounts import providers

INTENT = "contactkit_sign_in"

PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "contactkit.accounts.pipeline.purpose",
    "contactkit.accounts.pipeline.verified_email",
    "social_core.pipeline.social_auth.social_user",
    "contactkit.accounts.pipeline.staff_user",
    "contactkit.accounts.pipeline.shopper_user",
    "social_core.pipeline.social_auth.associate_user",
    # No load_extra_data: contactkit never calls the provider on the user's behalf, so it
    # keeps none of their tokens.
    "contactkit.accounts.pipeline.remember_shopper",
)


class SignInRefused(AuthPolicyError):
    """The provider signed the person in, but contactkit will not: ``reason`` says why (the
    page the sign-in ends on explains it)."""

    def __init__(self, backend, reason):
        super().__init__(backend, reason, stage="pipeline")
        self.reason = reason


NOT_ENABLED = "not_enabled"
UNVERIFIED_EMAIL = "unverified_email"
STAFF_DOMAIN = "staff_domain"
NO_STAFF_ACCOUNT = "no_staff_account"
STAFF_ACCOUNT = "staff_account"


def may_use_admin(user):
    return bool(user and (user.is_superuser or user.has_perm("wagtailadmin.access_admin")))


def purpose(strategy, backend, details, response, uid, *args, user=None, **kwargs):
    intent = strategy.session_get(INTENT) or {}
    chosen = intent.get("purpose", providers.SHOPPER)
    if not providers.allowed(chosen, backend.name):
        raise SignInRefused(backend, NOT_ENABLED)
    if chosen == providers.PROOF:
        from contactkit.accounts import proofs

        strategy.session_pop(INTENT)
        return proofs.complete(strategy.request, backend, intent, uid, response, details)
    return {"purpose": chosen}


# Providers whose addresses are never taken as verified: Meta does not document that the
# address it gives was verified; Microsoft Graph's ``mail`` is whatever the tenant typed.
NEVER_VERIFIED = {"facebook", "facebook-app", "microsoft-graph"}

# Whether a provider's answer says it verified the address it gave. Providers not named here
# are asked the OpenID Connect way (the ``email_verified`` claim).
EMAIL_VERIFIED = {
    **dict.fromkeys(NEVER_VERIFIED, lambda response: False),
    "google-oauth2": lambda response: _true(
        response.get("email_verified", response.get("verified_email"))
    ),
}


def _true(value):
    return value is True or (isinstance(value, str) and value.lower() == "true")


def verified_email(backend, details, response, *args, **kwargs):
    email = (details.get("email") or "").strip().lower()
    check = EMAIL_VERIFIED.get(backend.name, lambda answer: _true(answer.get("email_verified")))
    return {"email": email, "email_verified": bool(email) and check(response or {})}


def staff_user(backend, email, email_verified, *args, purpose, user=None, **kwargs):
    if purpose != providers.STAFF:
        return None
    if not email_verified:
        raise SignInRefused(backend, UNVERIFIED_EMAIL)
    if email.rpartition("@")[2] not in providers.staff_email_domains():
        raise SignInRefused(backend, STAFF_DOMAIN)
    if user is None:
        found = [
            candidate
            for candidate in get_user_model().objects.filter(email__iexact=email, is_active=True)
            if may_use_admin(candidate)
        ]
        if len(found) != 1:
            raise SignInRefused(backend, NO_STAFF_ACCOUNT)
        user = found[0]
    if not user.is_active or not may_use_admin(user):
        raise SignInRefused(backend, NO_STAFF_ACCOUNT)
    return {"user": user}


def shopper_user(backend, details, email, email_verified, *args, purpose, user=None, **kwargs):
    if purpose != providers.SHOPPER:
        return None
    if user is not None:
        if may_use_admin(user):
            raise SignInRefused(backend, STAFF_ACCOUNT)
        return None
    name = _name(details)
    created = get_user_model().objects.create(
        username=f"shopper-{secrets.token_hex(8)}",
        email=email if email_verified else "",
        first_name=name[:150],
        is_staff=False,
        is_superuser=False,
    )
    created.set_unusable_password()
    created.save(update_fields=["password"])
    return {"user": created, "is_new": True}


def _name(details):
    full = details.get("fullname") or " ".join(
        part for part in (details.get("first_name"), details.get("last_name")) if part
    )
    return (full or "").strip()[:120]


def remember_shopper(
    strategy, backend, details, email, email_verified, *args, purpose, user=None, **kwargs
):
    strategy.session_pop(INTENT)
    if purpose != providers.SHOPPER or user is None:
        return None
    from contactkit.accounts.models import ShopperAccount

    now = timezone.now()
    values = {
        "name": _name(details) or user.first_name,
        "email": email,
        "email_verified": email_verified,
        "provider": backend.name,
        "last_sign_in_at": now,
    }
    ShopperAccount.objects.update_or_create(
        user=user, defaults=values, create_defaults={**values, "created_at": now}
    )
    if email_verified and user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    return None
