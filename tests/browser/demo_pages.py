"""The demo pages the browser tests, the weight test and bench/lighthouse.py visit, and how.

Paths are those ``load_demo_shop`` creates with the demo's own language setup (Spanish by
default, without a prefix; English at /en/), which the ``demo`` fixture uses. Adding a page to
every check is one line here.
"""

PAGES = {
    "contact": "/contacto/",
    "about": "/quienes-somos/",
    "returns": "/devoluciones/",
    "withdrawal-form": "/devoluciones/withdrawal-form/",
}

# The same pages in English, the demo's other language: their translations, at /en/….
PAGES_EN = {
    "contact": "/en/contact/",
    "about": "/en/about-us/",
    "returns": "/en/returns/",
    "withdrawal-form": "/en/returns/withdrawal-form/",
}

# Pages reached by sending the contact form on the given page, as a shopper does: the thank-you
# page shows the reference of a message just stored, so it has no address of its own to open.
PAGES_AFTER_SENDING = {
    "thanks": "/contacto/",
}

# (name, width, height): a small phone, a tablet upright, a laptop.
VIEWPORTS = [
    ("360x740", 360, 740),
    ("768x1024", 768, 1024),
    ("1280x800", 1280, 800),
]

# The screenshots in docs/screenshots/, by viewport width.
SCREENSHOT_VIEWPORTS = {360: "mobile", 1280: "desktop"}

# Every Chromium the tests and bench/lighthouse.py start: Debian's, kept off the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The demo is a Spanish shop: browse it as a Spanish shopper would, so the interface
# (Accept-Language) and the content are in the same language.
LOCALE = "es-ES"
