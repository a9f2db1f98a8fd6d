"""The demo shop's orders, for the withdrawal button's order lookup (CONTACTKIT_ORDER_LOOKUP).

A real shop asks its platform (Shopify, WooCommerce, its own database); the demo knows three
invented orders, dated from today so they never age:

- CA-1001, Ana García (ana@example.com): delivered 5 days ago, two items, well within the period;
- CA-0999, Ana García (ana@example.com): delivered 40 days ago, so the period looks over;
- CA-1002, Luis Pérez (luis@example.com): ordered yesterday, not delivered yet.

Any other number, or one of these with another email, is an order the shop does not know.
"""

import datetime as dt

from django.utils import timezone

from contactkit.returns.orders import Order, OrderItem


def _orders(today):
    def ago(days):
        return today - dt.timedelta(days=days)

    return {
        ("CA-1001", "ana@example.com"): Order(
            number="CA-1001",
            ordered_on=ago(8),
            delivered_on=ago(5),
            items=(
                OrderItem("Taza de gres azul cobalto", 2, "TZ-AZ-01"),
                OrderItem("Plato llano de 27 cm, esmalte crema", 1, "PL-CR-27"),
            ),
        ),
        ("CA-0999", "ana@example.com"): Order(
            number="CA-0999",
            ordered_on=ago(44),
            delivered_on=ago(40),
            items=(OrderItem("Jarrón de terracota, mediano", 1, "JR-TC-M"),),
        ),
        ("CA-1002", "luis@example.com"): Order(
            number="CA-1002",
            ordered_on=ago(1),
            items=(OrderItem("Juego de cuencos de desayuno (4)", 1, "CU-DS-4"),),
        ),
    }


def lookup(order_number, email, site):
    """The demo order ``order_number`` if it belongs to ``email``, else None."""
    key = ((order_number or "").strip().upper(), (email or "").strip().lower())
    return _orders(timezone.localdate()).get(key)
