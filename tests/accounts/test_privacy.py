"""A privacy request for an address covers the shopper account that signed in with it."""

from django.contrib.auth import get_user_model
from social_django.models import UserSocialAuth

from contactkit.accounts.models import ShopperAccount
from contactkit.inbox import privacy
from tests.accounts.conftest import sign_in
from tests.inbox.builders import conversation


def test_export_and_erase_include_the_shopper_account(client, sign_in_on, contact_page):
    conversation(contact_page.get_site(), email="eva@example.com")
    sign_in_on.add_user("eva", email="eva@example.com", name="Eva Soler")
    sign_in(client, sign_in_on, "eva")
    social = UserSocialAuth.objects.get()
    # contactkit keeps none of the provider's tokens.
    assert "access_token" not in social.extra_data and "id_token" not in social.extra_data

    exported = privacy.export_for_email("EVA@example.com")
    assert exported["shopper_accounts"] == [
        {
            "name": "Eva Soler",
            "email": "eva@example.com",
            "email_verified": True,
            "signed_in_with": "oidc",
            "signed_up": exported["shopper_accounts"][0]["signed_up"],
            "last_signed_in": exported["shopper_accounts"][0]["last_signed_in"],
            "provider_accounts": [{"provider": "oidc", "uid": social.uid}],
        }
    ]

    privacy.erase_for_email("eva@example.com")

    assert not ShopperAccount.objects.exists()
    assert not UserSocialAuth.objects.exists()
    assert not get_user_model().objects.filter(email="eva@example.com").exists()
