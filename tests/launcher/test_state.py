"""The launcher's live state: who can answer now, on which channel, and when the team is back.

Time is frozen in Madrid's winter (UTC+1): Wednesday 4 March 2026 is a working day, Friday
6 March at 21:00 is after closing, and the team is back on Monday 9 March at 9:00.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from contactkit.launcher.models import ChatPresence, LauncherSettings
from contactkit.launcher.state import launcher_state
from contactkit.pages.models import ContactPage
from tests.inbox.builders import staff_user
from tests.profile.builders import channel, profile_for

MADRID = dt.timezone(dt.timedelta(hours=1))
WEDNESDAY_MORNING = dt.datetime(2026, 3, 4, 11, 0, tzinfo=MADRID)
FRIDAY_NIGHT = dt.datetime(2026, 3, 6, 21, 0, tzinfo=MADRID)
WEEKDAYS = [0, 1, 2, 3, 4]


@pytest.fixture
def shop(site):
    """A Spanish shop: a phone line and WhatsApp on weekdays, email, the contact form, and
    its own chat on weekdays from 9:00 to 19:00."""
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "phone", hours=[(WEEKDAYS, "09:00", "14:00"), (WEEKDAYS, "16:00", "19:00")])
    channel(site, "whatsapp", phone="+34612345678", hours=[(WEEKDAYS, "09:00", "20:00")])
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    channel(site, "form", reply_time=1440)
    channel(site, "chat", chat_provider="contactkit", hours=[(WEEKDAYS, "09:00", "19:00")])
    site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))
    return site


@pytest.fixture
def marta(db):
    return staff_user("view_conversation", "reply_conversation", username="marta")


def available(user, site, at):
    return ChatPresence.objects.create(user=user, site=site, available=True, seen_at=at)


def by_kind(state):
    return {found["kind"]: found for found in state["channels"]}


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_in_hours_with_someone_in_the_chat(shop, marta):
    available(marta, shop, timezone.now())

    state = launcher_state(shop, "en")

    assert state["open"] is True
    assert state["nobody"] is None and state["back_at"] is None
    assert state["chat"]["available"] is True
    assert state["chat"]["provider"] == "contactkit"
    assert state["chat"]["account"] is None
    channels = by_kind(state)
    assert list(channels) == ["phone", "whatsapp", "email", "form"]
    assert channels["phone"]["href"] == "tel:+34960123456"
    assert channels["phone"]["open_now"] is True
    assert channels["phone"]["status"] == "Open now, until 2 p.m."
    assert channels["whatsapp"]["href"] == "https://wa.me/34612345678"
    assert channels["email"]["href"] == "mailto:hola@ceramica.example"
    assert channels["email"]["reply_time"] == "within a day"
    # Absolute: the widget shows it on other storefronts.
    assert channels["form"]["href"] == "http://testserver/contacto/#contact-form"
    assert state["contact_url"] == "http://testserver/contacto/"
    assert state["reply_time"] == "within a day"
    assert state["texts"]["title"] == "Talk to us"
    assert state["texts"]["typing"] == "Cerámica Alba is typing…"
    assert state["texts"]["choose_chat"] == ""


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_in_hours_without_staff_the_chat_is_not_offered_but_the_phone_is(shop):
    state = launcher_state(shop, "en")

    assert state["chat"]["available"] is False
    # Within its hours all the same: staff simply are not at their admin.
    assert state["chat"]["open_now"] is True
    assert state["open"] is True
    assert state["nobody"] is None


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_presence_expires_when_the_admin_tab_stops_beating(shop, marta):
    available(marta, shop, timezone.now() - dt.timedelta(seconds=46))

    assert launcher_state(shop, "en")["chat"]["available"] is False


@time_machine.travel(FRIDAY_NIGHT, tick=False)
def test_out_of_hours_nobody_answers_and_says_when_the_team_is_back(shop, marta):
    # Staff still at the admin on a Friday night do not open the chat outside its hours.
    available(marta, shop, timezone.now())

    english = launcher_state(shop, "en")
    spanish = launcher_state(shop, "es")

    for state in (english, spanish):
        assert state["open"] is False
        assert state["chat"]["available"] is False
        assert state["back_at"] == "2026-03-09T09:00:00+01:00"
        assert by_kind(state)["phone"]["open_now"] is False
        # Written channels take messages at any hour.
        assert by_kind(state)["email"]["open_now"] is True
    assert english["nobody"] == "Nobody can answer right now. We are back on Monday at 9 a.m."
    assert spanish["nobody"] == "Ahora no puede atenderte nadie. Volvemos el lunes a las 09:00."
    assert by_kind(english)["phone"]["status"] == "Closed now, opens Monday at 9 a.m."
    assert spanish["texts"]["title"] == "Habla con nosotros"
    assert spanish["contact_url"] == english["contact_url"]


def test_back_later_today_and_tomorrow(shop):
    # Between the phone's morning and afternoon hours the chat (9–19) is open: no one is there.
    with time_machine.travel(dt.datetime(2026, 3, 4, 7, 30, tzinfo=MADRID), tick=False):
        state = launcher_state(shop, "en")
    assert state["nobody"] == "Nobody can answer right now. We are back today at 9 a.m."
    with time_machine.travel(dt.datetime(2026, 3, 4, 22, 0, tzinfo=MADRID), tick=False):
        state = launcher_state(shop, "en")
    assert state["nobody"] == "Nobody can answer right now. We are back tomorrow at 9 a.m."


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_in_hours_without_staff_and_nothing_else_live_says_nobody_without_a_time(site):
    profile_for(site, trade_name="Cerámica Alba")
    channel(site, "email", email="hola@ceramica.example")
    channel(site, "chat", chat_provider="contactkit")

    state = launcher_state(site, "en")

    assert state["open"] is False
    assert state["back_at"] is None
    assert state["nobody"] == (
        "Nobody can answer right now. Write to us and we will answer as soon as we can."
    )


@pytest.mark.parametrize(
    ("provider", "account", "url"),
    [
        ("crisp", "6f3e1b2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", None),
        ("tawkto", "64f1a2b3c4d5e6f7a8b9c0d1/1h9abcdef", None),
        ("tidio", "abcdefghijklmnopqrstuvwxyz012345", None),
        ("link", None, "https://chat.example/ceramica-alba"),
    ],
)
@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_third_party_chats_give_what_their_script_needs_and_no_more(shop, provider, account, url):
    from contactkit.profile.models import ContactChannel

    found = ContactChannel.objects.get(site=shop, kind="chat")
    found.chat_provider = provider
    found.chat_account = account or ""
    found.url = url or ""
    found.full_clean()
    found.save()

    state = launcher_state(shop, "en")

    # Within the chat's hours it is offered; nobody in contactkit's admin is needed.
    assert state["chat"]["available"] is True
    assert state["chat"]["provider"] == provider
    assert state["chat"]["account"] == account
    assert state["chat"]["url"] == url
    if provider == "link":
        assert state["texts"]["choose_chat"] == ""
    else:
        name = {"crisp": "Crisp", "tawkto": "Tawk.to", "tidio": "Tidio"}[provider]
        assert state["texts"]["choose_chat"] == (
            f"This chat is run by {name}. Opening it loads their script."
        )


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_the_launcher_switched_off_offers_no_chat(shop, marta):
    available(marta, shop, timezone.now())
    settings = LauncherSettings.for_site(shop)
    settings.enabled = False
    settings.save()

    state = launcher_state(shop, "en")

    assert state["enabled"] is False
    assert state["chat"]["available"] is False


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_few_queries_however_many_channels(shop, marta, django_assert_num_queries):
    available(marta, shop, timezone.now())
    for number in range(5):
        channel(
            shop,
            "phone",
            phone=f"+3496012345{number}",
            hours=[(WEEKDAYS, "09:00", "14:00")],
        )
    launcher_state(shop, "en")  # the reply times are computed once, then cached

    with django_assert_num_queries(10):
        launcher_state(shop, "en")
