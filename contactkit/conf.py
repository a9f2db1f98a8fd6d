"""contactkit's settings, each ``CONTACTKIT_*`` with its default here and nowhere else.

Read them as ``contactkit_settings.NAME`` (without the prefix); ``checks.py`` validates them.
"""

from django.conf import settings

DEFAULTS = {
    # The template contactkit pages extend, so they sit inside the shop's header and footer.
    # It must define the blocks "extra_head" (inside <head>) and "content" (inside <main>).
    "BASE_TEMPLATE": "contactkit/standalone.html",
    # The theme used when a site has not picked one (a folder name under a theme directory).
    "THEME": "default",
    # Extra folders holding a project's own themes, searched before the ones contactkit ships.
    "THEME_DIRS": [],
    # The contact form's attachments: how many, how big (bytes), of which kinds.
    "ATTACHMENT_MAX_COUNT": 3,
    "ATTACHMENT_MAX_SIZE": 5 * 1024 * 1024,
    # Spam checks: a form sent faster than this (seconds) is a robot; more links than this in
    # a message look like spam.
    "MIN_FILL_SECONDS": 3,
    "MAX_LINKS": 3,
    # Limits, as (messages, window in seconds), or None for no limit: a message over one is
    # held for review. Per address (generous: a mobile network or an office shares one), per
    # email address, and per browser session. Counted in the default cache: share it between
    # processes (Redis, Memcached, the database cache).
    "RATE_LIMIT_IP": (20, 600),
    "RATE_LIMIT_EMAIL": (5, 3600),
    "RATE_LIMIT_SESSION": (5, 600),
    # The addresses (or networks, "10.0.0.0/8") of the proxies in front of the site. A request
    # from one of them is counted by the address it puts in X-Forwarded-For; never otherwise.
    "TRUSTED_PROXIES": [],
    # Bytes of attachments one address may send in a window of seconds, or None: over it, the
    # form asks to send without files or later.
    "ATTACHMENT_QUOTA_IP": (25 * 1024 * 1024, 3600),
    # Files of held and spam messages are quarantined: at most this many bytes in all (None:
    # no cap; a message past it is stored without its files), deleted after this many days
    # by `contactkit_purge` unless staff release the message.
    "QUARANTINE_MAX_BYTES": 200 * 1024 * 1024,
    "QUARANTINE_DAYS": 7,
    # What is kept of the sender's IP address: "hash" (a keyed hash, for rate limits) or "none".
    "STORE_IP": "hash",
    # Closed conversations older than this many days are deleted by `contactkit_purge`
    # (None keeps them).
    "RETENTION_DAYS": None,
    # How often a failed email is tried before it is given up (and shown so in the inbox).
    "EMAIL_MAX_ATTEMPTS": 8,
    # The withdrawal button (Directive 2011/83/EU art. 11a). Days the shop has to refund after
    # receiving a withdrawal (art. 13: 14), and how many days before that the inbox flags it.
    "REFUND_DAYS": 14,
    "REFUND_WARNING_DAYS": 3,
    # Minutes the confirmation step of a withdrawal stays valid; past it the shopper is taken
    # back to their statement, with what they wrote kept.
    "WITHDRAWAL_CONFIRM_MINUTES": 30,
    # Dotted path of a callable that looks an order up in the shop's platform:
    # lookup(order_number, email, site) -> contactkit.returns.orders.Order or None (unknown).
    # None: orders are not checked. See docs/withdrawal.md.
    "ORDER_LOOKUP": None,
    # The key of withdrawal fingerprints (HMAC-SHA256); None uses SECRET_KEY. Keep it as long
    # as the receipts it signed may be needed: changing it makes them unverifiable.
    "WITHDRAWAL_KEY": None,
    # The shopper's private conversation page: days a link stays valid after it was sent
    # (each email carries a fresh one). Staff can revoke a conversation's links at any time.
    "THREAD_LINK_DAYS": 90,
    # Replies by email (docs/incoming-email.md). A per-conversation reply address for mail
    # servers with plus addressing, such as "support+{token}@shop.example"; None: replies go
    # to the shop's address and are matched by their headers and the reference in the subject.
    "REPLY_ADDRESS": None,
    # The support mailboxes read over IMAP: a list of dicts with "host", "port" (993),
    # "username", "password", "folder" ("INBOX"), "security" ("ssl", "starttls" or "none"),
    # "timeout" (seconds, 30) and "site" (the Wagtail site's hostname; the default site if
    # absent). `manage.py contactkit_fetch_mail` and the fetch_mail task read them.
    "MAILBOXES": [],
    # The shared secret of the inbound-mail webhook (a provider posts raw MIME to it); None
    # turns the webhook off.
    "INBOUND_SECRET": None,
    # A received email bigger than this (bytes) is not kept whole: its headers and text are
    # imported, its files noted as not kept.
    "INBOUND_MAX_BYTES": 30 * 1024 * 1024,
    # Reply times shown to shoppers: the median first response over this many days, shown
    # only once at least this many conversations were answered in that time.
    "REPLY_TIME_DAYS": 30,
    "REPLY_TIME_MIN_CONVERSATIONS": 10,
    # Live chat. Staff are available while their admin tab's heartbeat is fresher than this
    # (seconds); a shopper is "in the chat" while their panel asked for news within this many.
    "CHAT_PRESENCE_SECONDS": 45,
    "CHAT_SHOPPER_SECONDS": 30,
    # How often the panels ask for news (seconds) when they poll.
    "CHAT_POLL_SECONDS": 1,
    # Limits, as (requests, window in seconds): chat messages per conversation, and API calls
    # per origin (a storefront's widget) and per client address.
    "CHAT_RATE_LIMIT": (30, 60),
    "API_RATE_LIMIT_ORIGIN": (1200, 60),
    "API_RATE_LIMIT_IP": (240, 60),
    # Anonymous visits of contactkit pages are answered from Django's cache
    # (contactkit.pages.cache) for at most this long; they are forgotten sooner when anything
    # they show is saved, and when a shown channel opens or closes. 0 turns the cache off.
    "PAGE_CACHE_SECONDS": 3600,
    # Sign-in through python-social-auth (docs/sign-in.md). Backend names (each also listed in
    # AUTHENTICATION_BACKENDS): "shoppers" get "Continue with …" on the contact form, the
    # withdrawal form and the launcher, and "My messages"; "staff" get buttons on the admin's
    # sign-in page, for existing staff whose verified address is in "staff_email_domains";
    # "profiles" maps a social channel's kind ("instagram", "facebook"…) to the backend whose
    # sign-in proves the shop controls that profile. "labels" names a backend on its button
    # ({"oidc": "MiCuenta"}). Empty: no sign-in anywhere.
    "SIGN_IN": {},
    # Sign-in attempts (starting one, or coming back from the provider) per client address,
    # as (attempts, window in seconds).
    "SIGN_IN_RATE_LIMIT": (30, 600),
    # The trust report (docs/trust-report.md): ids of rules to leave out, and whether a VAT
    # id is also checked live with the EU's VIES service (a network call to the EU; off by
    # default, and a VIES that does not answer is never held against the shop).
    "TRUST_RULES_OFF": [],
    "TRUST_VIES_CHECK": False,
}


class ContactkitSettings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"contactkit has no setting {name}")
        return getattr(settings, f"CONTACTKIT_{name}", DEFAULTS[name])


contactkit_settings = ContactkitSettings()
