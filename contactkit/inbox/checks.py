"""System checks of the inbox: a database that keeps every message, limits that hold.

Registered when contactkit's app is ready (see :mod:`contactkit.checks`); each id is documented
in docs/install.md.
"""

from django.conf import settings
from django.core import checks

from contactkit.conf import contactkit_settings


@checks.register(checks.Tags.database)
def check_sqlite_concurrency(app_configs=None, databases=None, **kwargs):
    """On SQLite, shoppers writing at the same moment need IMMEDIATE transactions to be safe.

    SQLite's default (deferred) transactions fail at once with "database is locked" when two
    of them try to write, whatever the busy timeout; IMMEDIATE ones wait their turn.
    """
    from django.db import connections

    problems = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "sqlite":
            continue
        options = connection.settings_dict.get("OPTIONS", {})
        if str(options.get("transaction_mode", "")).upper() != "IMMEDIATE":
            problems.append(
                checks.Warning(
                    f"The SQLite database '{alias}' does not use IMMEDIATE transactions: "
                    "messages sent at the same moment may fail with 'database is locked'.",
                    hint="Add 'transaction_mode': 'IMMEDIATE' and a 'timeout' (seconds) to its "
                    "OPTIONS, and WAL journal mode; see docs/install.md.",
                    id="contactkit.W007",
                )
            )
    return problems


def _is_count_and_window(value):
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
        and value[0] > 0
        and value[1] > 0
    )


def _is_whole_number(value, allow_none=False):
    if value is None:
        return allow_none
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@checks.register()
def check_limit_settings(app_configs=None, **kwargs):
    """The limits, quotas and quarantine settings have values contactkit can use."""
    import ipaddress

    problems = []

    def error(message, hint):
        problems.append(checks.Error(message, hint=hint, id="contactkit.E008"))

    for name in ("RATE_LIMIT_IP", "RATE_LIMIT_EMAIL", "RATE_LIMIT_SESSION"):
        value = getattr(contactkit_settings, name)
        if value is not None and not _is_count_and_window(value):
            error(
                f"CONTACTKIT_{name} is {value!r}.",
                "Use (messages, seconds) with two positive whole numbers, e.g. (5, 600), "
                "or None for no limit.",
            )
    quota = contactkit_settings.ATTACHMENT_QUOTA_IP
    if quota is not None and not _is_count_and_window(quota):
        error(
            f"CONTACTKIT_ATTACHMENT_QUOTA_IP is {quota!r}.",
            "Use (bytes, seconds) with two positive whole numbers, e.g. (26214400, 3600), "
            "or None for no quota.",
        )
    if not _is_whole_number(contactkit_settings.QUARANTINE_MAX_BYTES, allow_none=True):
        error(
            f"CONTACTKIT_QUARANTINE_MAX_BYTES is {contactkit_settings.QUARANTINE_MAX_BYTES!r}.",
            "Use a number of bytes (0 keeps no file of held or spam messages), or None.",
        )
    if not _is_whole_number(contactkit_settings.QUARANTINE_DAYS):
        error(
            f"CONTACTKIT_QUARANTINE_DAYS is {contactkit_settings.QUARANTINE_DAYS!r}.",
            "Use a whole number of days, 0 or more.",
        )
    proxies = contactkit_settings.TRUSTED_PROXIES
    if not isinstance(proxies, (list, tuple)):
        error(
            f"CONTACTKIT_TRUSTED_PROXIES is {proxies!r}.",
            'Use a list of addresses or networks, e.g. ["10.0.0.0/8"].',
        )
    else:
        for proxy in proxies:
            try:
                ipaddress.ip_network(str(proxy), strict=False)
            except ValueError:
                error(
                    f"CONTACTKIT_TRUSTED_PROXIES holds {proxy!r}, which is not an address or "
                    "a network.",
                    'Use addresses like "10.0.0.2" or networks like "10.0.0.0/8".',
                )
    return problems


PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """In production the limits need a cache every process shares (``check --deploy``)."""

    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            f"The default cache is {backend.rsplit('.', 1)[-1]}: the contact form's limits "
            "are per process, so each web process (each gunicorn worker) counts on its own "
            "and a flood can go further than the limits say.",
            hint="Use a cache every process shares for CACHES['default']: Redis, Memcached "
            "or the database cache.",
            id="contactkit.W008",
        )
    ]
