from wagtail import hooks
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
