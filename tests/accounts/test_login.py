"""Logging in with an email address: where it leads, and how failures are throttled."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, is_logged_in, log_in


def failed_logins_allowed_per_email():
    """The n of the first (shortest) "n/period/key" part of the configured login_failed rate."""
    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    per_key = next(rate for rate in rates if rate.endswith("/key"))
    return int(per_key.split("/")[0])


def test_a_reader_logs_in_with_their_email_in_any_case(client, verified_reader):
    response = log_in(client, "Reader@Example.com")
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.session["_auth_user_id"] == str(verified_reader.pk)


def test_the_display_name_is_not_a_login(client, verified_reader):
    response = log_in(client, "reader")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not is_logged_in(client)


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client, verified_reader):
    response = log_in(client, "reader@example.com", "wrong password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The email address or password is not correct." in page
    assert 'role="alert"' in page
    assert not is_logged_in(client)


def test_failed_logins_are_throttled_per_email_even_with_the_right_password_after(
    client, verified_reader
):
    allowed = failed_logins_allowed_per_email()
    assert 1 <= allowed <= 5
    for _ in range(allowed):
        page = log_in(client, "reader@example.com", "wrong password").content.decode()
        assert "not correct" in page
    response = log_in(client, "reader@example.com", PASSWORD)
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert not is_logged_in(client)


def test_the_throttle_for_one_email_leaves_other_readers_alone(client, verified_reader, editor):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    for _ in range(failed_logins_allowed_per_email()):
        log_in(client, "reader@example.com", "wrong password")
    assert log_in(client, "editor@example.com").status_code == 302


def test_the_login_form_carries_next_through(client, db):
    page = client.get(reverse("account_login") + "?next=/articles/x/%3Fc%3D12").content.decode()
    assert '<input type="hidden" name="next" value="/articles/x/?c=12">' in page
    # ... and on to sign-up, for readers who have no account yet.
    assert 'href="/accounts/signup/?next=%2Farticles%2Fx%2F%3Fc%3D12"' in page


@pytest.mark.parametrize("next_url", ["/articles/x/", "/articles/x/?c=12"])
def test_logging_in_returns_to_next(client, verified_reader, next_url):
    response = log_in(client, "reader@example.com", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/articles/x/",
        "http://evil.example@127.0.0.1.evil.example/",
        "javascript:alert(1)",
        "ftp://localhost/",
    ],
)
def test_logging_in_refuses_a_next_on_another_site(client, verified_reader, next_url):
    response = log_in(client, "reader@example.com", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert is_logged_in(client)


def test_a_signed_in_reader_visiting_the_login_page_goes_on_to_next(client, reader):
    client.force_login(reader)
    response = client.get(reverse("account_login") + "?next=/articles/x/")
    assert response.status_code == 302
    assert response["Location"] == "/articles/x/"


def test_a_login_leaves_no_message_behind_for_a_later_page(client, verified_reader):
    log_in(client, "reader@example.com")
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Successfully signed in" not in page
    assert not re.search(r"account-messages", page)
