"""The shop's orders, as its platform knows them, through an optional lookup hook.

``CONTACTKIT_ORDER_LOOKUP`` names a callable ``lookup(order_number, email, site)`` that answers
an :class:`Order` (the order exists and belongs to that email) or ``None`` (no such order for
that email). It may raise :class:`LookupUnavailable` when the platform cannot be asked now: the
shopper can still send, and staff see the order was not checked. By default nothing is checked.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.utils.module_loading import import_string

from contactkit.conf import contactkit_settings


@dataclass(frozen=True)
class OrderItem:
    description: str
    quantity: int = 1
    sku: str = ""


@dataclass(frozen=True)
class Order:
    number: str
    ordered_on: dt.date | None = None
    delivered_on: dt.date | None = None
    items: tuple[OrderItem, ...] = field(default_factory=tuple)

    def as_json(self):
        return {
            "number": self.number,
            "ordered_on": self.ordered_on.isoformat() if self.ordered_on else None,
            "delivered_on": self.delivered_on.isoformat() if self.delivered_on else None,
            "items": [
                {"description": i.description, "quantity": i.quantity, "sku": i.sku}
                for i in self.items
            ],
        }


class LookupUnavailable(Exception):
    """The shop's platform could not be asked now (down, timed out)."""


NOT_CHECKED = object()
logger = logging.getLogger(__name__)


def lookup_function():
    path = contactkit_settings.ORDER_LOOKUP
    if not path:
        return None
    return import_string(path) if isinstance(path, str) else path


def look_up(order_number, email, site):
    """The order, ``None`` if the shop's system does not know it for that email, or
    :data:`NOT_CHECKED` when there is no lookup or it could not answer."""
    function = lookup_function()
    if function is None:
        return NOT_CHECKED
    try:
        return function(order_number, email, site)
    except LookupUnavailable:
        return NOT_CHECKED
    except Exception:
        # A broken hook must never stop a shopper from withdrawing: staff see it unchecked.
        logger.exception("The order lookup %s failed", contactkit_settings.ORDER_LOOKUP)
        return NOT_CHECKED
