"""The addresses of a withdrawal's receipt: the page and its PDF, under the Returns page.

The receipt is reached by a signed token of its conversation's id, with no expiry: the shopper
keeps the link from the email (a durable medium) and anyone holding it can show the receipt,
nobody can make one for another conversation. The Returns page serves
``withdraw/receipt/<token>/`` and ``withdraw/receipt/<token>/pdf/`` (see
:class:`contactkit.pages.models.ReturnsPage`).

A token is ``<id>-<signature>`` (Django's :class:`~django.core.signing.Signer`, salted): only
letters, digits, ``-`` and ``_``, the characters Wagtail's page addresses take (``signing.dumps``
writes ``:``, which Wagtail's URL pattern does not match). The same conversation always gets
the same token; the ``SECRET_KEY`` (and its ``SECRET_KEY_FALLBACKS``) signs it.
"""

from django.conf import settings
from django.core import signing
from django.utils import translation

SALT = "contactkit.withdrawal.receipt"


def _signer():
    return signing.Signer(salt=SALT)


def receipt_token(conversation):
    """The token of ``conversation``'s receipt, such as ``42-Xb3…``."""
    signer = _signer()
    # "42:signature" -> "42-signature": the id is digits, so the first "-" ends it.
    return signer.sign(str(conversation.pk)).replace(signer.sep, "-", 1)


def conversation_id(token):
    """The id of the conversation ``token`` stands for, or None if it is not one of ours."""
    value, dash, signature = str(token).partition("-")
    if not dash or not value.isascii() or not value.isdigit():
        return None
    signer = _signer()
    try:
        return int(signer.unsign(f"{value}{signer.sep}{signature}"))
    except (signing.BadSignature, ValueError):
        return None


def returns_page(site, language):
    """The site's live Returns page in ``language`` (else in the default language), or None."""
    # Imported here: pages import the returns models, not the other way round.
    from contactkit.pages.models import ReturnsPage
    from contactkit.profile.shop import Shop

    with translation.override(language):
        return Shop.for_site(site).first_live(ReturnsPage)


def receipt_url(withdrawal, *, pdf=False):
    """The absolute address of ``withdrawal``'s receipt page (its PDF with ``pdf``), in the
    withdrawal's language, or "" when the site has no live Returns page."""
    conversation = withdrawal.conversation
    language = withdrawal.language or conversation.language or settings.LANGUAGE_CODE
    with translation.override(language):
        page = returns_page(conversation.site, language)
        if page is None:
            return ""
        base = page.get_full_url()
        if not base:
            return ""
        route = "withdrawal_receipt_pdf" if pdf else "withdrawal_receipt"
        return (
            base.rstrip("/")
            + "/"
            + page.reverse_subpage(route, args=(receipt_token(conversation),))
        )


def receipt_pdf_url(withdrawal):
    """The absolute address of ``withdrawal``'s receipt as a PDF, or ""."""
    return receipt_url(withdrawal, pdf=True)
