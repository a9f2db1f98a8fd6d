"""The trust report on the command line, as text or JSON (docs/trust-report.md).

``python manage.py contactkit_trust_report [--site HOST] [--format text|json] [--language es]``

It exits with status 1 when a "required by law" finding is open, so a shop can run it in its
own CI; 0 otherwise.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from wagtail.models import Site

from contactkit.trust import registry
from contactkit.trust.report import build


class Command(BaseCommand):
    help = (
        "What shoppers, regulators and search engines will miss about the shop: each open "
        "finding by severity, with why and where to fix it. Exits 1 when a finding required "
        "by law is open."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", help="The site's hostname (default: the default site).")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--language", help="The report's language (default: the project's LANGUAGE_CODE)."
        )

    def handle(self, *args, site=None, format="text", language=None, **options):
        if site:
            found = Site.objects.filter(hostname=site).first()
            if found is None:
                raise CommandError(f"No site has the hostname {site!r}.")
        else:
            found = Site.objects.filter(is_default_site=True).first()
            if found is None:
                raise CommandError("There is no default site.")
        from django.conf import settings

        with translation.override(language or settings.LANGUAGE_CODE):
            report = build(found)
            if format == "json":
                self.stdout.write(json.dumps(as_json(report), ensure_ascii=False, indent=2))
            else:
                self.stdout.write(as_text(report))
        if report.law_findings:
            raise SystemExit(1)


def as_json(report):
    return {
        "site": report.site.hostname,
        "score": report.score,
        "findings": [finding_data(finding, report.context) for finding in report.findings],
        "passed": [rule.id for rule in report.passed],
        "not_applicable": [rule.id for rule in report.not_applicable],
    }


def finding_data(finding, context):
    rule = finding.rule
    return {
        "rule": rule.id,
        "severity": rule.severity,
        "severity_label": str(registry.SEVERITY_LABELS[rule.severity]),
        "title": str(rule.title),
        "detail": finding.detail,
        "why": str(rule.why),
        "law": rule.law,
        "fix": rule.fix(context) or "",
        "fix_label": str(rule.fix_label),
    }


def as_text(report):
    from django.utils.translation import gettext as _

    lines = [
        _("Trust report for %(site)s: %(score)s/100")
        % {"site": report.site, "score": report.score},
        "",
    ]
    for _severity, label, findings in report.by_severity():
        lines.append(f"{label} ({len(findings)})")
        for finding in findings:
            rule = finding.rule
            lines.append(
                f"  ✗ [{rule.id}] {rule.title}" + (f": {finding.detail}" if finding.detail else "")
            )
            lines.append(f"      {rule.why}")
            fix = rule.fix(report.context)
            if fix:
                lines.append(
                    f"      → {rule.fix_label}: {fix}" if rule.fix_label else f"      → {fix}"
                )
        lines.append("")
    lines.append(
        _("Rules met: %(passed)s. Findings open: %(open)s.")
        % {"passed": len(report.passed), "open": len(report.findings)}
    )
    if not report.law_findings:
        lines.append(_("Nothing required by law is missing."))
    return "\n".join(lines) + "\n"
