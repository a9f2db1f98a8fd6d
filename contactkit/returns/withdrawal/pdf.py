"""The receipt of a withdrawal as a PDF: a durable medium the shopper can keep and print.

One A4 page (two for a long statement) in the withdrawal's language: who the shop is, the
title, the reference, the date and time of receipt to the second in the shop's time zone, the
statement as stored, its fingerprint and what the fingerprint is for, and that this
acknowledges receipt, not acceptance. The same content as the email and the receipt page,
which read :func:`received_at_text` and :func:`statement_rows` too.

Made with fpdf2 (pure Python). Text is set in DejaVu Sans when the system has it (Debian's
fonts-dejavu-core), which covers Latin, Greek and Cyrillic; otherwise in the PDF's core
Helvetica, which only has Latin-1, and other characters are written as near as Latin-1 can
(– as -, “ ” as ", € as EUR, Ł as L), else as "?". A character the font lacks never stops the
receipt. The PDF's creation date is the time of receipt, so the same withdrawal always gives
the same file.
"""

import functools
import unicodedata
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from contactkit.profile.shop import Shop
from contactkit.returns.withdrawal import fingerprint

# Where Debian, Fedora and Arch put DejaVu; the first folder holding the files is used.
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
)
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
}

# Characters the core font lacks, written as Latin-1 can; others go through NFKD.
LATIN1_REPLACEMENTS = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2039": "<",
    "\u203a": ">",
    "\u2022": "-",
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u2122": "TM",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0131": "i",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u2009": " ",
    "\u202f": "\u00a0",
    "\u200b": "",
    "\u00ad": "",
}

MARGIN = 20
LABEL_WIDTH = 45
LINE = 5.5
# A value that wraps over more than this many lines (a long comment) goes under its label,
# across the page.
LONG_TEXT_LINES = 4


@functools.cache
def unicode_fonts():
    """``{style: path}`` of the DejaVu fonts found on the system, or None."""
    for folder in FONT_DIRS:
        paths = {style: Path(folder) / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    return None


def zone_of(withdrawal, shop=None):
    """The time zone the withdrawal was received in: the shop's, as stored with it."""
    names = [withdrawal.time_zone]
    if shop is not None:
        names.append(shop.profile.time_zone)
    names.append(settings.TIME_ZONE)
    for name in names:
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


def received_at_text(withdrawal, shop=None):
    """When the withdrawal was received, to the second, in the shop's time zone, with the
    zone: "19 de junio de 2026, 10:15:42 (Europe/Madrid, UTC+02:00)" in the active language."""
    zone = zone_of(withdrawal, shop)
    local = withdrawal.received_at.astimezone(zone)
    offset = local.strftime("%z") or "+0000"
    return "{date}, {time} ({zone}, UTC{offset})".format(
        date=formats.date_format(local, "DATE_FORMAT"),
        time=local.strftime("%H:%M:%S"),
        zone=str(zone.key).replace("_", " "),
        offset=f"{offset[:3]}:{offset[3:]}",
    )


def statement_rows(withdrawal):
    """The statement as ``(label, lines)`` pairs, in the active language, as the shopper sent
    it: name, email, order number, dates, the items (or the whole order) and the comment."""

    def date(value):
        return formats.date_format(value, "DATE_FORMAT") if value else ""

    if withdrawal.items:
        items = [
            f"{item.get('quantity', 1)} × {item.get('description', '')}"
            for item in withdrawal.items
        ]
    else:
        items = [_("The whole order")]
    rows = [
        (_("Name"), [withdrawal.name]),
        (_("Email"), [withdrawal.email]),
        (_("Order number"), [withdrawal.order_number]),
        (_("Order date"), [date(withdrawal.order_date)]),
        (_("Delivery date"), [date(withdrawal.delivery_date)]),
        (_("Items"), items),
        (_("Comment"), withdrawal.comment.splitlines()),
    ]
    return [(label, [line for line in lines if line]) for label, lines in rows if any(lines)]


def title():
    return _("Acknowledgement of receipt of your withdrawal")


def receipt_sentence():
    return _(
        "This acknowledges that we have received your withdrawal; it does not mean it has been "
        "accepted. We will check it and write to you."
    )


def fingerprint_sentence():
    return _(
        "The fingerprint is a keyed signature of your statement as we stored it: if a single "
        "character of the statement were changed, it would no longer match."
    )


def fingerprint_lines(withdrawal):
    """The fingerprint in two lines of eight groups of four hex digits."""
    groups = fingerprint.formatted(withdrawal.fingerprint).split()
    return [" ".join(groups[:8]), " ".join(groups[8:])] if len(groups) > 8 else [" ".join(groups)]


def receipt_pdf(withdrawal, language=None):
    """The receipt of ``withdrawal`` as the bytes of a PDF, in ``language`` (by default the
    withdrawal's own)."""
    conversation = withdrawal.conversation
    language = language or withdrawal.language or conversation.language or settings.LANGUAGE_CODE
    with translation.override(language):
        shop = Shop.for_site(conversation.site)
        document = _Receipt(reference=conversation.reference, fonts=unicode_fonts())
        document.write(withdrawal, shop, language)
        return bytes(document.output())


class _Receipt(FPDF):
    def __init__(self, *, reference, fonts):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference = reference
        self.unicode = fonts is not None
        if self.unicode:
            self.add_font("receipt", "", str(fonts[""]))
            self.add_font("receipt", "B", str(fonts["B"]))
            self.add_font("receipt-mono", "", str(fonts["mono"]))
            self.family, self.mono = "receipt", "receipt-mono"
        else:
            self.family, self.mono = "helvetica", "courier"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.alias_nb_pages()

    # --- text the font can show ------------------------------------------------------------

    def fit(self, text):
        """``text`` on the page: only characters the current font has, line breaks kept."""
        text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        return "".join(self._fit_char(char) for char in text)

    def _fit_char(self, char):
        if char == "\n":
            return char
        if not char.isprintable():
            return " "
        if self._has(char):
            return char
        if not self.unicode and char in LATIN1_REPLACEMENTS:
            return LATIN1_REPLACEMENTS[char]
        decomposed = unicodedata.normalize("NFKD", char)
        kept = "".join(
            part
            for part in decomposed
            if not unicodedata.combining(part) and part.isprintable() and self._has(part)
        )
        return kept or "?"

    def _has(self, char):
        if not self.unicode:
            return ord(char) < 256
        font = self.current_font
        return font is None or ord(char) in font.cmap

    def text_line(self, text, *, size=10, style="", height=LINE, family=None):
        self.set_font(family or self.family, style, size)
        self.multi_cell(
            0, height, self.fit(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def keep(self, height):
        """Start a new page unless ``height`` more millimetres fit on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def row(self, label, lines):
        """A label on the left, its value (one or more lines) on the right; a long text (a
        comment) under its label, across the page."""
        self.set_font(self.family, "", 10)
        value = self.fit("\n".join(lines))
        text_width = self.epw - LABEL_WIDTH
        height = self.multi_cell(text_width, LINE, value, dry_run=True, output="HEIGHT")
        if height > LONG_TEXT_LINES * LINE and height > len(lines) * LINE:
            self.keep(2 * LINE)
            self.text_line(label, style="B")
            self.text_line(value)
            self.ln(1)
            return
        self.set_font(self.family, "B", 10)
        label = self.fit(label)
        label_height = self.multi_cell(LABEL_WIDTH, LINE, label, dry_run=True, output="HEIGHT")
        self.keep(max(label_height, LINE))
        top, page = self.get_y(), self.page
        self.multi_cell(LABEL_WIDTH, LINE, label, align=Align.L, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font(self.family, "", 10)
        self.multi_cell(text_width, LINE, value, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.page == page:
            self.set_y(max(self.get_y(), top + label_height))
        self.ln(1)

    def rule(self):
        self.ln(2)
        self.set_draw_color(160, 160, 160)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(4)

    def heading(self, text, *, size=12):
        self.keep(3 * LINE)
        self.ln(2)
        self.text_line(text, size=size, style="B", height=size * 0.5)
        self.ln(1)

    def footer(self):
        self.set_y(-MARGIN + 6)
        self.set_font(self.family, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0,
            4,
            self.fit(f"{self.reference} · {self.page_no()}/{{nb}}"),
            align="C",
        )
        self.set_text_color(0, 0, 0)

    # --- the receipt -----------------------------------------------------------------------

    def write(self, withdrawal, shop, language):
        profile = shop.profile
        heading = title()
        self.set_title(f"{heading} – {self.reference}")
        self.set_author(profile.name or "")
        self.set_subject(heading)
        self.set_creator("contactkit")
        self.set_lang(language)
        self.set_creation_date(withdrawal.received_at)
        self.add_page()

        # Who the shop is.
        if profile.name:
            self.text_line(profile.name, size=14, style="B", height=7)
        legal = profile.legal_name_with_form
        if legal and legal != profile.name:
            self.text_line(legal, size=9.5, height=4.8)
        if profile.address_lines:
            self.text_line(", ".join(profile.address_lines), size=9.5, height=4.8)
        if shop.email:
            self.text_line(shop.email, size=9.5, height=4.8)
        self.rule()

        self.text_line(heading, size=16, style="B", height=8)
        self.ln(3)
        self.row(_("Reference"), [self.reference])
        self.row(_("Received at"), [received_at_text(withdrawal, shop)])

        self.heading(_("Your statement"))
        for label, lines in statement_rows(withdrawal):
            self.row(label, lines)

        # The fingerprint, what it is and what the receipt means stay on one page.
        self.keep(48)
        self.heading(_("Fingerprint"))
        self.text_line("\n".join(fingerprint_lines(withdrawal)), size=10.5, family=self.mono)
        self.ln(1)
        self.text_line(fingerprint_sentence(), size=9, height=4.6)

        self.rule()
        self.text_line(receipt_sentence(), size=10.5, style="B")
