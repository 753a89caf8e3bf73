"""Voting from the article page: with and without HTMX, and every way it can go wrong."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from polls.models import Poll, Vote
from polls.voters import COOKIE_NAME
from tests.polls.conftest import HTMX, choice_named


def vote_url(poll):
    return reverse("polls:vote", args=[poll.pk])


def page_of(client, poll):
    return client.get(poll.article.get_absolute_url()).content.decode()


def test_without_javascript_a_vote_redirects_back_to_the_poll(client, yes_no_poll):
    response = client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "No").pk})
    assert response.status_code == 303
    assert response["Location"] == f"{yes_no_poll.article.get_absolute_url()}#poll-{yes_no_poll.pk}"
    page = page_of(client, yes_no_poll)
    assert '<span class="result__mine">Your vote</span>' in page
    assert "1 reader voted." in page
    assert "not a representative survey" in page


def test_with_htmx_the_form_is_replaced_by_the_results(client, yes_no_poll):
    response = client.post(
        vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith(f'\n<section class="poll" id="poll-{yes_no_poll.pk}"')
    assert "<html" not in fragment
    assert "Your vote is counted." in fragment
    assert 'value="100"' in fragment  # the Yes bar
    assert "1 reader voted." in fragment


def test_the_first_vote_sets_a_signed_httponly_voter_cookie(client, yes_no_poll):
    response = client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert ":" in cookie.value  # key, issue time and signature
    second = client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "No").pk})
    assert COOKIE_NAME not in second.cookies  # the same voter keeps the same cookie
    assert Vote.objects.get().choice.text == "No"


def test_a_reader_changes_and_withdraws_their_vote(client, yes_no_poll):
    client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Not sure").pk})
    assert list(Vote.objects.values_list("choice__text", flat=True)) == ["Not sure"]
    response = client.post(reverse("polls:withdraw", args=[yes_no_poll.pk]), headers=HTMX)
    assert "Your vote is withdrawn." in response.content.decode()
    assert not Vote.objects.exists()
    assert choice_named(yes_no_poll, "Not sure").vote_count == 0


def test_a_signed_in_reader_votes_by_account(client, reader, yes_no_poll):
    client.force_login(reader)
    client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    vote = Vote.objects.get()
    assert (vote.user, vote.voter_key) == (reader, None)


def test_results_are_hidden_before_voting_by_default(client, yes_no_poll):
    choice = choice_named(yes_no_poll, "Yes")
    choice.vote_count = 7
    choice.save()
    page = page_of(client, yes_no_poll)
    assert "7 readers voted" not in page
    assert '<input type="radio" name="choice"' in page


def test_editors_can_show_results_always(client, yes_no_poll):
    Poll.objects.filter(pk=yes_no_poll.pk).update(results_visibility="always")
    choice = choice_named(yes_no_poll, "Yes")
    choice.vote_count = 7
    choice.save()
    assert "7 readers voted." in page_of(client, yes_no_poll)


def test_after_close_results_wait_for_the_close_even_after_voting(client, yes_no_poll):
    Poll.objects.filter(pk=yes_no_poll.pk).update(results_visibility="after_close")
    response = client.post(
        vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk}, headers=HTMX
    )
    fragment = response.content.decode()
    assert "Results are shown when the poll closes." in fragment
    assert "<meter" not in fragment


def test_a_closed_poll_refuses_votes_and_shows_final_results(client, yes_no_poll):
    Poll.objects.filter(pk=yes_no_poll.pk).update(closed_at=timezone.now())
    response = client.post(
        vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk}, headers=HTMX
    )
    assert response.status_code == 409
    fragment = response.content.decode()
    assert "This poll is closed; the final results are shown." in fragment
    assert "(final)" in fragment
    assert '<input type="radio"' not in fragment
    assert not Vote.objects.exists()


def test_a_poll_past_its_closing_time_is_closed_before_the_task_runs(client, yes_no_poll):
    Poll.objects.filter(pk=yes_no_poll.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    assert response.status_code == 409
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("data", "reason"),
    [({}, "missing"), ({"choice": "999999"}, "unknown"), ({"choice": "abc"}, "garbage")],
)
def test_a_bad_choice_is_a_clear_422_that_writes_nothing(client, yes_no_poll, data, reason):
    htmx = client.post(vote_url(yes_no_poll), data, headers=HTMX)
    assert htmx.status_code == 422
    assert "Choose one of this poll&#x27;s answers." in htmx.content.decode()
    plain = client.post(vote_url(yes_no_poll), data)
    assert plain.status_code == 422
    page = plain.content.decode()
    assert "<html" in page  # the whole article, with the error at the poll
    assert 'role="alert">Choose one of this poll&#x27;s answers.' in page
    assert not Vote.objects.exists()


def test_a_choice_of_another_poll_is_refused(client, yes_no_poll, open_poll):
    other = open_poll.choices.create(text="Monitors", normalized_text="monitors")
    response = client.post(vote_url(yes_no_poll), {"choice": other.pk})
    assert response.status_code == 422
    assert not Vote.objects.exists()


def test_a_forged_voter_cookie_is_refused_and_reset(client, yes_no_poll):
    client.cookies[COOKIE_NAME] = "0123456789abcdef0123456789abcdef:1700000000:forged"
    response = client.post(
        vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk}, headers=HTMX
    )
    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert response.cookies[COOKIE_NAME].value == ""  # deleted
    assert not Vote.objects.exists()


def test_a_get_to_the_vote_url_is_refused(client, yes_no_poll):
    assert client.get(vote_url(yes_no_poll)).status_code == 405


def test_a_vote_on_an_unpublished_article_is_not_found(client, yes_no_poll):
    Article.objects.filter(pk=yes_no_poll.article_id).update(status=Article.Status.DRAFT)
    response = client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    assert response.status_code == 404
    assert not Vote.objects.exists()


def test_votes_need_the_csrf_token(yes_no_poll):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_votes_are_rate_limited_per_voter(client, yes_no_poll, settings):
    settings.POLL_RATE_PER_VOTER = "3/h"
    yes, no = choice_named(yes_no_poll, "Yes").pk, choice_named(yes_no_poll, "No").pk
    client.post(vote_url(yes_no_poll), {"choice": yes})  # the first vote sets the cookie
    statuses = [
        client.post(vote_url(yes_no_poll), {"choice": choice}, headers=HTMX).status_code
        for choice in [no, yes, no, yes]
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.post(vote_url(yes_no_poll), {"choice": yes}, headers=HTMX)
    assert limited.status_code == 429
    assert "too fast" in limited.content.decode()
    assert Vote.objects.get().choice_id == no  # the last vote let through stands


def test_votes_are_rate_limited_per_address_whatever_the_cookies(client, yes_no_poll, settings):
    settings.POLL_RATE_PER_IP = "2/h"
    yes = choice_named(yes_no_poll, "Yes").pk
    statuses = []
    for _ in range(3):
        client.cookies.clear()  # a new anonymous voter each time, from the same address
        statuses.append(client.post(vote_url(yes_no_poll), {"choice": yes}).status_code)
    assert statuses == [303, 303, 429]
    assert Vote.objects.count() == 2


def test_the_article_page_remembers_the_readers_vote(client, yes_no_poll):
    client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "No").pk})
    page = page_of(client, yes_no_poll)
    assert "Change your vote" in page
    assert "Withdraw my vote" in page


def test_the_poll_fragment_can_be_fetched_for_live_refresh(client, yes_no_poll):
    url = reverse("polls:poll", args=[yes_no_poll.pk])
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200
    assert f'id="poll-{yes_no_poll.pk}"' in response.content.decode()
    assert "HX-Request" in response["Vary"]
    plain = client.get(url)
    assert plain.status_code == 302
    assert plain["Location"].endswith(f"#poll-{yes_no_poll.pk}")


def test_the_page_query_count_does_not_grow_with_votes(
    client, yes_no_poll, django_assert_max_num_queries
):
    client.post(vote_url(yes_no_poll), {"choice": choice_named(yes_no_poll, "Yes").pk})
    url = yes_no_poll.article.get_absolute_url()
    with django_assert_max_num_queries(10):
        client.get(url)
    yes = choice_named(yes_no_poll, "Yes")
    Vote.objects.bulk_create(
        Vote(poll=yes_no_poll, choice=yes, voter_key=f"{n:032x}") for n in range(1, 500)
    )
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200


def test_a_new_voters_vote_takes_few_queries(client, yes_no_poll, django_assert_max_num_queries):
    yes = choice_named(yes_no_poll, "Yes").pk
    # The poll, the vote and its counter (in a savepoint here), the answers to show.
    with django_assert_max_num_queries(6):
        response = client.post(vote_url(yes_no_poll), {"choice": yes}, headers=HTMX)
    assert "Your vote is counted." in response.content.decode()
