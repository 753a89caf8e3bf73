"""Resetting a forgotten password by email."""

from django.core import mail
from django.urls import reverse

from tests.accounts.conftest import is_logged_in, link_in_last_email, log_in

RESET_KEY_PREFIX = "/accounts/password/reset/key/"


def request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def test_it_emails_a_reset_link(client, verified_reader):
    response = request_reset(client, "Reader@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reader@example.com"]
    assert mail.outbox[0].subject == "[Briefing] Password Reset Email"
    assert mail.outbox[0].body.startswith("Hello from Briefing!")
    assert RESET_KEY_PREFIX in mail.outbox[0].body


def test_the_link_sets_a_new_password_that_then_logs_in(client, verified_reader):
    request_reset(client, "reader@example.com")
    link = link_in_last_email(RESET_KEY_PREFIX)
    form_page = client.get(link, follow=True)  # allauth moves the key into the session
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new = "a brand new passphrase"
    response = client.post(action, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    assert not is_logged_in(client)
    assert log_in(client, "reader@example.com", new).status_code == 302


def test_a_used_or_forged_link_is_refused(client, verified_reader):
    response = client.get(f"{RESET_KEY_PREFIX}1-not-a-real-key/", follow=True)
    assert "The password reset link was invalid" in response.content.decode()


def test_an_unknown_address_gets_the_same_answer(client, db):
    response = request_reset(client, "nobody@example.com")
    assert response["Location"] == reverse("account_reset_password_done")
    # allauth tells the address's owner that there is no account, without a link.
    assert RESET_KEY_PREFIX not in mail.outbox[0].body
