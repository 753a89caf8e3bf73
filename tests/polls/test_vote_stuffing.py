"""Vote stuffing: what counts as one voter, and what each way of voting twice gets.

A voter is a signed-in reader's account, or else an anonymous reader's signed
voter cookie (polls/voters.py). These tests try to be two voters while being
one, and check the result: one vote per voter identity, counters that agree
with the votes, and the limits where identities can be had for free.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import signing
from django.db import connection
from django.test import Client

from polls.models import Choice, Poll, Vote
from polls.voters import COOKIE_NAME, COOKIE_SALT
from polls.voting import Voter, VoteRefused, cast_vote, withdraw_vote
from tests.polls.conftest import choice_named

pytestmark = pytest.mark.django_db


def vote(client, poll, answer, **extra):
    return client.post(
        f"/polls/{poll.pk}/vote/", {"choice": choice_named(poll, answer).pk}, **extra
    )


def withdraw(client, poll, **extra):
    return client.post(f"/polls/{poll.pk}/withdraw/", **extra)


def counts(poll) -> dict[str, int]:
    """What readers are shown per answer; always checked against the votes themselves."""
    shown = dict(Choice.objects.filter(poll=poll).values_list("text", "vote_count"))
    for text, counted in shown.items():
        assert counted == Vote.objects.filter(poll=poll, choice__text=text).count(), text
    return {text: n for text, n in shown.items() if n}


def cookie_of(client) -> str:
    return client.cookies[COOKIE_NAME].value


def signed(value: str, *, salt=COOKIE_SALT, key=None) -> str:
    """A voter cookie as Django's set_signed_cookie signs it (optionally with another key)."""
    if key is None:
        return signing.get_cookie_signer(salt=COOKIE_NAME + salt).sign(value)
    return signing.TimestampSigner(key=key, salt=COOKIE_NAME + salt).sign(value)


@pytest.fixture
def poll(yes_no_poll):
    return yes_no_poll


# Forged cookies


@pytest.fixture
def victim(poll):
    """An anonymous reader who voted Yes: their cookie is what a forger would want."""
    browser = Client()
    assert vote(browser, poll, "Yes").status_code == 303
    return browser


def forged_values(victim_cookie: str) -> dict[str, str]:
    # key:issue time, then the signer's timestamp and signature
    key, issued, stamp, signature = victim_cookie.split(":")
    other_key = "f" * 32
    return {
        "a made-up signature": f"{key}:{issued}:{stamp}:not-a-signature",
        "the victim's key without the signature": f"{key}:{issued}",
        "another key under the victim's signature": f"{other_key}:{issued}:{stamp}:{signature}",
        "signed with another secret": signed(f"{other_key}:{issued}", key="not-our-secret"),
        "signed for another purpose (salt)": signed(f"{other_key}:{issued}", salt="sessions"),
        "our signature on a malformed key": signed(f"{'x' * 31}!:{issued}"),
        "our signature without an issue time": signed(other_key),
        "empty": "",
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "a made-up signature",
        "the victim's key without the signature",
        "another key under the victim's signature",
        "signed with another secret",
        "signed for another purpose (salt)",
        "our signature on a malformed key",
        "our signature without an issue time",
        "empty",
    ],
)
@pytest.mark.parametrize("endpoint", ["vote", "withdraw", "propose"])
def test_a_forged_cookie_is_refused_reset_and_changes_nothing(poll, victim, forgery, endpoint):
    forger = Client()
    forger.cookies[COOKIE_NAME] = forged_values(cookie_of(victim))[forgery]
    before = list(Vote.objects.values_list("voter_key", "choice_id"))
    url = f"/polls/{poll.pk}/{endpoint}/"
    data = {"choice": choice_named(poll, "No").pk, "text": "Forged answer"}
    response = forger.post(url, data)
    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert response.cookies[COOKIE_NAME].value == ""  # reset: the next vote starts afresh
    assert list(Vote.objects.values_list("voter_key", "choice_id")) == before
    assert counts(poll) == {"Yes": 1}
    assert not Choice.objects.filter(text="Forged answer").exists()


def test_an_expired_cookie_is_refused(poll, monkeypatch):
    """The cookie's signature carries its time; past two years it is not accepted."""
    three_years_ago = time.time() - 3 * 365 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: three_years_ago)
    old = signed(f"{'a' * 32}:{int(three_years_ago)}")
    monkeypatch.undo()
    browser = Client()
    browser.cookies[COOKIE_NAME] = old
    assert vote(browser, poll, "Yes").status_code == 400
    assert not Vote.objects.exists()


# Replayed cookies


def test_a_copied_cookie_is_the_same_voter_and_moves_the_vote_instead_of_adding_one(poll):
    first = Client()
    assert vote(first, poll, "Yes").status_code == 303
    second = Client()  # another browser, with the cookie copied over
    second.cookies[COOKIE_NAME] = cookie_of(first)
    assert vote(second, poll, "No").status_code == 303
    assert COOKIE_NAME not in vote(second, poll, "No").cookies  # no new identity is minted
    assert Vote.objects.count() == 1
    assert counts(poll) == {"No": 1}
    # Either browser can withdraw it: the cookie is the voter, wherever it is sent from.
    assert withdraw(first, poll).status_code == 303
    assert counts(poll) == {}


def test_the_same_vote_twice_counts_once(poll):
    browser = Client()
    vote(browser, poll, "Yes")
    response = vote(browser, poll, "Yes", headers={"HX-Request": "true"})
    assert "Your vote was already counted." in response.content.decode()
    assert counts(poll) == {"Yes": 1}


# Stripped cookies: a new anonymous voter, bounded by the limits


def test_clearing_cookies_makes_a_new_voter(poll):
    """Not prevented: without an account, a browser that forgets its cookie is a new
    reader as far as anyone can tell. The limits below bound how fast."""
    browser = Client()
    vote(browser, poll, "Yes")
    browser.cookies.clear()
    vote(browser, poll, "Yes")
    assert Vote.objects.count() == 2
    assert counts(poll) == {"Yes": 2}


def test_a_reader_clearing_cookies_gets_the_per_voter_limit_of_their_address(poll, settings):
    """Requests without a voter cookie share one per-voter counter per client address."""
    settings.POLL_RATE_PER_VOTER = "3/h"
    browser = Client(REMOTE_ADDR="198.51.100.7")
    statuses = []
    for _ in range(5):
        browser.cookies.clear()
        statuses.append(vote(browser, poll, "Yes").status_code)
    assert statuses == [303, 303, 303, 429, 429]
    assert counts(poll) == {"Yes": 3}
    # Another address is not held up by it.
    assert vote(Client(REMOTE_ADDR="198.51.100.8"), poll, "Yes").status_code == 303


def test_cookieless_readers_behind_a_proxy_are_counted_by_their_own_address(poll, settings):
    """Behind a proxy every request comes from the proxy's address: the per-voter counter
    of cookieless requests must use the reader's address (RATELIMIT_IP_META_KEY), or
    the whole site's new readers would share one counter."""
    settings.POLL_RATE_PER_VOTER = "2/h"
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    statuses = [
        vote(
            Client(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=f"203.0.113.{n}"), poll, "Yes"
        ).status_code
        for n in range(1, 6)
    ]
    assert statuses == [303] * 5
    assert counts(poll) == {"Yes": 5}
    # One reader clearing cookies behind that proxy is still held to the limit.
    browser = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.99")
    statuses = []
    for _ in range(3):
        browser.cookies.clear()
        statuses.append(vote(browser, poll, "No").status_code)
    assert statuses == [303, 303, 429]


def test_many_cookies_from_one_address_meet_the_per_address_limit(poll, settings):
    """Cookies saved up earlier (or many browsers) still come from one address."""
    settings.POLL_RATE_PER_IP = "4/h"
    browsers = [Client(REMOTE_ADDR="198.51.100.20") for _ in range(6)]
    statuses = [vote(browser, poll, "No").status_code for browser in browsers]
    assert statuses == [303, 303, 303, 303, 429, 429]
    assert counts(poll) == {"No": 4}


def test_one_voter_changing_their_vote_is_held_to_the_per_voter_limit(poll, settings):
    settings.POLL_RATE_PER_VOTER = "3/h"
    browser = Client()
    statuses = [vote(browser, poll, "Yes" if n % 2 else "No").status_code for n in range(5)]
    # The first vote, before the cookie, counted against the address's cookieless counter.
    assert statuses == [303, 303, 303, 303, 429]
    assert counts(poll) == {"Yes": 1}  # the fourth vote's answer; the fifth was refused


# Accounts


def log_out_keeping_the_cookie(browser):
    """Logging out ends the session; the browser keeps its voter cookie (the test
    client's logout() forgets every cookie, a browser does not)."""
    voter = browser.cookies[COOKIE_NAME]
    browser.logout()
    browser.cookies[COOKIE_NAME] = voter.value


@pytest.fixture
def shared_browser():
    """One browser, one voter cookie, used by two accounts and anonymously."""
    return Client()


def test_a_signed_in_reader_votes_as_their_account_not_the_browsers_cookie(
    poll, reader, other_reader_account, shared_browser
):
    """By design two accounts are two voters, in one browser or not, and the cookie
    plays no part while signed in (so it cannot be used to move an account's vote)."""
    assert vote(shared_browser, poll, "Yes").status_code == 303  # anonymous: the cookie
    cookie = cookie_of(shared_browser)
    shared_browser.force_login(reader)
    vote(shared_browser, poll, "No")
    response = vote(shared_browser, poll, "No")  # twice: still one vote for the account
    assert COOKIE_NAME not in response.cookies  # signed in, the cookie is neither read nor set
    log_out_keeping_the_cookie(shared_browser)
    shared_browser.force_login(other_reader_account)
    vote(shared_browser, poll, "Not sure")
    log_out_keeping_the_cookie(shared_browser)
    assert cookie_of(shared_browser) == cookie
    vote(shared_browser, poll, "No")  # anonymous again: the cookie's vote moves

    assert set(Vote.objects.values_list("user__username", "voter_key", "choice__text")) == {
        (None, cookie.split(":")[0], "No"),
        ("another_reader", None, "Not sure"),
        ("reader", None, "No"),
    }
    assert counts(poll) == {"No": 2, "Not sure": 1}


def test_an_account_vote_is_withdrawn_by_the_account_only(poll, reader, shared_browser):
    vote(shared_browser, poll, "No")  # the browser's own, anonymous vote
    shared_browser.force_login(reader)
    vote(shared_browser, poll, "Yes")
    log_out_keeping_the_cookie(shared_browser)
    # The same browser, signed out, is its cookie: it withdraws the cookie's vote only.
    assert withdraw(shared_browser, poll).status_code == 303
    response = withdraw(shared_browser, poll, headers={"HX-Request": "true"})
    assert "You had not voted in this poll." in response.content.decode()
    assert counts(poll) == {"Yes": 1}
    assert Vote.objects.get().user == reader


# Withdraw and vote again


def test_withdraw_and_vote_again_is_still_one_vote(poll):
    browser = Client()
    vote(browser, poll, "Yes")
    for answer in ["No", "Not sure", "Yes"]:
        assert withdraw(browser, poll).status_code == 303
        assert counts(poll) == {}
        vote(browser, poll, answer)
        assert Vote.objects.count() == 1
    assert withdraw(browser, poll).status_code == 303
    assert withdraw(browser, poll).status_code == 303  # nothing left: never below zero
    assert counts(poll) == {}
    assert Choice.objects.filter(poll=poll, vote_count__lt=0).count() == 0


def test_a_forged_cookie_cannot_withdraw_someone_elses_vote(poll, victim):
    forger = Client()
    key, issued, *_signature = cookie_of(victim).split(":")
    forger.cookies[COOKIE_NAME] = f"{key}:{issued}"
    assert withdraw(forger, poll).status_code == 400
    assert counts(poll) == {"Yes": 1}


# Parallel votes of one voter (threads on the embedded database; PostgreSQL below)


def _race(n, work):
    start = threading.Barrier(n)

    def one(i):
        try:
            start.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["account", "cookie"])
def test_one_voters_first_votes_at_once_on_postgresql_count_once(
    postgres, demo_article, reader, who
):
    """Twenty first votes of one voter at once, no earlier vote to lock: they meet at the
    unique constraint, and the losers change the winner's vote instead of adding one."""
    poll = Poll.objects.select_related("article").get(article=demo_article, kind="yes_no")
    choices = list(poll.choices.order_by("position").values_list("pk", flat=True))
    voter = Voter(user_id=reader.pk) if who == "account" else Voter(voter_key="c" * 32)
    outcomes = _race(20, lambda i: cast_vote(poll=poll, choice_id=choices[i % 3], voter=voter))
    assert all(outcome.choice_id in choices for outcome in outcomes)
    assert Vote.objects.filter(poll=poll).count() == 1
    assert sum(Choice.objects.filter(poll=poll).values_list("vote_count", flat=True)) == 1
    assert counts(poll) == {Vote.objects.get(poll=poll).choice.text: 1}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_one_voter_voting_and_withdrawing_at_once_on_postgresql_stays_exact(postgres, demo_article):
    poll = Poll.objects.select_related("article").get(article=demo_article, kind="yes_no")
    choices = list(poll.choices.values_list("pk", flat=True))
    voter = Voter(voter_key="d" * 32)

    def act(i):
        try:
            if i % 2:
                withdraw_vote(poll=poll, voter=voter)
            else:
                cast_vote(poll=poll, choice_id=choices[i % 3], voter=voter)
        except VoteRefused:
            return "try again"  # a vote that lost three races in a row is refused, not lost
        return "done"

    results = _race(30, act)
    assert "done" in results
    assert Vote.objects.filter(poll=poll).count() in {0, 1}
    total = sum(Choice.objects.filter(poll=poll).values_list("vote_count", flat=True))
    assert total == Vote.objects.filter(poll=poll).count()
    counts(poll)
