"""Signing up: email, display name (the public username) and password."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.accounts.conftest import is_logged_in

User = get_user_model()
NEW_PASSWORD = "a long new password"


def sign_up(client, *, email="ada@example.com", username="Ada_L", password=NEW_PASSWORD):
    return client.post(
        reverse("account_signup"), {"email": email, "username": username, "password1": password}
    )


def test_the_form_asks_for_email_display_name_and_password_only(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="email"' in page
    assert '<label for="id_username">Display name</label>' in page
    assert "Shown publicly with your comments." in page
    assert 'aria-describedby="id_username_helptext"' in page
    assert 'maxlength="30"' in page
    assert 'name="password1"' in page
    assert 'name="password2"' not in page


def test_it_creates_the_reader_with_an_unconfirmed_address_and_sends_the_confirmation(client, db):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.username == "Ada_L"  # the casing the reader chose
    assert user.email == "ada@example.com"
    assert user.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("ada@example.com", True, False)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert mail.outbox[0].subject == "[Briefing] Please Confirm Your Email Address"
    assert not is_logged_in(client)  # verification is mandatory


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("ab", "A display name needs at least 3 characters."),
        ("a" * 31, "A display name can have at most 30 characters."),
        ("Ada Lovelace", "Use only letters (a-z), digits, and _ - . in a display name."),
        ("ada@home", "Use only letters (a-z), digits, and _ - . in a display name."),
        ("\u0410da", "Use only letters (a-z), digits, and _ - . in a display name."),  # Cyrillic A
        ("READER", "That display name is already taken. Please choose another."),
        ("Moderator", "That display name is reserved. Please choose another."),
        ("", "This field is required."),
    ],
)
def test_an_unacceptable_display_name_is_refused_and_nothing_is_created(
    client, reader, username, error
):
    response = sign_up(client, username=username)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'aria-invalid="true"' in page
    assert User.objects.count() == 1  # only the existing reader
    assert not EmailAddress.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("username", ["abc", "a" * 30, "ada.l-2_X"])
def test_display_names_at_the_limits_are_accepted(client, db, username):
    assert sign_up(client, username=username).status_code == 302
    assert User.objects.get().username == username


def test_a_weak_password_is_refused(client, db):
    response = sign_up(client, password="12345678")
    assert "This password is too common." in response.content.decode()
    assert not User.objects.exists()


def test_signing_up_with_a_registered_email_creates_nothing_and_tells_nobody_on_the_page(
    client, reader
):
    response = sign_up(client, email="READER@example.com")
    # The same answer as for a new address, so the form does not reveal who
    # has an account; the owner of the address gets an email about it.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert mail.outbox[0].to == ["reader@example.com"]


def test_sign_up_is_refused_to_a_signed_in_reader(client, reader):
    client.force_login(reader)
    response = client.get(reverse("account_signup"))
    assert response.status_code == 302
    assert response["Location"] == "/"
