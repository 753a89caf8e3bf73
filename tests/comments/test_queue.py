"""The moderation queues, without the admin: which comments wait where, how many, how long."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from comments import moderator_actions
from comments.models import Comment, ModerationDecision, ModerationSettings, Report
from comments.queue import (
    in_queue,
    posted_in,
    queue_counts,
    queue_health,
    queue_health_rows,
    with_history,
)
from comments.services import delete_comment, edit_comment, record_verdict, report_comment

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@dataclass
class Verdict:
    outcome: str
    phase: str = "toxicity"
    reasons: tuple = ("toxic language",)
    score: float | None = 0.7


def person(username):
    return get_user_model().objects.create_user(username=username, email=f"{username}@x.org")


def posted_ago(comment, **delta):
    Comment.objects.filter(pk=comment.pk).update(created_at=NOW - dt.timedelta(**delta))


def decided_ago(decision, **delta):
    ModerationDecision.objects.filter(pk=decision.pk).update(created_at=NOW - dt.timedelta(**delta))


def queue_of(name):
    return sorted(in_queue(name).values_list("body", flat=True))


@pytest.fixture
def one_in_each(reader, other_reader, say):
    """A comment in each queue, named by its text."""
    say(reader, "pending", approved=False)
    held = say(other_reader, "held", approved=False)
    record_verdict(held.pk, 1, Verdict("hold"))
    reported = say(reader, "reported")
    report_comment(comment=reported, reporter=other_reader, reason="spam")
    rejected = say(other_reader, "rejected", approved=False)
    record_verdict(rejected.pk, 1, Verdict("reject", "banned_words", ("banned word",), None))
    say(reader, "approved")


def test_each_comment_waits_in_its_queue(one_in_each):
    assert queue_of("pending") == ["pending"]
    assert queue_of("held") == ["held"]
    assert queue_of("reported") == ["reported"]
    assert queue_of("rejected") == ["rejected"]
    assert queue_of("approved") == ["approved", "reported"]
    assert queue_of("review") == ["rejected"]  # the pipeline's, still unreviewed
    assert queue_of("escalated") == []
    assert queue_counts() == {
        "pending": 1,
        "held": 1,
        "escalated": 0,
        "reported": 1,
        "review": 1,
        "rejected": 1,
        "approved": 2,
    }


def test_reports_past_the_threshold_hold_the_comment_for_a_moderator(reader, say):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    comment = say(reader, "contested")
    report_comment(comment=comment, reporter=person("first"), reason="abuse")
    assert queue_of("reported") == ["contested"]
    report_comment(comment=comment, reporter=person("second"), reason="abuse")
    assert (queue_of("reported"), queue_of("held")) == ([], ["contested"])
    assert with_history(Comment.objects.filter(pk=comment.pk)).get().latest_phase == "reports"


def test_a_moderators_decision_clears_a_report_and_a_new_report_brings_it_back(
    moderator, reader, other_reader, say
):
    comment = say(reader, "reported")
    report_comment(comment=comment, reporter=other_reader, reason="spam")
    moderator_actions.approve(comment=comment, moderator=moderator)
    assert queue_of("reported") == []
    report_comment(comment=comment, reporter=person("latecomer"), reason="abuse")
    assert queue_of("reported") == ["reported"]


def test_an_edited_comment_waits_again_and_a_held_one_stays_held(reader, say):
    published = say(reader, "first words")
    edit_comment(comment=published, editor=reader, body="second words")
    held = say(reader, "held words", approved=False)
    record_verdict(held.pk, 1, Verdict("hold"))
    edit_comment(comment=held, editor=reader, body="held, then edited")
    assert (queue_of("pending"), queue_of("held")) == (["second words"], ["held, then edited"])


def test_what_authors_deleted_leaves_the_work_queues(one_in_each):
    for comment in Comment.objects.filter(body__in=["pending", "held", "reported"]):
        delete_comment(comment=comment, actor=comment.author)
    assert queue_counts() == {
        "pending": 0,
        "held": 0,
        "escalated": 0,
        "reported": 0,
        "review": 1,
        "rejected": 1,
        "approved": 2,  # the reported one stays a published comment, shown as "[deleted]"
    }


@pytest.mark.parametrize("how_many", [3, 30])
def test_counting_the_queues_is_one_query_however_many_comments(
    reader, say, how_many, django_assert_num_queries
):
    for n in range(how_many):
        say(reader, f"comment {n}", approved=n % 2 == 0)
    with django_assert_num_queries(1):
        counts = queue_counts()
    assert counts["pending"] + counts["approved"] == how_many


def test_the_ages_split_at_an_hour_ago_and_at_the_sites_midnight(reader, say):
    noon = timezone.localtime(NOW).replace(hour=12, minute=0, second=0, microsecond=0)
    for body, posted in [
        ("just now", dt.timedelta(minutes=5)),
        ("this morning", dt.timedelta(hours=3)),
        ("last week", dt.timedelta(days=7)),
    ]:
        Comment.objects.filter(pk=say(reader, body).pk).update(created_at=noon - posted)

    def posted_at_noon(age):
        return sorted(Comment.objects.filter(posted_in(age, noon)).values_list("body", flat=True))

    assert posted_at_noon("hour") == ["just now"]
    assert posted_at_noon("today") == ["just now", "this morning"]
    assert posted_at_noon("older") == ["last week"]


def test_each_row_carries_its_authors_record_and_its_latest_decision(
    reader, other_reader, one_in_each, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rows = {c.body: c for c in with_history(Comment.objects.all())}
    assert (rows["pending"].author_approved, rows["pending"].author_rejected) == (2, 0)
    assert (rows["held"].author_approved, rows["held"].author_rejected) == (0, 1)
    assert (rows["held"].latest_phase, rows["held"].latest_reasons) == (
        "toxicity",
        ["toxic language"],
    )
    assert rows["pending"].latest_phase is None


# Queue health


@pytest.fixture
def a_working_week(moderator, reader, say):
    """Two waiting (30 and 10 minutes), one held for two hours, one reported 45 minutes
    ago, a system decision in the last hour and one before; moderators took 60 and 10
    minutes this week, 2 days last."""
    for minutes in (30, 10):
        posted_ago(say(reader, f"waiting {minutes} min", approved=False), minutes=minutes)
    held = say(reader, "held", approved=False)
    posted_ago(held, hours=2)
    record_verdict(held.pk, 1, Verdict("hold"))
    decided_ago(held.decisions.get(), minutes=90)
    passed = say(reader, "passed", approved=False)
    record_verdict(passed.pk, 1, Verdict("approve"))
    decided_ago(passed.decisions.get(), minutes=20)
    reported = say(reader, "reported")
    posted_ago(reported, hours=5)
    report = report_comment(comment=reported, reporter=person("alert"), reason="spam")
    Report.objects.filter(pk=report.pk).update(created_at=NOW - dt.timedelta(minutes=45))
    for posted, decided in [(180, 120), (50, 40), (60 * 24 * 10, 60 * 24 * 8)]:
        comment = say(reader, f"decided after {posted - decided} min", approved=False)
        posted_ago(comment, minutes=posted)
        decision = moderator_actions.approve(comment=comment, moderator=moderator)
        decided_ago(decision, minutes=decided)


def test_queue_health_tells_how_long_the_oldest_has_waited_and_how_fast_moderators_are(
    a_working_week, django_assert_num_queries
):
    with django_assert_num_queries(3):
        health = queue_health(now=NOW)
    assert health == {
        "pending": 2,
        "held": 1,
        "reported": 1,
        "oldest_pending_age": dt.timedelta(minutes=30),
        "oldest_held_age": dt.timedelta(hours=2),
        "oldest_reported_age": dt.timedelta(minutes=45),
        "system_decisions_last_hour": 1,
        "moderator_decisions_last_hour": 1,
        "decisions_last_hour_by_moderator": {"moderator": 1},
        "median_time_to_moderator_decision": dt.timedelta(minutes=35),
    }
    assert queue_health_rows(health) == [
        ("Pending", "2"),
        ("Held", "1"),
        ("Reported", "1"),
        ("Oldest pending", "30 min"),
        ("Oldest held", "2 h 0 min"),
        ("Oldest report", "45 min"),
        ("Decisions in the last hour", "1 by the system, 1 by moderators; moderator 1"),
        ("Median time to a moderator's decision (7 days)", "35 min"),
    ]


def test_queue_health_costs_three_queries_however_many_comments_wait(
    reader, say, django_assert_num_queries
):
    for n in range(25):
        say(reader, f"waiting {n}", approved=False)
    with django_assert_num_queries(3):
        assert queue_health(now=NOW)["pending"] == 25


def test_an_empty_queue_is_healthy_and_says_so(db):
    assert queue_health_rows(queue_health()) == [
        ("Pending", "0"),
        ("Held", "0"),
        ("Reported", "0"),
        ("Oldest pending", "none"),
        ("Oldest held", "none"),
        ("Oldest report", "none"),
        ("Decisions in the last hour", "0 by the system, 0 by moderators"),
        ("Median time to a moderator's decision (7 days)", "none"),
    ]


def test_a_wait_of_days_reads_in_days_and_hours(reader, say):
    posted_ago(say(reader, "forgotten", approved=False), days=2, hours=4, minutes=10)
    assert dict(queue_health_rows(queue_health(now=NOW)))["Oldest pending"] == "2 d 4 h"


def test_an_escalated_comment_leaves_held_for_escalated_until_someone_decides(
    moderator, reader, say
):
    comment = say(reader, "hard call", approved=False)
    record_verdict(comment.pk, 1, Verdict("hold"))
    moderator_actions.escalate(comment=comment, moderator=moderator)
    assert (queue_of("held"), queue_of("escalated")) == ([], ["hard call"])
    moderator_actions.approve(comment=comment, moderator=moderator)
    assert queue_of("escalated") == []


def test_a_published_comment_escalated_stays_up_meanwhile(moderator, reader, other_reader, say):
    comment = say(reader, "contested")
    report_comment(comment=comment, reporter=other_reader, reason="abuse")
    moderator_actions.escalate(comment=comment, moderator=moderator)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert (queue_of("reported"), queue_of("escalated")) == ([], ["contested"])


def test_the_pipelines_recent_decisions_wait_for_review_until_a_moderator_looks(
    moderator, reader, say
):
    passed = say(reader, "passed", approved=False)
    record_verdict(passed.pk, 1, Verdict("approve", "clean", (), 0.1))
    stale = say(reader, "stale", approved=False)
    record_verdict(stale.pk, 1, Verdict("reject"))
    decided_ago(stale.decisions.get(), days=2)
    assert queue_of("review") == ["passed"]
    moderator_actions.approve(comment=passed, moderator=moderator)
    assert queue_of("review") == []
