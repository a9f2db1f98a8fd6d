"""The same page in the site's other languages: for the language switch, hreflang and the sitemap.

Pages are translated the Wagtail way (``WAGTAIL_I18N_ENABLED``, a locale per language and a
translated copy of each page). A page's link in another language is its translation when there
is a live one (with the same sub-page, such as ``thanks/``); otherwise the nearest translated
page above it (usually the home page), so a shopper who switches always lands somewhere in
their language. Only real translations are announced as ``hreflang`` alternates.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from wagtail.models import Locale, Page

from contactkit.i18n import active_content_language, content_languages, default_language


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str  # in its own language: "English", "Español"
    url: str
    current: bool
    translated: bool  # the page itself exists in this language (not a page above it)


def i18n_enabled():
    return getattr(settings, "WAGTAIL_I18N_ENABLED", False)


def local_name(code):
    """The language's name in that language, capitalised: "Español", "English"."""
    try:
        return capfirst(translation.get_language_info(code)["name_local"])
    except KeyError:
        return code


def _sub_path(page, request):
    """What follows the page's own path in the request (``thanks/``), for routable pages."""
    if request is None:
        return ""
    own = page.get_url(request)
    if own and request.path.startswith(own) and request.path != own:
        return request.path[len(own) :]
    return ""


def language_links(page, request=None):
    """A link per content language to ``page`` in that language, current one included.

    Empty when the site has one language or translation is off, and for anything that is not
    a Wagtail page.
    """
    languages = content_languages()
    if not i18n_enabled() or len(languages) < 2 or not isinstance(page, Page):
        return []
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    translations = {
        found.locale_id: found
        for found in page.get_translations(inclusive=True).live().select_related("locale")
    }
    current = active_content_language()
    sub_path = _sub_path(page, request)
    links = []
    for code, _name in languages:
        locale = locales.get(code)
        if locale is None:
            continue
        target = translations.get(locale.pk)
        exact = target is not None
        if target is None:
            target = _nearest_translated_ancestor(page, locale)
        if target is None:
            continue
        url = target.get_url(request)
        if url is None:
            continue
        links.append(
            LanguageLink(
                code=code,
                name=local_name(code),
                url=url + (sub_path if exact else ""),
                current=code == current,
                translated=exact,
            )
        )
    return links if len(links) > 1 else []


def _nearest_translated_ancestor(page, locale):
    for ancestor in reversed(page.get_ancestors().filter(depth__gt=1)):
        found = ancestor.get_translation_or_none(locale)
        if found is not None and found.live:
            return found
    return None


def alternates(page, request=None):
    """``[(hreflang, absolute url)]`` for each real translation of ``page``, then
    ``x-default`` (the default language's version), for ``<link rel="alternate">``."""
    if not i18n_enabled() or not isinstance(page, Page):
        return []
    found = []
    default_url = None
    sub_path = _sub_path(page, request)
    for other in page.get_translations(inclusive=True).live().select_related("locale"):
        url = other.get_full_url(request)
        if url is None:
            continue
        code = other.locale.language_code
        found.append((code, url + sub_path))
        if code == default_language():
            default_url = url + sub_path
    if len(found) < 2:
        return []
    found.sort()
    if default_url:
        found.append(("x-default", default_url))
    return found
