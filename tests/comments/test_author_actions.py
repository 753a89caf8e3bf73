"""Author actions are explained and reversible: a ban or a suspension asks a reason (the
reader is told it, once) and an internal note (staff only); each can be undone, as can
trust and pre-moderation. Every step is a real admin POST with its CSRF token."""

import datetime as dt
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from briefing_site.models import Notice
from comments import moderator_actions
from comments.models import AuthorStanding, Comment, ModerationDecision

COMMENTS = "/admin/comments/comment/"
STANDINGS = "/admin/comments/authorstanding/"


class Admin:
    """A moderator in the admin, posting forms as a browser does: with the page's CSRF token."""

    def __init__(self, user):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)

    def token(self, url):
        page = self.client.get(url).content.decode()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    def action(self, url, action, ids, **answers):
        data = {
            "csrfmiddlewaretoken": self.token(url),
            "action": action,
            "_selected_action": [str(pk) for pk in ids],
        }
        if answers:
            data |= {"apply": "yes", **answers}
        return self.client.post(url, data)


@pytest.fixture
def admin_as_moderator(moderator):
    return Admin(moderator)


def standing_of(user):
    return AuthorStanding.objects.get(user=user)


def notices_of(user):
    return list(Notice.objects.filter(user=user).values_list("message", flat=True))


def test_a_ban_asks_a_reason_for_the_reader_and_a_note_for_staff(admin_as_moderator, reader, say):
    comment = say(reader, "Buy my pills")
    page = admin_as_moderator.action(COMMENTS, "ban_author", [comment.pk])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reason shown to the reader" in html
    assert "Internal note (staff only)" in html


def test_a_ban_without_a_reason_changes_nothing(admin_as_moderator, reader, say):
    comment = say(reader, "Buy my pills")
    page = admin_as_moderator.action(COMMENTS, "ban_author", [comment.pk], reason="  ", note="x")
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert not AuthorStanding.objects.filter(user=reader).exists()
    assert notices_of(reader) == []


def test_a_banned_reader_is_told_once_with_the_reason_and_never_the_note(
    admin_as_moderator, moderator, reader, say, django_capture_on_commit_callbacks
):
    comments = [say(reader, f"Buy my pills, offer {n}") for n in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_as_moderator.action(
            COMMENTS,
            "ban_author",
            [comments[0].pk],
            reason="Repeated advertising",
            note="Same spammer as last week's account",
            reject_comments="on",
        )
    assert response.status_code == 302
    standing = standing_of(reader)
    assert standing.banned_at is not None
    assert (standing.public_reason, standing.note) == (
        "Repeated advertising",
        "Same spammer as last week's account",
    )
    assert {c.status for c in Comment.objects.filter(author=reader)} == {"rejected"}
    assert notices_of(reader) == [
        "You can no longer comment. Reason: Repeated advertising. "
        "4 of your comments were taken down with it."
    ]
    entry = LogEntry.objects.get(user=moderator)
    assert "Reason shown to the reader: Repeated advertising" in entry.change_message
    assert "Internal note: Same spammer as last week's account" in entry.change_message


def test_the_reader_reads_the_reason_in_their_notices(
    admin_as_moderator, client, reader, say, django_capture_on_commit_callbacks
):
    comment = say(reader, "Buy my pills")
    with django_capture_on_commit_callbacks(execute=True):
        admin_as_moderator.action(
            COMMENTS, "ban_author", [comment.pk], reason="Advertising", note="Known spammer"
        )
    client.force_login(reader)
    page = client.get("/notices/").content.decode()
    assert "You can no longer comment. Reason: Advertising." in page
    assert "Known spammer" not in page


def test_the_same_unread_notice_is_left_once(reader, moderator, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            moderator_actions.ban_author(user=reader, moderator=moderator, reason="Abuse")
    assert notices_of(reader) == ["You can no longer comment. Reason: Abuse."]


def test_a_suspension_asks_a_reason_and_tells_the_reader_until_when(
    admin_as_moderator, reader, say, django_capture_on_commit_callbacks
):
    comment = say(reader, "Heated words")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_as_moderator.action(
            COMMENTS,
            "suspend_author",
            [comment.pk],
            days="3",
            reason="Personal attacks",
            note="Third warning",
        )
    assert response.status_code == 302
    standing = standing_of(reader)
    assert standing.suspended_until > timezone.now() + dt.timedelta(days=2)
    assert (standing.public_reason, standing.note) == ("Personal attacks", "Third warning")
    [notice] = notices_of(reader)
    assert notice.startswith("You cannot comment until ")
    assert notice.endswith("Reason: Personal attacks.")


def test_a_moderator_lifts_a_ban_and_the_reader_comments_again(
    admin_as_moderator, moderator, reader, say, demo_article, django_capture_on_commit_callbacks
):
    moderator_actions.ban_author(user=reader, moderator=moderator, reason="Abuse")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_as_moderator.action(STANDINGS, "unban", [standing_of(reader).pk])
    assert response.status_code == 302
    standing = standing_of(reader)
    assert (standing.banned_at, standing.public_reason) == (None, "")
    assert "Your ban was lifted: you can comment again." in notices_of(reader)
    assert LogEntry.objects.filter(user=moderator, change_message="Ban lifted.").exists()

    from comments.moderation import decide

    comment = say(reader, "Back, and calmer.", approved=False)
    assert decide(comment).phase != "author"


def test_a_moderator_lifts_a_suspension(admin_as_moderator, moderator, reader):
    moderator_actions.suspend_author(user=reader, moderator=moderator, days=7, reason="Abuse")
    response = admin_as_moderator.action(STANDINGS, "lift_suspension", [standing_of(reader).pk])
    assert response.status_code == 302
    assert standing_of(reader).suspended_until is None
    assert LogEntry.objects.filter(user=moderator, change_message="Suspension lifted.").exists()


def test_lifting_a_suspension_leaves_a_ban_in_place(admin_as_moderator, moderator, reader):
    moderator_actions.suspend_author(user=reader, moderator=moderator, days=7, reason="Abuse")
    moderator_actions.ban_author(user=reader, moderator=moderator, reason="Spam")
    admin_as_moderator.action(STANDINGS, "lift_suspension", [standing_of(reader).pk])
    standing = standing_of(reader)
    assert (standing.suspended_until, standing.public_reason) == (None, "Spam")
    assert standing.banned_at is not None


def test_a_moderator_stops_trusting_and_stops_premoderating(admin_as_moderator, moderator, reader):
    moderator_actions.trust_author(user=reader, moderator=moderator)
    admin_as_moderator.action(STANDINGS, "untrust", [standing_of(reader).pk])
    assert standing_of(reader).trusted is False
    moderator_actions.premoderate_author(user=reader, moderator=moderator)
    admin_as_moderator.action(STANDINGS, "stop_premoderating", [standing_of(reader).pk])
    assert standing_of(reader).premoderate is False
    messages = LogEntry.objects.filter(user=moderator).values_list("change_message", flat=True)
    assert {"No longer trusted.", "No longer pre-moderated."} <= set(messages)


def test_undoing_is_refused_on_staff_for_a_moderator(admin_as_moderator, editor):
    standing = AuthorStanding.objects.create(user=editor, banned_at=timezone.now())
    admin_as_moderator.action(STANDINGS, "unban", [standing.pk])
    assert standing_of(editor).banned_at is not None


def test_an_editor_cannot_undo_a_ban(editor, moderator, reader):
    moderator_actions.ban_author(user=reader, moderator=moderator, reason="Abuse")
    response = Admin(editor).client.post(
        STANDINGS, {"action": "unban", "_selected_action": [standing_of(reader).pk]}
    )
    assert response.status_code == 403
    assert standing_of(reader).banned_at is not None


def test_a_ban_records_no_comment_decision_unless_comments_go_with_it(moderator, reader, say):
    say(reader, "Still up")
    moderator_actions.ban_author(user=reader, moderator=moderator, reason="Abuse")
    assert not ModerationDecision.objects.filter(actor=moderator).exists()
