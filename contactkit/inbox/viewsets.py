"""The inbox's place in the Wagtail admin: its URLs, its menu item and the canned replies."""

from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from contactkit.inbox import views
from contactkit.inbox.models import CannedReply, Conversation, Status


def inbox_permissions():
    """The permissions offered when editing a group: see the inbox, reply, erase."""
    return Permission.objects.filter(
        content_type=ContentType.objects.get_for_model(Conversation),
        codename__in=["view_conversation", "reply_conversation", "delete_conversation"],
    )


class InboxMenuItem(MenuItem):
    """ "Inbox (3)": the menu item counts new conversations (spam is never new)."""

    def is_shown(self, request):
        return request.user.has_perm("contactkit.view_conversation")

    def render_component(self, request):
        count = Conversation.objects.filter(status=Status.NEW).count()
        label = _("Inbox (%(count)s)") % {"count": count} if count else self.label
        return LinkMenuItem(
            self.name,
            label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


class InboxURLFinder(ModelAdminURLFinder):
    """Links to a conversation (from history, search…) open its thread, for those who may."""

    def construct_edit_url(self, instance):
        return reverse(f"{views.NAMESPACE}:detail", args=[quote(instance.pk)])

    def get_edit_url(self, instance):
        if self.user and not self.user.has_perm("contactkit.view_conversation"):
            return None
        return self.construct_edit_url(instance)


class ConversationViewSet(ModelViewSet):
    """The inbox: a listing, the spam and held folders, each conversation's thread and
    History, privacy requests.

    Conversations come only from shoppers, so there is no add, edit, copy or delete screen.
    """

    model = Conversation
    name = views.NAMESPACE
    url_prefix = "contactkit/inbox"
    icon = "mail"
    menu_label = gettext_lazy("Inbox")
    menu_name = "contactkit_inbox"
    menu_order = 150
    add_to_admin_menu = True
    menu_item_class = InboxMenuItem
    url_finder_class = InboxURLFinder
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = views.InboxIndexView
    spam_view_class = views.SpamIndexView
    held_view_class = views.HeldIndexView
    history_view_class = views.ConversationHistoryView
    list_per_page = 50
    # What the CSV and XLSX downloads hold; contactkit.inbox.exports writes the cells.
    list_export = [
        "reference",
        "created_at",
        "time_zone",
        "status",
        "topic",
        "refund_due",
        "source",
        "name",
        "email",
        "phone",
        "order_number",
        "assignee",
        "first_response_at",
        "first_response_time",
        "spam_reason",
        "message",
        "extra_fields",
    ]

    @cached_property
    def export_headings(self):
        return {
            "first_response_time": gettext_lazy("First answered after"),
            "spam_reason": gettext_lazy("Why it looks like spam"),
            "message": gettext_lazy("Message"),
        }

    def get_common_view_kwargs(self, **kwargs):
        # The generic views link to add, edit, delete… screens this viewset does not have.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_permissions_to_register(self):
        # Registered through the register_permissions hook in contactkit.wagtail_hooks.
        return Permission.objects.none()

    def folder_views(self, view_class, name, icon):
        """A folder's listing and its results-only view (for searching as you type)."""
        kwargs = self.get_index_view_kwargs(
            index_url_name=self.get_url_name(name),
            index_results_url_name=self.get_url_name(f"{name}_results"),
            header_icon=icon,
        )
        return (
            self.construct_view(view_class, **kwargs),
            self.construct_view(view_class, **kwargs, results_only=True),
        )

    def get_urlpatterns(self):
        spam, spam_results = self.folder_views(self.spam_view_class, "spam", "warning")
        held, held_results = self.folder_views(self.held_view_class, "held", "time")
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("spam/", spam, name="spam"),
            path("spam/results/", spam_results, name="spam_results"),
            path("held/", held, name="held"),
            path("held/results/", held_results, name="held_results"),
            path("<int:pk>/", views.ConversationView.as_view(), name="detail"),
            path("<int:pk>/reply/", views.ReplyView.as_view(), name="reply"),
            path("<int:pk>/note/", views.NoteView.as_view(), name="note"),
            path("<int:pk>/handle/", views.HandlingView.as_view(), name="handle"),
            path("<int:pk>/spam/", views.MoveView.as_view(move="mark_spam"), name="mark_spam"),
            path("<int:pk>/not-spam/", views.MoveView.as_view(move="not_spam"), name="not_spam"),
            path("<int:pk>/release/", views.MoveView.as_view(move="release"), name="release"),
            path("<int:pk>/revoke-links/", views.RevokeLinksView.as_view(), name="revoke_links"),
            path("<int:pk>/history/", self.history_view, name="history"),
            path("<int:pk>/history/results/", self.history_results_view, name="history_results"),
            path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
            path("privacy/", views.PrivacyView.as_view(), name="privacy"),
            path("privacy/erase/", views.PrivacyEraseView.as_view(), name="privacy_erase"),
        ]


class CannedReplyViewSet(SnippetViewSet):
    """Replies staff reuse, with {name}, {reference} and {shop} filled in when picked."""

    model = CannedReply
    icon = "comment"
    menu_label = gettext_lazy("Canned replies")
    url_prefix = "contactkit/canned-replies"
    list_display = ["title", "language", "body"]
    list_filter = ["language"]
    search_fields = ["title", "body"]
    search_backend_name = None
    copy_view_enabled = True
