"""Who may do what in the newsroom: the groups come from a migration, each boundary is tested."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from comments.models import AuthorStanding, Comment
from comments.services import approve_comment, post_comment
from polls.models import Poll

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(demo_article, reader, settings):
    settings.COMMENTS_AUTO_APPROVE = False
    posted = post_comment(article=demo_article, author=reader, body="Worth a look.")
    approve_comment(posted.pk)
    return Comment.objects.get(pk=posted.pk)


def test_the_migrations_create_both_groups_with_their_permissions(db):
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    moderators = set(
        Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True)
    )
    assert {"change_article", "add_article", "change_poll", "change_comment"} <= editors
    assert {"change_authorstanding", "delete_comment"}.isdisjoint(editors)
    assert {"change_comment", "change_choice", "change_authorstanding"} <= moderators
    assert {"change_article", "add_article", "change_poll", "delete_comment"}.isdisjoint(moderators)


# (role, method, url name, expected status)
ADMIN_BOUNDARIES = [
    ("editor", "get", "article_change", 200),
    ("editor", "post", "article_followup", 302),  # the draft follow-up is made
    ("editor", "get", "article_add", 200),
    ("editor", "get", "comment_changelist", 200),
    ("moderator", "get", "article_change", 200),  # looking is allowed
    ("moderator", "post", "article_change", 403),
    ("moderator", "get", "article_add", 403),
    ("moderator", "post", "article_followup", 403),
    ("moderator", "post", "poll_change", 403),
    ("moderator", "get", "comment_changelist", 200),
    ("reader", "get", "article_change", 302),
    ("reader", "get", "comment_changelist", 302),
    ("anonymous", "get", "article_change", 302),
]


@pytest.mark.parametrize(("role", "method", "name", "status"), ADMIN_BOUNDARIES)
def test_admin_boundaries(client, request, demo_article, role, method, name, status):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    poll = Poll.objects.filter(article=demo_article).first()
    urls = {
        "article_change": reverse("admin:articles_article_change", args=[demo_article.pk]),
        "article_add": reverse("admin:articles_article_add"),
        "article_followup": reverse("admin:articles_article_followup", args=[demo_article.pk]),
        "poll_change": reverse("admin:polls_poll_change", args=[poll.pk]),
        "comment_changelist": reverse("admin:comments_comment_changelist"),
    }
    data = {"title": "Changed", "slug": "changed-by-" + role} if method == "post" else None
    response = getattr(client, method)(urls[name], data)
    assert response.status_code == status
    demo_article.refresh_from_db()
    assert demo_article.title != "Changed"


def test_an_editor_cannot_ban_a_reader(client, editor, comment):
    client.force_login(editor)
    client.post(
        reverse("admin:comments_comment_changelist"),
        {
            "action": "ban_author",
            "_selected_action": [comment.pk],
            "apply": "1",
            "reason": "Spam",
        },
    )
    assert not AuthorStanding.objects.filter(user=comment.author, banned_at__isnull=False).exists()
    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert "Ban the author" not in page.content.decode()


def test_a_moderator_can_ban_a_reader(client, moderator, comment):
    client.force_login(moderator)
    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert "Ban the author" in page.content.decode()
