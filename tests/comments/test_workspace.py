"""The moderation workspace: cards with their context, one-click decisions, who may, races."""

import datetime as dt
import re
import threading
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import moderator_actions, workspace
from comments.models import Comment, CommentRevision
from comments.services import delete_comment, edit_comment, record_verdict, report_comment
from comments.workspace import word_diff

pytestmark = pytest.mark.django_db

WORKSPACE = reverse("admin:comments_comment_workspace")
HTMX = {"HX-Request": "true"}


@dataclass
class Verdict:
    outcome: str = "hold"
    phase: str = "toxicity"
    reasons: tuple = ("toxic language",)
    score: float | None = 0.8821063053723609


def decide_url(comment):
    return reverse("admin:comments_comment_workspace_decide", args=[comment.pk])


def person(username, **extra):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@x.org", **extra
    )


@pytest.fixture
def held(reader, say):
    """held("text") posts a comment the pipeline held, `minutes` ago."""

    def hold(body, *, author=None, minutes=0, parent=None):
        comment = say(author or reader, body, approved=False, parent=parent)
        record_verdict(comment.pk, comment.version, Verdict())
        Comment.objects.filter(pk=comment.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=minutes)
        )
        return Comment.objects.get(pk=comment.pk)

    return hold


@pytest.fixture
def moderating(client, moderator):
    client.force_login(moderator)
    return client


def form_of(comment, action, **extra):
    """What a card's form posts: the item as the moderator saw it, and the button."""
    latest = comment.decisions.order_by("-created_at", "-pk").first()
    return {
        "queue": "held",
        "seen": latest.pk if latest else 0,
        "version": comment.version,
        "action": action,
        **extra,
    }


def cards_on(response):
    return [int(pk) for pk in re.findall(r'id="card-(\d+)"', response.content.decode())]


# The page


def test_the_workspace_opens_on_the_held_queue_oldest_first(moderating, held):
    newer = held("newer", minutes=1)
    older = held("older", minutes=30)
    response = moderating.get(WORKSPACE)
    assert response.status_code == 200
    assert cards_on(response) == [older.pk, newer.pk]
    page = response.content.decode()
    assert 'aria-current="page">Held <span class="count">2</span>' in page
    assert "Queue health" in page


def test_a_card_shows_the_comment_as_readers_see_it_with_its_context(
    moderating, reader, other_reader, held, say
):
    question = say(other_reader, "Is the *summit* worth it?")
    answer = say(reader, "I think **not** at all", parent=question)
    say(other_reader, "Why not?", parent=answer)
    report_comment(comment=answer, reporter=person("alert"), reason="off_topic", note="Not it")
    page = moderating.get(WORKSPACE, {"queue": "reported"}).content.decode()
    assert "<strong>not</strong>" in page  # Markdown rendered, not raw
    assert "**not**" not in page
    assert "<em>summit</em>" in page  # the comment it answers
    assert "Why not?" in page  # its replies
    assert "Off-topic — alert: “Not it”" in page
    assert answer.article.get_absolute_url() in page
    assert f"?author__id__exact={reader.pk}" in page


def test_a_card_gives_every_reason_and_the_score_rounded(moderating, held):
    held("rude")
    page = moderating.get(WORKSPACE).content.decode()
    assert "toxicity 0.88" in page
    assert "0.8821" not in page
    assert "toxic language" in page


def test_the_link_to_the_authors_comments_lists_them(moderating, reader, other_reader, held):
    mine = held("mine")
    held("theirs", author=other_reader)
    response = moderating.get(
        reverse("admin:comments_comment_changelist"), {"author__id__exact": reader.pk}
    )
    assert [c.pk for c in response.context["cl"].result_list] == [mine.pk]


def test_the_authors_standing_and_record_are_on_the_card(moderating, moderator, held, say):
    author = person("repeat_offender")
    rejected = say(author, "earlier rude remark", approved=False)
    moderator_actions.reject(comment=rejected, moderator=moderator, reason="Personal attack")
    say(author, "a fine remark")
    moderator_actions.premoderate_author(user=author, moderator=moderator)
    held("and again", author=author)
    page = moderating.get(WORKSPACE).content.decode()
    assert "1 approved, 1 rejected" in page
    assert "pre-moderated</span>" in page
    assert "Reject by moderator" in page
    assert "Personal attack" in page


def test_the_admin_index_leads_moderators_to_the_workspace(moderating, held):
    held("waiting")
    page = moderating.get(reverse("admin:index")).content.decode()
    assert f'href="{WORKSPACE}"' in page
    assert "Open the moderation workspace" in page
    assert "Oldest held" in page
    assert "Oldest report" in page
    # The "Comments" entry of the app list is the workspace too.
    assert re.search(rf'<a href="{WORKSPACE}"[^>]*>Comments</a>', page)


def test_the_counts_come_alone_for_polling(moderating, held):
    held("waiting")
    response = moderating.get(WORKSPACE, {"part": "status", "queue": "held"}, headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="queue-status"')
    assert "Held <span" in page
    assert "workspace-card" not in page


# Deciding


def test_approving_publishes_it_and_the_next_item_comes_up(moderating, moderator, held):
    first = held("first", minutes=10)
    second = held("second", minutes=5)
    response = moderating.post(decide_url(first), form_of(first, "approve"), headers=HTMX)
    assert response.status_code == 200
    assert cards_on(response) == [second.pk]
    assert "Approved: “reader: first”." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Comment.Status.APPROVED
    decision = first.decisions.order_by("-pk").first()
    assert (decision.actor, decision.outcome) == (moderator, "approve")


def test_rejecting_gives_the_author_the_chosen_reason(moderating, held):
    comment = held("buy pills")
    moderating.post(decide_url(comment), form_of(comment, "reject", reason="Spam or advertising"))
    comment.refresh_from_db()
    assert (comment.status, comment.public_reason) == ("rejected", "Spam or advertising")


def test_the_suggested_reason_is_preselected(moderating, held):
    held("rude")
    page = moderating.get(WORKSPACE).content.decode()
    assert "<option selected>Personal attack</option>" in page


def test_escalating_moves_it_to_the_escalated_queue(moderating, moderator, held):
    comment = held("hard to say")
    moderating.post(decide_url(comment), form_of(comment, "escalate"))
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert cards_on(moderating.get(WORKSPACE)) == []
    assert cards_on(moderating.get(WORKSPACE, {"queue": "escalated"})) == [comment.pk]
    latest = comment.decisions.order_by("-pk").first()
    assert (latest.phase, latest.actor) == ("escalation", moderator)


def test_a_pending_item_escalated_is_kept_from_the_pipeline(moderating, reader, say):
    comment = say(reader, "waiting", approved=False)
    moderating.post(decide_url(comment), {**form_of(comment, "escalate"), "queue": "pending"})
    assert record_verdict(comment.pk, 1, Verdict(outcome="approve")) is False
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD


def test_without_javascript_a_decision_redirects_to_the_queues_next_item(moderating, held):
    first = held("first", minutes=10)
    second = held("second", minutes=5)
    response = moderating.post(decide_url(first), form_of(first, "approve"))
    assert response.status_code == 303
    assert response["Location"] == f"{WORKSPACE}?queue=held"
    page = moderating.get(response["Location"])
    assert cards_on(page) == [second.pk]
    assert "Approved: “reader: first”." in page.content.decode()  # the admin's messages


def test_the_second_moderator_is_told_who_decided_first(moderating, held, moderator):
    comment = held("contested")
    seen_by_both = form_of(comment, "approve")
    other = person("second_moderator", is_staff=True)
    other.groups.set(moderator.groups.all())
    second = Client()
    second.force_login(other)

    moderating.post(decide_url(comment), seen_by_both)
    response = second.post(
        decide_url(comment), {**seen_by_both, "action": "reject", "reason": "Other"}, headers=HTMX
    )

    page = response.content.decode()
    assert "was already decided by moderator at" in page
    assert "(Approve)" in page
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert comment.decisions.filter(actor__isnull=False).count() == 1


def test_an_item_edited_since_the_moderator_saw_it_is_not_decided(moderating, reader, held):
    comment = held("first words")
    seen = form_of(comment, "approve")
    edit_comment(comment=comment, editor=reader, body="sneaky new words")
    page = moderating.post(decide_url(comment), seen, headers=HTMX).content.decode()
    assert "edited or deleted by its author meanwhile" in page
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD


@pytest.mark.parametrize(
    "form",
    [
        {"action": "delete"},
        {"action": "reject", "reason": "Because I say so"},
        {"action": "approve", "seen": "x"},
        {"action": "approve", "version": ""},
    ],
)
def test_a_malformed_decision_changes_nothing(moderating, held, form):
    comment = held("whatever")
    response = moderating.post(decide_url(comment), {**form_of(comment, "approve"), **form})
    assert response.status_code == 303
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD


def test_deciding_a_missing_comment_is_a_404(moderating):
    form = {"action": "approve", "seen": 0, "version": 1, "queue": "held"}
    assert (
        moderating.post("/admin/comments/comment/workspace/999999/decide/", form).status_code == 404
    )


# Who may


def test_a_reader_is_sent_to_log_in(client, reader, held):
    comment = held("x")
    client.force_login(reader)
    assert client.get(WORKSPACE).status_code == 302
    assert client.post(decide_url(comment), form_of(comment, "approve")).status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD


def test_an_anonymous_visitor_is_sent_to_log_in(client, held):
    comment = held("x")
    assert client.get(WORKSPACE).status_code == 302
    assert client.post(decide_url(comment), form_of(comment, "approve")).status_code == 302


def test_staff_without_the_moderation_permission_are_refused(client, held):
    writer = person("writer", is_staff=True)
    writer.user_permissions.add(Permission.objects.get(codename="change_article"))
    writer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    comment = held("x")
    client.force_login(writer)
    assert client.get(WORKSPACE).status_code == 403
    assert client.post(decide_url(comment), form_of(comment, "approve")).status_code == 403
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD
    index = client.get(reverse("admin:index")).content.decode()
    assert WORKSPACE not in index


def test_an_editor_may_moderate_as_the_role_table_says(client, editor, held):
    client.force_login(editor)
    assert client.get(WORKSPACE).status_code == 200


def test_a_decision_needs_the_csrf_token(moderator, held):
    comment = held("x")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(decide_url(comment), form_of(comment, "approve")).status_code == 403
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HELD
    page = strict.get(WORKSPACE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {**form_of(comment, "approve"), "csrfmiddlewaretoken": token}
    assert strict.post(decide_url(comment), form).status_code == 303
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED


def test_the_workspace_takes_no_other_method(moderating, held):
    comment = held("x")
    assert moderating.post(WORKSPACE).status_code == 405
    assert moderating.get(decide_url(comment)).status_code == 405


def test_an_unknown_queue_opens_the_held_one(moderating, held):
    comment = held("x")
    assert cards_on(moderating.get(WORKSPACE, {"queue": "<script>"})) == [comment.pk]


# Query counts


def _fill(held, say, reader, other_reader, how_many):
    """`how_many` held comments by as many authors, every other one a reply, every third
    one edited, beside a reported topic."""
    topic = say(other_reader, "the topic")
    for n in range(2):
        report_comment(comment=topic, reporter=person(f"reporter{n}"), reason="spam")
    for n in range(how_many):
        comment = held(f"held {n}", author=person(f"author{n}"), parent=topic if n % 2 else None)
        if n % 3 == 0:
            CommentRevision.objects.create(
                comment=comment, version=1, body="before", written_at=timezone.now()
            )


@pytest.mark.parametrize("how_many", [10, 200])
def test_the_page_costs_the_same_however_long_the_queue(
    moderating, held, say, reader, other_reader, how_many, django_assert_max_num_queries
):
    _fill(held, say, reader, other_reader, how_many)
    with django_assert_max_num_queries(16):
        response = moderating.get(WORKSPACE)
    assert len(cards_on(response)) == workspace.PAGE


@pytest.mark.parametrize("how_many", [10, 200])
def test_a_decision_costs_the_same_however_long_the_queue(
    moderating, held, say, reader, other_reader, how_many, django_assert_max_num_queries
):
    _fill(held, say, reader, other_reader, how_many)
    comment = Comment.objects.filter(status="held").order_by("created_at").first()
    # The decision and its staff log line, the author's notice, live events, the next cards.
    with django_assert_max_num_queries(36):
        response = moderating.post(decide_url(comment), form_of(comment, "approve"), headers=HTMX)
    assert comment.pk not in cards_on(response)


def test_the_index_costs_the_same_however_long_the_queue(
    moderating, held, say, reader, other_reader, django_assert_max_num_queries
):
    _fill(held, say, reader, other_reader, 30)
    with django_assert_max_num_queries(9):
        moderating.get(reverse("admin:index"))


# Earlier versions


def test_an_edit_keeps_the_earlier_version(reader, say):
    comment = say(reader, "The talks failed")
    edit_comment(comment=comment, editor=reader, body="The talks failed badly")
    revision = CommentRevision.objects.get(comment=comment)
    assert (revision.version, revision.body) == (1, "The talks failed")


def test_deleting_a_comment_deletes_its_earlier_versions(reader, say):
    comment = say(reader, "The talks failed")
    edit_comment(comment=comment, editor=reader, body="The talks failed badly")
    delete_comment(comment=comment, actor=reader)
    assert not CommentRevision.objects.filter(comment=comment).exists()


def test_the_word_diff_marks_what_changed_and_escapes_the_rest():
    assert word_diff("the talks <b>failed</b> today", "the talks succeeded today") == (
        "the talks<del> &lt;b&gt;failed&lt;/b&gt;</del><ins> succeeded</ins> today"
    )
    assert word_diff("a b", "a b c") == "a b<ins> c</ins>"
    assert word_diff("a b c", "a c") == "a<del> b</del> c"
    assert (
        word_diff("one two three four", "one 2 3 four")
        == "one<del> two three</del><ins> 2 3</ins> four"
    )


def test_the_card_of_an_edited_comment_shows_the_change(moderating, reader, held):
    comment = held("Visit our friendly site")
    edit_comment(comment=comment, editor=reader, body="Visit our pills site now")
    page = moderating.get(WORKSPACE).content.decode()
    assert "Changed since version 1" in page
    assert "<del> friendly</del><ins> pills</ins>" in page
    assert "<ins> now</ins>" in page


# The way in


@pytest.mark.parametrize(
    ("who", "lands_on"), [("moderator", WORKSPACE), ("editor", "/"), ("reader", "/")]
)
def test_moderators_land_on_the_workspace_when_they_log_in(
    client, request, settings, who, lands_on
):
    settings.STAFF_REQUIRE_MFA = False
    user = request.getfixturevalue(who)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct horse battery"}
    )
    assert response["Location"] == lands_on


def test_a_page_to_go_back_to_comes_first(client, moderator, settings):
    settings.STAFF_REQUIRE_MFA = False
    EmailAddress.objects.create(user=moderator, email=moderator.email, primary=True, verified=True)
    response = client.post(
        f"{reverse('account_login')}?next=/admin/",
        {"login": moderator.email, "password": "correct horse battery"},
    )
    assert response["Location"] == "/admin/"


@pytest.mark.django_db(transaction=True)
def test_two_moderators_at_the_same_moment_decide_the_item_once(held, moderator):
    if connection.vendor != "postgresql":
        pytest.skip("two requests at once take turns on PostgreSQL's row lock")
    comment = held("contested")
    seen = form_of(comment, "approve")
    other = person("second_moderator", is_staff=True)
    other.groups.set(moderator.groups.all())
    together = threading.Barrier(2)
    answers = []

    def decide(user, action):
        client = Client()
        client.force_login(user)
        together.wait()
        try:
            form = {**seen, "action": action, "reason": "Other"}
            answers.append(client.post(decide_url(comment), form, headers=HTMX))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(moderator, "approve")),
        threading.Thread(target=decide, args=(other, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [200, 200]
    told = [answer for answer in answers if "was already decided by" in answer.content.decode()]
    assert len(told) == 1
    assert comment.decisions.filter(actor__isnull=False).count() == 1
