"""The form speaks Spain's "tú" Spanish, in its own messages and in those from libraries.

Django's and django-phonenumber-field's Spanish say "Introduzca", "Asegúrese" or "Ingrese… (ej.:
…)"; contactkit's catalogue words them as the rest of the form does (contactkit.library_wording).
"""

import re

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.core.cache import cache
from django.utils import translation
from phonenumber_field.formfields import PhoneNumberField

from tests.inbox.test_contact_form import contact_page, form_data  # noqa: F401
from tests.languages import in_language

# Formal ("usted") or Latin-American imperatives a Spanish shopper should never read.
USTED = re.compile(
    r"\b(Introduzca|Ingrese|Asegúrese|Escoja|Seleccione|Envíe|Compruebe|Corrija|Indique|"
    r"Proporcione|Elija|Revise|Por favor envíe|ingresado|ej\.:)",
)


@pytest.fixture(autouse=True)
def clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


def errors_in_spanish(client, page, **data):
    response = client.post(in_language(page.url, "es"), form_data(**data))
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    return " ".join(html.find("form").get_text(" ").split())


def test_a_wrong_email_and_phone_are_explained_with_tu(client, contact_page):  # noqa: F811
    text = errors_in_spanish(client, contact_page, email="ana@", phone="12")
    assert "Introduce una dirección de correo electrónico válida." in text
    assert "Introduce un número de teléfono válido (por ejemplo," in text
    assert not USTED.search(text), USTED.search(text)


def test_too_long_and_a_wrong_choice_are_explained_with_tu(client, contact_page):  # noqa: F811
    text = errors_in_spanish(client, contact_page, name="A" * 500, topic="nonsense")
    assert "Escribe como máximo" in text
    assert "Elige una opción válida." in text
    assert not USTED.search(text), USTED.search(text)


def test_library_messages_a_form_can_show_are_all_tu():
    class Everything(forms.Form):
        email = forms.EmailField()
        url = forms.URLField()
        number = forms.IntegerField(max_value=3)
        date = forms.DateField()
        time = forms.TimeField()
        choice = forms.ChoiceField(choices=[("a", "A")])
        phone = PhoneNumberField(region="ES")
        text = forms.CharField(max_length=2)

    data = {
        "email": "x",
        "url": "x",
        "number": "9",
        "date": "x",
        "time": "x",
        "choice": "b",
        "phone": "1",
        "text": "abc",
    }
    with translation.override("es"):
        form = Everything(data)
        messages = [str(message) for errors in form.errors.values() for message in errors]
    assert len(messages) == len(data)
    for message in messages:
        assert not USTED.search(message), message
