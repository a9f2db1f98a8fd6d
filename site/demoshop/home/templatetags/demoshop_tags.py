"""The demo shop's header: its name, home link and menu, read once per change.

A shop's own chrome around the contactkit pages asks the database too; the demo shows how to
keep that out of every render with contactkit's ``remember`` (kept under the page cache's
generation, so saving a page or the profile shows at once).
"""

from django import template
from django.utils.translation import get_language
from wagtail.models import Site

from contactkit.pages.cache import remember
from contactkit.profile.models import StoreProfile

register = template.Library()


@register.inclusion_tag("demoshop/header.html", takes_context=True)
def shop_header(context):
    request = context["request"]
    site = Site.find_for_request(request)
    if site is None:
        return {"name": "", "home": None, "menu": []}

    def load():
        home = site.root_page.localized
        return {
            "name": StoreProfile.for_site(site).name,
            "home": home,
            "menu": list(home.get_children().live().in_menu().specific()),
        }

    header = remember("demoshop_header", (site.pk, get_language()), load)
    return {**header, "page": context.get("page"), "request": request}
