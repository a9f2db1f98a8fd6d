"""A signed-in shopper's account in privacy requests: handed over with their conversations,
erased with them."""

from django.contrib.auth import get_user_model

from contactkit.accounts.models import ShopperAccount


def _accounts(email):
    return ShopperAccount.objects.filter(email__iexact=(email or "").strip()).select_related("user")


def accounts_data(email):
    """The shopper accounts that signed in with ``email``: what contactkit and
    python-social-auth keep of them (never a token)."""
    found = []
    for account in _accounts(email):
        found.append(
            {
                "name": account.name,
                "email": account.email,
                "email_verified": account.email_verified,
                "signed_in_with": account.provider,
                "signed_up": account.created_at.isoformat(),
                "last_signed_in": account.last_sign_in_at.isoformat(),
                "provider_accounts": [
                    {"provider": social.provider, "uid": social.uid}
                    for social in _social_accounts(account.user)
                ],
            }
        )
    return found


def _social_accounts(user):
    from django.apps import apps

    if not apps.is_installed("social_django"):
        return []
    from social_django.models import UserSocialAuth

    return list(UserSocialAuth.objects.filter(user=user).order_by("pk"))


def erase_accounts(email):
    """Delete the shopper accounts of ``email`` and their users (with python-social-auth's
    links to the provider). Never a user who may use the admin: only the shopper record."""
    from contactkit.accounts.pipeline import may_use_admin

    count = 0
    for account in _accounts(email):
        user = account.user
        if may_use_admin(user) or user.is_staff:
            account.delete()
        else:
            get_user_model().objects.filter(pk=user.pk).delete()
        count += 1
    return count
