"""Reading a received email, however broken it is.

Mail comes from every kind of program, and some of it is malformed: a charset nobody knows,
a multipart without its boundary, an address header that is not one, no headers at all.
:func:`parse` never raises: it reads what it can with Python's :mod:`email` package and
writes down in :attr:`ParsedMail.problems` what it could not, so the mail is still imported
and staff can tell why part of it is missing.

Attachments are not decoded here: a 50 MB file is held once, as the encoded text of its
part, and decoded only if it is small enough to be kept (:meth:`MailAttachment.read`).
"""

import base64
import contextlib
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from bs4 import BeautifulSoup

from contactkit.conf import contactkit_settings

# Senders that only ever send delivery reports (the local part, lowercased).
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
# Precedence values of mail sent by a machine to many. Not "list": a shop's support address
# is often a Google Group or a list that relays real shoppers' mail with "Precedence: list"
# and List-Id headers, so those alone must not make a mail automatic.
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "auto_reply"}
# Headers that vacation responders and autoresponders set (any value but "no").
AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
# Where the addresses a mail was delivered to are found; the reply address's token
# (support+<token>@shop) may be in any of them, depending on the mail server.
RECIPIENT_HEADERS = (
    "To",
    "Cc",
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Forwarded-To",
)
# The longest text kept from one email; past it, the text is cut (and the mail says so).
MAX_TEXT = 500_000

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Lines of base64 (a file's encoded bytes): one at the start of a line, a block of them (a
# few thousand at most, so the regular expression engine's memory stays small), a last one.
BASE64_LINE = re.compile(rb"(?m)^[A-Za-z0-9+/=]{20,200}\r?\n")
BASE64_BLOCK = re.compile(rb"(?:[A-Za-z0-9+/=]{20,200}\r?\n){1,4096}")
BASE64_LAST_LINE = re.compile(rb"[A-Za-z0-9+/=]{1,19}\r?\n")
# What replaces a file left out (see _without_big_files), with its size, base64-encoded.
OMITTED = "contactkit-omitted:"
OMITTED_B64 = base64.b64encode(OMITTED[:18].encode()).decode()

# Problem codes, described for staff in :mod:`.importer`.
STRUCTURE = "structure"
HEADERS = "headers"
SENDER = "sender"
CHARSET = "charset"
TEXT_CUT = "text_cut"


@dataclass
class MailAttachment:
    """A file in a received email, decoded only when :meth:`read` is called."""

    name: str
    content_type: str
    # The decoded size; estimated from the encoded text until the file is read.
    size: int
    part: object = field(repr=False)
    # False for a file too big to keep, left out when the email was read: only its size is
    # known, and read() gives nothing.
    complete: bool = True

    def read(self):
        """The file's bytes ("" when its part cannot be decoded at all)."""
        if not self.complete:
            return b""
        try:
            if self.part.get_content_maintype() in ("message", "multipart"):
                data = self.part.as_bytes()
            else:
                data = self.part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 (malformed parts raise nearly anything)
            data = None
        data = data or b""
        self.size = len(data)
        return data


@dataclass
class ParsedMail:
    """What :func:`parse` could read of an email."""

    message_id: str = ""
    in_reply_to: list = field(default_factory=list)
    references: list = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    recipients: list = field(default_factory=list)
    # The Return-Path header: None when absent, "" for the null sender "<>".
    return_path: object = None
    text: str = ""
    attachments: list = field(default_factory=list)
    language: str = ""
    # A delivery report ("your email could not be delivered") or an automatic answer
    # (out of office, read receipt, a newsletter): never a shopper writing.
    bounce: bool = False
    auto_reply: bool = False
    # The header that showed it, for staff ("Auto-Submitted: auto-replied").
    automatic_because: str = ""
    # The Message-IDs of the emails a delivery report says it could not deliver.
    returned_message_ids: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def automatic(self):
        return self.bounce or self.auto_reply

    @property
    def readable(self):
        """Whether there is anything to import: some text, a subject, or a file."""
        return bool(self.text.strip() or self.subject.strip() or self.attachments)

    def problem(self, code):
        if code not in self.problems:
            self.problems.append(code)


def parse(raw, *, big_file=None):
    """Read the email ``raw`` (bytes) into a :class:`ParsedMail`; never raises.

    Files whose encoded text is longer than ``big_file`` bytes (by default, what is needed for
    ``CONTACTKIT_ATTACHMENT_MAX_SIZE``) are too big to keep anyway: they are left out before
    the email is parsed, their size noted, so a 50 MB file costs no memory beyond ``raw``.
    """
    mail = ParsedMail()
    if big_file is None:
        big_file = contactkit_settings.ATTACHMENT_MAX_SIZE * 4 // 3 + 65536
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(
            _without_big_files(raw, big_file)
        )
    except Exception:  # noqa: BLE001
        mail.problem(STRUCTURE)
        return mail
    _read_headers(message, mail)
    _read_body(message, mail)
    _classify(message, mail)
    if message.defects or any(getattr(part, "defects", None) for part in _parts(message)):
        mail.problem(STRUCTURE)
    _storable(mail)
    return mail


# A NUL character PostgreSQL refuses to keep in text: the whole email would fail to import, on
# every poll. It stands for nothing a reader needs; the replacement character shows where it was.
_TEXT_FIELDS = (
    "message_id",
    "subject",
    "from_address",
    "from_name",
    "text",
    "language",
    "automatic_because",
)
_LIST_FIELDS = ("in_reply_to", "references", "recipients", "returned_message_ids")


def _storable(mail):
    """Every text read from the email as a database can keep it (no NUL)."""
    for name in _TEXT_FIELDS:
        value = getattr(mail, name)
        if isinstance(value, str) and "\x00" in value:
            setattr(mail, name, value.replace("\x00", "\ufffd"))
    for name in _LIST_FIELDS:
        values = getattr(mail, name)
        setattr(
            mail,
            name,
            [v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in values],
        )
    if isinstance(mail.return_path, str) and "\x00" in mail.return_path:
        mail.return_path = mail.return_path.replace("\x00", "\ufffd")


def _without_big_files(raw, limit):
    """``raw`` with each base64 run longer than ``limit`` replaced by one line saying its size.

    Python's parser splits a part into lines and joins them again, several times the part's
    size in memory; a file too big to keep need not go through it. The runs are found a few
    thousand lines at a time, without copying them.
    """
    runs, position = [], 0
    while found := BASE64_LINE.search(raw, position):
        end = found.start()
        while block := BASE64_BLOCK.match(raw, end):
            end = block.end()
        if last := BASE64_LAST_LINE.match(raw, end):
            end = last.end()
        if end - found.start() > limit:
            runs.append((found.start(), end))
        position = max(end, found.end())
    if not runs:
        return raw
    pieces, position = [], 0
    for start, end in runs:
        breaks = raw.count(b"\n", start, end) + raw.count(b"\r", start, end)
        marker = base64.b64encode(f"{OMITTED}{(end - start - breaks) * 3 // 4}".encode())
        pieces += [raw[position:start], marker, b"\r\n"]
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces)


# --- headers ---------------------------------------------------------------------------


def _read_headers(message, mail):
    mail.message_id = _first_id(_raw_header(message, "Message-ID"))
    mail.in_reply_to = MESSAGE_ID.findall(_raw_header(message, "In-Reply-To"))
    mail.references = MESSAGE_ID.findall(_raw_header(message, "References"))
    mail.subject = _one_line(_header(message, "Subject", mail))[:1000]
    name, address = _first_address(message, "From", mail)
    mail.from_name, mail.from_address = _one_line(name), address
    if not address:
        mail.problem(SENDER)
    recipients = []
    for header in RECIPIENT_HEADERS:
        for values in _all_addresses(message, header, mail):
            recipients.append(values[1])
    mail.recipients = [address for address in dict.fromkeys(recipients) if address]
    return_path = _raw_header(message, "Return-Path")
    if return_path or "Return-Path" in message:
        mail.return_path = return_path.strip().strip("<>").strip()
    language = _raw_header(message, "Content-Language").split(",")[0].strip()
    mail.language = language.split("-")[0].lower()[:12]


def _raw_header(message, name):
    """A header's first value as it came (encoded words not decoded), or ""."""
    with contextlib.suppress(Exception):
        for key, value in message.raw_items():
            if key.lower() == name.lower():
                return _fix_surrogates(str(value))
    return ""


def _header(message, name, mail):
    """A header's value decoded (encoded words, 8-bit UTF-8), as well as it can be read."""
    try:
        value = message.get(name)
        return "" if value is None else _fix_surrogates(str(value))
    except Exception:  # noqa: BLE001
        mail.problem(HEADERS)
    raw = _raw_header(message, name)
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # noqa: BLE001
        return raw


def _first_address(message, name, mail):
    found = _all_addresses(message, name, mail)
    return found[0] if found else ("", "")


def _all_addresses(message, name, mail):
    """The ``(name, address)`` pairs of every ``name`` header; addresses lowercased-domain."""
    pairs = []
    try:
        headers = message.get_all(name) or []
        for header in headers:
            addresses = getattr(header, "addresses", None)
            if addresses is None:
                # Delivered-To and the like are not address headers to the email package.
                pairs += getaddresses([str(header)])
                continue
            for address in addresses:
                pairs.append((str(address.display_name), str(address.addr_spec)))
    except Exception:  # noqa: BLE001
        mail.problem(HEADERS)
        pairs = []
        raw_values = [
            _fix_surrogates(str(value))
            for key, value in message.raw_items()
            if key.lower() == name.lower()
        ]
        for raw in raw_values:
            try:
                decoded = str(make_header(decode_header(raw)))
            except Exception:  # noqa: BLE001
                decoded = raw
            pairs += getaddresses([decoded])
    return [
        (_fix_surrogates(display), _clean_address(address))
        for display, address in pairs
        if _clean_address(address)
    ]


def _clean_address(address):
    """``address`` if it looks like one (something@domain, no spaces), else ""."""
    address = _fix_surrogates(address or "").strip().strip("<>")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(char.isspace() for char in address):
        return ""
    return f"{local}@{domain.lower()}"


def _first_id(value):
    found = MESSAGE_ID.findall(value)
    if found:
        return found[0]
    value = value.strip()
    return f"<{value}>" if value and " " not in value else ""


def _one_line(text):
    visible = "".join(char if char.isprintable() else " " for char in str(text))
    return " ".join(visible.split())


def _fix_surrogates(text):
    """Undo the escaping of undecodable bytes: read them as UTF-8, else replace them."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --- body ------------------------------------------------------------------------------


def _parts(message):
    """The leaves of the MIME tree; an attached message (message/rfc822) is one leaf."""
    stack = [message]
    while stack:
        part = stack.pop(0)
        payload = part.get_payload() if part.is_multipart() else None
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            stack[0:0] = payload
        else:
            yield part


def _is_body_text(part):
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    try:
        return part.get_content_disposition() != "attachment" and not part.get_filename()
    except Exception:  # noqa: BLE001
        return False


def _read_body(message, mail):
    plain, html = [], []
    for number, part in enumerate(_parts(message), start=1):
        if part.get_content_maintype() == "multipart":
            # A multipart whose boundary is missing: its payload is all there is to read.
            mail.problem(STRUCTURE)
            plain.append(_fix_surrogates(str(part.get_payload())))
        elif _is_body_text(part):
            text = _part_text(part, mail)
            (html if part.get_content_type() == "text/html" else plain).append(text)
        elif part.get_content_type() in ("message/delivery-status", "text/rfc822-headers"):
            _returned_ids(part, mail)
        else:
            if part.get_content_type() == "message/rfc822":
                _returned_ids(part, mail)
            mail.attachments.append(_attachment(part, number))
    if plain:
        text = "\n\n".join(piece.strip("\n") for piece in plain)
    else:
        text = "\n\n".join(html_to_text(piece) for piece in html)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        # A forwarded email with nothing around it: its text is the message.
        for attachment in mail.attachments:
            if attachment.content_type == "message/rfc822":
                inner = attachment.part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else None
                if inner is not None:
                    nested = ParsedMail()
                    _read_body(inner, nested)
                    text = nested.text
                    break
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        mail.problem(TEXT_CUT)
    mail.text = text


def _part_text(part, mail):
    """A text part as text: its declared charset, else UTF-8, else Windows-1252."""
    # An unknown charset raises LookupError; a wrong one gives replacement characters.
    with contextlib.suppress(Exception):
        text = part.get_content()
        if "\ufffd" not in text:
            return _fix_surrogates(text)
    mail.problem(CHARSET)
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        data = str(part.get_payload()).encode("utf-8", "surrogateescape")
    for charset in ("utf-8", "cp1252"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def html_to_text(html):
    """The text of an HTML email: paragraphs and line breaks kept, scripts and styles not."""
    try:
        soup = BeautifulSoup(html, "html.parser")
        for hidden in soup(["script", "style", "head", "title"]):
            hidden.decompose()
        for br in soup.find_all("br"):
            br.replace_with("\n")
        for block in soup.find_all(["div", "li", "tr"]):
            block.insert_after("\n")
        paragraphs = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table"]
        for block in soup.find_all(paragraphs):
            block.insert_after("\n\n")
        text = soup.get_text()
    except Exception:  # noqa: BLE001
        text = re.sub(r"<[^>]*>", " ", html)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _attachment(part, number):
    content_type = part.get_content_type()
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = _fix_surrogates(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()[:200]
    if not name and content_type == "message/rfc822":
        inner = part.get_payload()
        subject = ""
        if isinstance(inner, list) and inner:
            try:
                subject = _one_line(str(inner[0].get("Subject", "")))
            except Exception:  # noqa: BLE001
                subject = ""
        name = f"{(subject or 'message')[:100]}.eml"
    if not name:
        name = f"attachment-{number}{mimetypes.guess_extension(content_type) or ''}"
    omitted = _omitted_size(part)
    return MailAttachment(
        name=name,
        content_type=content_type,
        size=_estimated_size(part) if omitted is None else omitted,
        part=part,
        complete=omitted is None,
    )


def _omitted_size(part):
    """The size of a file left out by :func:`_without_big_files`, or None."""
    try:
        payload = part.get_payload()
        if not isinstance(payload, str) or not payload.lstrip().startswith(OMITTED_B64):
            return None
        marker = base64.b64decode(payload.strip().splitlines()[0]).decode()
        return int(marker.removeprefix(OMITTED))
    except Exception:  # noqa: BLE001
        return None


def _estimated_size(part):
    """The decoded size of a part, from its encoded text, without decoding it."""
    try:
        payload = part.get_payload()
        if isinstance(payload, list):
            return sum(_estimated_size(inner) for inner in payload)
        if not isinstance(payload, str):
            return 0
        encoded = len(payload) - payload.count("\n") - payload.count("\r")
        if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
            return encoded * 3 // 4
        return encoded
    except Exception:  # noqa: BLE001
        return 0


def _returned_ids(part, mail):
    """The Message-ID of the email a delivery report sends back (whole or its headers)."""
    try:
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
        elif part.get_content_type() == "text/rfc822-headers":
            headers = HeaderParser().parsestr(str(part.get_payload(decode=True) or b"", "ascii"))
        else:
            return
        if headers is not None and (found := _first_id(str(headers.get("Message-ID", "")))):
            mail.returned_message_ids.append(found)
    except Exception:  # noqa: BLE001
        return


# --- bounces and automatic answers -----------------------------------------------------


def _classify(message, mail):
    """Mark a delivery report as a bounce, and an automatic answer as an auto-reply."""
    content_type = message.get_content_type()
    try:
        report = str(message.get_param("report-type", "") or "").lower()
    except Exception:  # noqa: BLE001
        report = ""
    local = mail.from_address.rpartition("@")[0].lower()
    header = lambda name: _raw_header(message, name).strip()  # noqa: E731
    if content_type == "multipart/report" and report == "delivery-status":
        mail.bounce, mail.automatic_because = True, "Content-Type: multipart/report"
    elif local in BOUNCE_SENDERS:
        mail.bounce, mail.automatic_because = True, f"From: {mail.from_address}"
    elif header("X-Failed-Recipients"):
        mail.bounce, mail.automatic_because = True, "X-Failed-Recipients"
    elif content_type == "multipart/report":
        # A read receipt (disposition-notification) or another report.
        mail.auto_reply = True
        mail.automatic_because = f"Content-Type: multipart/report; report-type={report}"
    elif (value := header("Auto-Submitted")) and value.lower().split(";")[0].strip() != "no":
        mail.auto_reply, mail.automatic_because = True, f"Auto-Submitted: {value}"
    elif found := next(
        (name for name in AUTORESPONDER_HEADERS if header(name) and header(name).lower() != "no"),
        None,
    ):
        mail.auto_reply, mail.automatic_because = True, found
    elif (value := header("Precedence").lower()) in AUTOMATIC_PRECEDENCE:
        mail.auto_reply, mail.automatic_because = True, f"Precedence: {value}"
    elif mail.return_path == "":
        # The null sender: only delivery reports and automatic answers use it.
        mail.bounce, mail.automatic_because = True, "Return-Path: <>"
    mail.automatic_because = mail.automatic_because[:200]
