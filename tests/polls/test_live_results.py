"""Poll results are published to live readers after the vote commits, at most once a second."""

import re

import kombu.exceptions
import pytest
import redis
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from briefing_site import events
from polls import live
from polls.live import publish_throttled
from polls.models import Poll
from polls.tasks import publish_poll_results
from polls.voting import cast_vote
from tests.polls.conftest import choice_named, cookie_voter

pytestmark = pytest.mark.django_db(transaction=True)


def results_events(article_id, after=None):
    return [e for e in events.get_bus().history(article_id, after) if e.kind == "poll.results"]


def rows(event):
    """Each answer's text and figures as the event's results show them."""
    return re.findall(
        r'<span class="result__text">([^<]*)</span>\s*'
        r'<span class="result__figures">(\d+)% <span class="result__votes">\((\d+)\)',
        event.payload["html"],
    )


def total(event):
    return re.search(r"<strong data-poll-total>([^<]*)</strong>", event.payload["html"])[1]


def last_event_id(article_id):
    history = events.get_bus().history(article_id)
    return history[-1].id if history else None


def test_a_vote_publishes_the_poll_results(yes_no_poll):
    before = last_event_id(yes_no_poll.article_id)
    cast_vote(
        poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "Yes").pk, voter=cookie_voter(1)
    )
    [event] = results_events(yes_no_poll.article_id, before)
    assert event.payload["poll"] == yes_no_poll.pk
    assert total(event) == "1 reader voted."
    # Results are shown after voting here: they travel for the readers who voted.
    assert rows(event) == [("Yes", "100", "1"), ("No", "0", "0"), ("Not sure", "0", "0")]


def test_the_results_are_rendered_as_every_reader_is_shown_them(yes_no_poll):
    before = last_event_id(yes_no_poll.article_id)
    cast_vote(poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "No").pk, voter=cookie_voter(1))
    [event] = results_events(yes_no_poll.article_id, before)
    html = event.payload["html"]
    assert 'aria-label="No: 100 percent, 1 vote"' in html
    assert "Your vote" not in html
    assert "result--mine" not in html


def test_the_results_of_a_closed_poll_are_final(yes_no_poll):
    Poll.objects.filter(pk=yes_no_poll.pk).update(closed_at=timezone.now())
    before = last_event_id(yes_no_poll.article_id)
    live.publish_results(yes_no_poll.pk, yes_no_poll.article_id)
    [event] = results_events(yes_no_poll.article_id, before)
    assert total(event) == "0 readers voted (final)."


def test_on_the_embedded_default_each_vote_is_published_as_it_commits(yes_no_poll, settings):
    # The embedded defaults of `make run`, whatever this suite runs on: no Redis,
    # tasks run in the process.
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = last_event_id(yes_no_poll.article_id)
    yes = choice_named(yes_no_poll, "Yes").pk
    for n in range(1, 4):
        cast_vote(poll=yes_no_poll, choice_id=yes, voter=cookie_voter(n))
    totals = [total(event) for event in results_events(yes_no_poll.article_id, before)]
    assert totals == ["1 reader voted.", "2 readers voted.", "3 readers voted."]


class QueuedTasks:
    """A broker stand-in: what was queued, to be run when the test says."""

    def __init__(self):
        self.calls = []

    def apply_async(self, args, countdown=None, **options):
        self.calls.append((args, countdown))


def test_a_burst_of_votes_gives_one_event_now_and_one_with_the_final_count(
    yes_no_poll, monkeypatch
):
    queue = QueuedTasks()
    monkeypatch.setattr(publish_poll_results, "apply_async", queue.apply_async)
    before = last_event_id(yes_no_poll.article_id)
    yes = choice_named(yes_no_poll, "Yes").pk
    for n in range(1, 11):
        cast_vote(poll=yes_no_poll, choice_id=yes, voter=cookie_voter(n))
    assert [total(e) for e in results_events(yes_no_poll.article_id, before)] == ["1 reader voted."]
    # One trailing event is queued, for when the second is over.
    assert queue.calls == [((yes_no_poll.pk, yes_no_poll.article_id), live.THROTTLE_SECONDS)]
    publish_poll_results(*queue.calls[0][0])
    burst = results_events(yes_no_poll.article_id, before)
    assert [total(event) for event in burst] == ["1 reader voted.", "10 readers voted."]


def test_with_the_broker_down_a_burst_of_votes_is_counted_all_the_same(
    yes_no_poll, monkeypatch, caplog
):
    def broker_down(*args, **options):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(publish_poll_results, "apply_async", broker_down)
    yes = choice_named(yes_no_poll, "Yes").pk
    for n in range(1, 4):
        cast_vote(poll=yes_no_poll, choice_id=yes, voter=cookie_voter(n))
    assert choice_named(yes_no_poll, "Yes").vote_count == 3
    assert "readers see the poll's last change on their next load" in caplog.text


def test_a_rolled_back_vote_publishes_nothing(yes_no_poll):
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
    queue = QueuedTasks()
    monkeypatch.setattr(publish_poll_results, "apply_async", queue.apply_async)
    published = []
    monkeypatch.setattr(live, "publish_results", lambda *ids: published.append(ids))
    for _ in range(5):
        live.publish_throttled(yes_no_poll.pk, yes_no_poll.article_id)
    assert (
        published == [args for args, _ in queue.calls] == [(yes_no_poll.pk, yes_no_poll.article_id)]
    )
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
    queue = QueuedTasks()
    monkeypatch.setattr(publish_poll_results, "apply_async", queue.apply_async)
    published = []
    monkeypatch.setattr(live, "publish_results", lambda *ids: published.append(ids))
    no = choice_named(yes_no_poll, "No")
    outcome = cast_vote(poll=yes_no_poll, choice_id=no.pk, voter=cookie_voter(1))
    assert outcome.changed
    assert published == queue.calls == []
