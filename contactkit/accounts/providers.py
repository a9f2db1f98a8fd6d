"""Which sign-in providers the shop turned on, for whom (``CONTACTKIT_SIGN_IN``)."""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from contactkit.conf import contactkit_settings

SHOPPER = "shopper"
STAFF = "staff"
PROOF = "proof"
PURPOSES = (SHOPPER, STAFF, PROOF)

# What a button says after "Continue with": the provider's own name, never translated.
LABELS = {
    "google-oauth2": "Google",
    "google-openidconnect": "Google",
    "apple-id": "Apple",
    "facebook": "Facebook",
    "facebook-app": "Facebook",
    "instagram": "Instagram",
    "microsoft-graph": "Microsoft",
    "azuread-oauth2": "Microsoft",
    "azuread-tenant-oauth2": "Microsoft",
    "github": "GitHub",
    "linkedin-openidconnect": "LinkedIn",
    "twitter-oauth2": "X",
}


@dataclass(frozen=True)
class Provider:
    name: str
    label: str


def _config():
    return contactkit_settings.SIGN_IN or {}


def loaded_backends():
    """The python-social-auth backends in AUTHENTICATION_BACKENDS, by name (empty when
    social-auth-app-django is not installed)."""
    if "social_django" not in settings.INSTALLED_APPS:
        return {}
    return _backends(tuple(settings.AUTHENTICATION_BACKENDS))


@lru_cache(maxsize=8)
def _backends(paths):
    from social_core.backends.utils import load_backends

    return dict(load_backends(paths, force_load=True))


def label(name):
    return (_config().get("labels") or {}).get(name) or LABELS.get(name) or name.title()


def _providers(names):
    backends = loaded_backends()
    return [Provider(name, label(name)) for name in names if name in backends]


def shopper_providers():
    """The providers offered to shoppers, in the shop's order; [] means no sign-in UI."""
    return _providers(_config().get("shoppers") or [])


def staff_providers():
    return _providers(_config().get("staff") or [])


def staff_email_domains():
    return {domain.lower().lstrip("@") for domain in _config().get("staff_email_domains") or []}


def profile_provider(kind):
    """The provider whose sign-in proves a social channel of ``kind``, or None."""
    name = (_config().get("profiles") or {}).get(kind)
    found = _providers([name]) if name else []
    return found[0] if found else None


def profile_kinds():
    return [kind for kind in (_config().get("profiles") or {}) if profile_provider(kind)]


def allowed(purpose, name):
    """Whether backend ``name`` may be used to sign in for ``purpose``."""
    if purpose == SHOPPER:
        providers = shopper_providers()
    elif purpose == STAFF:
        providers = staff_providers()
    elif purpose == PROOF:
        providers = [profile_provider(kind) for kind in profile_kinds()]
    else:
        return False
    return any(provider and provider.name == name for provider in providers)


def _origin(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def sign_in_origins():
    """The origins of the enabled providers' sign-in pages, which the browser is sent to from
    a "Continue with …" form: the Content-Security-Policy's ``form-action`` must allow them
    (browsers apply it to a form's redirects). From each backend's authorization address, or
    for OpenID Connect its issuer (``OIDC_ENDPOINT``): no request to the provider."""
    names = {provider.name for provider in shopper_providers() + staff_providers()}
    names |= {profile_provider(kind).name for kind in profile_kinds()}
    if not names:
        return ()
    from social_django.utils import load_backend, load_strategy

    strategy = load_strategy()
    found = []
    for name in sorted(names):
        backend = load_backend(strategy, name, redirect_uri=None)
        url = getattr(backend, "AUTHORIZATION_URL", "") or ""
        if not url or "{" in url.split("//", 1)[-1].split("/", 1)[0]:
            url = backend.setting("OIDC_ENDPOINT") or getattr(backend, "OIDC_ENDPOINT", "") or url
        origin = _origin(url)
        if origin and origin not in found:
            found.append(origin)
    return tuple(found)
