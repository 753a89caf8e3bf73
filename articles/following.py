"""Readers following a story: who hears of a follow-up, in the site and by email, once."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, FollowupNotice, FollowupQuestion, StoryFollow
from articles.tasks import email_followup
from briefing_site import events
from briefing_site.models import ReaderPreferences
from briefing_site.notices import notify
from briefing_site.site_address import site_url
from briefing_site.tasks import enqueue_or_leave_to_sweeper
from comments.models import Comment
from polls.models import Choice, Vote

UNFOLLOW_SALT = "articles.unfollow"


def is_following(user, article: Article) -> bool:
    return (
        user.is_authenticated
        and StoryFollow.objects.filter(user=user, story_id=article.story_root_id).exists()
    )


def follow(user, article: Article) -> None:
    try:
        with transaction.atomic():
            StoryFollow.objects.create(user=user, story_id=article.story_root_id)
    except IntegrityError:
        pass  # already following: following twice is following


def unfollow(user, article: Article) -> None:
    StoryFollow.objects.filter(user=user, story_id=article.story_root_id).delete()


def unfollow_token(user, article: Article) -> str:
    """Signed (user, story): the email's link unfollows without logging in."""
    return signing.dumps({"u": user.pk, "s": article.story_root_id}, salt=UNFOLLOW_SALT)


def read_unfollow_token(token: str) -> tuple[int, int] | None:
    try:
        data = signing.loads(token, salt=UNFOLLOW_SALT, max_age=60 * 60 * 24 * 365)
        return int(data["u"]), int(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def tell_followers(followup_id: int) -> int:
    """Tell each reader concerned by a published follow-up, once.

    Followers of the story get a notice and an email. Signed-in readers who
    voted in, proposed an answer to, or commented under a question the
    follow-up answers get a notice that the newsroom followed up on their
    question (and the email too if they follow the story).
    """
    followup = Article.objects.filter(pk=followup_id).first()
    if followup is None or not followup.is_published or followup.story_id is None:
        return 0
    followers = set(
        StoryFollow.objects.filter(story_id=followup.story_id).values_list("user_id", flat=True)
    )
    answered = {
        question.poll_id: question.poll.question
        for question in FollowupQuestion.objects.filter(followup=followup, answers=True)
        .select_related("poll")
        .only("poll__question")
    }
    took_part = participants(answered)
    wants_email = set(
        ReaderPreferences.objects.filter(
            user_id__in=list(took_part), email_answered_questions=True
        ).values_list("user_id", flat=True)
    )
    already = set(
        FollowupNotice.objects.filter(followup=followup).values_list("user_id", flat=True)
    )
    told = 0
    for user_id in sorted((followers | set(took_part)) - already):
        if user_id in took_part:
            question = answered[took_part[user_id]]
            message = f"The newsroom followed up on a question you took part in: “{question}”"
        else:
            message = f"New in a story you follow: {followup.title}"
        if user_id in followers:
            email = FollowupNotice.Email.FOLLOWS
        elif user_id in wants_email:
            email = FollowupNotice.Email.TOOK_PART
        else:
            email = FollowupNotice.Email.NONE
        with transaction.atomic():
            try:
                with transaction.atomic():
                    notice = FollowupNotice.objects.create(
                        followup=followup, user_id=user_id, email=email
                    )
            except IntegrityError:
                continue  # another run told them
            notify(user=notice.user, message=message[:300], url=followup.get_absolute_url())
            if email:
                transaction.on_commit(lambda pk=notice.pk: _queue_email(pk))
        told += 1
    if told:
        _refresh_bells(followup)
    return told


def _refresh_bells(followup: Article):
    """Signed-in readers on the story's pages fetch their notices count once (not everyone's)."""
    story = Article.objects.published().filter(
        Q(pk=followup.story_id) | Q(story_id=followup.story_id)
    )
    for article_id in story.values_list("pk", flat=True):
        events.publish_on_commit(article_id, "notices.updated", dict)


def participants(poll_ids) -> dict[int, int]:
    """Signed-in readers who voted, proposed an answer or commented: user id -> poll id."""
    if not poll_ids:
        return {}
    found: dict[int, int] = {}
    for rows in (
        Vote.objects.filter(poll_id__in=poll_ids, user__isnull=False).values_list(
            "user_id", "poll_id"
        ),
        Choice.objects.filter(poll_id__in=poll_ids, proposed_by__isnull=False).values_list(
            "proposed_by_id", "poll_id"
        ),
        Comment.objects.filter(
            poll_id__in=poll_ids, author__isnull=False, deleted_at__isnull=True
        ).values_list("author_id", "poll_id"),
    ):
        for user_id, poll_id in rows:
            found.setdefault(user_id, poll_id)
    return found


SWEEP_WINDOW = dt.timedelta(days=2)
EMAIL_GRACE = dt.timedelta(minutes=2)


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """Catch up on what a broker outage left undone: (readers told, emails queued).

    Telling is idempotent, so every recent follow-up is simply told again;
    emails still unsent a while after their notice are queued again (sending
    checks, under a lock, that each goes once).
    """
    now = now or timezone.now()
    recent = Article.objects.published().filter(
        story__isnull=False, published_at__gte=now - SWEEP_WINDOW
    )
    told = sum(tell_followers(pk) for pk in recent.values_list("pk", flat=True))
    unsent = (
        FollowupNotice.objects.exclude(email=FollowupNotice.Email.NONE)
        .filter(
            emailed_at__isnull=True,
            created_at__lte=now - EMAIL_GRACE,
            created_at__gte=now - SWEEP_WINDOW,
        )
        .values_list("pk", flat=True)
    )
    queued = 0
    for notice_id in unsent:
        _queue_email(notice_id)
        queued += 1
    return told, queued


def _still_wanted(notice: FollowupNotice) -> bool:
    """The reader may have unfollowed, or turned the emails off, since."""
    if notice.email == FollowupNotice.Email.FOLLOWS:
        return StoryFollow.objects.filter(
            user=notice.user, story_id=notice.followup.story_id
        ).exists()
    if notice.email == FollowupNotice.Email.TOOK_PART:
        return ReaderPreferences.objects.filter(
            user=notice.user, email_answered_questions=True
        ).exists()
    return False


def _queue_email(notice_id: int):
    enqueue_or_leave_to_sweeper(email_followup, notice_id)


def send_followup_email(notice_id: int) -> bool:
    """Send the email once; an SMTP failure raises, for the task to retry."""
    with transaction.atomic():
        notice = (
            FollowupNotice.objects.select_for_update()
            .select_related("followup", "user")
            .filter(pk=notice_id, emailed_at__isnull=True)
            .first()
        )
        if notice is None or not notice.user.email or not _still_wanted(notice):
            return False
        followup = notice.followup
        if not followup.is_published:
            return False  # taken back (or never out) since the notice: tell nobody of it
        context = {
            "followup": followup,
            "user": notice.user,
            "site_url": site_url(),
            "took_part": notice.email == FollowupNotice.Email.TOOK_PART,
            "preferences_url": reverse("notices"),
            "unfollow_url": reverse(
                "articles:unfollow", args=[unfollow_token(notice.user, followup)]
            ),
        }
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{followup.title}",
            message=render_to_string("articles/followup_email.txt", context),
            from_email=None,
            recipient_list=[notice.user.email],
        )
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
        return True
