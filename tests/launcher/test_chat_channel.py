"""A "Live chat" channel says who answers it: the shop's own chat, a third party's (whose id is
checked), or any chat by its link; fields of the other choices are never kept."""

import pytest
from django.core.exceptions import ValidationError

from contactkit.profile.models import ContactChannel


def chat(site, **fields):
    return ContactChannel(site=site, kind="chat", **fields)


def errors_of(channel):
    with pytest.raises(ValidationError) as raised:
        channel.full_clean()
    return {
        field: [str(m) for m in messages] for field, messages in raised.value.message_dict.items()
    }


def test_a_chat_says_who_answers_it(site):
    assert errors_of(chat(site)) == {"chat_provider": ["Choose who answers this chat."]}


def test_the_shops_own_chat_needs_nothing_else_and_keeps_nothing_else(site):
    channel = chat(
        site, chat_provider="contactkit", url="https://old.example/", chat_account="abcd"
    )
    channel.full_clean()
    assert (channel.url, channel.chat_account) == ("", "")


@pytest.mark.parametrize("provider", ["crisp", "tawkto", "tidio"])
def test_a_third_party_chat_needs_the_id_it_gives_the_shop(site, provider):
    errors = errors_of(chat(site, chat_provider=provider))
    assert list(errors) == ["chat_account"]
    assert errors_of(chat(site, chat_provider=provider, chat_account="<script>"))
    channel = chat(site, chat_provider=provider, chat_account=" 5f3c9a2b/1h2k3 ")
    channel.full_clean()
    assert channel.chat_account == "5f3c9a2b/1h2k3"


def test_a_chat_by_its_link_needs_a_secure_link(site):
    assert errors_of(chat(site, chat_provider="link")) == {
        "url": ["Give the https:// link that opens the chat."]
    }
    assert list(errors_of(chat(site, chat_provider="link", url="http://chat.example/"))) == ["url"]
    chat(site, chat_provider="link", url="https://chat.example/").full_clean()


def test_other_kinds_keep_no_chat_fields(site):
    channel = ContactChannel(
        site=site, kind="email", email="hola@example.com", chat_provider="crisp", chat_account="x"
    )
    channel.full_clean()
    assert (channel.chat_provider, channel.chat_account) == ("", "")
