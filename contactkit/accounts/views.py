"""Starting and finishing a sign-in, the shopper's "My messages", and signing out.

The start and the return are python-social-auth's own views, wrapped: the start notes what
the sign-in is for (:data:`pipeline.INTENT`) and both count against a rate limit; a sign-in
the provider or contactkit refuses (a changed state, a code used twice, an ID token for
another app or expired, an address the rules do not accept) ends on a page that says so.
"""

import logging
import secrets

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from social_core.exceptions import (
    AuthCanceled,
    AuthConfigurationError,
    AuthCredentialError,
    AuthProviderError,
    AuthSessionError,
    SocialAuthBaseException,
)

from contactkit.accounts import identity, pipeline, providers
from contactkit.conf import contactkit_settings
from contactkit.inbox import limits

logger = logging.getLogger("contactkit.accounts")

# Why a sign-in ended without one, as the shopper's page tells it.
CANCELLED = "cancelled"
EXPIRED = "expired"
REFUSED = "refused"
UNREACHABLE = "unreachable"
TOO_MANY = "too_many"
PROBLEMS = {
    CANCELLED,
    EXPIRED,
    REFUSED,
    UNREACHABLE,
    TOO_MANY,
    pipeline.STAFF_ACCOUNT,
    pipeline.NOT_ENABLED,
}


def problem_text(reason):
    return {
        CANCELLED: _("The sign-in was cancelled, so nothing changed. You can try again."),
        EXPIRED: _(
            "This sign-in could not be finished: it took too long, was already used, or was "
            "changed on the way. Nothing was stored. Please start again."
        ),
        REFUSED: _(
            "The sign-in service's answer could not be checked, so we did not sign you in. "
            "Please start again; if it happens again, write to us without signing in."
        ),
        UNREACHABLE: _(
            "The sign-in service did not answer. Please try again in a few minutes, or write "
            "to us without signing in."
        ),
        TOO_MANY: _("Too many sign-in attempts from your connection. Please wait a few minutes."),
        pipeline.STAFF_ACCOUNT: _(
            "This account belongs to the shop's staff: sign in through the admin instead."
        ),
        pipeline.NOT_ENABLED: _("This way of signing in is not offered here."),
    }.get(reason, "")


def staff_problem_text(reason):
    return {
        pipeline.UNVERIFIED_EMAIL: _(
            "The sign-in service has not verified your email address, so it cannot open the "
            "admin. Verify it there first, or sign in with your password."
        ),
        pipeline.STAFF_DOMAIN: _(
            "Only addresses of the shop's own domains can sign in to the admin this way."
        ),
        pipeline.NO_STAFF_ACCOUNT: _(
            "No staff account uses this address. Ask the shop's owner to add you in "
            "Settings → Users with this email address."
        ),
    }.get(reason) or problem_text(reason)


def proof_problem_text(reason):
    return {
        CANCELLED: _("The sign-in at the network was cancelled: nothing was verified."),
        UNREACHABLE: _(
            "The network's sign-in did not answer: nothing was verified. Try again in a few "
            "minutes."
        ),
        TOO_MANY: _("Too many sign-in attempts from your connection. Please wait a few minutes."),
    }.get(
        reason,
        _(
            "The sign-in at the network could not be finished or checked, so nothing was "
            "verified. Start again from this screen."
        ),
    )


def _reason(error):
    """The shopper's reason for python-social-auth's failure (social-core 7's kinds): a
    state that does not match this browser's sign-in, or a code the provider no longer takes,
    mean "start again"; an ID token that fails its checks (signature, audience, expiry,
    nonce) means it could not be checked."""
    if isinstance(error, pipeline.SignInRefused):
        return error.reason
    if isinstance(error, AuthCanceled):
        return CANCELLED
    if isinstance(error, (AuthSessionError, AuthCredentialError)):
        return EXPIRED
    if isinstance(error, AuthProviderError):
        return UNREACHABLE if error.recovery == "retry_later" else EXPIRED
    return REFUSED


def _limited(request):
    limit = contactkit_settings.SIGN_IN_RATE_LIMIT
    if not limit:
        return False
    count, window = limit
    address = limits.client_address(request)
    return limits.add("sign_in", limits.address_key(address), window) > count


def _safe(request, url):
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@never_cache
@require_POST
def begin(request, backend):
    """Start a sign-in with ``backend`` for the posted ``purpose`` (a form with the CSRF
    token posts here: python-social-auth's own start view only takes POST)."""
    purpose = request.POST.get("purpose") or providers.SHOPPER
    if purpose not in providers.PURPOSES or not providers.allowed(purpose, backend):
        raise Http404
    if _limited(request):
        return _ended(request, {"purpose": purpose}, TOO_MANY, status=429)
    intent = {"purpose": purpose}
    if purpose == providers.PROOF:
        from contactkit.accounts import proofs
        from contactkit.profile.models import ContactChannel

        channel = ContactChannel.objects.filter(pk=request.POST.get("channel") or None).first()
        if channel is None or not proofs.can_prove(request.user):
            return HttpResponseForbidden()
        provider = providers.profile_provider(channel.kind)
        if provider is None or provider.name != backend:
            raise Http404
        intent["channel"] = channel.pk
    elif purpose == providers.SHOPPER:
        intent["back"] = _safe(request, request.POST.get("back", ""))
    request.session[pipeline.INTENT] = intent
    from social_django import views as social_views

    return social_views.auth(request, backend)


# What a provider posted back (Apple's form_post), kept for the GET that follows.
POSTED = "contactkit:sign-in-posted:"
POSTED_SECONDS = 120


@never_cache
@csrf_exempt  # Providers come back with a GET, Apple with a cross-site POST: state protects it.
def complete(request, backend):
    """The provider sends the browser back here."""
    intent = request.session.get(pipeline.INTENT) or {}
    if _limited(request):
        return _ended(request, intent, TOO_MANY, status=429)
    if request.method == "POST" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # A provider that posts its answer from its own site (Apple's form_post): browsers
        # send no SameSite=Lax session cookie with that POST, so the sign-in's state is out
        # of reach. Keep what it posted for a moment and come back as a GET, which carries
        # the cookie; nothing of the answer goes into the address.
        key = secrets.token_urlsafe(24)
        cache.set(POSTED + key, dict(request.POST.items()), POSTED_SECONDS)
        response = HttpResponseRedirect(f"{request.path}?{urlencode({'posted': key})}")
        response.status_code = 303
        return response
    if request.method == "GET" and "posted" in request.GET:
        key = POSTED + request.GET["posted"][:64]
        posted = cache.get(key)
        cache.delete(key)
        if not isinstance(posted, dict):
            return _ended(request, intent, EXPIRED)
        answer = QueryDict(mutable=True)
        answer.update(posted)
        request.GET = answer
    from social_django import views as social_views

    try:
        return social_views.complete(request, backend)
    except AuthConfigurationError as error:
        logger.error(
            "sign-in with %s is not set up right: %s %s", backend, error.code, error.detail
        )
        return _ended(request, intent, REFUSED)
    except SocialAuthBaseException as error:
        logger.info(
            "sign-in with %s ended: %s (%s) %s",
            backend,
            type(error).__name__,
            error.code,
            error.detail,
        )
        return _ended(request, intent, _reason(error))
    except requests.RequestException as error:
        logger.warning("sign-in with %s: the provider did not answer: %r", backend, error)
        return _ended(request, intent, UNREACHABLE)


def _ended(request, intent, reason, status=None):
    """Where a sign-in that did not happen ends: the admin's sign-in page or the verified
    profiles screen for staff, the shopper's account page for shoppers (with why)."""
    request.session.pop(pipeline.INTENT, None)
    purpose = intent.get("purpose")
    if purpose == providers.PROOF:
        from contactkit.accounts import proofs

        with translation.override(proofs.admin_language(request.user)):
            messages.error(request, proof_problem_text(reason))
        return redirect(proofs.admin_url())
    if purpose == providers.STAFF:
        messages.error(request, staff_problem_text(reason))
        return redirect("wagtailadmin_login")
    target = account_url(request) or "/"
    query = {"problem": reason if reason in PROBLEMS else REFUSED}
    if intent.get("back"):
        query["next"] = intent["back"]
    response = HttpResponseRedirect(f"{target}?{urlencode(query)}")
    if status == 429:
        response.status_code = 303
    return response


def account_url(request, language=None):
    """The address of the signed-in shopper's page ("My messages") on the request's site."""
    from contactkit.inbox.threads import contact_page
    from contactkit.profile.shop import Shop

    shop = Shop.for_request(request)
    if shop is None:
        return ""
    from django.utils.translation import get_language

    page = contact_page(shop.site, language or get_language())
    if page is None:
        return ""
    return (page.get_url(request) or "") + page.reverse_subpage("account")


@never_cache
def my_messages(request):
    """A stable address for a shop's header link: the account page of the contact page."""
    target = account_url(request)
    if not target or not providers.shopper_providers():
        raise Http404
    return redirect(target)


@never_cache
@require_POST
def sign_out(request):
    back = _safe(request, request.POST.get("next", "")) or "/"
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect(back)


# --- the account page (a route of the contact page: contactkit.pages.models) --------------


def conversations(account, site):
    """The shopper's conversations with ``site``: those sent while signed in, and, when the
    provider verified the address, every one sent from it (before signing up too)."""
    from contactkit.inbox.models import Conversation, Message

    mine = Q(shopper_id=account.user_id)
    if account.email_verified and account.email:
        mine |= Q(email__iexact=account.email)
    first = (
        Message.objects.filter(conversation=OuterRef("pk"), kind=Message.Kind.SHOPPER)
        .order_by("created_at", "pk")
        .values("body")[:1]
    )
    return (
        Conversation.objects.filter(mine, site=site)
        .annotate(first_body=Subquery(first))
        .order_by("-updated_at", "-pk")
    )


def account_page(page, request):
    from contactkit.inbox.thread_views import _render, page_address, status_words
    from contactkit.inbox.threads import thread_token
    from contactkit.profile.shop import Shop

    offered = providers.shopper_providers()
    if not offered:
        raise Http404
    here = page_address(page, request) + page.reverse_subpage("account")
    account = identity.shopper_account(request)
    problem = request.GET.get("problem", "")
    extra = {
        "providers": offered,
        "account": account,
        "problem": problem_text(problem) if problem in PROBLEMS else "",
        "next": _safe(request, request.GET.get("next", "")) or here,
        "here": here,
        "staff": request.user.is_authenticated and account is None,
    }
    if account is not None:
        base = page_address(page, request)
        shown = []
        for conversation in conversations(account, Shop.for_request(request).site)[:200]:
            shown.append(
                {
                    "reference": conversation.reference,
                    "status": conversation.status,
                    "status_text": status_words(conversation.status),
                    "topic": conversation.get_topic_display(),
                    "created_at": conversation.created_at,
                    # Whole seconds: <time datetime> takes at most three decimals.
                    "created_iso": conversation.created_at.replace(microsecond=0).isoformat(),
                    "updated_at": conversation.updated_at,
                    "excerpt": Truncator(conversation.first_body or "").chars(140),
                    "url": ""
                    if conversation.thread_revoked_at
                    else base + page.reverse_subpage("thread", args=(thread_token(conversation),)),
                }
            )
        extra["conversations"] = shown
        extra["unverified"] = not account.email_verified
    return _render(page, request, ACCOUNT_TEMPLATE, extra, status=200)


ACCOUNT_TEMPLATE = "contactkit/pages/account.html"
