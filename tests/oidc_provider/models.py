from django.conf import settings
from django.db import models

MISBEHAVIOURS = [
    ("", "Well-behaved tokens"),
    ("wrong-audience", "The ID token's aud is someone else"),
    ("expired", "The ID token was issued two hours ago and expired one hour ago"),
    ("wrong-nonce", "The ID token's nonce is not the one the relying party sent"),
    ("forged-signature", "The ID token is signed with a key that is not the provider's"),
]


class Claims(models.Model):
    """The OpenID claims of one user of the test provider (the email is the user's own), and
    how the provider misbehaves when it signs that user's ID tokens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_claims"
    )
    email_verified = models.BooleanField(default=True)
    name = models.CharField(max_length=200, blank=True)
    profile = models.CharField(max_length=500, blank=True)
    preferred_username = models.CharField(max_length=150, blank=True)
    misbehave = models.CharField(max_length=30, blank=True, choices=MISBEHAVIOURS)

    def __str__(self):
        return f"Claims of {self.user}"
