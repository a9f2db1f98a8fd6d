"""Template tags any shop template can use: structured data, legal notice, theme stylesheet.

{% load contactkit_tags %}
{% contactkit_structured_data %}     in <head>: the shop's schema.org JSON-LD
{% contactkit_legal_notice %}        in the footer: the identification data the law asks for
{% contactkit_legal_notice_link %}   in the footer: one link to the legal notice page
{% contactkit_theme_css %}           in <head>: the stylesheet of the site's theme
{% contactkit_alternate_links %}     in <head>: the page in the site's other languages (hreflang)
{% contactkit_language_switch %}     in the header: links to the page in each language
{% contactkit_withdrawal_link %}     in the footer: "Withdraw from contract here" (art. 11a)
{% contactkit_withdrawal_button %}   anywhere: the same as a button
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.http import urlencode

from contactkit.profile.shop import Shop
from contactkit.themes import get_theme, theme_for_request

register = template.Library()


def _shop(context):
    shop = context.get("shop")
    if shop is None and context.get("request") is not None:
        shop = Shop.for_request(context["request"])
    return shop


def _remembered(request, name, compute, page=None):
    """``compute()`` once per change of what pages show (contactkit.pages.cache.remember), for
    the request's site, address and language: links to other pages, the site's settings."""
    from django.utils.translation import get_language

    from contactkit.pages.cache import remember

    if request is None:
        return compute()
    parts = (request.get_host(), request.path, get_language(), getattr(page, "pk", None))
    return remember(name, parts, compute)


@register.simple_tag(takes_context=True)
def contactkit_structured_data(context):
    """The shop's JSON-LD graph, with the current page when there is one."""
    from contactkit.structured_data.graph import script_tag

    shop = _shop(context)
    if shop is None:
        return ""
    return script_tag(shop, page=context.get("page"))


def _on_legal_notice_page(context):
    from contactkit.pages.models import LegalNoticePage

    return isinstance(context.get("page"), LegalNoticePage)


@register.inclusion_tag("contactkit/includes/legal_notice.html", takes_context=True)
def contactkit_legal_notice(context, heading_level=2):
    """The shop's identification data (LSSI-CE art. 10, § 5 DDG) for a footer or a page.

    On the legal notice page itself it renders nothing: the page shows the notice already,
    and a second copy would repeat its ids and its landmark.
    """
    if _on_legal_notice_page(context):
        return {"shop": None}
    return {"shop": _shop(context), "heading_level": heading_level}


@register.inclusion_tag("contactkit/includes/legal_notice_link.html", takes_context=True)
def contactkit_legal_notice_link(context, heading_level=2):
    """One link to the site's live legal notice page, for a footer (marked as the current
    page there). A site without one gets the notice itself, as ``contactkit_legal_notice``."""
    from contactkit.pages.models import LegalNoticePage

    shop = _shop(context)
    page = context.get("page")
    notice_page = None
    if shop is not None:
        if isinstance(page, LegalNoticePage) and page.live:
            notice_page = page
        else:
            notice_page = shop.first_live(LegalNoticePage)
    return {
        "shop": None if notice_page is None and _on_legal_notice_page(context) else shop,
        "legal_notice_page": notice_page,
        "current": notice_page is not None and page is not None and notice_page.pk == page.pk,
        "heading_level": heading_level,
        "request": context.get("request"),
    }


@register.inclusion_tag("contactkit/includes/contact_form.html", takes_context=True)
def contactkit_contact_form(context):
    """The contact form, on any page.

    On a contact page it is that page's own form (with its extra questions), posting to that
    page, and the bound form (with its errors) is reused; anywhere else it posts to the site's
    first contact page.
    """
    from contactkit.inbox.models import InboxSettings
    from contactkit.pages.models import ContactPage

    shop = _shop(context)
    page = context.get("page")
    if not isinstance(page, ContactPage):
        page = shop.contact_page if shop else None
    request = context.get("request")
    form = context.get("form")
    if form is None and page is not None:
        from contactkit.accounts import identity

        form = page.get_form(initial=identity.initial(request))

    def privacy_url():
        privacy = InboxSettings.for_request(request).privacy_page
        # The privacy page in the shopper's language, when it has been translated.
        privacy = privacy.localized if privacy is not None else None
        return privacy.url if privacy and privacy.live else ""

    return {
        "form": form,
        "action": page.url if page else "",
        "privacy_url": _remembered(request, "privacy_url", privacy_url) if request else "",
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **_sign_in(request, page),
    }


def _sign_in(request, page):
    """ "Continue with …" before a shopper's form (contactkit.accounts), coming back to the
    page the form is on."""
    from contactkit.accounts import identity

    if request is None:
        return {"sign_in": None}
    return identity.sign_in_context(request, request.path if page is None else page.url)


@register.filter
def lang_attr(obj, field):
    """`` lang="es"`` when ``field`` of ``obj`` is shown in the default language because it has
    not been translated into the page's, so screen readers say it right; else nothing."""
    shown = getattr(obj, "shown_language", None)
    code = shown(field) if callable(shown) else ""
    return format_html(' lang="{}"', code) if code else ""


@register.simple_tag(takes_context=True)
def contactkit_alternate_links(context):
    """``<link rel="alternate" hreflang>`` for each translation of the page, and x-default."""
    from django.utils.html import format_html_join

    from contactkit.languages import alternates

    page, request = context.get("page"), context.get("request")
    return format_html_join(
        "\n",
        '<link rel="alternate" hreflang="{}" href="{}">',
        _remembered(request, "alternates", lambda: alternates(page, request), page),
    )


@register.inclusion_tag("contactkit/includes/language_switch.html", takes_context=True)
def contactkit_language_switch(context):
    """Links to the page in each of the site's languages (nothing on a one-language site)."""
    from contactkit.languages import language_links

    page, request = context.get("page"), context.get("request")
    return {"links": _remembered(request, "languages", lambda: language_links(page, request), page)}


@register.simple_tag(takes_context=True)
def contactkit_theme_css(context):
    """The stylesheet of the page's theme (``contactkit_theme``), else of the site's theme."""
    theme = context.get("contactkit_theme")
    if theme is None:
        request = context.get("request")
        theme = theme_for_request(request) if request is not None else get_theme()
    return format_html('<link rel="stylesheet" href="{}">', static(theme.css_static_path))


def _withdraw_url(context):
    """The address of the withdrawal button's statement form in the page's language: on the
    site's first live Returns page (the current page when it is a Returns page, so a preview
    shows it too), or "" without one."""
    from contactkit.pages.models import ReturnsPage

    request = context.get("request")
    page = context.get("page")
    if isinstance(page, ReturnsPage):
        from contactkit.returns.withdrawal.views import served_url

        # The page being shown: at the address it was reached at (its language's).
        base = served_url(page, request) if request is not None else page.get_url()
    else:
        shop = _shop(context)
        page = shop.first_live(ReturnsPage) if shop is not None else None
        base = page.get_url(request) if page is not None else ""
    return base + page.reverse_subpage("withdraw") if base else ""


@register.inclusion_tag("contactkit/includes/withdrawal_link.html", takes_context=True)
def contactkit_withdrawal_link(context):
    """A link to the withdrawal button's form (Directive 2011/83/EU art. 11a), for a footer:
    "Withdraw from contract here", on every page. Nothing when there is no Returns page."""
    url = _withdraw_url(context)
    request = context.get("request")
    return {
        "withdraw_url": url,
        "current": bool(url) and request is not None and request.path == url,
    }


@register.inclusion_tag("contactkit/includes/withdrawal_button.html", takes_context=True)
def contactkit_withdrawal_button(context):
    """The withdrawal button, anywhere: a prominent "Withdraw from contract here" link to its
    form. Nothing when there is no Returns page."""
    return {"withdraw_url": _withdraw_url(context)}


def _launcher_api_base():
    """Where contactkit's JSON API answers, ending in "/" (``/contactkit/api/`` in the demo:
    wherever the project mounted ``contactkit.urls``)."""
    from django.urls import reverse

    return reverse("contactkit_api:launcher").removesuffix("launcher")


@register.inclusion_tag("contactkit/includes/launcher.html", takes_context=True)
def contactkit_launcher(context):
    """The launcher, before ``</body>``: a button fixed at the bottom of the page. Without
    JavaScript it is a link to the contact page; launcher.js turns it into a panel with the
    ways to reach the shop right now and the chat. Nothing when the site's launcher is off
    (*Settings → Launcher and chat*) or there is no live contact page."""
    from contactkit.conf import contactkit_settings
    from contactkit.i18n import active_content_language
    from contactkit.launcher.models import LauncherSettings

    request = context.get("request")
    shop = _shop(context)
    if request is None or shop is None:
        return {"launcher": None}
    launcher = _remembered(request, "launcher", lambda: LauncherSettings.for_request(request))
    if not launcher.enabled:
        return {"launcher": None}
    contact_page = shop.contact_page
    if contact_page is None:
        return {"launcher": None}
    return {
        "launcher": {
            "api": _launcher_api_base(),
            "site": shop.site.pk,
            "language": active_content_language(),
            "poll": contactkit_settings.CHAT_POLL_SECONDS,
            "contact_url": contact_page.get_url(request),
            **_launcher_shopper(request),
        }
    }


def _launcher_shopper(request):
    """The launcher's chat form starts with a signed-in shopper's name and verified address;
    for anyone else, where shop sign-in is on, it links to the ways to sign in (coming back
    to this page)."""
    from contactkit.accounts import identity, providers
    from contactkit.accounts.views import account_url

    if not providers.shopper_providers():
        return {}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"shopper": identity.initial(request)}
    target = account_url(request)
    return {"sign_in_url": f"{target}?{urlencode({'next': request.path})}" if target else ""}


@register.inclusion_tag("contactkit/admin/staff_sign_in.html", takes_context=True)
def contactkit_staff_sign_in(context):
    """ "Continue with …" on the admin's sign-in page (CONTACTKIT_SIGN_IN["staff"])."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    from contactkit.accounts import providers

    request = context.get("request")
    offered = providers.staff_providers()
    if request is None or not offered:
        return {"providers": []}
    wanted = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    return {
        "providers": offered,
        "next": wanted if wanted and safe else reverse("wagtailadmin_home"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
