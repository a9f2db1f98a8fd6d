"""Trust rules and their registry.

A rule is a small documented unit: an id, a severity, a title, why it matters (citing the law
where there is one), the admin screen that fixes it, and a check. A project adds its own with
:func:`register` (or Wagtail-hook style, ``@hooks.register("register_contactkit_trust_rules")``
returning rules), replaces one by registering another with the same id, and switches rules off
with ``CONTACTKIT_TRUST_RULES_OFF = ["rule.id", ...]``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# Severities, most serious first.
LAW = "law"
SHOPPERS = "shoppers"
RECOMMENDED = "recommended"
SEVERITIES = (LAW, SHOPPERS, RECOMMENDED)
SEVERITY_LABELS = {
    LAW: _("Required by law"),
    SHOPPERS: _("Expected by shoppers"),
    RECOMMENDED: _("Recommended"),
}
# How much an open finding of each severity takes off the score (out of 100).
WEIGHTS = {LAW: 12, SHOPPERS: 6, RECOMMENDED: 2}


@dataclass(frozen=True)
class Finding:
    """One thing to fix: the rule's, with what exactly is missing (``detail``)."""

    rule: "Rule"
    detail: str = ""

    @property
    def severity(self):
        return self.rule.severity


@dataclass(frozen=True)
class Rule:
    """``check(context)`` returns what is wrong: a list of strings (each a finding's detail,
    "" for the rule's title alone), or [] when the shop passes. ``applies(context)`` says
    whether the rule concerns this shop at all (by its country, say): a rule that does not
    apply is neither passed nor failed. ``fix(context)`` is the admin address that fixes it.
    """

    id: str
    severity: str
    title: str
    why: str
    check: Callable
    fix: Callable
    fix_label: str = ""
    law: str = ""
    applies: Callable = field(default=lambda context: True)

    def findings(self, context):
        if not self.applies(context):
            return None
        return [Finding(self, str(detail)) for detail in self.check(context)]


_RULES = {}


def register(rule):
    """Add ``rule`` (or replace the rule with its id). Usable as ``register(Rule(...))``."""
    if rule.severity not in SEVERITIES:
        raise ValueError(f"{rule.id}: severity must be one of {SEVERITIES}")
    _RULES[rule.id] = rule
    return rule


def unregister(rule_id):
    _RULES.pop(rule_id, None)


def rules():
    """Every rule in force: contactkit's, those a project registered (directly or through
    the ``register_contactkit_trust_rules`` hook), without those switched off."""
    from wagtail import hooks

    from contactkit.conf import contactkit_settings
    from contactkit.trust import rules as _builtin  # noqa: F401  (registers them)

    found = dict(_RULES)
    for hook in hooks.get_hooks("register_contactkit_trust_rules"):
        for rule in hook() or ():
            found[rule.id] = rule
    off = set(contactkit_settings.TRUST_RULES_OFF or ())
    return [rule for rule_id, rule in found.items() if rule_id not in off]
