from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactkitConfig(AppConfig):
    name = "contactkit"
    label = "contactkit"
    verbose_name = _("Contact and trust")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from contactkit import checks  # noqa: F401  (registers the system checks)
        from contactkit.launcher import signals
        from contactkit.pages import cache as page_cache

        signals.connect()
        page_cache.connect()
