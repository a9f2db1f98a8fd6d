"""The bulk actions of the inbox listing and its folders.

Each goes through :mod:`contactkit.inbox.actions`, which logs every conversation it changes.
"""

from django import forms
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from contactkit.inbox import actions
from contactkit.inbox.filters import AssigneeField
from contactkit.inbox.models import Conversation, Status
from contactkit.inbox.views.display import detail_url, url


class AssignForm(forms.Form):
    assignee = AssigneeField(label=gettext_lazy("Assign to"))


class ConversationBulkAction(PermissionCheckedMixin, BulkAction):
    """Acts on the conversations ticked in the listing, after a confirmation page.

    Each conversation goes through one function of :mod:`contactkit.inbox.actions`, so each
    gets its own entry in its History; the count is of those that really changed.
    """

    models = [Conversation]
    permission_required = "reply"
    template_name = "contactkit/admin/bulk_confirm.html"
    question = ""
    button_label = ""
    # ngettext_lazy(singular, plural, "count"): filled in with how many were changed.
    success_message = None

    def get_success_message(self, num_parent_objects, num_child_objects):
        return self.success_message % {"count": num_parent_objects}

    def get_all_objects_in_listing_query(self, parent_id):
        # The listing offers no "select all in listing": only ticked conversations are acted on.
        return Conversation.objects.none().values_list("pk", flat=True)

    def object_context(self, obj):
        return {"item": obj, "url": detail_url(obj)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action=self, header_icon="mail", index_url=url("index"), **kwargs
        )

    def get_execution_context(self):
        return {"user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        changed = sum(bool(cls.act(conversation, user=user, **kwargs)) for conversation in objects)
        return changed, 0

    @classmethod
    def act(cls, conversation, *, user, **kwargs):
        """Change one conversation; true if it changed."""
        raise NotImplementedError


class CloseBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Close")
    action_type = "close"
    aria_label = gettext_lazy("Close the selected conversations")
    action_priority = 10
    question = gettext_lazy("Close these conversations?")
    button_label = gettext_lazy("Yes, close them")

    success_message = ngettext_lazy(
        "%(count)d conversation closed.",
        "%(count)d conversations closed.",
        "count",
    )

    @classmethod
    def act(cls, conversation, *, user, **kwargs):
        # Spam and held conversations are closed only once they are back in the inbox.
        if conversation.status in actions.SET_ASIDE:
            return False
        return actions.change_status(conversation, Status.CLOSED, user=user)


class MarkSpamBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Mark as spam")
    action_type = "mark_spam"
    aria_label = gettext_lazy("Move the selected conversations to spam")
    action_priority = 20
    question = gettext_lazy("Move these conversations to spam?")
    button_label = gettext_lazy("Yes, they are spam")

    success_message = ngettext_lazy(
        "%(count)d conversation moved to spam.",
        "%(count)d conversations moved to spam.",
        "count",
    )

    @classmethod
    def act(cls, conversation, *, user, **kwargs):
        return actions.mark_spam(conversation, user=user)


class NotSpamBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Not spam")
    action_type = "not_spam"
    aria_label = gettext_lazy("Move the selected conversations back to the inbox")
    action_priority = 10
    question = gettext_lazy("Move these conversations back to the inbox, as new?")
    button_label = gettext_lazy("Yes, they are not spam")

    success_message = ngettext_lazy(
        "%(count)d conversation is back in the inbox.",
        "%(count)d conversations are back in the inbox.",
        "count",
    )

    @classmethod
    def act(cls, conversation, *, user, **kwargs):
        return actions.not_spam(conversation, user=user)


class ReleaseBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Release")
    action_type = "release"
    aria_label = gettext_lazy("Release the selected conversations: they are real messages")
    action_priority = 10
    question = gettext_lazy(
        "Release these conversations? They go back to the inbox as new, and the emails held "
        "back with them are sent."
    )
    button_label = gettext_lazy("Yes, they are real messages")

    success_message = ngettext_lazy(
        "%(count)d conversation released: it is back in the inbox.",
        "%(count)d conversations released: they are back in the inbox.",
        "count",
    )

    @classmethod
    def act(cls, conversation, *, user, **kwargs):
        return actions.release(conversation, user=user)


class AssignBulkAction(ConversationBulkAction):
    display_name = gettext_lazy("Assign")
    action_type = "assign"
    aria_label = gettext_lazy("Assign the selected conversations to someone")
    action_priority = 30
    form_class = AssignForm
    question = gettext_lazy("Assign these conversations to:")
    button_label = gettext_lazy("Assign")

    def get_execution_context(self):
        assignee = self.cleaned_form.cleaned_data["assignee"]
        return {**super().get_execution_context(), "assignee": assignee}

    @classmethod
    def act(cls, conversation, *, user, assignee=None, **kwargs):
        return actions.assign(conversation, assignee, user=user)

    def get_success_message(self, num_parent_objects, num_child_objects):
        assignee = self.cleaned_form.cleaned_data["assignee"]
        if assignee is None:
            return ngettext(
                "%(count)d conversation is now assigned to nobody.",
                "%(count)d conversations are now assigned to nobody.",
                num_parent_objects,
            ) % {"count": num_parent_objects}
        return ngettext(
            "%(count)d conversation assigned to %(name)s.",
            "%(count)d conversations assigned to %(name)s.",
            num_parent_objects,
        ) % {"count": num_parent_objects, "name": get_user_display_name(assignee)}


BULK_ACTIONS = [
    CloseBulkAction,
    MarkSpamBulkAction,
    NotSpamBulkAction,
    ReleaseBulkAction,
    AssignBulkAction,
]
BULK_ACTIONS_BY_TYPE = {action.action_type: action for action in BULK_ACTIONS}
