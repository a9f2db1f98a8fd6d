"""Running the rules on a site: the report the admin, the command and the dashboard show."""

from dataclasses import dataclass, field

from contactkit.trust import registry
from contactkit.trust.context import TrustContext


@dataclass
class Report:
    site: object
    findings: list = field(default_factory=list)
    passed: list = field(default_factory=list)  # rules checked and met
    not_applicable: list = field(default_factory=list)

    @property
    def score(self):
        """100 with nothing open; each open finding takes its severity's weight off."""
        lost = sum(registry.WEIGHTS[finding.severity] for finding in self.findings)
        return max(0, 100 - lost)

    def by_severity(self):
        """[(severity, label, [findings])] for each severity, most serious first."""
        return [
            (
                severity,
                registry.SEVERITY_LABELS[severity],
                [finding for finding in self.findings if finding.severity == severity],
            )
            for severity in registry.SEVERITIES
        ]

    @property
    def law_findings(self):
        return [finding for finding in self.findings if finding.severity == registry.LAW]

    def top(self, count=3):
        order = {severity: index for index, severity in enumerate(registry.SEVERITIES)}
        return sorted(self.findings, key=lambda finding: order[finding.severity])[:count]


def build(site, *, language=None):
    """The report of ``site``: every rule in force, checked."""
    context = TrustContext(site, language=language)
    report = Report(site)
    for rule in sorted(registry.rules(), key=lambda rule: rule.id):
        found = rule.findings(context)
        if found is None:
            report.not_applicable.append(rule)
        elif found:
            report.findings.extend(found)
        else:
            report.passed.append(rule)
    report.context = context
    return report
