"""Proving that the shop controls a social profile: the shop's staff sign in to the
profile's provider, the provider says which profiles (pages, accounts) that sign-in controls,
and the one the channel links to is kept as proven (``ProfileProof``).

A proof holds only while the channel still links to the proven profile: pages check
:func:`same_profile` each time they are built, so changing the link removes the mark.
"""

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

# Hosts that name the same network.
_SAME_HOST = {"twitter.com": "x.com", "fb.com": "facebook.com", "youtu.be": "youtube.com"}
_MOBILE = ("www.", "m.", "mobile.", "web.")


@dataclass(frozen=True)
class Profile:
    """A profile a provider says the signed-in account controls."""

    url: str
    account_id: str
    handle: str = ""


# Query parameters that only say where a link was shared from, never which profile it is.
_TRACKING = {
    "ref",
    "ref_src",
    "fbclid",
    "igshid",
    "igsh",
    "si",
    "hl",
    "locale",
    "mibextid",
    "s",
    "t",
}


def normalized(url):
    """``url`` reduced to what names a profile: host without www./m., path without a
    trailing slash, both in lower case, and the query parameters that name something (as
    Facebook's ``profile.php?id=…``) without those that only track where a link was shared;
    no scheme or fragment. "" when it is not a web address."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return ""
    for prefix in _MOBILE:
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    host = _SAME_HOST.get(host, host)
    path = parts.path.rstrip("/").lower()
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in _TRACKING and not key.lower().startswith("utm_")
    )
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def same_profile(proven, current):
    proven, current = normalized(proven), normalized(current)
    return bool(proven) and proven == current


# --- what each provider says the account controls ------------------------------------------

EXTRACTORS = {}


def register_extractor(*names):
    """Register ``function(backend, uid, response, details) -> [Profile]`` for the backends
    ``names``: the profiles a sign-in with them controls (docs/sign-in.md)."""

    def decorator(function):
        for name in names:
            EXTRACTORS[name] = function
        return function

    return decorator


_URL_CLAIMS = ("profile", "website", "link", "html_url", "url")


def claimed_profiles(backend, uid, response, details):
    """The default: the profile addresses the provider put in the sign-in's own claims
    (OpenID Connect's ``profile`` and ``website``; ``link``, ``html_url``…), with its
    ``preferred_username`` as the handle."""
    handle = response.get("preferred_username") or response.get("username") or ""
    found = []
    for claim in _URL_CLAIMS:
        value = response.get(claim)
        if isinstance(value, str) and normalized(value):
            found.append(Profile(url=value, account_id=str(uid), handle=str(handle)))
    return found


GRAPH = "https://graph.facebook.com/v{version}"


@register_extractor("facebook", "facebook-app")
def facebook_pages(backend, uid, response, details):
    """Facebook Login with ``pages_show_list`` and ``instagram_basic``: the Facebook pages the
    account manages and the Instagram professional accounts connected to them."""
    from social_core.backends.facebook import API_VERSION

    token = response.get("access_token")
    if not token:
        return []
    params = {
        "access_token": token,
        "fields": "id,name,link,username,instagram_business_account{id,username}",
    }
    # As social-core's own Facebook calls: the app's proof that it holds the token.
    if backend.setting("APPSECRET_PROOF", True):
        _key, secret = backend.get_key_and_secret()
        params["appsecret_proof"] = hmac.new(
            secret.encode(), msg=token.encode(), digestmod=hashlib.sha256
        ).hexdigest()
    version = backend.setting("API_VERSION", API_VERSION)
    data = backend.get_json(GRAPH.format(version=version) + "/me/accounts", params=params)
    found = []
    for page in data.get("data") or []:
        link = page.get("link") or f"https://www.facebook.com/{page.get('id')}"
        found.append(
            Profile(url=link, account_id=str(page.get("id")), handle=page.get("username") or "")
        )
        if page.get("username"):
            found.append(
                Profile(
                    url=f"https://www.facebook.com/{page['username']}",
                    account_id=str(page.get("id")),
                    handle=page["username"],
                )
            )
        instagram = page.get("instagram_business_account") or {}
        if instagram.get("username"):
            found.append(
                Profile(
                    url=f"https://www.instagram.com/{instagram['username']}",
                    account_id=str(instagram.get("id")),
                    handle=instagram["username"],
                )
            )
    return found


def controlled_profiles(backend, uid, response, details):
    extractor = EXTRACTORS.get(backend.name, claimed_profiles)
    return extractor(backend, uid, response or {}, details or {})


# --- the admin's side ----------------------------------------------------------------------


def can_prove(user, channel=None):
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.has_perm("wagtailadmin.access_admin")
        and user.has_perm("contactkit.change_contactchannel")
    )


def admin_url():
    return reverse("contactkit_verified_profiles")


def admin_language(user):
    """The language the member of staff uses the admin in (their Wagtail preference)."""
    from wagtail.users.models import UserProfile

    if user is None or not user.is_authenticated:
        return None
    return UserProfile.get_for_user(user).get_preferred_language()


def complete(request, backend, intent, uid, response, details):
    """The provider sent staff back: keep the proof if the account controls the channel's
    profile, and say what happened on the verified-profiles screen, in their admin language
    (the return address is outside the shop's language prefixes)."""
    with translation.override(admin_language(request.user)):
        return _complete(request, backend, intent, uid, response, details)


def _complete(request, backend, intent, uid, response, details):
    from contactkit.accounts.models import ProfileProof
    from contactkit.profile.models import ContactChannel

    user = request.user
    channel = ContactChannel.objects.filter(pk=intent.get("channel")).first()
    if channel is None or not can_prove(user, channel):
        messages.error(request, _("Only staff who may edit the contact channels can verify them."))
        return redirect(admin_url())
    profiles = controlled_profiles(backend, uid, response, details)
    match = next((profile for profile in profiles if same_profile(profile.url, channel.url)), None)
    if match is None:
        shown = ", ".join(profile.url for profile in profiles[:5])
        if shown:
            messages.error(
                request,
                _(
                    "The account you signed in with does not manage %(url)s. It manages: "
                    "%(profiles)s. Sign in with the account that manages the shop's profile, "
                    "or correct the channel's link."
                )
                % {"url": channel.url, "profiles": shown},
            )
        else:
            messages.error(
                request,
                _(
                    "The account you signed in with does not manage %(url)s: the provider "
                    "named no profile for it. Sign in with the account that manages the "
                    "shop's profile."
                )
                % {"url": channel.url},
            )
        return redirect(admin_url())
    ProfileProof.objects.update_or_create(
        channel=channel,
        defaults={
            "provider": backend.name,
            "account_id": match.account_id[:255],
            "url": match.url[:500],
            "handle": match.handle[:255],
            "verified_at": timezone.now(),
            "verified_by": user,
        },
    )
    messages.success(
        request,
        _("%(url)s is verified: the shop's pages now show it as the shop's own profile.")
        % {"url": channel.url},
    )
    return redirect(admin_url())
