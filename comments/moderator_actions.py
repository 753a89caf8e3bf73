"""What a moderator does to comments and their authors: plain functions, one transaction each.

Every decision on a comment is written down as a ModerationDecision (actor =
the moderator, phase "moderator"), kept forever beside the pipeline's. An
author's standing has no comment to hang a decision on: those changes are
recorded in the admin's log (LogEntry) against the AuthorStanding instead. Both go
in the staff log too (briefing_site.staff_log), the one record of what staff did.

The admin checks `comments.change_comment` before offering any of this; the
functions check it again, so no other caller can skip it.
"""

import datetime as dt

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from briefing_site import staff_log
from briefing_site.notices import notify
from comments.models import AuthorStanding, Comment, ModerationDecision
from comments.services import approve_comment, can_moderate, reject_comment

PHASE = "moderator"

# Shown to the author beside their rejected comment ("not published: Off-topic").
REJECTION_REASONS = (
    "Personal attack",
    "Spam or advertising",
    "Off-topic",
    "Hate speech",
    "Misinformation",
    "Other",
)

# Beside each comment a ban rejected, for its author.
BANNED = "Your account was banned from the discussions"

# A ban may reject everything the author still has in these states.
REJECTED_ON_BAN = (Comment.Status.PENDING, Comment.Status.HELD, Comment.Status.APPROVED)

MAX_SUSPENSION_DAYS = 365

# How the staff log words each decision.
DONE = {
    ModerationDecision.Outcome.APPROVE: "Approved",
    ModerationDecision.Outcome.HOLD: "Held",
    ModerationDecision.Outcome.REJECT: "Rejected",
}


def _check_moderator(moderator):
    if moderator is None or not can_moderate(moderator):
        raise PermissionDenied("Only moderators can do this.")


def can_manage_authors(user) -> bool:
    """Bans, suspensions and trust are the moderators' alone (not the editors')."""
    return user is not None and user.has_perm("comments.change_authorstanding")


def may_change_standing_of(actor, author) -> bool:
    """Staff (editors, moderators) and superusers answer to superusers alone: a
    moderator must not silence the people who oversee the discussion."""
    return actor.is_superuser or not (author.is_staff or author.is_superuser)


def _check_author_manager(moderator, author):
    if not can_manage_authors(moderator):
        raise PermissionDenied("Only moderators can ban, suspend or trust readers.")
    if not may_change_standing_of(moderator, author):
        raise PermissionDenied("Only a superuser can change the standing of staff.")


def _locked(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _decide(comment: Comment, moderator, outcome: str, reason: str) -> ModerationDecision:
    staff_log.record(
        actor=moderator,
        kind=staff_log.Kind.COMMENT,
        action=f"{DONE[outcome]} comment",
        author_id=comment.author_id,
        article_id=comment.article_id,
        subject=comment.body,
        url=reverse("admin:comments_comment_change", args=[comment.pk]),
        reason=reason if outcome == ModerationDecision.Outcome.REJECT else "",
    )
    return ModerationDecision.objects.create(
        comment=comment,
        version=comment.version,
        outcome=outcome,
        phase=PHASE,
        reasons=[reason],
        score=comment.toxicity,
        actor=moderator,
    )


@transaction.atomic
def approve(*, comment: Comment, moderator, feature: bool = False) -> ModerationDecision:
    """Publish the comment (or keep it published after reports); featuring pins it too."""
    _check_moderator(moderator)
    comment = _locked(comment)
    was_waiting = comment.status in {Comment.Status.PENDING, Comment.Status.HELD}
    approve_comment(comment.pk)
    if was_waiting:
        _tell_author(comment, "was published")
    changes = {"public_reason": ""}
    if feature:
        changes["featured"] = True
    Comment.objects.filter(pk=comment.pk).update(**changes)
    outcome = ModerationDecision.Outcome.APPROVE
    return _decide(comment, moderator, outcome, "approve and feature" if feature else "approve")


@transaction.atomic
def reject(*, comment: Comment, moderator, reason: str) -> ModerationDecision:
    """Unpublish the comment; its author sees the reason, one of REJECTION_REASONS."""
    _check_moderator(moderator)
    if reason not in REJECTION_REASONS:
        raise ValueError(f"{reason!r} is not one of the rejection reasons.")
    return _reject(_locked(comment), moderator, reason, public_reason=reason)


ESCALATION = "escalation"


@transaction.atomic
def escalate(*, comment: Comment, moderator) -> ModerationDecision:
    """Hand the comment on to another moderator (the Escalated queue): a waiting comment
    stays held and out of the pipeline's reach, a published one stays up meanwhile."""
    _check_moderator(moderator)
    comment = _locked(comment)
    if comment.status == Comment.Status.PENDING:
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HELD)
    staff_log.record(
        actor=moderator,
        kind=staff_log.Kind.COMMENT,
        action="Escalated comment",
        author_id=comment.author_id,
        article_id=comment.article_id,
        subject=comment.body,
        url=reverse("admin:comments_comment_change", args=[comment.pk]),
    )
    return ModerationDecision.objects.create(
        comment=comment,
        version=comment.version,
        outcome=ModerationDecision.Outcome.HOLD,
        phase=ESCALATION,
        reasons=[f"escalated by {moderator.username}"],
        score=comment.toxicity,
        actor=moderator,
    )


def _reject(comment: Comment, moderator, reason: str, *, public_reason: str, tell: bool = True):
    if tell and comment.status != Comment.Status.REJECTED:
        _tell_author(comment, f"was not published: {public_reason}")
    reject_comment(comment.pk)
    Comment.objects.filter(pk=comment.pk).update(featured=False, public_reason=public_reason)
    return _decide(comment, moderator, ModerationDecision.Outcome.REJECT, reason)


def _tell_author(comment: Comment, what: str):
    """A moderator decided: the author hears of it in their notices."""
    notify(
        user=comment.author,
        message=f"Your comment on “{comment.article.title}” {what}.",
        url=comment.get_absolute_url(),
    )


def _standing(user) -> AuthorStanding:
    AuthorStanding.objects.get_or_create(user=user)
    return AuthorStanding.objects.select_for_update().get(user=user)


def _log(moderator, standing: AuthorStanding, message: str, *, reason: str = "", note: str = ""):
    staff_log.record(
        actor=moderator,
        kind=staff_log.Kind.AUTHOR,
        action=message,
        author_id=standing.user_id,
        subject=standing.user.get_username(),
        url=reverse("admin:comments_authorstanding_change", args=[standing.pk]),
        reason=reason,
        note=note,
    )
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=[standing],
        action_flag=CHANGE,
        change_message=_with_note(message, reason, note) if reason else message,
        single_object=True,
    )


def _reason_given(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A ban or a suspension needs a reason the reader is shown.")
    return reason


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _with_note(message: str, reason: str, note: str) -> str:
    """What the admin's log records: the reason the reader was shown, and the staff's note."""
    message = f"{message} Reason shown to the reader: {reason}"
    return f"{message} Internal note: {note.strip()}" if note.strip() else message


@transaction.atomic
def ban_author(
    *, user, moderator, reason: str, note: str = "", reject_comments: bool = False
) -> AuthorStanding:
    """Ban the author from commenting; optionally reject all they still have up or waiting.

    The reader is told once, with the reason, however many comments go with the ban.
    """
    _check_author_manager(moderator, user)
    reason = _reason_given(reason)
    standing = _standing(user)
    standing.banned_at = timezone.now()
    standing.trusted = False
    standing.public_reason = reason
    standing.note = note.strip()
    standing.save(update_fields=["banned_at", "trusted", "public_reason", "note", "updated_at"])
    message = "Banned."
    told = f"You can no longer comment. Reason: {_sentence(reason)}"
    if reject_comments:
        comments = (
            Comment.objects.select_for_update()
            .filter(author=user, status__in=REJECTED_ON_BAN)
            .order_by("pk")
        )
        rejected = [
            _reject(c, moderator, "ban author", public_reason=BANNED, tell=False) for c in comments
        ]
        message = f"Banned; {len(rejected)} of their comments rejected."
        if rejected:
            told += f" {len(rejected)} of your comments were taken down with it."
    _log(moderator, standing, message, reason=reason, note=note)
    notify(user=user, message=told)
    return standing


@transaction.atomic
def unban_author(*, user, moderator) -> AuthorStanding:
    """Let a banned author comment again (their rejected comments stay rejected)."""
    _check_author_manager(moderator, user)
    standing = _standing(user)
    if standing.banned_at is None:
        return standing
    standing.banned_at = None
    standing.public_reason = "" if not _suspended(standing) else standing.public_reason
    standing.save(update_fields=["banned_at", "public_reason", "updated_at"])
    _log(moderator, standing, "Ban lifted.")
    if not _suspended(standing):
        notify(user=user, message="Your ban was lifted: you can comment again.")
    return standing


@transaction.atomic
def suspend_author(*, user, moderator, days: int, reason: str, note: str = "") -> AuthorStanding:
    """Keep the author from commenting for `days` days from now; they are told why."""
    _check_author_manager(moderator, user)
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValueError(f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days, not {days}.")
    reason = _reason_given(reason)
    standing = _standing(user)
    standing.suspended_until = timezone.now() + dt.timedelta(days=days)
    standing.public_reason = reason
    standing.note = note.strip()
    standing.save(update_fields=["suspended_until", "public_reason", "note", "updated_at"])
    _log(moderator, standing, f"Suspended for {days} days.", reason=reason, note=note)
    until = timezone.localtime(standing.suspended_until).strftime("%d %B %Y, %H:%M")
    notify(user=user, message=f"You cannot comment until {until}. Reason: {_sentence(reason)}")
    return standing


@transaction.atomic
def lift_suspension(*, user, moderator) -> AuthorStanding:
    """End the author's suspension now."""
    _check_author_manager(moderator, user)
    standing = _standing(user)
    if not _suspended(standing):
        return standing
    standing.suspended_until = None
    standing.public_reason = standing.public_reason if standing.banned_at else ""
    standing.save(update_fields=["suspended_until", "public_reason", "updated_at"])
    _log(moderator, standing, "Suspension lifted.")
    if standing.banned_at is None:
        notify(user=user, message="Your suspension was lifted: you can comment again.")
    return standing


def _suspended(standing: AuthorStanding) -> bool:
    return standing.suspended_until is not None and standing.suspended_until > timezone.now()


@transaction.atomic
def premoderate_author(*, user, moderator) -> AuthorStanding:
    """Hold every comment by this author for a moderator (and stop trusting them)."""
    return _set_standing(user, moderator, "Always pre-moderated.", premoderate=True, trusted=False)


@transaction.atomic
def stop_premoderating_author(*, user, moderator) -> AuthorStanding:
    """The author's comments go through the pipeline like anyone's again."""
    return _set_standing(user, moderator, "No longer pre-moderated.", premoderate=False)


@transaction.atomic
def trust_author(*, user, moderator) -> AuthorStanding:
    """Skip pre-moderation and the velocity check for this author."""
    return _set_standing(user, moderator, "Trusted.", trusted=True, premoderate=False)


@transaction.atomic
def untrust_author(*, user, moderator) -> AuthorStanding:
    """The author goes through pre-moderation and the velocity check again."""
    return _set_standing(user, moderator, "No longer trusted.", trusted=False)


def _set_standing(user, moderator, message: str, **fields) -> AuthorStanding:
    _check_author_manager(moderator, user)
    standing = _standing(user)
    for name, value in fields.items():
        setattr(standing, name, value)
    standing.save(update_fields=[*fields, "updated_at"])
    _log(moderator, standing, message)
    return standing
