"""Poll results are published to live readers after the vote commits, at most once a second."""

import time

import pytest
import redis
from django.core.cache import cache

from briefing_site import events
from polls import live
from polls.live import publish_throttled
from polls.voting import cast_vote
from tests.polls.conftest import choice_named, cookie_voter

pytestmark = pytest.mark.django_db(transaction=True)


def results_events(article_id, after=None):
    return [e for e in events.get_bus().history(article_id, after) if e.kind == "poll.results"]


def last_event_id(article_id):
    history = events.get_bus().history(article_id)
    return history[-1].id if history else None


def test_a_vote_publishes_the_poll_results(yes_no_poll, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = last_event_id(yes_no_poll.article_id)
    cast_vote(
        poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "Yes").pk, voter=cookie_voter(1)
    )
    [event] = results_events(yes_no_poll.article_id, before)
    assert event.payload["poll"] == yes_no_poll.pk
    assert event.payload["total"] == 1
    # Results are shown after voting here: the counts travel for the readers who voted.
    assert [(c["text"], c["votes"]) for c in event.payload["choices"]] == [
        ("Yes", 1),
        ("No", 0),
        ("Not sure", 0),
    ]


def test_public_results_carry_their_counts(yes_no_poll):
    yes_no_poll.results_visibility = "always"
    yes_no_poll.save()
    before = last_event_id(yes_no_poll.article_id)
    cast_vote(poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "No").pk, voter=cookie_voter(1))
    [event] = results_events(yes_no_poll.article_id, before)
    assert [(c["text"], c["votes"], c["percent"]) for c in event.payload["choices"]] == [
        ("Yes", 0, 0),
        ("No", 1, 100),
        ("Not sure", 0, 0),
    ]


def test_a_burst_of_votes_gives_one_event_now_and_one_with_the_final_count(yes_no_poll, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the trailing event on a timer, in this process
    before = last_event_id(yes_no_poll.article_id)
    yes = choice_named(yes_no_poll, "Yes").pk
    for n in range(1, 11):
        cast_vote(poll=yes_no_poll, choice_id=yes, voter=cookie_voter(n))
    assert len(results_events(yes_no_poll.article_id, before)) == 1
    time.sleep(1.5)
    burst = results_events(yes_no_poll.article_id, before)
    assert [event.payload["total"] for event in burst] == [1, 10]


def test_a_rolled_back_vote_publishes_nothing(yes_no_poll):
    from django.db import transaction

    before = last_event_id(yes_no_poll.article_id)

    def vote_then_fail():
        with transaction.atomic():
            cast_vote(
                poll=yes_no_poll,
                choice_id=choice_named(yes_no_poll, "Yes").pk,
                voter=cookie_voter(1),
            )
            raise RuntimeError("the request failed after voting")

    with pytest.raises(RuntimeError):
        vote_then_fail()
    assert results_events(yes_no_poll.article_id, before) == []


def test_throttling_is_per_poll(yes_no_poll, open_poll):
    before = last_event_id(yes_no_poll.article_id)
    publish_throttled(yes_no_poll.pk, yes_no_poll.article_id)
    publish_throttled(open_poll.pk, open_poll.article_id)
    assert {e.payload["poll"] for e in results_events(yes_no_poll.article_id, before)} == {
        yes_no_poll.pk,
        open_poll.pk,
    }


class FakeClaimScript:
    """The Redis script's two claims (SET NX with an expiry), on a dict."""

    def __init__(self):
        self.keys = set()

    def __call__(self, keys, args):
        for turn, key in enumerate(keys, start=1):
            if key not in self.keys:
                self.keys.add(key)
                return turn
        return 0


def test_with_redis_one_script_call_claims_the_turn(yes_no_poll, settings, monkeypatch):
    settings.REDIS_URL = "redis://redis.invalid:6379/0"
    script = FakeClaimScript()
    monkeypatch.setattr(live, "_claim_script", lambda: script)
    published, scheduled = [], []
    monkeypatch.setattr(live, "publish_results", lambda *ids: published.append(ids))
    monkeypatch.setattr(live, "_schedule_trailing", lambda *ids: scheduled.append(ids))
    for _ in range(5):
        live.publish_throttled(yes_no_poll.pk, yes_no_poll.article_id)
    assert published == scheduled == [(yes_no_poll.pk, yes_no_poll.article_id)]
    # The script claims the keys publish_trailing resets through the cache.
    assert script.keys == {
        cache.make_key(f"polls:results-published:{yes_no_poll.pk}"),
        cache.make_key(f"polls:results-trailing:{yes_no_poll.pk}"),
    }


def test_with_redis_down_a_vote_is_still_taken_without_its_event(
    yes_no_poll, settings, monkeypatch
):
    settings.REDIS_URL = "redis://redis.invalid:6379/0"

    def unreachable():
        raise redis.ConnectionError("no route to Redis")

    monkeypatch.setattr(live, "_claim_script", unreachable)
    sent = []
    monkeypatch.setattr(live, "publish_results", lambda *ids: sent.append(ids))
    monkeypatch.setattr(live, "_schedule_trailing", lambda *ids: sent.append(ids))
    no = choice_named(yes_no_poll, "No")
    outcome = cast_vote(poll=yes_no_poll, choice_id=no.pk, voter=cookie_voter(1))
    assert outcome.changed
    assert sent == []
