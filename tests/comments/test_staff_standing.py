"""Staff answer to superusers: a moderator cannot ban, suspend, trust or pre-moderate an
editor, another moderator or a superuser, from the comment list or the standings admin."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied

from comments import moderator_actions
from comments.models import AuthorStanding

COMMENTS = "/admin/comments/comment/"
REFUSED = "Only a superuser can change the standing of staff"

ACTIONS = [
    ("ban_author", {"reject_comments": "on", "reason": "Abuse"}),
    ("suspend_author", {"days": "7", "reason": "Abuse"}),
    ("trust_author", {}),
    ("premoderate_author", {}),
]


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser(
        username="boss", email="boss@example.com", password="x"
    )


def _standing(user):
    return (
        AuthorStanding.objects.filter(user=user)
        .values_list("banned_at", "suspended_until", "premoderate", "trusted")
        .first()
    )


def _run(client, action, comment, answers):
    data = {"action": action, "_selected_action": [comment.pk]}
    if answers:
        data |= {"apply": "yes", **answers}
    return client.post(COMMENTS, data, follow=True)


@pytest.mark.parametrize(("action", "answers"), ACTIONS)
@pytest.mark.parametrize("target", ["editor", "other_moderator", "boss"])
def test_a_moderator_cannot_change_a_staff_authors_standing(
    client, request, moderator, say, action, answers, target
):
    if target == "other_moderator":
        author = get_user_model().objects.create_user(
            username="colleague", email="colleague@example.com", is_staff=True
        )
        author.groups.set(moderator.groups.all())
    else:
        author = request.getfixturevalue(target)
    comment = say(author, "A word from the newsroom")
    client.force_login(moderator)
    response = _run(client, action, comment, answers)
    assert any(REFUSED in str(m) for m in get_messages(response.wsgi_request))
    assert _standing(author) is None
    comment.refresh_from_db()
    assert comment.status == "approved"


@pytest.mark.parametrize(("action", "answers"), ACTIONS)
def test_a_superuser_can_change_a_staff_authors_standing(
    client, boss, moderator, say, action, answers
):
    comment = say(moderator, "A moderator's own comment")
    client.force_login(boss)
    _run(client, action, comment, answers)
    assert _standing(moderator) is not None


def test_a_moderator_still_manages_readers(client, moderator, reader, say):
    comment = say(reader, "A reader's comment")
    client.force_login(moderator)
    _run(client, "ban_author", comment, {"reject_comments": "", "reason": "Abuse"})
    assert _standing(reader)[0] is not None


def test_the_standings_admin_refuses_a_moderator_on_staff(client, moderator, editor, boss):
    client.force_login(moderator)
    for staff in (editor, boss):
        standing = AuthorStanding.objects.create(user=staff)
        response = client.post(
            f"/admin/comments/authorstanding/{standing.pk}/change/",
            {"user": staff.pk, "premoderate": "on"},
        )
        assert response.status_code == 200  # the form again, with the reason
        assert REFUSED in response.content.decode()
        assert _standing(staff) == (None, None, False, False)


def test_the_standings_admin_will_not_move_a_readers_standing_onto_staff(
    client, moderator, reader, editor
):
    standing = AuthorStanding.objects.create(user=reader, premoderate=True)
    client.force_login(moderator)
    response = client.post(
        f"/admin/comments/authorstanding/{standing.pk}/change/",
        {"user": editor.pk, "premoderate": "on"},
    )
    assert REFUSED in response.content.decode()
    assert _standing(editor) is None


def test_the_standings_admin_lets_a_superuser_change_staff(client, moderator, boss):
    client.force_login(boss)
    response = client.post(
        "/admin/comments/authorstanding/add/", {"user": moderator.pk, "premoderate": "on"}
    )
    assert response.status_code == 302
    assert _standing(moderator)[2] is True


@pytest.mark.parametrize(
    "act",
    [
        lambda user, by: moderator_actions.ban_author(user=user, moderator=by, reason="Abuse"),
        lambda user, by: moderator_actions.suspend_author(
            user=user, moderator=by, days=7, reason="Abuse"
        ),
        lambda user, by: moderator_actions.trust_author(user=user, moderator=by),
        lambda user, by: moderator_actions.premoderate_author(user=user, moderator=by),
    ],
    ids=["ban", "suspend", "trust", "premoderate"],
)
def test_the_rule_holds_for_every_caller_not_only_the_admin(moderator, editor, boss, act):
    before = _standing(editor)
    with pytest.raises(PermissionDenied, match="superuser"):
        act(editor, moderator)
    assert _standing(editor) == before
    act(editor, boss)
    assert _standing(editor) != before
