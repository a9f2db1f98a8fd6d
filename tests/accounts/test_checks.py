"""manage.py check tells a developer what sign-in still needs."""

from contactkit.accounts.checks import check_sign_in


def ids(settings_):
    return sorted(problem.id for problem in check_sign_in())


def test_nothing_to_check_while_sign_in_is_off(settings):
    settings.CONTACTKIT_SIGN_IN = {}
    assert ids(settings) == []


def test_the_demo_settings_with_a_provider_pass(settings):
    settings.CONTACTKIT_SIGN_IN = {"shoppers": ["oidc"]}
    assert ids(settings) == []


def test_each_missing_piece_is_named(settings):
    settings.CONTACTKIT_SIGN_IN = {"shoppers": ["google-oauth2"], "staff": ["oidc"]}
    settings.SOCIAL_AUTH_PIPELINE = ("social_core.pipeline.social_auth.social_details",)

    assert ids(settings) == ["contactkit.E011", "contactkit.E012", "contactkit.E013"]


def test_a_staff_provider_that_never_verifies_addresses_is_warned_about(settings):
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "social_core.backends.microsoft.MicrosoftOAuth2",
    ]
    settings.CONTACTKIT_SIGN_IN = {"staff": ["microsoft-graph"], "staff_email_domains": ["x.es"]}

    assert ids(settings) == ["contactkit.W010"]
