"""System checks for sign-in (``CONTACTKIT_SIGN_IN``, docs/sign-in.md)."""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse

from contactkit.conf import contactkit_settings


@checks.register()
def check_sign_in(app_configs=None, **kwargs):
    config = contactkit_settings.SIGN_IN or {}
    if not isinstance(config, dict):
        return [checks.Error("CONTACTKIT_SIGN_IN must be a dict.", id="contactkit.E010")]
    named = [*(config.get("shoppers") or []), *(config.get("staff") or [])]
    named += list((config.get("profiles") or {}).values())
    if not named:
        return []
    if not apps.is_installed("social_django"):
        return [
            checks.Error(
                "CONTACTKIT_SIGN_IN names providers, but social-auth-app-django is not installed.",
                hint="Add 'social_django' to INSTALLED_APPS (docs/sign-in.md).",
                id="contactkit.E010",
            )
        ]
    from contactkit.accounts.pipeline import PIPELINE
    from contactkit.accounts.providers import loaded_backends

    problems = []
    missing = sorted(set(named) - set(loaded_backends()))
    if missing:
        problems.append(
            checks.Error(
                f"CONTACTKIT_SIGN_IN names {', '.join(missing)}, which no backend in "
                "AUTHENTICATION_BACKENDS is called.",
                hint="Add the python-social-auth backend's class to AUTHENTICATION_BACKENDS.",
                id="contactkit.E011",
            )
        )
    if tuple(getattr(settings, "SOCIAL_AUTH_PIPELINE", ()) or ()) != tuple(PIPELINE):
        problems.append(
            checks.Error(
                "SOCIAL_AUTH_PIPELINE is not contactkit's: shopper and staff sign-in would not "
                "follow contactkit's rules (no admin access for shoppers, no new staff).",
                hint="SOCIAL_AUTH_PIPELINE = contactkit.accounts.pipeline.PIPELINE",
                id="contactkit.E012",
            )
        )
    if config.get("staff") and not config.get("staff_email_domains"):
        problems.append(
            checks.Error(
                'CONTACTKIT_SIGN_IN["staff"] is set without "staff_email_domains": nobody '
                "could sign in to the admin that way.",
                hint='List the shop\'s own email domains in "staff_email_domains".',
                id="contactkit.E013",
            )
        )
    from contactkit.accounts.pipeline import NEVER_VERIFIED

    for name in sorted(set(config.get("staff") or []) & NEVER_VERIFIED):
        problems.append(
            checks.Warning(
                f'CONTACTKIT_SIGN_IN["staff"] lists {name}, whose addresses contactkit never '
                "takes as verified: every staff sign-in through it would be refused.",
                hint="Use a provider that verifies addresses (Google, Apple, OpenID Connect).",
                id="contactkit.W010",
            )
        )
    try:
        reverse("social:complete", args=["backend"])
    except NoReverseMatch:
        problems.append(
            checks.Error(
                "The sign-in addresses are not in the URLconf.",
                hint='Add path("auth/", include("contactkit.accounts.urls")) to it.',
                id="contactkit.E014",
            )
        )
    return problems
