"""A sitemap of the site's pages in every language, each with its hreflang alternates.

Wagtail's own sitemap lists the pages under the site's root page only, which with translated
pages is one language. Use this one instead::

    from contactkit.sitemaps import TranslatedSitemap
    from wagtail.contrib.sitemaps.views import sitemap

    path("sitemap.xml", sitemap, {"sitemaps": {"pages": TranslatedSitemap}})
"""

from collections import defaultdict

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page

from contactkit.i18n import default_language


class TranslatedSitemap(Sitemap):
    """Every live public page of the site in every language, with ``xhtml:link`` alternates."""

    def items(self):
        roots = list(
            self.get_wagtail_site().root_page.get_translations(inclusive=True).only("path")
        )
        in_a_tree = Q()
        for root in roots:
            in_a_tree |= Q(path__startswith=root.path)
        return (
            Page.objects.live()
            .public()
            .filter(in_a_tree)
            .select_related("locale")
            .order_by("path")
            .defer_streamfields()
            .specific()
        )

    def _urls(self, page, protocol, domain):
        entries = []
        last_mods = set()
        for item in self.paginator.page(page).object_list:
            for info in item.get_sitemap_urls(self.request):
                entries.append((item, info))
                last_mods.add(info.get("lastmod"))
        # Translations of a page share its translation key: their URLs are each other's
        # alternates (a sitemap page holds up to 50,000 URLs, so a site's translations are on
        # the same one).
        versions = defaultdict(dict)
        for item, info in entries:
            versions[item.translation_key].setdefault(item.locale.language_code, info["location"])
        for item, info in entries:
            found = versions[item.translation_key]
            if len(found) < 2:
                continue
            info["alternates"] = [
                {"lang_code": code, "location": location}
                for code, location in sorted(found.items())
            ]
            if default_language() in found:
                info["alternates"].append(
                    {"lang_code": "x-default", "location": found[default_language()]}
                )
        # As Wagtail's: the sitemap's Last-Modified, unless a page has no date.
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return [info for _item, info in entries]
