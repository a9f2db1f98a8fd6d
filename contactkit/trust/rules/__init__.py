"""contactkit's own trust rules, registered on import: the law (law.py), what shoppers check
(shoppers.py) and consistency between the pages (consistency.py)."""

from contactkit.trust.rules import consistency, law, shoppers  # noqa: F401
