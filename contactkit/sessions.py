"""Django's database sessions, refusing session keys Django never makes.

A cookie can carry a NUL character (``sessionid="abc\\000"``: Django's cookie parser turns the
octal escape into one), and the database session store would ask PostgreSQL for it, which
refuses NUL in text: a 500 on the contact form. Keys Django makes are lowercase letters and
digits; anything else is no session, as for any unknown key.

``SESSION_ENGINE = "contactkit.sessions"`` (the demo's settings do).
"""

import string

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

KEY_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and set(key) <= KEY_CHARACTERS
