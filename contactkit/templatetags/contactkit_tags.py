"""Template tags any shop template can use: structured data, legal notice, theme stylesheet.

{% load contactkit_tags %}
{% contactkit_structured_data %}     in <head>: the shop's schema.org JSON-LD
{% contactkit_legal_notice %}        in the footer: the identification data the law asks for
{% contactkit_theme_css %}           in <head>: the stylesheet of the site's theme
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from contactkit.profile.shop import Shop
from contactkit.themes import get_theme

register = template.Library()


def _shop(context):
    shop = context.get("shop")
    if shop is None and context.get("request") is not None:
        shop = Shop.for_request(context["request"])
    return shop


@register.simple_tag(takes_context=True)
def contactkit_structured_data(context):
    """The shop's JSON-LD graph, with the current page when there is one."""
    from contactkit.structured_data.graph import script_tag

    shop = _shop(context)
    if shop is None:
        return ""
    return script_tag(shop, page=context.get("page"))


@register.inclusion_tag("contactkit/includes/legal_notice.html", takes_context=True)
def contactkit_legal_notice(context, heading_level=2):
    """The shop's identification data (LSSI-CE art. 10, § 5 DDG) for a footer or a page."""
    return {"shop": _shop(context), "heading_level": heading_level}


@register.simple_tag(takes_context=True)
def contactkit_theme_css(context):
    theme = context.get("contactkit_theme") or get_theme()
    return format_html('<link rel="stylesheet" href="{}">', static(theme.css_static_path))
