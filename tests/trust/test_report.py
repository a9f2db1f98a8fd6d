"""The trust report's frame: the registry (adding, replacing, switching off rules), the score,
the command (text, JSON, its exit status) and the admin's panel and page."""

import json

import pytest
from django.core.management import call_command
from wagtail import hooks

from contactkit.trust import registry
from contactkit.trust.registry import LAW, RECOMMENDED, SHOPPERS, Rule
from contactkit.trust.report import build
from tests.profile.builders import profile_for


def rule(rule_id, severity, *, fails=True, detail="", applies=True):
    return Rule(
        id=rule_id,
        severity=severity,
        title=f"Title of {rule_id}",
        why=f"Why {rule_id} matters.",
        law="Test Act art. 1" if severity == LAW else "",
        check=lambda context: [detail] if fails else [],
        fix=lambda context: context.profile_url,
        fix_label="Store profile",
        applies=lambda context: applies,
    )


@pytest.fixture
def only(settings):
    """Only the rules a test registers (contactkit's own switched off)."""
    own = [found.id for found in registry.rules()]
    settings.CONTACTKIT_TRUST_RULES_OFF = own
    added = []

    def add(*rules):
        for one in rules:
            registry.register(one)
            added.append(one.id)

    yield add
    for rule_id in added:
        registry.unregister(rule_id)


def test_the_score_and_the_groups(site, only):
    profile_for(site, trade_name="Cerámica Alba")
    only(
        rule("t.law", LAW, detail="no address"),
        rule("t.shoppers", SHOPPERS),
        rule("t.recommended", RECOMMENDED),
        rule("t.met", SHOPPERS, fails=False),
        rule("t.elsewhere", LAW, applies=False),
    )

    report = build(site)

    assert report.score == 100 - 12 - 6 - 2
    assert [rule.id for rule in report.passed] == ["t.met"]
    assert [rule.id for rule in report.not_applicable] == ["t.elsewhere"]
    assert [
        (severity, [f.rule.id for f in found]) for severity, _, found in report.by_severity()
    ] == [
        ("law", ["t.law"]),
        ("shoppers", ["t.shoppers"]),
        ("recommended", ["t.recommended"]),
    ]
    assert report.law_findings[0].detail == "no address"


def test_a_project_adds_replaces_and_switches_off_rules_hook_style(site, only, settings):
    only(rule("t.kept", SHOPPERS), rule("t.replaced", SHOPPERS))

    def project_rules():
        return [rule("t.replaced", RECOMMENDED), rule("t.project", LAW, fails=False)]

    with hooks.register_temporarily("register_contactkit_trust_rules", project_rules):
        settings.CONTACTKIT_TRUST_RULES_OFF = [*settings.CONTACTKIT_TRUST_RULES_OFF, "t.kept"]
        found = {rule.id: rule for rule in registry.rules()}

    assert set(found) == {"t.replaced", "t.project"}
    assert found["t.replaced"].severity == RECOMMENDED


def test_the_command_prints_text_and_json_and_fails_on_the_law(site, only, capsys):
    profile_for(site, trade_name="Cerámica Alba")
    only(rule("t.law", LAW, detail="no address"), rule("t.met", SHOPPERS, fails=False))

    with pytest.raises(SystemExit) as exit_:
        call_command("contactkit_trust_report", "--language", "en")
    assert exit_.value.code == 1
    text = capsys.readouterr().out
    assert "Trust report for" in text and "88/100" in text
    assert "Required by law (1)" in text and "[t.law] Title of t.law: no address" in text
    assert "Why t.law matters." in text and "/admin/settings/contactkit/storeprofile/" in text

    with pytest.raises(SystemExit):
        call_command("contactkit_trust_report", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["score"] == 88 and data["passed"] == ["t.met"]
    assert data["findings"][0] | {"fix": ""} == {
        "rule": "t.law",
        "severity": "law",
        "severity_label": "Required by law",
        "title": "Title of t.law",
        "detail": "no address",
        "why": "Why t.law matters.",
        "law": "Test Act art. 1",
        "fix": "",
        "fix_label": "Store profile",
    }


def test_the_command_exits_0_without_a_legal_finding(site, only, capsys):
    only(rule("t.shoppers", SHOPPERS))

    call_command("contactkit_trust_report")  # no SystemExit

    assert "Nothing required by law is missing." in capsys.readouterr().out


def test_the_dashboard_panel_and_the_report_page(admin_client, site, only):
    profile_for(site, trade_name="Cerámica Alba")
    only(rule("t.law", LAW, detail="no address"), rule("t.recommended", RECOMMENDED))

    dashboard = admin_client.get("/admin/").content.decode()
    assert "How trustworthy your shop looks" in dashboard
    assert "Score: 86/100" in dashboard and "Title of t.law: no address" in dashboard
    assert "/admin/contactkit/trust/" in dashboard

    page = admin_client.get("/admin/contactkit/trust/").content.decode()
    assert "Required by law (1)" in page and "Recommended (1)" in page
    assert "Expected by shoppers (0)" in page
    assert "Why t.law matters." in page and "(Test Act art. 1)" in page


def test_the_report_is_worked_out_again_when_the_profile_changes(admin_client, site, only):
    profile = profile_for(site, trade_name="")
    only(
        Rule(
            id="t.name",
            severity=LAW,
            title="Name the shop",
            why="Shoppers must know.",
            check=lambda context: [] if context.profile.trade_name else [""],
            fix=lambda context: context.profile_url,
        )
    )
    assert "Name the shop" in admin_client.get("/admin/contactkit/trust/").content.decode()

    profile.trade_name = "Cerámica Alba"
    profile.save()

    assert "Name the shop" not in admin_client.get("/admin/contactkit/trust/").content.decode()


def test_staff_without_the_profile_permission_see_neither(client, site, only):
    from tests.inbox.builders import staff_user

    only(rule("t.law", LAW))
    client.force_login(staff_user("view_conversation", username="reader"))

    assert "How trustworthy" not in client.get("/admin/").content.decode()
    assert client.get("/admin/contactkit/trust/").status_code in (302, 403)


def test_the_demo_shop_has_no_finding_required_by_law(db, settings, tmp_path, capsys):
    """docs/trust-report.md shows this report."""
    import io

    from wagtail.models import Site

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo_shop", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "testserver", 80
    site.save()

    report = build(site)

    assert report.law_findings == []
    assert [finding.rule.id for finding in report.findings] == ["shoppers.social-proven"]
    assert report.score == 98
    call_command("contactkit_trust_report")  # exits 0: no SystemExit
    assert "Nothing required by law is missing." in capsys.readouterr().out


def test_pages_are_read_over_https_when_the_site_redirects_to_it(site, settings):
    """Production redirects http to https (behind a proxy that says so in a header): the
    report reads the pages as shoppers get them, not the redirect."""
    from contactkit.pages.models import ContactPage
    from contactkit.trust.context import TrustContext

    profile_for(site, trade_name="Cerámica Alba")
    page = site.root_page.add_child(instance=ContactPage(title="Contact", slug="contact"))
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert "Cerámica Alba" in TrustContext(site).html(page)
