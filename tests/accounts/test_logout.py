"""Logging out: only by POST (the header's button), back to where the reader was."""

from django.urls import reverse

from tests.accounts.conftest import is_logged_in

LOGOUT = "/accounts/logout/"


def test_a_get_only_asks_and_leaves_the_reader_logged_in(client, reader):
    client.force_login(reader)
    response = client.get(LOGOUT)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<form class="account account-form" method="post" action="{LOGOUT}">' in page
    assert is_logged_in(client)


def test_a_post_logs_out_and_goes_to_the_front_page(client, reader):
    client.force_login(reader)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_logged_in(client)


def test_a_post_from_an_article_returns_to_it(client, reader):
    client.force_login(reader)
    response = client.post(LOGOUT, {"next": "/articles/x/?c=12"})
    assert response["Location"] == "/articles/x/?c=12"
    assert not is_logged_in(client)


def test_a_post_refuses_a_next_on_another_site(client, reader):
    client.force_login(reader)
    response = client.post(LOGOUT, {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_post_without_the_csrf_token_is_refused(reader):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)
    assert browser.post(LOGOUT).status_code == 403
    assert is_logged_in(browser)


def test_an_anonymous_visitor_is_sent_home(client, db):
    assert client.post(LOGOUT)["Location"] == "/"
    assert client.get(LOGOUT)["Location"] == "/"


def test_logout_url_is_allauths(db):
    assert reverse("account_logout") == LOGOUT
