"""Importing one received email into the inbox: the one way in for IMAP and the webhook.

The email's row (:class:`~contactkit.inbox.models.InboundEmail`) is inserted first, with the
SHA-256 of its bytes, which is unique: the same bytes are imported once, however many workers
read the mailbox at the same moment (the second waits for the first and finds its row). The
raw email is kept with it. Then, in the same transaction:

- a bounce or an automatic answer (out of office, read receipt) changes nothing: it is only
  recorded, with the conversation it is about, for staff to see;
- a reply to a conversation (see :mod:`.matching`) becomes the shopper's next message there,
  through :func:`contactkit.inbox.followups.add_shopper_message`, which reopens the
  conversation and tells staff; the quoted earlier emails and the signature are taken off
  (the whole text is kept as the message's ``original``);
- anything else starts a new conversation (source "email"), with the usual emails; one that
  names a conversation it may not write into is held for review instead.

Files go through the contact form's checks. Nothing in a mail's content makes
:func:`import_email` raise: what cannot be read is written down in the row's note and the
mail is kept. Database errors do propagate (nothing is then stored, and the next poll tries
again).
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from mailparser_reply import EmailReplyParser
from wagtail.models import Site

from contactkit.conf import contactkit_settings
from contactkit.inbox import followups, limits, quarantine, spam
from contactkit.inbox.forms import file_problem
from contactkit.inbox.mailin import matching, parse
from contactkit.inbox.models import (
    Attachment,
    Conversation,
    InboundEmail,
    Message,
    Source,
    Status,
    Topic,
)

logger = logging.getLogger(__name__)

Outcome = InboundEmail.Outcome

# The reason code of a conversation started by a mail that named another conversation but
# came from someone else: held for review (described for staff in spam.REASONS).
UNKNOWN_SENDER = "unknown_sender"

# Quote stripping runs regular expressions over the text: past this length it is skipped
# and the whole text kept, so a huge email cannot keep a worker busy.
STRIP_MAX_CHARS = 100_000

PROBLEMS = {
    parse.STRUCTURE: _("Parts of the email are malformed; what could be read was kept."),
    parse.HEADERS: _("Some of the email's headers could not be read."),
    parse.SENDER: _("The sender's address could not be read."),
    parse.CHARSET: _(
        "Some text was in an unknown or wrong character set and may show odd characters."
    ),
    parse.TEXT_CUT: _("The email's text was very long and was cut."),
}


def import_email(raw, *, site=None, mailbox="", uid=""):
    """Import the email ``raw`` (bytes); return its :class:`InboundEmail`.

    ``site`` is the site a new conversation belongs to (the default site if None);
    ``mailbox`` and ``uid`` say where the email was read. The same bytes imported again
    return the first import's row, unchanged; the row's ``imported_now`` (not stored) says
    which it was.
    """
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    existing = InboundEmail.objects.filter(digest=digest).first()
    if existing is not None:
        existing.imported_now = False
        return existing
    written = []
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    inbound = InboundEmail.objects.create(
                        digest=digest,
                        site=site,
                        mailbox=mailbox[:255],
                        uid=str(uid)[:40],
                        size=len(raw),
                    )
            except IntegrityError:
                # Another worker imported the same email a moment ago (we waited for it).
                existing = InboundEmail.objects.get(digest=digest)
                existing.imported_now = False
                return existing
            with translation.override(settings.LANGUAGE_CODE):
                _import(inbound, raw, written)
    except BaseException:
        _delete(written)
        raise
    inbound.imported_now = True
    return inbound


def _import(inbound, raw, written):
    mail = parse.parse(raw)
    inbound.header_message_id = mail.message_id[:255]
    inbound.sender = mail.from_address[:320]
    inbound.subject = mail.subject[:255]
    notes = [str(PROBLEMS[code]) for code in mail.problems if code in PROBLEMS]
    oversize = len(raw) > contactkit_settings.INBOUND_MAX_BYTES
    if oversize:
        notes.append(
            gettext(
                "The email was %(size)s, more than %(max)s: only its headers and text were "
                "kept, not its files."
            )
            % {
                "size": filesizeformat(len(raw)),
                "max": filesizeformat(contactkit_settings.INBOUND_MAX_BYTES),
            }
        )
    content = headers_and_text(raw, mail) if oversize else raw
    inbound.raw.save("mail.eml", ContentFile(content), save=False)
    written.append(inbound.raw)
    del content
    routed = []
    try:
        with transaction.atomic():
            _route(inbound, mail, oversize, notes, routed)
    except DatabaseError:
        raise
    except Exception as error:
        # A bug or a file system error on a strange email: keep the email, say why.
        _delete(routed)
        routed.clear()
        logger.exception("Email %s could not be imported", inbound.pk)
        inbound.outcome = Outcome.UNREADABLE
        inbound.conversation = inbound.message = None
        notes.append(
            gettext("The email could not be imported: %(error)s")
            % {"error": f"{type(error).__name__}: {error}"}
        )
    finally:
        written.extend(routed)
    inbound.note = "\n".join(notes)
    inbound.save()


def _route(inbound, mail, oversize, notes, written):
    """Decide what the email is and store it there; sets the row's outcome."""
    if mail.automatic:
        inbound.outcome = Outcome.BOUNCE if mail.bounce else Outcome.AUTO_REPLY
        if mail.bounce:
            inbound.conversation = matching.conversation_for_returned(mail)
        else:
            match = matching.find_conversation(mail)
            inbound.conversation = match.conversation or match.referenced
        notes.append(
            gettext("Recognised as sent automatically (%(why)s): nothing was changed.")
            % {"why": mail.automatic_because}
        )
        return
    if mail.message_id:
        known = (
            Message.objects.filter(email_message_id=mail.message_id)
            .select_related("conversation")
            .first()
        )
        if known is not None:
            # The same email again (delivered twice, or a copy of one of ours).
            inbound.outcome = Outcome.DUPLICATE
            inbound.conversation, inbound.message = known.conversation, known
            notes.append(
                gettext("This email is already in conversation %(reference)s.")
                % {"reference": known.conversation.reference}
            )
            return
    if not mail.readable:
        inbound.outcome = Outcome.UNREADABLE
        notes.append(gettext("The email has no text and no files."))
        return
    match = matching.find_conversation(mail)
    if match.conversation is not None:
        conversation = match.conversation
        files, not_kept = attachment_files(mail, oversize)
        inbound.message = followups.add_shopper_message(
            conversation,
            strip_quotes(mail.text, conversation.language) if mail.text else "",
            via=Message.Via.EMAIL,
            files=files,
            not_kept=not_kept,
            original=mail.text,
            email_message_id=mail.message_id,
        )
        inbound.outcome = Outcome.REPLY
        inbound.conversation = conversation
        inbound.site = inbound.site or conversation.site
        return
    if not _valid_address(mail.from_address):
        inbound.outcome = Outcome.UNREADABLE
        notes.append(gettext("The email has no sender address to answer to."))
        return
    conversation, message = _new_conversation(inbound, mail, match, oversize, written)
    inbound.conversation, inbound.message = conversation, message
    inbound.site = conversation.site
    if match.flagged:
        inbound.outcome = Outcome.FLAGGED
        notes.append(
            gettext(
                "The email names conversation %(reference)s, but %(sender)s is not its "
                "shopper and did not write to its reply address: it started a new "
                "conversation, held for review."
            )
            % {"reference": match.referenced.reference, "sender": mail.from_address}
        )
    else:
        inbound.outcome = Outcome.NEW


def _new_conversation(inbound, mail, match, oversize, written):
    """A new conversation with the email as its first message, stored in one transaction."""
    site = inbound.site or Site.objects.filter(is_default_site=True).first()
    site = site or Site.objects.order_by("pk").first()
    flagged = match.flagged
    languages = dict(settings.LANGUAGES)
    # The checks a form's message gets that still mean something for an email: too many
    # links (spam), too many messages from one address (held for review). Stored either way.
    links = spam.check(honeypot="", timestamp=spam.form_timestamp(0), message=mail.text)
    links = " ".join(code for code in links.split() if code.startswith("links:"))
    held = [] if flagged else limits.check(None, mail.from_address)
    reasons = " ".join(filter(None, [UNKNOWN_SENDER if flagged else "", links, *held]))
    status = Status.SPAM if links else Status.HELD if flagged or held else Status.NEW
    name = mail.from_name or mail.from_address.rpartition("@")[0]
    conversation = Conversation(
        site=site,
        source=Source.EMAIL,
        topic=Topic.OTHER,
        status=status,
        spam_reason=reasons,
        name=name[:120],
        email=mail.from_address[:254],
        language=mail.language if mail.language in languages else "",
        extra_fields={gettext("Subject"): mail.subject} if mail.subject else {},
    )
    files, not_kept = attachment_files(mail, oversize)
    set_aside = status in quarantine.SET_ASIDE
    if files and set_aside and not quarantine.has_room(sum(upload.size for upload in files)):
        reason = gettext("the quarantine for held and spam messages is full")
        not_kept += [followups.file_not_kept_reason(f.name, f.size, reason) for f in files]
        files = []
    with transaction.atomic():
        conversation.save()
        message = Message.objects.create(
            conversation=conversation,
            kind=Message.Kind.SHOPPER,
            via=Message.Via.EMAIL,
            body=mail.text or mail.subject,
            email_message_id=mail.message_id[:255],
        )
        for upload in files:
            attachment = Attachment(
                message=message,
                name=upload.name,
                content_type=getattr(upload, "sniffed_type", "application/octet-stream"),
                size=upload.size,
                quarantined=set_aside,
            )
            attachment.file.save(upload.name, upload, save=False)
            written.append(attachment.file)
            attachment.save()
        if not_kept:
            Message.objects.create(
                conversation=conversation,
                kind=Message.Kind.NOTE,
                body=_not_kept_note(not_kept),
            )
        if conversation.status == Status.NEW:
            from contactkit.inbox.emails import queue_new_conversation_emails

            queue_new_conversation_emails(conversation)
    return conversation, message


def _not_kept_note(not_kept):
    # The same words as a later message's note (contactkit.inbox.followups).
    heading = ngettext(
        "The shopper's message came with %(count)s file that was not kept:",
        "The shopper's message came with %(count)s files that were not kept:",
        len(not_kept),
    ) % {"count": len(not_kept)}
    return "\n".join([heading, *(f"- {reason}" for reason in not_kept)])


def attachment_files(mail, oversize=False):
    """The email's files that pass the contact form's checks, and lines about the others.

    At most ``CONTACTKIT_ATTACHMENT_MAX_COUNT`` files are kept. A file too big to keep is
    never decoded: its size is known from its encoded text.
    """
    keep, not_kept = [], []
    limit = contactkit_settings.ATTACHMENT_MAX_COUNT
    for attachment in mail.attachments:
        if oversize:
            not_kept.append(
                followups.file_not_kept_reason(
                    attachment.name, attachment.size, gettext("the email was too big to keep")
                )
            )
            continue
        if len(keep) >= limit:
            problem = ngettext(
                "only the first %(count)s file of an email is kept",
                "only the first %(count)s files of an email are kept",
                limit,
            ) % {"count": limit}
            not_kept.append(
                followups.file_not_kept_reason(attachment.name, attachment.size, problem)
            )
            continue
        if attachment.size > contactkit_settings.ATTACHMENT_MAX_SIZE + 16:
            # Over the limit for sure: checked by its size alone, its bytes left encoded.
            upload = ContentFile(b"", name=attachment.name)
            upload.size = attachment.size
        else:
            upload = ContentFile(attachment.read(), name=attachment.name)
        problem = file_problem(upload)
        if problem:
            not_kept.append(
                followups.file_not_kept_reason(attachment.name, upload.size, str(problem))
            )
        else:
            keep.append(upload)
    return keep, not_kept


def strip_quotes(text, language=""):
    """The new part of a reply: quoted earlier emails and the signature taken off.

    When nothing would be left (a reply that is all quote), the whole text is kept.
    """
    if len(text) > STRIP_MAX_CHARS:
        return text
    languages = ["en", "es", *(code for code, _name in settings.LANGUAGES)]
    if language:
        languages.append(language.split("-")[0])
    try:
        parsed = EmailReplyParser(languages=list(dict.fromkeys(languages))).read(
            without_quoted_tail(text)
        )
        body = parsed.replies[0].body if parsed.replies else ""
    except Exception:  # noqa: BLE001 (a library bug on a strange text must not lose it)
        body = ""
    return body.strip() or text


def without_quoted_tail(text):
    """``text`` without the quoted email at its end: the "> " lines and the line above them
    that introduces them ("On … wrote:", "El … escribió:", in any language).

    mail-parser-reply recognises those introductions by their words, and misses some (its
    Spanish one needs the introduction quoted itself); the quotes below say it just as well.
    """
    lines = text.splitlines()
    start = len(lines)
    while start > 0 and (not lines[start - 1].strip() or lines[start - 1].startswith(">")):
        start -= 1
    if start == len(lines) or not any(line.startswith(">") for line in lines[start:]):
        return text
    intro = start - 1
    if intro >= 0 and lines[intro].rstrip().endswith(":"):
        # A long introduction wrapped by the mail program: "… Alba <" / "hola@…> escribió:".
        if (
            intro > 0
            and lines[intro - 1].strip()
            and lines[intro - 1].count("<") > lines[intro - 1].count(">")
        ):
            intro -= 1
        start = intro
    return "\n".join(lines[:start]).rstrip() or text


def headers_and_text(raw, mail):
    """What is kept of an email too big to keep whole: its headers and its text."""
    ends = [end for end in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if end >= 0]
    head = raw[: min(ends)] if ends else raw[:65536]
    kept, skipping = [], False
    for line in head[:1_000_000].splitlines():
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skipping = name.startswith(b"content-") or name == b"mime-version"
        if not skipping:
            kept.append(line)
    kept += [
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
        b"X-Contactkit-Note: too big to keep whole; the files were left out",
    ]
    return b"\r\n".join(kept) + b"\r\n\r\n" + mail.text.encode("utf-8", "replace") + b"\r\n"


def _valid_address(address):
    try:
        validate_email(address)
    except ValidationError:
        return False
    return len(address) <= 254


def _delete(files):
    for stored in files:
        if stored.name:
            stored.storage.delete(stored.name)
