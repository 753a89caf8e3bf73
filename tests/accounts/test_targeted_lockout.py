"""Throttles that stop guessing and mail flooding without handing strangers a way
to lock a reader out or fill their inbox."""

import itertools
import time as real_time

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, is_logged_in

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def stranger() -> Client:
    """A browser that never logged in, from an address of its own."""
    return Client(REMOTE_ADDR=next(_addresses))


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


class ShiftedClock:
    """allauth's rate limits read time.time(); this one can be moved forward."""

    def __init__(self):
        self.offset = 0.0
        self.monotonic = real_time.monotonic
        self.sleep = real_time.sleep

    def time(self):
        return real_time.time() + self.offset


@pytest.fixture
def clock(monkeypatch):
    shifted = ShiftedClock()
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", shifted)
    return shifted


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def readers_browser(verified_reader):
    """The reader's own browser: they logged in there once, then out."""
    browser = Client(REMOTE_ADDR="203.0.113.7")
    assert log_in(browser, "reader@example.com").status_code == 302
    browser.post(reverse("account_logout"))
    assert not is_logged_in(browser)
    return browser


def test_strangers_guessing_from_many_addresses_do_not_lock_the_reader_out_of_their_browser(
    readers_browser,
):
    for _ in range(5):
        answer = log_in(stranger(), "reader@example.com", "guess")
        assert "not correct" in answer.content.decode()
    refused = log_in(stranger(), "reader@example.com", PASSWORD).content.decode()
    assert "Too many failed login attempts." in refused  # the guessers are stopped

    assert log_in(readers_browser, "reader@example.com").status_code == 302
    assert is_logged_in(readers_browser)


def test_the_readers_own_typos_are_still_throttled_in_their_browser(readers_browser):
    for _ in range(5):
        log_in(readers_browser, "reader@example.com", "typo")
    answer = log_in(readers_browser, "reader@example.com")
    assert "Too many failed login attempts." in answer.content.decode()
    assert not is_logged_in(readers_browser)


def test_a_browser_cookie_for_another_account_counts_as_a_stranger(
    readers_browser, verified_reader
):
    for _ in range(5):
        log_in(readers_browser, "editor@example.com", "guess")
    answer = log_in(readers_browser, "editor@example.com", "guess")
    assert "Too many failed login attempts." in answer.content.decode()


def test_guessing_one_account_slowly_meets_longer_limits(verified_reader, clock):
    """5 guesses every 5 minutes would be 1,440 a day; past 20 in an hour they stop."""
    for _ in range(4):
        for _ in range(5):
            assert "not correct" in log_in(stranger(), "reader@example.com", "g").content.decode()
        clock.offset += 5 * 60 + 1
    answer = log_in(stranger(), "reader@example.com", PASSWORD)
    assert "Too many failed login attempts." in answer.content.decode()
    clock.offset += 60 * 60
    assert log_in(stranger(), "reader@example.com").status_code == 302


@pytest.mark.parametrize("email", ["nobody@example.com", "reader@example.com"])
def test_password_reset_mails_to_one_address_are_capped_per_hour(verified_reader, clock, email):
    answers = [
        stranger().post(reverse("account_reset_password"), {"email": email}).status_code
        for _ in range(10)
    ]
    assert answers == [302] * 3 + [429] * 7
    assert len(mail.outbox) == 3
    clock.offset += 60 * 60 + 1
    assert stranger().post(reverse("account_reset_password"), {"email": email}).status_code == 302
    assert len(mail.outbox) == 4
