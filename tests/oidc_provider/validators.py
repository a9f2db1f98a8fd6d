"""The provider's OAuth2Validator: the users' claims, and the misbehaving ID tokens.

django-oauth-toolkit builds an ID token in ``finalize_id_token``: oauthlib has already put
``aud`` (the client id), ``iat`` and ``nonce`` into it, then ``get_id_token_dictionary``'s
claims (``sub``, the scoped claims of ``get_additional_claims``, ``iss``, ``exp``,
``auth_time``, ``jti``) are laid over it and the result is signed with the provider's RSA key.
Overriding ``get_id_token_dictionary`` therefore changes ``aud``/``iat``/``exp`` of a token that
is otherwise valid: the real key, the right ``iss``, the nonce echoed.
"""

import json
import time

from jwcrypto import jwk, jwt
from jwcrypto.common import base64url_decode
from oauth2_provider.oauth2_validators import OAuth2Validator

from .models import Claims

WRONG_AUDIENCE = "someone-else"
WRONG_NONCE = "not-the-nonce-you-sent"


def _claims_of(user):
    return Claims.objects.filter(user=user).first() or Claims(user=user)


class TestProviderValidator(OAuth2Validator):
    # DOT hands out each claim only with its scope (``oidc_claim_scope``): email and
    # email_verified need "email"; name, profile and preferred_username need "profile".

    def get_additional_claims(self, request):
        """The claims of ``request.user``, for the ID token and the userinfo endpoint; empty
        ones are left out, as OpenID Connect asks."""
        user = request.user
        claims = _claims_of(user)
        additional = {}
        if user.email:
            additional["email"] = user.email
            additional["email_verified"] = claims.email_verified
        for field in ("name", "profile", "preferred_username"):
            if value := getattr(claims, field):
                additional[field] = value
        return additional

    def get_discovery_claims(self, request):
        # get_additional_claims takes the request, so DOT cannot list the claims by itself.
        return ["sub", "email", "email_verified", "name", "profile", "preferred_username"]

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        misbehave = _claims_of(request.user).misbehave
        if misbehave == "wrong-audience":
            claims["aud"] = WRONG_AUDIENCE
        elif misbehave == "expired":
            now = int(time.time())
            claims["iat"] = now - 2 * 3600
            claims["exp"] = now - 3600
            claims["auth_time"] = min(claims["auth_time"], claims["iat"])
        elif misbehave == "wrong-nonce":
            claims["nonce"] = WRONG_NONCE
        return claims, expiration_time

    def finalize_id_token(self, id_token, token, token_handler, request):
        """The signed ID token; for a "forged-signature" user, the same header (with the
        provider's key id) and claims signed again with a key the provider never published."""
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        if _claims_of(request.user).misbehave != "forged-signature":
            return serialized
        header, payload, _signature = serialized.split(".")
        forged = jwt.JWT(
            header=json.loads(base64url_decode(header)),
            claims=json.loads(base64url_decode(payload)),
        )
        forged.make_signed_token(jwk.JWK.generate(kty="RSA", size=2048))
        return forged.serialize()
