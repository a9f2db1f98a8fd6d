"""Addresses of a page in a given language, as the site's URLs give them (i18n_patterns).

Pages in the default language have no prefix; the others start with theirs (``/es/…`` in the
tests, whose default language is English). A page that has no translation is served, at the
other language's address, in that language's interface with its own content.
"""

from django.conf import settings


def in_language(url, language):
    """``url`` (a page's path without a language prefix) in ``language``."""
    if language == settings.LANGUAGE_CODE:
        return url
    return f"/{language}{url}"
