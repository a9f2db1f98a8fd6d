from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "demoshop.home"
    label = "demoshop_home"
    verbose_name = _("Demo shop")
    default_auto_field = "django.db.models.BigAutoField"
