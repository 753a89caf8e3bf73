"""A human's decision is final: a reader's edit never sends a rejected or held
comment back through the automatic pipeline (which would publish it)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from comments import moderator_actions
from comments.models import Comment, ModerationDecision, ModerationSettings
from comments.services import report_comment

CALM = "tests.comments.test_human_decisions.Calm"


class Calm:
    def score(self, text):
        return 0.0


@pytest.fixture
def pipeline(settings):
    """The real moderation task, run eagerly when each comment commits."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.COMMENT_CLASSIFIER = CALM
    # The reader here is past the pre-moderation of their first comments.
    ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})


def _post(client, article, body):
    response = client.post(reverse("comments:post", args=[article.slug]), {"body": body})
    assert response.status_code == 303
    comment = Comment.objects.get(body=body)
    assert comment.status == "approved"  # the pipeline published it
    return comment


def _shown_to_others(client, article, text):
    client.logout()
    return text in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_edit_cannot_publish_a_comment_a_moderator_rejected(
    client, pipeline, reader, moderator, demo_article
):
    client.force_login(reader)
    comment = _post(client, demo_article, "An opinion the moderator will not publish")
    moderator_actions.reject(comment=comment, moderator=moderator, reason="Off-topic")

    edit_url = reverse("comments:edit", args=[comment.pk])
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert edit_url not in page  # no Edit link on a rejected comment
    refused = client.get(edit_url)
    assert refused.status_code == 409
    assert "was not published, so it can no longer be edited" in refused.content.decode()

    response = client.post(edit_url, {"body": "An opinion the moderator will not publish!"})
    assert response.status_code == 409
    assert "was not published, so it can no longer be edited" in response.content.decode()
    assert "<html" in response.content.decode().lower()  # the site's page, not a bare line
    comment.refresh_from_db()
    assert (comment.status, comment.version) == ("rejected", 1)
    assert not _shown_to_others(client, demo_article, "will not publish")
    assert not ModerationDecision.objects.filter(comment=comment, version=2).exists()


@pytest.mark.django_db(transaction=True)
def test_an_edit_of_a_comment_hidden_by_reports_stays_held_for_a_moderator(
    client, pipeline, reader, demo_article
):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"report_threshold": 3})
    client.force_login(reader)
    comment = _post(client, demo_article, "A contested view that readers report")
    for n in range(3):
        reporter = get_user_model().objects.create_user(username=f"r{n}", email=f"r{n}@x.org")
        report_comment(comment=comment, reporter=reporter, reason="abuse")
    comment.refresh_from_db()
    assert comment.status == "held"

    client.force_login(reader)
    response = client.post(
        reverse("comments:edit", args=[comment.pk]),
        {"body": "A contested view that readers report!"},
    )
    assert response.status_code == 303
    comment.refresh_from_db()
    assert (comment.status, comment.version) == ("held", 2)
    assert comment.body == "A contested view that readers report!"
    assert not _shown_to_others(client, demo_article, "contested view")
    # Only the readers' hold and the pipeline's first approval: no verdict on the edit.
    assert not ModerationDecision.objects.filter(comment=comment, version=2).exists()


@pytest.mark.django_db(transaction=True)
def test_an_edit_with_htmx_of_a_rejected_comment_says_why_beside_the_form(
    client, pipeline, reader, moderator, demo_article
):
    client.force_login(reader)
    comment = _post(client, demo_article, "Another opinion that will be rejected")
    moderator_actions.reject(comment=comment, moderator=moderator, reason="Spam or advertising")
    response = client.post(
        reverse("comments:edit", args=[comment.pk]),
        {"body": "Another opinion that will be rejected!"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "rejected"
