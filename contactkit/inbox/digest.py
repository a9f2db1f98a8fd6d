"""A short email to staff about what was set aside: messages held for review and spam.

Nothing a limit or a check holds back sends an email when it arrives, so staff are told here,
at most once per run: ``manage.py contactkit_digest`` (daily from cron), or the task
:func:`send_digest_task` on a scheduler. Each site's digest goes to its inbox settings'
"tell these people about every new message" addresses, in the site's language, and only when
there is something new to tell.
"""

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django_tasks import task
from wagtail.models import Site

from contactkit.inbox.models import Conversation, InboxSettings, Status, address_lines

# When nothing says when the last digest went out, it tells about this much time.
DEFAULT_PERIOD = dt.timedelta(hours=24)


def _last_sent_key(site):
    return f"contactkit:digest:last-sent:{site.pk}"


def counts(site, since):
    """What a digest of ``site`` tells about everything set aside after ``since``."""
    conversations = Conversation.objects.filter(site=site)
    return {
        # Held by a resubmission too, so counted by their last change.
        "held": conversations.filter(status=Status.HELD, updated_at__gte=since).count(),
        "spam": conversations.filter(status=Status.SPAM, created_at__gte=since).count(),
        "held_in_all": conversations.filter(status=Status.HELD).count(),
    }


def _admin_url(site, name):
    for candidate in (name, "index"):
        try:
            path = reverse(f"contactkit_inbox:{candidate}")
        except NoReverseMatch:
            continue
        base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or site.root_url
        return base.rstrip("/") + path
    return ""


def build_message(site, recipients, numbers, since):
    """The digest email of ``site``, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        shop = site.site_name or site.hostname
        when = formats.date_format(timezone.localtime(since), "DATETIME_FORMAT")
        subject = gettext("%(shop)s: messages held for review or in spam") % {"shop": shop}
        lines = [gettext("Since %(when)s the contact form set aside:") % {"when": when}, ""]
        lines.append(
            "- "
            + ngettext(
                "%(count)s message held for review (%(total)s waiting in all): %(url)s",
                "%(count)s messages held for review (%(total)s waiting in all): %(url)s",
                numbers["held"],
            )
            % {
                "count": numbers["held"],
                "total": numbers["held_in_all"],
                "url": _admin_url(site, "held"),
            }
        )
        lines.append(
            "- "
            + ngettext(
                "%(count)s message in the spam folder: %(url)s",
                "%(count)s messages in the spam folder: %(url)s",
                numbers["spam"],
            )
            % {"count": numbers["spam"], "url": _admin_url(site, "spam")}
        )
        lines += [
            "",
            gettext(
                "A message is held when it goes over a limit (too many messages or files from "
                "one connection, email address or browser). Nobody was emailed about these "
                "messages and no one has answered them: open each one, then release it or "
                "move it to spam."
            ),
        ]
    inbox_settings = InboxSettings.for_site(site)
    return EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        from_email=inbox_settings.from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )


def send_digest(now=None):
    """Email each site's digest where there is something new; returns the sites told.

    A digest tells about what happened since the last one (remembered in the cache, so share
    it between processes), or in the last 24 hours when that is not known.
    """
    now = now or timezone.now()
    told = []
    for site in Site.objects.order_by("pk"):
        recipients = address_lines(InboxSettings.for_site(site).notify_emails)
        if not recipients:
            continue
        since = cache.get(_last_sent_key(site)) or now - DEFAULT_PERIOD
        numbers = counts(site, since)
        if not numbers["held"] and not numbers["spam"]:
            continue
        build_message(site, recipients, numbers, since).send()
        cache.set(_last_sent_key(site), now, timeout=None)
        told.append(site)
    return told


@task()
def send_digest_task() -> int:
    """:func:`send_digest` as a background task; returns how many sites were told."""
    return len(send_digest())
