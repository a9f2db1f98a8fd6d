"""The signed-in shopper behind a request, for forms, the launcher and the inbox."""

from contactkit.accounts import providers


def shopper_account(request):
    """The request's :class:`ShopperAccount`, or None (anonymous visitors, staff)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, "_contactkit_shopper", False)
    if cached is not False:
        return cached
    from contactkit.accounts.models import ShopperAccount

    account = ShopperAccount.objects.filter(user=user).first()
    request._contactkit_shopper = account
    return account


def initial(request):
    """What a form starts with for a signed-in shopper: their name, and their address only
    when the provider verified it."""
    account = shopper_account(request) if request is not None else None
    if account is None:
        return {}
    values = {"name": account.name} if account.name else {}
    if account.email_verified and account.email:
        values["email"] = account.email
    return values


def marks(request, email):
    """Who sent a new conversation from ``email``: the signed-in shopper (``shopper_id``), and
    whether ``email`` is the address their provider verified (``sender_verified``)."""
    account = shopper_account(request) if request is not None else None
    if account is None:
        return {}
    return {
        "shopper_id": account.user_id,
        "sender_verified": bool(
            account.email_verified
            and account.email
            and account.email == (email or "").strip().lower()
        ),
    }


def mark(conversation, request):
    """:func:`marks` set on an unsaved conversation."""
    for name, value in marks(request, conversation.email).items():
        setattr(conversation, name, value)


def sign_in_context(request, next_url):
    """What the "Continue with …" block needs: the providers (when nobody is signed in), or
    the signed-in shopper."""
    offered = providers.shopper_providers()
    if not offered:
        return {"sign_in": None}
    account = shopper_account(request) if request is not None else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and account is None:
        # Staff trying the shop's pages: no shopper sign-in offered to them.
        return {"sign_in": None}
    from contactkit.accounts.views import account_url

    return {
        "sign_in": {
            "providers": offered,
            "account": account,
            "next": next_url,
            "account_url": account_url(request) if account is not None else "",
        }
    }
