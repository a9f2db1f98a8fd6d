"""What the live chat keeps outside the inbox goes with its conversation.

django-eventstream stores the events it pushes (chat lines, for a day, so a browser that
reconnects gets what it missed). When a conversation is deleted (a shopper's erasure request,
retention), its events are deleted with it, so no line of it outlives the erasure there.
"""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete


def forget_chat_events(sender, instance, **kwargs):
    if not apps.is_installed("django_eventstream"):
        return
    from django_eventstream.models import Event, EventCounter

    from contactkit.launcher.sse import SHOPPER_PREFIX, STAFF_PREFIX

    channels = [f"{SHOPPER_PREFIX}{instance.reply_token}", f"{STAFF_PREFIX}{instance.reply_token}"]

    def forget():
        Event.objects.filter(channel__in=channels).delete()
        EventCounter.objects.filter(name__in=channels).delete()

    transaction.on_commit(forget)


def connect():
    from contactkit.inbox.models import Conversation

    post_delete.connect(
        forget_chat_events, sender=Conversation, dispatch_uid="contactkit_forget_chat_events"
    )
