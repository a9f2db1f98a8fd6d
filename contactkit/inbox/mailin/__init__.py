"""Email into the inbox: replies to the shop's emails, and new requests sent by email.

A mail arrives from the support mailbox (:mod:`.imap`, polled by a task or
``manage.py contactkit_fetch_mail``) or from a mail provider's webhook (:mod:`.views`); both
hand its raw bytes to :func:`.importer.import_email`, the one way in. :mod:`.parse` reads the
mail however broken it is, :mod:`.matching` finds the conversation it answers.
"""
