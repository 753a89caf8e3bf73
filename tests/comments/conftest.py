import pytest
from django.contrib.auth import get_user_model

from comments.models import Comment
from comments.services import approve_comment, post_comment

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _moderation_decides(settings):
    """Comments wait for moderation here; tests approve what they need explicitly."""
    settings.COMMENTS_AUTO_APPROVE = False


@pytest.fixture
def other_reader(db):
    return get_user_model().objects.create_user(
        username="other_reader", email="other@example.com", password="x"
    )


@pytest.fixture
def say(demo_article):
    """Post (and by default approve) a comment: say(author, "text", parent=..., poll=...)."""

    def post(author, body, *, parent=None, poll=None, approved=True, show_stance=False):
        comment = post_comment(
            article=demo_article,
            author=author,
            body=body,
            parent=parent,
            poll=poll,
            show_stance=show_stance,
        )
        if approved:
            approve_comment(comment.pk)
        return Comment.objects.get(pk=comment.pk)

    return post
