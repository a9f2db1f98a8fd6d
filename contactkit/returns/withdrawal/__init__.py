"""The withdrawal button of Directive 2011/83/EU art. 11a (Directive (EU) 2023/2673).

A shopper states the withdrawal (name, the contract, the email for the receipt), confirms it
on a separate step, and gets at once a receipt on a durable medium: the page, an email and a
PDF, each with the statement, the date and time of receipt to the second and a fingerprint (a
keyed HMAC of the stored statement) that shows it was not altered. The withdrawal lands in the
inbox as a conversation with topic "withdrawal" and its refund deadline.

- :mod:`.models`: :class:`~.models.Withdrawal`, the stored statement.
- :mod:`.fingerprint`: the canonical statement and its HMAC.
"""
