"""Builders for inbox objects, straight through the ORM, with sensible defaults."""

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone

from contactkit.inbox.models import (
    Attachment,
    Conversation,
    EmailDelivery,
    Message,
    Source,
    Status,
    Topic,
)

_numbers = itertools.count(1)


def conversation(
    site,
    *,
    name="Ana García",
    email="ana@example.com",
    message="¿Cuándo llega mi pedido?",
    status=Status.NEW,
    topic=Topic.ORDER_STATUS,
    source=Source.FORM,
    days_ago=0,
    **fields,
):
    """A saved conversation with the shopper's first message."""
    created = timezone.now() - dt.timedelta(days=days_ago)
    made = Conversation.objects.create(
        site=site,
        name=name,
        email=email,
        status=status,
        topic=topic,
        source=source,
        created_at=created,
        **fields,
    )
    Message.objects.create(
        conversation=made, kind=Message.Kind.SHOPPER, body=message, created_at=created
    )
    return made


def first_message(conversation):
    return conversation.messages.order_by("created_at", "pk").first()


def attach(message, name="factura.pdf", content=b"%PDF-1.4 test", content_type="application/pdf"):
    """A file attached to ``message``, written to the attachments' storage."""
    attachment = Attachment(
        message=message, name=name, content_type=content_type, size=len(content)
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def note(conversation, body, author=None):
    return Message.objects.create(
        conversation=conversation, kind=Message.Kind.NOTE, body=body, author=author
    )


def delivery(conversation, kind=EmailDelivery.Kind.CONFIRMATION, **fields):
    return EmailDelivery.objects.create(
        conversation=conversation,
        kind=kind,
        recipients=fields.pop("recipients", [conversation.email]),
        **fields,
    )


def staff_user(*codenames, username=None):
    """A staff member who may open the Wagtail admin, with these contactkit permissions."""
    user = get_user_model().objects.create_user(
        username=username or f"staff{next(_numbers)}",
        email="staff@example.com",
        password="x",
        first_name="Marta",
        last_name="Ruiz",
    )
    permissions = [
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    ]
    permissions += [
        Permission.objects.get(content_type__app_label="contactkit", codename=codename)
        for codename in codenames
    ]
    user.user_permissions.add(*permissions)
    return user


def use_private_storage(settings, tmp_path, monkeypatch):
    """Point MEDIA_ROOT and the attachments' storage (next to it, as shipped) into ``tmp_path``.

    The storage of a FileField is built when the model is imported, so it is rebuilt here after
    MEDIA_ROOT changed, with contactkit's own :func:`attachment_storage`.
    """
    from contactkit.inbox.storage import attachment_storage

    settings.MEDIA_ROOT = tmp_path / "media"
    storage = attachment_storage()
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", storage)
    return storage
