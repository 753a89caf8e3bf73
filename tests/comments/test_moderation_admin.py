"""The moderators' admin: the queues, the actions and what they record, queue health, who may."""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from comments import moderator_actions
from comments.models import (
    AuthorStanding,
    BlockedDomain,
    Comment,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
)
from comments.queue import queue_counts, queue_health
from comments.services import delete_comment, edit_comment, record_verdict, report_comment

pytestmark = pytest.mark.django_db

COMMENTS = reverse("admin:comments_comment_changelist")


@dataclass
class Verdict:
    outcome: str
    phase: str = "test"
    reasons: tuple = ("because",)
    score: float | None = None


# Helpers


def comment_page(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def run_action(client, action, comments, *, url=COMMENTS, **answers):
    """What the list's action bar (or a comment page's buttons) posts; answers apply it."""
    data = {"action": action, "_selected_action": [comment.pk for comment in comments]}
    if answers:
        data |= {"apply": "yes", **answers}
    return client.post(url, data)


def listed(response):
    return [comment.pk for comment in response.context["cl"].result_list]


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def posted_ago(comment, **delta):
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - dt.timedelta(**delta))


def decided_ago(decision, **delta):
    ModerationDecision.objects.filter(pk=decision.pk).update(
        created_at=timezone.now() - dt.timedelta(**delta)
    )


def person(username):
    return get_user_model().objects.create_user(username=username, email=f"{username}@x.org")


def status_of(comment):
    comment.refresh_from_db()
    return comment.status


def count_of(article):
    article.refresh_from_db()
    return article.comment_count


@pytest.fixture
def moderating(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def queues(reader, other_reader, say):
    """One comment in each queue, the pending one posted first."""
    pending = say(reader, "Still with the pipeline", approved=False)
    held = say(other_reader, "Held by the pipeline", approved=False)
    record_verdict(held.pk, 1, Verdict("hold", "toxicity", ("toxic language",), 0.7))
    reported = say(reader, "Reported once")
    report_comment(comment=reported, reporter=other_reader, reason="spam")
    rejected = say(other_reader, "Rejected by the pipeline", approved=False)
    record_verdict(rejected.pk, 1, Verdict("reject", "banned_words", ("banned word",)))
    approved = say(reader, "Published quietly")
    posted_ago(pending, hours=3)
    return {
        "pending": pending,
        "held": held,
        "reported": reported,
        "rejected": rejected,
        "approved": approved,
    }


# The queues


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        ("pending", ["pending"]),
        ("held", ["held"]),
        ("reported", ["reported"]),
        ("rejected", ["rejected"]),
        ("approved", ["reported", "approved"]),
    ],
)
def test_each_queue_lists_its_comments(moderating, queues, queue, expected):
    response = moderating.get(COMMENTS, {"queue": queue})
    assert response.status_code == 200
    assert listed(response) == [queues[name].pk for name in expected]


def test_the_queue_filter_shows_every_queues_count(moderating, queues, say, reader):
    say(reader, "Another waiting one", approved=False)
    page = moderating.get(COMMENTS).content.decode()
    for label in ["Pending (2)", "Held (1)", "Reported (1)", "Rejected (1)", "Approved (2)"]:
        assert label in page
    assert queue_counts() == {
        "pending": 2,
        "held": 1,
        "escalated": 0,
        "reported": 1,
        "review": 1,
        "rejected": 1,
        "approved": 2,
    }


def test_the_list_is_oldest_first(moderating, queues):
    newest_first = sorted(queues.values(), key=lambda c: c.created_at, reverse=True)
    for minutes, comment in enumerate(newest_first):
        posted_ago(comment, minutes=minutes)
    assert listed(moderating.get(COMMENTS)) == [c.pk for c in reversed(newest_first)]


def test_a_comment_hidden_by_reports_waits_in_the_held_queue(moderating, reader, say):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    comment = say(reader, "Contested")
    for name in ["first", "second"]:
        report_comment(comment=comment, reporter=person(name), reason="abuse")
    assert listed(moderating.get(COMMENTS, {"queue": "held", "phase": "reports"})) == [comment.pk]
    assert listed(moderating.get(COMMENTS, {"queue": "reported"})) == []


def test_a_moderators_decision_clears_the_reported_queue_until_a_new_report(
    moderating, moderator, queues
):
    reported = queues["reported"]
    moderator_actions.approve(comment=reported, moderator=moderator)
    assert queue_counts()["reported"] == 0
    report_comment(comment=reported, reporter=person("latecomer"), reason="abuse")
    assert listed(moderating.get(COMMENTS, {"queue": "reported"})) == [reported.pk]


def test_an_edited_comment_is_pending_again_and_decided_for_its_new_version(
    moderating, moderator, reader, say
):
    comment = say(reader, "First words")
    edit_comment(comment=comment, editor=reader, body="Second words")
    assert listed(moderating.get(COMMENTS, {"queue": "pending"})) == [comment.pk]
    run_action(moderating, "approve", [comment])
    assert comment.decisions.get(actor=moderator).version == 2


def test_deleted_comments_leave_the_work_queues(queues):
    Comment.objects.filter(pk=queues["pending"].pk).update(deleted_at=timezone.now())
    assert queue_counts()["pending"] == 0


def test_the_list_filters_by_article_phase_age_and_searches_body_and_author(
    moderating, queues, demo_article
):
    by_article = moderating.get(COMMENTS, {"article__id__exact": demo_article.pk})
    assert len(listed(by_article)) == 5
    by_phase = moderating.get(COMMENTS, {"phase": "banned_words"})
    assert listed(by_phase) == [queues["rejected"].pk]
    undecided = moderating.get(COMMENTS, {"phase": "-"})
    assert listed(undecided) == [queues["pending"].pk, queues["reported"].pk, queues["approved"].pk]
    assert queues["pending"].pk not in listed(moderating.get(COMMENTS, {"age": "hour"}))
    assert listed(moderating.get(COMMENTS, {"q": "quietly"})) == [queues["approved"].pk]
    assert len(listed(moderating.get(COMMENTS, {"q": "other_reader"}))) == 2


def test_each_row_shows_the_authors_history_and_the_latest_decision(moderating, queues):
    page = moderating.get(COMMENTS).content.decode()
    assert "2 approved, 0 rejected" in page  # reader
    assert "0 approved, 1 rejected" in page  # other_reader
    assert "toxicity: toxic language" in page
    assert "0.70" in page


@pytest.mark.parametrize("how_many", [5, 40])
def test_the_list_takes_the_same_queries_however_many_comments(
    moderating, say, reader, other_reader, how_many, django_assert_max_num_queries
):
    for n in range(how_many):
        author = reader if n % 2 else other_reader
        comment = say(author, f"Comment number {n}", approved=n % 3 == 0)
        if n % 3 == 1:
            record_verdict(comment.pk, 1, Verdict("hold", "toxicity", ("rude",), 0.8))
    with django_assert_max_num_queries(13):
        response = moderating.get(COMMENTS)
    assert len(listed(response)) == how_many


# The comment's page


def test_the_comment_page_shows_the_thread_above_it_its_decisions_and_reports(
    moderating, moderator, reader, other_reader, say
):
    top = say(reader, "Where it started")
    parent = say(other_reader, "A first reply", parent=top)
    reply = say(reader, "A reply to the reply", parent=parent)
    report_comment(comment=reply, reporter=other_reader, reason="off_topic", note="Not the topic")
    moderator_actions.approve(comment=reply, moderator=moderator)
    page = moderating.get(comment_page(reply)).content.decode()
    assert page.index("Where it started") < page.index("Parent: ")
    assert page.index("Parent: ") < page.index("A first reply")
    assert "Not the topic" in page
    assert re.search(r'field-reporter">\s*<p><a [^>]+>other_reader</a>', page)
    assert re.search(r'field-decided_by">\s*<p>moderator</p>', page)
    assert 'name="action" value="reject"' in page


def test_the_thread_above_a_comment_shows_what_readers_no_longer_see(
    moderating, moderator, reader, other_reader, say
):
    top = say(reader, "Where it started")
    parent = say(other_reader, "A first reply", parent=top)
    reply = say(reader, "A reply to the reply", parent=parent)
    moderator_actions.reject(comment=top, moderator=moderator, reason="Off-topic")
    delete_comment(comment=parent, actor=other_reader)
    page = moderating.get(comment_page(reply)).content.decode()
    assert re.search(r"<li><a [^>]+>reader</a> \(Rejected\): Where it started</li>", page)
    assert re.search(r"<li>Parent: <a [^>]+>other_reader</a> \(Approved\): \[deleted\]</li>", page)


def test_a_top_level_comment_replies_to_no_one(moderating, reader, say):
    page = moderating.get(comment_page(say(reader, "Where it started"))).content.decode()
    assert "A top-level comment: it replies to no one." in page


def test_someone_who_only_views_comments_sees_no_reporter_and_no_actions(client, say, reader):
    viewer = person("viewer")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "view_report"])
    )
    comment = say(reader, "Reported words")
    report_comment(comment=comment, reporter=person("snitch"), reason="spam")
    client.force_login(viewer)
    page = client.get(comment_page(comment)).content.decode()
    assert "Reported words" in page
    assert "snitch" not in page
    assert 'name="action"' not in page
    run_action(client, "approve", [comment])
    assert not ModerationDecision.objects.filter(actor=viewer).exists()


def test_the_comment_pages_buttons_act_and_return_to_the_queue_it_came_from(moderating, queues):
    held = queues["held"]
    url = comment_page(held) + "?_changelist_filters=queue%3Dheld"
    page = moderating.get(url).content.decode()
    assert f'action="{COMMENTS}?queue=held"' in page
    response = run_action(moderating, "approve", [held], url=f"{COMMENTS}?queue=held")
    assert response.status_code == 302
    assert response["Location"] == f"{COMMENTS}?queue=held"
    assert status_of(held) == "approved"


# Approving


def test_approving_one_comment_publishes_it_counts_it_and_records_the_moderator(
    moderating, moderator, queues, demo_article
):
    before = count_of(demo_article)
    response = run_action(moderating, "approve", [queues["held"]])
    assert response.status_code == 302
    assert status_of(queues["held"]) == "approved"
    assert count_of(demo_article) == before + 1
    decision = queues["held"].decisions.first()
    assert (decision.actor, decision.outcome, decision.phase, decision.reasons) == (
        moderator,
        "approve",
        "moderator",
        ["approve"],
    )
    assert decision.version == 1
    assert messages_of(response) == ["Approved 1 comment."]


def test_approving_in_bulk_records_a_decision_per_comment(
    moderating, moderator, queues, demo_article
):
    before = count_of(demo_article)
    chosen = [queues["pending"], queues["held"], queues["rejected"]]
    run_action(moderating, "approve", chosen)
    assert [status_of(c) for c in chosen] == ["approved"] * 3
    assert count_of(demo_article) == before + 3
    assert ModerationDecision.objects.filter(actor=moderator, outcome="approve").count() == 3


def test_approve_and_feature_pins_the_comments(moderating, moderator, queues):
    chosen = [queues["pending"], queues["approved"]]
    run_action(moderating, "approve_and_feature", chosen)
    for comment in chosen:
        comment.refresh_from_db()
        assert (comment.status, comment.featured) == ("approved", True)
    reasons = ModerationDecision.objects.filter(actor=moderator).values_list("reasons", flat=True)
    assert list(reasons) == [["approve and feature"]] * 2


# Rejecting


def test_rejecting_asks_for_a_reason_first_and_changes_nothing_yet(moderating, queues):
    response = run_action(moderating, "reject", [queues["approved"]])
    assert response.status_code == 200
    page = response.content.decode()
    for reason in moderator_actions.REJECTION_REASONS:
        assert reason in page
    assert status_of(queues["approved"]) == "approved"


def test_rejecting_with_a_reason_unpublishes_it_and_shows_the_author_why(
    client, moderating, moderator, reader, queues, demo_article
):
    approved = queues["approved"]
    before = count_of(demo_article)
    response = run_action(moderating, "reject", [approved], reason="Spam or advertising")
    assert response.status_code == 302
    approved.refresh_from_db()
    assert (approved.status, approved.public_reason) == ("rejected", "Spam or advertising")
    assert count_of(demo_article) == before - 1
    decision = approved.decisions.get()
    assert (decision.actor, decision.outcome, decision.reasons) == (
        moderator,
        "reject",
        ["Spam or advertising"],
    )
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "not published: Spam or advertising" in page


def test_rejecting_in_bulk_gives_every_comment_the_reason(moderating, queues):
    chosen = [queues["pending"], queues["held"], queues["reported"]]
    run_action(moderating, "reject", chosen, reason="Off-topic")
    for comment in chosen:
        comment.refresh_from_db()
        assert (comment.status, comment.public_reason) == ("rejected", "Off-topic")
    assert ModerationDecision.objects.filter(actor__isnull=False, outcome="reject").count() == 3


def test_a_reason_not_on_the_list_is_refused(moderating, moderator, queues):
    response = run_action(moderating, "reject", [queues["approved"]], reason="Because I said so")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert status_of(queues["approved"]) == "approved"
    with pytest.raises(ValueError, match="not one of the rejection reasons"):
        moderator_actions.reject(comment=queues["approved"], moderator=moderator, reason="Nope")
    assert not queues["approved"].decisions.exists()


# The authors


def test_banning_with_reject_all_rejects_every_comment_the_author_still_has_up_or_waiting(
    moderating, moderator, reader, other_reader, queues, demo_article
):
    response = run_action(moderating, "ban_author", [queues["approved"]])
    assert response.status_code == 200
    assert "Also reject all their comments" in response.content.decode()
    response = run_action(
        moderating, "ban_author", [queues["approved"]], reject_comments="on", reason="Spam"
    )
    assert response.status_code == 302
    standing = AuthorStanding.objects.get(user=reader)
    assert standing.banned_at is not None
    theirs = [queues["pending"], queues["reported"], queues["approved"]]
    assert [status_of(c) for c in theirs] == ["rejected"] * 3
    assert status_of(queues["held"]) == "held"  # other_reader's
    assert count_of(demo_article) == 0
    decisions = ModerationDecision.objects.filter(actor=moderator)
    assert sorted(decisions.values_list("comment_id", flat=True)) == sorted(c.pk for c in theirs)
    assert list(decisions.values_list("reasons", flat=True)) == [["ban author"]] * 3


def test_banning_alone_leaves_the_comments_as_they_are(moderating, reader, queues):
    run_action(moderating, "ban_author", [queues["approved"]], reject_comments="", reason="Spam")
    assert AuthorStanding.objects.get(user=reader).banned_at is not None
    assert status_of(queues["approved"]) == "approved"
    assert not ModerationDecision.objects.filter(actor__isnull=False).exists()


def test_banning_in_bulk_bans_each_author_once(moderating, reader, other_reader, queues):
    chosen = [queues["pending"], queues["approved"], queues["held"]]
    response = run_action(moderating, "ban_author", chosen, reject_comments="", reason="Spam")
    assert messages_of(response) == ["Banned 2 authors."]
    assert AuthorStanding.objects.filter(banned_at__isnull=False).count() == 2


def test_suspending_keeps_the_author_out_for_that_many_days(moderating, moderator, reader, queues):
    response = run_action(moderating, "suspend_author", [queues["approved"]])
    assert 'name="days"' in response.content.decode()
    response = run_action(
        moderating, "suspend_author", [queues["approved"]], days="3", reason="Cool off"
    )
    assert response.status_code == 302
    until = AuthorStanding.objects.get(user=reader).suspended_until
    assert abs(until - (timezone.now() + dt.timedelta(days=3))) < dt.timedelta(minutes=1)
    entry = LogEntry.objects.get(user=moderator)
    assert entry.change_message == "Suspended for 3 days. Reason shown to the reader: Cool off"


def test_a_suspension_needs_a_sensible_number_of_days(moderating, reader, queues):
    response = run_action(
        moderating, "suspend_author", [queues["approved"]], days="0", reason="Cool off"
    )
    assert response.status_code == 200
    assert not AuthorStanding.objects.filter(user=reader).exists()


def test_trusting_and_premoderating_set_the_standing_each_undoing_the_other(
    moderating, reader, other_reader, queues
):
    run_action(moderating, "premoderate_author", [queues["approved"], queues["held"]])
    standings = AuthorStanding.objects.filter(user__in=[reader, other_reader])
    assert [(s.premoderate, s.trusted) for s in standings] == [(True, False)] * 2
    run_action(moderating, "trust_author", [queues["approved"]])
    standing = AuthorStanding.objects.get(user=reader)
    assert (standing.premoderate, standing.trusted) == (False, True)


def test_the_functions_refuse_anyone_who_cannot_moderate(reader, other_reader, queues):
    comment = queues["pending"]
    with pytest.raises(PermissionDenied):
        moderator_actions.approve(comment=comment, moderator=other_reader)
    with pytest.raises(PermissionDenied):
        moderator_actions.reject(comment=comment, moderator=other_reader, reason="Off-topic")
    with pytest.raises(PermissionDenied):
        moderator_actions.ban_author(user=reader, moderator=other_reader, reason="Spam")
    with pytest.raises(PermissionDenied):
        moderator_actions.trust_author(user=other_reader, moderator=other_reader)
    assert status_of(comment) == "pending"
    assert not AuthorStanding.objects.exists()


# Queue health


def test_queue_health_counts_the_queues_the_last_hour_and_the_median_wait(
    moderating, moderator, reader, say
):
    now = timezone.now()
    waiting = [say(reader, f"Waiting {n}", approved=False) for n in range(2)]
    posted_ago(waiting[0], minutes=30)
    posted_ago(waiting[1], minutes=10)
    held = say(reader, "Held", approved=False)
    posted_ago(held, hours=2)
    record_verdict(held.pk, 1, Verdict("hold"))
    decided_ago(held.decisions.get(), minutes=90)  # not in the last hour
    passed = say(reader, "Passed", approved=False)
    record_verdict(passed.pk, 1, Verdict("approve"))
    decided_ago(passed.decisions.get(), minutes=20)  # the system, in the last hour
    # Moderators took 60 and 10 minutes within the week; one older decision is left out.
    for posted, decided in [(180, 120), (50, 40), (60 * 24 * 10, 60 * 24 * 8)]:
        comment = say(reader, f"Decided after {posted - decided} minutes", approved=False)
        posted_ago(comment, minutes=posted)
        decided_ago(
            moderator_actions.approve(comment=comment, moderator=moderator), minutes=decided
        )

    health = queue_health(now=now)

    assert health["pending"] == 2
    assert health["held"] == 1
    assert round(health["oldest_pending_age"].total_seconds() / 60) == 30
    assert round(health["oldest_held_age"].total_seconds() / 60) == 120
    assert health["system_decisions_last_hour"] == 1
    assert health["moderator_decisions_last_hour"] == 1
    assert round(health["median_time_to_moderator_decision"].total_seconds() / 60) == 35
    panel = moderating.get(COMMENTS).content.decode()
    assert "Queue health" in panel
    assert "1 by the system, 1 by moderators" in panel
    assert "35 min" in panel


def test_an_empty_queue_is_healthy_and_says_so():
    health = queue_health()
    assert (health["pending"], health["oldest_pending_age"]) == (0, None)
    assert health["median_time_to_moderator_decision"] is None


# Who may


def test_visitors_and_readers_are_sent_to_the_admin_log_in(client, reader, queues):
    for user in [None, reader]:
        if user:
            client.force_login(user)
        response = client.get(COMMENTS)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        response = run_action(client, "approve", [queues["held"]])
        assert response["Location"].startswith(reverse("admin:login"))
    assert status_of(queues["held"]) == "held"


def test_an_editor_can_see_the_queue(client, editor, queues):
    client.force_login(editor)
    response = client.get(COMMENTS, {"queue": "held"})
    assert response.status_code == 200
    assert listed(response) == [queues["held"].pk]


def test_a_moderator_cannot_change_an_article(moderating, demo_article):
    url = reverse("admin:articles_article_change", args=[demo_article.pk])
    assert moderating.get(url).status_code == 200  # they may read it
    response = moderating.post(url, {"title": "Moderated headline", "slug": demo_article.slug})
    assert response.status_code == 403
    demo_article.refresh_from_db()
    assert demo_article.title != "Moderated headline"


def test_comments_and_their_decisions_cannot_be_added_or_deleted_in_the_admin(admin_client, queues):
    held = queues["held"]
    decision = held.decisions.get()
    assert admin_client.get(reverse("admin:comments_comment_add")).status_code == 403
    delete_comment = reverse("admin:comments_comment_delete", args=[held.pk])
    assert admin_client.post(delete_comment, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:comments_moderationdecision_add")).status_code == 403
    change = reverse("admin:comments_moderationdecision_change", args=[decision.pk])
    assert admin_client.post(change, {"phase": "forged"}).status_code == 403
    delete = reverse("admin:comments_moderationdecision_delete", args=[decision.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ModerationDecision.objects.filter(pk=decision.pk, phase="toxicity").exists()


# The pipeline's settings and lists


def test_the_settings_list_opens_the_one_row_which_is_never_added_again_nor_deleted(
    admin_client,
):
    response = admin_client.get(reverse("admin:comments_moderationsettings_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:comments_moderationsettings_change", args=[1])
    assert admin_client.get(reverse("admin:comments_moderationsettings_add")).status_code == 403
    delete = reverse("admin:comments_moderationsettings_delete", args=[1])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ModerationSettings.objects.count() == 1


def test_the_decision_list_shows_the_audit_trail_filtered_by_who_decided(
    admin_client, moderator, queues
):
    moderator_actions.approve(comment=queues["held"], moderator=moderator)
    url = reverse("admin:comments_moderationdecision_changelist")
    by_system = admin_client.get(url, {"by": "system"}).context["cl"].result_list
    assert {d.actor for d in by_system} == {None}
    assert len(by_system) == 2
    by_moderators = admin_client.get(url, {"by": "moderator", "outcome": "approve"})
    assert [d.actor for d in by_moderators.context["cl"].result_list] == [moderator]


def test_terms_domains_and_standings_are_listed_filtered_and_searched(admin_client, reader):
    ModeratedTerm.objects.all().delete()  # the shipped starter lists: this is about the page
    ModeratedTerm.objects.create(kind="banned", term="scum")
    ModeratedTerm.objects.create(kind="suspect", term="idiot")
    BlockedDomain.objects.create(domain="spam.example")
    AuthorStanding.objects.create(user=reader, trusted=True)
    terms = reverse("admin:comments_moderatedterm_changelist")
    assert [
        t.term for t in admin_client.get(terms, {"kind": "banned"}).context["cl"].result_list
    ] == ["scum"]
    assert [t.term for t in admin_client.get(terms, {"q": "idi"}).context["cl"].result_list] == [
        "idiot"
    ]
    domains = admin_client.get(reverse("admin:comments_blockeddomain_changelist"))
    assert "spam.example" in domains.content.decode()
    standings = admin_client.get(
        reverse("admin:comments_authorstanding_changelist"), {"trusted__exact": "1"}
    )
    assert [s.user for s in standings.context["cl"].result_list] == [reader]


def test_moderators_keep_the_word_lists_and_settings(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:comments_moderatedterm_add"), {"kind": "banned", "term": "scoundrel"}
    )
    assert response.status_code == 302
    assert ModeratedTerm.objects.filter(term="scoundrel").exists()
    assert client.get(reverse("admin:comments_moderationsettings_changelist")).status_code in {
        200,
        302,
    }
