"""The trust report in the admin: a dashboard panel (score and top findings) and the full
report page, grouped by severity, each finding linking to the screen that fixes it."""

from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Site

from contactkit.trust import registry

PERMISSION = "contactkit.change_storeprofile"


def report_data(site, language=None):
    """The report of ``site`` as plain data (score, findings with why and fix), in
    ``language``: worked out again whenever anything the pages show is saved (the page
    cache's generation), else kept for at most a day."""
    from contactkit.management.commands.contactkit_trust_report import finding_data
    from contactkit.pages.cache import remember
    from contactkit.trust.report import build

    language = language or translation.get_language()

    def compute():
        with translation.override(language):
            report = build(site, language=language)
            findings = [finding_data(finding, report.context) for finding in report.findings]
        return {
            "score": report.score,
            "findings": findings,
            "passed": len(report.passed),
            "law_open": bool(report.law_findings),
        }

    with translation.override(language):
        return remember("trust-report", (site.pk, language), compute)


def grouped(data):
    return [
        {
            "severity": severity,
            "label": registry.SEVERITY_LABELS[severity],
            "findings": [f for f in data["findings"] if f["severity"] == severity],
        }
        for severity in registry.SEVERITIES
    ]


def _site(request):
    chosen = request.GET.get("site")
    if chosen and chosen.isdigit():
        found = Site.objects.filter(pk=chosen).first()
        if found is not None:
            return found
    return Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()


class TrustReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "contactkit/admin/trust_report.html"
    page_title = gettext_lazy("Trust report")
    header_icon = "success"

    def dispatch(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = _site(self.request)
        data = report_data(site)
        context.update(
            site=site,
            sites=Site.objects.order_by("hostname"),
            data=data,
            groups=grouped(data),
        )
        return context


class TrustPanel(Component):
    """On the admin's dashboard: the score and the three most serious findings."""

    name = "contactkit_trust"
    order = 90
    template_name = "contactkit/admin/trust_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        site = _site(self.request)
        data = report_data(site)
        order = {severity: index for index, severity in enumerate(registry.SEVERITIES)}
        top = sorted(data["findings"], key=lambda f: order[f["severity"]])[:3]
        return {
            "data": data,
            "top": top,
            "more": max(0, len(data["findings"]) - len(top)),
            "report_url": reverse("contactkit_trust_report"),
        }

    def render_html(self, parent_context=None):
        if not self.request.user.has_perm(PERMISSION):
            return ""
        return super().render_html(parent_context)


def admin_urls():
    return [path("contactkit/trust/", TrustReportView.as_view(), name="contactkit_trust_report")]
