"""Reading a theme's stylesheet as the browser would, to check it before a shopper sees it.

``manage.py check`` runs these on every theme (``contactkit.W005``, ``contactkit.W006``), and
the tests run them on the shipped ones. Only the custom properties a theme sets in a top-level
``:root`` rule are read (not those inside ``@media``); the ones it leaves out fall back to the
defaults in contactkit.css. Colours written as ``#rgb``, ``#rrggbb``, ``rgb()``, ``white`` or
``black`` are checked; a pair with a colour in another notation is skipped.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTACTKIT_CSS = Path(__file__).resolve().parent.parent / "static/contactkit/contactkit.css"

TEXT = 4.5  # WCAG 2.2 AA 1.4.3: normal text
NON_TEXT = 3.0  # WCAG 2.2 AA 1.4.11: focus outlines, field borders

# (foreground, background, minimum ratio, where a shopper meets the pair)
PAIRS = [
    ("--ck-color-text", "--ck-color-background", TEXT, "text"),
    ("--ck-color-text", "--ck-color-surface", TEXT, "text on cards"),
    ("--ck-color-muted", "--ck-color-background", TEXT, "secondary text"),
    ("--ck-color-muted", "--ck-color-surface", TEXT, "secondary text on cards"),
    ("--ck-color-accent", "--ck-color-background", TEXT, "links"),
    ("--ck-color-accent", "--ck-color-surface", TEXT, "links and outlined buttons on cards"),
    ("--ck-color-accent-text", "--ck-color-accent", TEXT, "button labels"),
    ("--ck-color-open", "--ck-color-surface", TEXT, "the “open now” status"),
    ("--ck-color-closed", "--ck-color-surface", TEXT, "the “closed now” status"),
    ("--ck-color-error", "--ck-color-background", TEXT, "form errors"),
    ("--ck-color-focus", "--ck-color-background", NON_TEXT, "the focus outline"),
    ("--ck-color-focus", "--ck-color-surface", NON_TEXT, "the focus outline on cards"),
    ("--ck-color-input-border", "--ck-color-background", NON_TEXT, "form field borders"),
]

COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
DECLARATION = re.compile(r"(--[\w-]+)\s*:\s*([^;{}]+)")
VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*((?:[^()]|\([^()]*\))*))?\)")
HEX = re.compile(r"#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})", re.IGNORECASE)
RGB = re.compile(r"rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)\s*\)", re.IGNORECASE)
NAMED = {"white": (255, 255, 255), "black": (0, 0, 0)}
# @import, or url() pointing at another server ("//host/…" or "https://host/…").
REMOTE = re.compile(r"@import|url\(\s*['\"]?\s*(?:[a-z]+:)?//", re.IGNORECASE)


def root_properties(css):
    """The custom properties set by top-level ``:root`` rules of a stylesheet."""
    css = COMMENT.sub("", css)
    properties = {}
    depth, start, selector, body_start = 0, 0, "", 0
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                selector, body_start = css[start:index].strip(), index + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if ":root" in (part.strip() for part in selector.split(",")):
                    for name, value in DECLARATION.findall(css[body_start:index]):
                        properties[name] = value.replace("!important", "").strip()
                start = index + 1
        elif char == ";" and depth == 0:
            start = index + 1
    return properties


@cache
def contactkit_defaults():
    """What contactkit.css uses for each ``--ck-*`` property a theme leaves out."""
    css = COMMENT.sub("", CONTACTKIT_CSS.read_text())
    # contactkit.css reads each --ck-* property through an internal --_* one or directly.
    defaults = {
        name: value.strip() for name, value in DECLARATION.findall(css) if name.startswith("--_")
    }
    for match in VAR.finditer(css):
        name, fallback = match.groups()
        if fallback and name not in defaults:
            defaults[name] = fallback.strip()
    return defaults


def _resolve(value, properties, depth=0):
    match = VAR.fullmatch(value.strip()) if value else None
    if not match or depth > 10:
        return value.strip() if value else None
    name, fallback = match.groups()
    if name in properties:
        return _resolve(properties[name], properties, depth + 1)
    return _resolve(fallback, properties, depth + 1)


def parse_colour(value):
    """(r, g, b) from 0 to 255 for an opaque colour this module can read, else None."""
    value = (value or "").strip().lower()
    if value in NAMED:
        return NAMED[value]
    if match := HEX.fullmatch(value):
        digits = match.group(1)
        if len(digits) in (3, 4):
            digits = "".join(digit * 2 for digit in digits)
        if len(digits) == 8 and digits[6:] != "ff":
            return None
        return tuple(int(digits[index : index + 2], 16) for index in (0, 2, 4))
    if match := RGB.fullmatch(value):
        return tuple(int(part) for part in match.groups())
    return None


def _luminance(rgb):
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    """The WCAG contrast ratio of two (r, g, b) colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def theme_colours(css):
    """Each property of :data:`PAIRS` as a theme with stylesheet ``css`` shows it, or None."""
    properties = {**contactkit_defaults(), **root_properties(css)}
    colours = {}
    for foreground, background, _minimum, _what in PAIRS:
        for name in (foreground, background):
            value = _resolve(f"var({name})", properties)
            # Without a background of its own the theme sits on the shop's page, white by default.
            if name == "--ck-color-background" and value == "transparent":
                value = "#ffffff"
            colours[name] = parse_colour(value)
    return colours


@dataclass(frozen=True)
class Shortfall:
    foreground: str
    background: str
    ratio: float
    minimum: float
    what: str

    def __str__(self):
        return (
            f"{self.what} ({self.foreground} on {self.background}) has a contrast of "
            f"{self.ratio:.2f}:1; WCAG 2.2 AA asks for {self.minimum:g}:1"
        )


def contrast_ratios(css):
    """Every pair of :data:`PAIRS` with its ratio, or None when a colour cannot be read."""
    colours = theme_colours(css)
    return {
        (foreground, background): (
            contrast_ratio(colours[foreground], colours[background])
            if colours[foreground] and colours[background]
            else None
        )
        for foreground, background, _minimum, _what in PAIRS
    }


def contrast_shortfalls(css):
    """The pairs of :data:`PAIRS` whose contrast is below WCAG 2.2 AA."""
    ratios = contrast_ratios(css)
    return [
        Shortfall(foreground, background, ratio, minimum, what)
        for foreground, background, minimum, what in PAIRS
        if (ratio := ratios[(foreground, background)]) is not None and ratio < minimum
    ]


def loads_from_network(css):
    """Whether the stylesheet pulls something from another server (a web font, an @import)."""
    return bool(REMOTE.search(COMMENT.sub("", css)))
