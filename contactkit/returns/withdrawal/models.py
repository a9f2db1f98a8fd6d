"""A withdrawal as the shopper stated and confirmed it, stored before anything else happens."""

import zoneinfo

from django.db import models
from django.utils.translation import gettext_lazy as _

from contactkit.returns.withdrawal import fingerprint


class Withdrawal(models.Model):
    """The statement of withdrawal from a contract, with its time of receipt and fingerprint.

    It belongs to a conversation (topic "withdrawal") that carries the reference, the status
    and the refund deadline in the inbox. The statement fields are never edited after
    receipt: :meth:`verify` shows whether they still match the fingerprint the shopper got.
    """

    conversation = models.OneToOneField(
        "contactkit.Conversation",
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="withdrawal",
    )
    # The statement (fingerprinted).
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email for the receipt"))
    order_number = models.CharField(_("order number"), max_length=60)
    order_date = models.DateField(_("ordered on"), null=True, blank=True)
    delivery_date = models.DateField(_("received on"), null=True, blank=True)
    # [{"description": "Taza azul", "quantity": 2}]; empty: the whole order.
    items = models.JSONField(_("items"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    received_at = models.DateTimeField(_("received at"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    # Not part of the statement: what the shop's order lookup said, and the period it gives.
    language = models.CharField(_("language"), max_length=12, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    order_found = models.BooleanField(_("order found"), null=True, blank=True)
    order_details = models.JSONField(_("order as the shop's system knows it"), default=dict)
    period_ends = models.DateField(_("withdrawal period ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self):
        return f"{self.conversation.reference} · {self.order_number}"

    def sign(self):
        """Set the fingerprint from the statement as it is now (once, when it is received)."""
        self.fingerprint = fingerprint.compute(self)

    def verify(self):
        return fingerprint.verify(self)

    @property
    def whole_order(self):
        return not self.items

    @property
    def period_over(self):
        """Whether the statement came after the period the order lookup gives (None: unknown)."""
        if self.period_ends is None:
            return None
        zone = zoneinfo.ZoneInfo(self.time_zone) if self.time_zone else None
        received = self.received_at.astimezone(zone).date() if zone else self.received_at.date()
        return received > self.period_ends
