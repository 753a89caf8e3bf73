"""Confirming the email address from the link in the sign-up email."""

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import is_logged_in, link_in_last_email, log_in

CONFIRM_PREFIX = "/accounts/confirm-email/"


def sign_up(client, next_url=None):
    url = reverse("account_signup")
    if next_url:
        url += f"?next={next_url}"
    data = {"email": "ada@example.com", "username": "ada", "password1": "a long new password"}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def test_the_link_shows_a_confirmation_page_and_confirming_takes_a_post(client, db):
    sign_up(client)
    link = link_in_last_email(CONFIRM_PREFIX)
    page = client.get(link)
    assert page.status_code == 200
    assert "ada@example.com" in page.content.decode()
    assert not EmailAddress.objects.get().verified  # a mail scanner's GET confirms nothing

    client.post(link)
    assert EmailAddress.objects.get().verified


def test_confirming_in_the_same_browser_logs_in_and_returns_to_where_sign_up_began(client, db):
    sign_up(client, next_url="/articles/some-briefing/?c=12")
    response = client.post(link_in_last_email(CONFIRM_PREFIX))
    assert response.status_code == 302
    assert response["Location"] == "/articles/some-briefing/?c=12"
    assert is_logged_in(client)


def test_confirming_in_another_browser_confirms_but_asks_to_log_in(client, db):
    sign_up(client)
    other_browser = Client()
    response = other_browser.post(link_in_last_email(CONFIRM_PREFIX))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert EmailAddress.objects.get().verified
    assert not is_logged_in(other_browser)
    page = other_browser.get(response["Location"]).content.decode()
    assert "You have confirmed ada@example.com." in page


def test_an_unconfirmed_reader_cannot_log_in_and_is_sent_a_fresh_link(client, reader):
    EmailAddress.objects.create(user=reader, email=reader.email, primary=True, verified=False)
    response = log_in(client, "reader@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)
    assert mail.outbox[-1].to == ["reader@example.com"]


def test_a_wrong_key_is_an_invalid_link(client, db):
    response = client.get(f"{CONFIRM_PREFIX}not-a-real-key/")
    assert response.status_code == 200
    assert "This email confirmation link expired or is invalid." in response.content.decode()
