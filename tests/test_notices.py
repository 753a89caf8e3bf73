"""Readers hear in the site when moderators decide on what they wrote."""

from django.urls import reverse

from briefing_site.models import Notice
from comments import moderator_actions


def test_a_held_comment_decided_by_a_moderator_leaves_its_author_a_notice(
    client, reader, moderator, demo_article, django_capture_on_commit_callbacks
):
    from comments.services import post_comment

    comment = post_comment(article=demo_article, author=reader, body="Wait for a human.")
    comment.status = "held"
    comment.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        moderator_actions.approve(comment=comment, moderator=moderator)
    client.force_login(reader)
    page = client.get("/").content.decode()
    assert '<span class="badge">1</span><span class="visually-hidden"> unread</span>' in page
    notices = client.get(reverse("notices")).content.decode()
    assert "Your comment on “Breaking: ASEAN Urges Restraint" in notices
    assert "was published." in notices
    assert f'href="{comment.get_absolute_url()}"' in notices


def test_a_rejection_notice_gives_the_public_reason(
    reader, moderator, demo_article, django_capture_on_commit_callbacks
):
    from comments.services import post_comment

    comment = post_comment(article=demo_article, author=reader, body="Off on a tangent.")
    with django_capture_on_commit_callbacks(execute=True):
        moderator_actions.reject(comment=comment, moderator=moderator, reason="Off-topic")
    assert Notice.objects.get(user=reader).message.endswith("was not published: Off-topic.")


def test_marking_notices_read_clears_the_count(client, reader):
    Notice.objects.create(user=reader, message="Something happened.")
    client.force_login(reader)
    response = client.post(reverse("notices"))
    assert response.status_code == 303
    assert 'class="badge"' not in client.get("/").content.decode()


def test_notices_are_private(client, reader, other_reader_account):
    Notice.objects.create(user=reader, message="Only for the reader.")
    assert client.get(reverse("notices")).status_code == 302  # to log in
    client.force_login(other_reader_account)
    assert "Only for the reader." not in client.get(reverse("notices")).content.decode()
