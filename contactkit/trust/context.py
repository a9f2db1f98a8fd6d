"""What the rules look at: one site's shop, its pages as a shopper gets them, its structured
data and vCard, and where in the admin each thing is fixed."""

from functools import cached_property

from django.urls import NoReverseMatch, reverse
from django.utils import translation

from contactkit.profile.shop import Shop


class TrustContext:
    """Everything about one site the rules need, each part worked out once.

    ``shop`` is the :class:`~contactkit.profile.shop.Shop` (profile, channels, people, seals,
    returns policy, pages); ``pages`` the live Contact, About us, Returns and legal notice pages;
    ``html(page)`` what a shopper's browser gets for a page (served through the whole stack,
    as anonymous); ``organisation`` the JSON-LD organisation; ``vcard`` the vCard's text.
    """

    def __init__(self, site, *, language=None):
        self.site = site
        self.language = language or translation.get_language() or "en"

    @cached_property
    def shop(self):
        return Shop.for_site(self.site)

    @property
    def profile(self):
        return self.shop.profile

    @property
    def country(self):
        """The store's ISO country code ("ES", "DE"…), or ""."""
        country = self.profile.country
        return country.code if country else ""

    @cached_property
    def pages(self):
        """{"contact", "about", "returns", "legal_notice"}: each live page, or None."""
        from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage

        return {
            "contact": self.shop.first_live(ContactPage),
            "about": self.shop.first_live(AboutPage),
            "returns": self.shop.first_live(ReturnsPage),
            "legal_notice": self.shop.first_live(LegalNoticePage),
        }

    @cached_property
    def _client(self):
        from django.test import Client

        return Client(HTTP_HOST=self._host, HTTP_ACCEPT_LANGUAGE=self.language)

    @property
    def _host(self):
        port = self.site.port
        return self.site.hostname if port in (80, 443, None) else f"{self.site.hostname}:{port}"

    @property
    def _secure(self):
        """Asked over https when the site is served so (else SECURE_SSL_REDIRECT would only
        answer with a redirect), with the proxy's header when Django reads https from one."""
        from django.conf import settings

        secure = self.site.port == 443 or settings.SECURE_SSL_REDIRECT
        headers = {}
        if secure and settings.SECURE_PROXY_SSL_HEADER:
            name, value = settings.SECURE_PROXY_SSL_HEADER
            headers[name] = value
        return secure, headers

    def get(self, path):
        """(status, text) of ``path`` on this site, as an anonymous shopper gets it."""
        secure, headers = self._secure
        response = self._client.get(path, secure=secure, **headers)
        body = b"".join(response) if response.streaming else response.content
        return response.status_code, body.decode(response.charset or "utf-8", "replace")

    def html(self, page):
        """The HTML a shopper gets for ``page`` ("" when it does not answer 200)."""
        if page is None:
            return ""
        return self._html(page.pk)

    _pages_html = None

    def _html(self, pk):
        if self._pages_html is None:
            self._pages_html = {}
        if pk not in self._pages_html:
            from wagtail.models import Page

            page = Page.objects.get(pk=pk).specific
            status, text = self.get(page.get_url() or "/")
            self._pages_html[pk] = text if status == 200 else ""
        return self._pages_html[pk]

    @cached_property
    def home_html(self):
        status, text = self.get(self.shop.home.get_url() or "/")
        return text if status == 200 else ""

    @cached_property
    def organisation(self):
        from contactkit.structured_data.graph import organisation

        return organisation(self.shop, base_url=self.site.root_url)

    @cached_property
    def vcard(self):
        page = self.pages["contact"]
        if page is None:
            return ""
        status, text = self.get((page.get_url() or "/") + page.reverse_subpage("vcard"))
        return text if status == 200 else ""

    # --- where each thing is fixed -------------------------------------------------------

    def admin_url(self, name, *args):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return ""

    @property
    def profile_url(self):
        return self.admin_url("wagtailsettings:edit", "contactkit", "storeprofile", self.site.pk)

    @property
    def returns_policy_url(self):
        return self.admin_url("wagtailsettings:edit", "contactkit", "returnpolicy", self.site.pk)

    @property
    def channels_url(self):
        return self.admin_url("wagtailsnippets_contactkit_contactchannel:list")

    def channel_url(self, channel):
        return self.admin_url("wagtailsnippets_contactkit_contactchannel:edit", channel.pk)

    def page_url(self, page):
        """The page's edit screen, or the page tree to add one under the home page."""
        if page is not None:
            return self.admin_url("wagtailadmin_pages:edit", page.pk)
        return self.admin_url("wagtailadmin_explore", self.site.root_page_id)

    @property
    def verified_profiles_url(self):
        return self.admin_url("contactkit_verified_profiles")
