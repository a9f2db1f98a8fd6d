"""What the launcher shows right now: who can answer, on which channel, and when the team is back.

:func:`launcher_state` is the one place that decides it, from the shop's channels and their
opening hours (:class:`~contactkit.profile.shop.Shop`) and from staff presence for the chat. It
returns plain JSON-ready data with every word already in the shopper's language, so the page
that carries the launcher stays cacheable (the state comes from the API, see
:mod:`contactkit.launcher.api`) and the panel's JavaScript holds no words of its own.

"Open" is never stored: it is computed for ``now`` in the shop's time zone, as on the pages.
A channel without opening hours has no status: it is never said to be closed.
"""

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from contactkit.conf import contactkit_settings
from contactkit.profile import hours
from contactkit.profile.choices import ChannelKind, ChatProvider
from contactkit.profile.shop import Shop

# The channels the panel lists, in the editor's order: the ways to reach a person from afar.
LISTED_KINDS = (
    ChannelKind.PHONE,
    ChannelKind.WHATSAPP,
    ChannelKind.TELEGRAM,
    ChannelKind.MESSENGER,
    ChannelKind.EMAIL,
    ChannelKind.FORM,
)
# The channels a person answers there and then: when none of them is open, nobody can answer.
LIVE_KINDS = (ChannelKind.PHONE, ChannelKind.WHATSAPP, ChannelKind.CHAT, ChannelKind.STORE)
# Third-party chats: their script is loaded only once the shopper chooses them.
THIRD_PARTY = (ChatProvider.CRISP, ChatProvider.TAWKTO, ChatProvider.TIDIO)


def language_or_default(language):
    """``language`` if the site speaks it (or its base language), else the default one."""
    try:
        return translation.get_supported_language_variant(language or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def launcher_state(site, language, now=None):
    """The launcher's live state for ``site`` at ``now``, its words in ``language``.

    See docs/launcher-api.md for the shape. A few queries: the profile, its holidays, the
    channels with their hours, staff presence (only with a native chat), the launcher and
    inbox settings, the contact and privacy pages, and the reply times (cached when warm).
    """
    from contactkit.inbox.models import InboxSettings
    from contactkit.launcher.chat import staff_available
    from contactkit.launcher.models import LauncherSettings

    now = now or timezone.now()
    language = language_or_default(language)
    with translation.override(language):
        shop = Shop.for_site(site, now=now)
        shop_name = shop.profile.name or str(site)
        launcher = LauncherSettings.for_site(site)
        chat_view = shop.first(ChannelKind.CHAT)
        chat = _chat(chat_view, site, now, staff_available)
        if not launcher.enabled:
            chat["available"] = False

        channels = [_channel(view, shop) for view in shop.channels if view.kind in LISTED_KINDS]

        # The chat counts when a shopper can chat now; the other live channels by their hours.
        live = [
            view
            for view in shop.channels
            if view.kind in LIVE_KINDS and view.kind != ChannelKind.CHAT
        ]
        open_now = chat["available"] or any(_open(view) for view in live)
        if chat_view is not None:
            live.append(chat_view)
        back_at = None if open_now else _back_at(live, now)
        nobody = None if open_now else nobody_text(back_at, now)

        contact = shop.contact_page
        contact_url = contact.get_full_url() if contact else ""
        privacy = InboxSettings.for_site(site).privacy_page
        privacy = privacy.localized if privacy is not None else None
        reply_time = shop.expected_reply_time or None
        return {
            "enabled": launcher.enabled,
            "language": language,
            "shop": shop_name,
            "open": open_now,
            "chat": chat,
            "channels": channels,
            "nobody": nobody,
            "back_at": back_at.isoformat() if back_at else None,
            "reply_time": str(reply_time) if reply_time else None,
            "contact_url": contact_url,
            "privacy_url": (privacy.get_full_url() or "") if privacy and privacy.live else "",
            "poll": contactkit_settings.CHAT_POLL_SECONDS,
            # Whether chats are pushed as Server-Sent Events here (else the panel only polls).
            "stream": _streams_enabled(),
            "texts": texts(shop_name, chat["provider_name"], reply_time),
        }


def _open(view):
    """Whether ``view`` is open now; a channel without hours is never said to be closed."""
    return view.status.is_open if view.status is not None else True


def _status(view):
    return view.status_text.text if view.status_text else None


def _reply_time(view):
    found = view.reply_time_text
    return str(found.text) if found else None


def _channel(view, shop):
    href = view.href
    if view.kind == ChannelKind.FORM:
        # Absolute, for the widget on another storefront.
        if view.channel.page_id and view.channel.page:
            href = view.channel.page.localized.get_full_url() or href
        elif shop.contact_page is not None:
            href = f"{shop.contact_page.get_full_url()}#contact-form"
    return {
        "kind": view.kind,
        "label": str(view.display_label),
        "href": href,
        "open_now": _open(view),
        "status": _status(view),
        "reply_time": _reply_time(view),
    }


def _chat(view, site, now, staff_available):
    """The chat's part of the state: who runs it, whether a shopper can chat now."""
    if view is None:
        return {
            "available": False,
            "provider": None,
            "provider_name": "",
            "account": None,
            "url": None,
            "label": "",
            "open_now": False,
            "status": None,
            "reply_time": None,
        }
    provider = view.chat_provider or ChatProvider.NATIVE
    within_hours = _open(view)
    if provider == ChatProvider.NATIVE:
        available = within_hours and staff_available(site, now)
    else:
        available = within_hours
    return {
        "available": bool(available),
        "provider": str(provider),
        "provider_name": str(ChatProvider(provider).label) if provider in THIRD_PARTY else "",
        "account": (view.chat_account or None) if provider in THIRD_PARTY else None,
        "url": (view.url or None) if provider == ChatProvider.LINK else None,
        "label": str(view.display_label),
        "open_now": within_hours,
        "status": _status(view),
        "reply_time": _reply_time(view),
    }


def _back_at(live, now):
    """The next opening among the channels a person answers, in the shop's zone, or None."""
    openings = [
        view.status.opens_at
        for view in live
        if view.status is not None and not view.status.is_open and view.status.opens_at
    ]
    return min(openings, default=None)


def back_text(back_at, now):
    """ "We are back today at 16:00", "… tomorrow at…", "… on Monday at…", "… on 12/01/2027 at…"."""
    text = _back_text(back_at, now)
    # "… at 9 a.m.." in English: the time's own full stop ends the sentence.
    return text[:-1] if text.endswith("..") else text


def _back_text(back_at, now):
    local_now = now.astimezone(back_at.tzinfo)
    days = (back_at.date() - local_now.date()).days
    time = hours.time_text(back_at)
    if days <= 0:
        return gettext("We are back today at %(time)s.") % {"time": time}
    if days == 1:
        return gettext("We are back tomorrow at %(time)s.") % {"time": time}
    if days < 7:
        return gettext("We are back on %(day)s at %(time)s.") % {
            "day": hours.weekday_name(back_at.weekday()),
            "time": time,
        }
    return gettext("We are back on %(date)s at %(time)s.") % {
        "date": formats.date_format(back_at.date(), "SHORT_DATE_FORMAT"),
        "time": time,
    }


def nobody_text(back_at, now):
    """What the panel says when nobody can answer: that, and when the team is back."""
    first = gettext("Nobody can answer right now.")
    if back_at is None:
        return f"{first} {gettext('Write to us and we will answer as soon as we can.')}"
    return f"{first} {back_text(back_at, now)}"


def chat_unavailable_text(state):
    """Why a chat cannot start now and what to do instead (the API's 409), from ``state``
    (:func:`launcher_state`), in its language."""
    with translation.override(state["language"]):
        text = gettext("Nobody is in the chat right now.")
        if state["nobody"]:
            return f"{text} {state['nobody']}"
        return f"{text} {gettext('Write to us and we will answer by email.')}"


def texts(shop_name, provider_name="", reply_time=None):
    """Every sentence the launcher's panel and the widget show, in the active language."""
    texts = {
        "title": gettext("Talk to us"),
        # The widget's button, and what the shop's own pages render in the template.
        "button": gettext("Contact us"),
        "end_chat": gettext("End chat here"),
        "website": gettext("Leave this empty"),
        "close": gettext("Close"),
        "open_now": gettext("Open now"),
        "closed": gettext("Closed"),
        "chat": gettext("Live chat"),
        "start_chat": gettext("Start a chat"),
        "chat_intro": gettext(
            "Someone from %(shop)s answers you here. If you have to go, the answer also "
            "reaches your email."
        )
        % {"shop": shop_name},
        "your_name": gettext("Your name"),
        "your_email": gettext("Your email"),
        "message": gettext("Your message"),
        "send": gettext("Send"),
        "sending": gettext("Sending…"),
        "you": gettext("You"),
        "typing": gettext("%(name)s is typing…") % {"name": shop_name},
        "new_message": gettext("New message"),
        "staff_left": gettext(
            "The team had to leave. We will answer by email; your conversation stays here:"
        ),
        "staff_back": gettext("Someone from the team is back in the chat."),
        "continue_link": gettext("Your conversation page"),
        "closed_conversation": gettext("Closed. If you write again, we open it again."),
        "sent": gettext("Sent"),
        "error": gettext(
            "Your message could not be sent. Check your connection and try again; what you "
            "wrote is still here."
        ),
        "too_many": gettext("That is a lot of messages at once. Wait a moment and try again."),
        "consent": gettext(
            "By starting the chat you agree that the shop keeps your messages to answer them."
        ),
        "privacy": gettext("Read how we handle your data"),
        "choose_chat": (
            gettext("This chat is run by %(provider)s. Opening it loads their script.")
            % {"provider": provider_name}
            if provider_name
            else ""
        ),
        "open_chat": gettext("Open the chat"),
        "chat_unavailable": gettext("Nobody is in the chat right now."),
        "other_ways": gettext("Other ways to reach us"),
        "reply_time": gettext("Usually replies"),
        "reply_time_sentence": (
            gettext("A person from the team usually answers %(reply_time)s.")
            % {"reply_time": reply_time}
            if reply_time
            else ""
        ),
    }
    return {key: str(value) for key, value in texts.items()}


def _streams_enabled():
    from contactkit.launcher.sse import enabled

    return enabled()
