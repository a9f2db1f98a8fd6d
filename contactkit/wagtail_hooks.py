from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from contactkit.inbox import actions as conversation_actions
from contactkit.inbox.views import BULK_ACTIONS
from contactkit.inbox.viewsets import CannedReplyViewSet, ConversationViewSet, inbox_permissions
from contactkit.profile.viewsets import ContactChannelViewSet

register_snippet(ContactChannelViewSet)

# The inbox: conversations, canned replies, who may see and answer them, bulk actions.
register_snippet(CannedReplyViewSet)


@hooks.register("register_admin_viewset")
def register_inbox():
    return ConversationViewSet()


@hooks.register("register_permissions")
def register_inbox_permissions():
    return inbox_permissions()


# Staff actions on conversations, as Wagtail's History and site history show them.
hooks.register("register_log_actions", conversation_actions.register_log_actions)


for bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)


# Live chat, staff's side (contactkit.launcher.staff): its admin views, and the script and
# style every admin page loads for the "Available for chat" switch, new-chat alerts and a
# chat's live panel. Static tags only, configured with data-* attributes: no inline script.
@hooks.register("register_admin_urls")
def register_chat_urls():
    from contactkit.launcher import staff

    return staff.admin_urls()


@hooks.register("insert_global_admin_js")
def chat_admin_js():
    from contactkit.launcher import staff

    return staff.admin_script()


@hooks.register("insert_global_admin_css")
def chat_admin_css():
    from contactkit.launcher import staff

    return staff.admin_stylesheet()


# Verified social profiles (contactkit.accounts): their screen, in the Settings menu for staff
# who may edit the contact channels.
@hooks.register("register_admin_urls")
def register_verified_profiles_urls():
    from contactkit.accounts import admin_views

    return admin_views.admin_urls()


class VerifiedProfilesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("contactkit.change_contactchannel")


@hooks.register("register_settings_menu_item")
def register_verified_profiles_menu_item():
    return VerifiedProfilesMenuItem(
        _("Verified social profiles"),
        reverse("contactkit_verified_profiles"),
        icon_name="success",
        order=900,
    )


# The trust report (contactkit.trust): its page, in the Reports menu, and its dashboard panel,
# for staff who may edit the store profile.
@hooks.register("register_admin_urls")
def register_trust_report_urls():
    from contactkit.trust import admin as trust_admin

    return trust_admin.admin_urls()


class TrustReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("contactkit.change_storeprofile")


@hooks.register("register_reports_menu_item")
def register_trust_report_menu_item():
    return TrustReportMenuItem(
        _("Trust report"), reverse("contactkit_trust_report"), icon_name="success", order=50
    )


@hooks.register("construct_homepage_panels")
def add_trust_panel(request, panels):
    from contactkit.trust.admin import TrustPanel

    panels.append(TrustPanel(request))
