"""Admin screens for the contact channels (the store profile uses Wagtail's settings screen)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet

from contactkit.profile.models import ContactChannel


class ContactChannelViewSet(SnippetViewSet):
    model = ContactChannel
    icon = "mobile-alt"
    menu_label = _("Contact channels")
    menu_name = "contact_channels"
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "contactkit/channels"
    list_display = [
        "display_label",
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("value_display", label=_("Number, address or link")),
        "site",
    ]
    list_filter = ["kind", "site"]
    search_fields = ["label", "email", "url", "city"]
    copy_view_enabled = True

    def get_queryset(self, request):
        return ContactChannel.objects.select_related("site")
