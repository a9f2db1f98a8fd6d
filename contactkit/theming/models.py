"""The theme a site picked in *Settings → Theme*; ``contactkit.themes`` does the rest."""

from django import forms
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from contactkit import themes


def theme_choices():
    """Every theme found, by label; the empty value follows the project's CONTACTKIT_THEME.

    A callable, so migrations never hold theme names and a new theme shows up without one.
    """
    default = themes.get_theme()
    choices = [("", gettext("The project’s default: %(label)s") % {"label": default.label})]
    for theme in themes.sorted_themes():
        label = f"{theme.label} — {theme.description}" if theme.description else theme.label
        choices.append((theme.name, label))
    return choices


@register_setting(icon="view")
class ThemeSettings(BaseSiteSetting):
    """The theme one site's contactkit pages are shown in."""

    theme = models.CharField(
        _("theme"),
        max_length=100,
        blank=True,
        choices=theme_choices,
        help_text=_(
            "The colours and fonts of this site’s Contact, About us and Returns pages. To try a "
            "theme before choosing it, preview one of those pages and pick the theme as preview "
            "mode."
        ),
    )

    panels = [FieldPanel("theme", widget=forms.RadioSelect)]

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
