"""Where shoppers' attachments are kept: never under the public MEDIA_ROOT."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import transaction
from django.utils.functional import cached_property

STORAGE_ALIAS = "contactkit_attachments"


class PrivateFileSystemStorage(FileSystemStorage):
    """Files in a folder next to MEDIA_ROOT (not inside it), without any public URL.

    The folder follows MEDIA_ROOT when that setting changes, as Django's own storage does.
    """

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, str(default_location()))

    def url(self, name):
        raise ValueError("Attachments have no public URL: they are served by the inbox only.")


def attachment_storage():
    """The storage for attachments.

    A project can name its own in ``STORAGES["contactkit_attachments"]`` (for example a
    private bucket); otherwise files go to a folder next to MEDIA_ROOT, which the web server
    never serves: only the inbox's permission-checked view does.
    """
    if STORAGE_ALIAS in settings.STORAGES:
        return storages[STORAGE_ALIAS]
    return PrivateFileSystemStorage()


def default_location():
    return Path(settings.MEDIA_ROOT).resolve().parent / "contactkit-private"


def delete_after_commit(files):
    """Delete ``files`` (an attachment's ``file`` each) once the current transaction commits.

    Deleting rows never touches their files; deleting the files before the rows are gone for
    good would leave rows without files if the transaction rolled back.
    """
    doomed = [(file.storage, file.name) for file in files if file.name]

    def remove():
        for storage, name in doomed:
            storage.delete(name)

    transaction.on_commit(remove)
