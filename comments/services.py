"""Posting, editing, deleting, liking and reporting comments: the rules, in plain functions."""

from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone
from treebeard.exceptions import PathOverflow

from articles.models import Article
from briefing_site import staff_log
from comments import live, reply_notices, tasks
from comments.models import (
    AuthorStanding,
    Comment,
    CommentRevision,
    Like,
    ModerationDecision,
    ModerationSettings,
    Report,
)
from comments.moderation import reason_for_author
from comments.rendering import BodyError, clean_body, mentioned, render_body
from comments.rules import CommentRefused, Conflict, NotAllowed, can_moderate, edit_refusal
from comments.scoring import wilson_lower_bound
from polls.models import Poll, Vote

COMMENTS_CLOSED = "Comments on this article are closed."


def post_comment(
    *,
    article: Article,
    author,
    body: str,
    parent: Comment | None = None,
    poll=None,
    show_stance: bool = False,
) -> Comment:
    """Save a reader's comment as pending; moderation decides after the commit."""
    if not article.is_published:
        raise CommentRefused("This article is not open for comments.")
    if article.comments_closed:
        raise Conflict(COMMENTS_CLOSED)
    if parent is not None:
        _check_can_reply(parent, article)
        poll = parent.poll
    elif poll is not None and poll.article_id != article.pk:
        raise CommentRefused("That question belongs to another article.")
    text = _clean(body)
    stance = _stance(author, poll) if show_stance and poll is not None else None
    fields = {
        "article": article,
        "poll": poll,
        "author": author,
        "body": text,
        "body_html": render_body(text, _readers_named(text)),
        "stance": stance,
        "status": Comment.Status.PENDING,
    }
    comment = _insert(parent, fields)
    transaction.on_commit(lambda: comment_submitted(comment.pk))
    return comment


# Held while a new thread takes the next top-level path (roots are site-wide).
NEW_THREAD_LOCK = 0x42_52_46_01


def _insert(parent, fields) -> Comment:
    # A new comment takes the path after its last sibling's. Comments posted at
    # once under the same parent (or as new threads anywhere) take turns, or a
    # crowd would compute the same path and fail each other; the unique
    # constraint and a retry remain for what a lock cannot cover (SQLite).
    for _attempt in range(5):
        try:
            with transaction.atomic():
                if parent is None:
                    _wait_turn_for_new_thread()
                    return Comment.objects.add_root(instance=Comment(**fields))
                # Locked, and re-read: its children as of now, not as of the request.
                parent = Comment.objects.select_for_update().get(pk=parent.pk)
                return Comment.objects.add_child(parent, instance=Comment(**fields))
        except IntegrityError:
            continue
        except PathOverflow:
            raise CommentRefused(
                "This comment takes no more replies; reply to another one instead."
            ) from None
    raise CommentRefused("Your comment could not be saved; please try again.")


def _wait_turn_for_new_thread():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NEW_THREAD_LOCK])


def _check_can_reply(parent: Comment, article: Article):
    if parent.article_id != article.pk:
        raise CommentRefused("You can only reply to a comment on this article.")
    if parent.is_deleted:
        raise CommentRefused("That comment was deleted; it takes no new replies.")
    if parent.status != Comment.Status.APPROVED:
        raise CommentRefused("That comment is not open for replies.")
    if parent.depth >= Comment.max_depth:
        raise CommentRefused(
            "This thread is as deep as it can go; reply to an earlier comment in it instead."
        )


def _readers_named(text: str) -> set[str]:
    """The names the text mentions that belong to readers: their mentions become links."""
    names = mentioned(text)
    if not names:
        return set()
    readers = get_user_model().objects.filter(username__in=names, is_active=True)
    return set(readers.values_list("username", flat=True))


def preview_body(body: str) -> str:
    """The HTML the comment would be published with (the same cleaning, Markdown and
    sanitizer as post_comment); CommentRefused says what to change first."""
    text = _clean(body)
    return render_body(text, _readers_named(text))


def _clean(body: str) -> str:
    try:
        return clean_body(body)
    except BodyError as error:
        raise CommentRefused(str(error)) from None


def _stance(author, poll):
    vote = Vote.objects.filter(poll=poll, user=author).select_related("choice").first()
    return vote.choice if vote else None


def comment_submitted(comment_id: int, version: int = 1):
    """Runs after a new (or edited) comment commits: hand it to the moderation pipeline.

    If the broker is down the comment stays pending, and the sweeper enqueues it
    once the broker is back: nothing a reader wrote is lost.
    COMMENTS_AUTO_APPROVE skips the pipeline (development only).
    """
    if settings.COMMENTS_AUTO_APPROVE:
        approve_comment(comment_id)
        return
    tasks.enqueue_moderation(comment_id, version)


def record_verdict(comment_id: int, version: int, verdict) -> bool:
    """Apply the pipeline's verdict to that version of the comment, once.

    Returns False when there is nothing to do: the comment changed since, was
    deleted, or this version was already decided (a task that ran twice).
    """
    return comment_id in record_verdicts([(comment_id, version, verdict)])


def _still_undecided(wanted: dict) -> list[Comment]:
    """The comments of `wanted` ({id: (version, verdict)}) locked and still pending at
    that version, undeleted and decided by nobody, in id order."""
    decided = ModerationDecision.objects.filter(
        comment=OuterRef("pk"), version=OuterRef("version"), actor__isnull=True
    ).exclude(phase="reports")
    locked = (
        Comment.objects.select_for_update()
        .annotate(decided=Exists(decided))
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    return [
        comment
        for comment in locked
        if comment.version == wanted[comment.pk][0]
        and not comment.is_deleted
        and comment.status == Comment.Status.PENDING
        and not comment.decided
    ]


@transaction.atomic
def record_verdicts(verdicts) -> set[int]:
    """record_verdict for each (comment id, version, verdict), in one round of writes
    whatever their number; the ids of the comments it applied a verdict to.

    Each comment's row is locked and read again first: a verdict applies only to a
    pending comment still at that version, which nobody (a moderator, another task)
    decided meanwhile.
    """
    wanted = {comment_id: (version, verdict) for comment_id, version, verdict in verdicts}
    if not wanted:
        return set()
    pending = _still_undecided(wanted)
    if not pending:
        return set()
    ModerationDecision.objects.bulk_create(
        ModerationDecision(
            comment=comment,
            version=comment.version,
            outcome=verdict.outcome,
            phase=verdict.phase,
            reasons=list(verdict.reasons),
            score=verdict.score,
        )
        for comment in pending
        for verdict in [wanted[comment.pk][1]]
    )
    approved, rejected = [], []
    for comment in pending:
        verdict = wanted[comment.pk][1]
        if verdict.score is not None:
            comment.toxicity = verdict.score
        if verdict.outcome == ModerationDecision.Outcome.APPROVE:
            comment.status = Comment.Status.APPROVED
            approved.append(comment)
        elif verdict.outcome == ModerationDecision.Outcome.REJECT:
            comment.status = Comment.Status.REJECTED
            comment.public_reason = reason_for_author(verdict.phase)
            rejected.append(comment)
        else:
            comment.status = Comment.Status.HELD
    # The rows are locked and pending: status, score and reason go in one update.
    _save_verdict_fields(pending)
    _after_approval(approved)
    # A pending comment was shown to nobody: no count or live reader to tell.
    _after_rejection(rejected, counted=[])
    return {comment.pk for comment in pending}


VERDICT_FIELDS = ("status", "toxicity", "public_reason")


def _save_verdict_fields(comments: list[Comment]):
    """Save the comments' VERDICT_FIELDS in one UPDATE: each field set by a CASE on the id.

    bulk_update() writes the same statement, but builds an expression for each row and
    field first, which cost a batch of a hundred more than its other writes together.
    """
    quote = connection.ops.quote_name
    meta = Comment._meta
    pk = quote(meta.pk.column)
    assignments, params = [], []
    for name in VERDICT_FIELDS:
        field = meta.get_field(name)
        # The CAST types each value, a NULL score too, as the column is typed.
        value = f"CAST(%s AS {field.db_type(connection)})"
        whens = " ".join([f"WHEN %s THEN {value}"] * len(comments))
        assignments.append(f"{quote(field.column)} = CASE {pk} {whens} END")
        for comment in comments:
            params += [comment.pk, field.get_db_prep_save(getattr(comment, name), connection)]
    ids = ", ".join(["%s"] * len(comments))
    params += [comment.pk for comment in comments]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {pk} IN ({ids})",  # noqa: S608 - names quoted, values as parameters
            params,
        )


@transaction.atomic
def approve_comment(comment_id: int) -> bool:
    """Approve a pending (or rejected) comment; counts follow. False if nothing changed."""
    return _lock_and_change(comment_id, Comment.Status.APPROVED, _approve_locked)


def _lock_and_change(comment_id: int, status, change) -> bool:
    """Lock the comment and `change` it, unless it is gone or already has that status."""
    comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None or comment.status == status:
        return False
    change(comment)
    return True


def _approve_locked(comment: Comment, *, also=()):
    """Approve a comment whose row this transaction holds locked (and not approved)."""
    comment.status = Comment.Status.APPROVED
    comment.save(update_fields=["status", *also])
    _after_approval([comment])


def _after_approval(comments: list[Comment]):
    """What follows approving comments (their rows locked, their status saved): the counts,
    live readers, and the readers they answer or name."""
    _count_all([(comment, +1) for comment in comments if not comment.is_deleted])
    live.comments_published(comments)
    for comment in comments:
        reply_notices.tell_readers_of(comment)


@transaction.atomic
def reject_comment(comment_id: int) -> bool:
    return _lock_and_change(comment_id, Comment.Status.REJECTED, _reject_locked)


def _reject_locked(comment: Comment, *, also=()):
    """Reject a comment whose row this transaction holds locked (and not rejected)."""
    was_counted = comment.is_visible_to(None)
    comment.status = Comment.Status.REJECTED
    comment.save(update_fields=["status", *also])
    _after_rejection([comment], counted=[comment] if was_counted else [])


def _after_rejection(comments: list[Comment], *, counted: list[Comment]):
    """What follows rejecting comments (status saved): their notices go; those that were
    shown (`counted`) leave the counts and live readers' pages."""
    reply_notices.withdraw_all(comments)
    _count_all([(comment, -1) for comment in counted])
    for comment in counted:
        live.comment_removed(comment)


def _count(comment: Comment, delta: int):
    _count_all([(comment, delta)])


def _count_all(changes: list[tuple[Comment, int]]):
    """Shown comment counts: the articles', the questions', and every ancestor's replies;
    one update of each, however many comments changed."""
    articles, polls, ancestors = Counter(), Counter(), Counter()
    for comment, delta in changes:
        articles[comment.article_id] += delta
        if comment.poll_id:
            polls[comment.poll_id] += delta
        for depth in range(1, comment.depth):
            ancestors[comment.path[: depth * Comment.steplen]] += delta
    _add(Article.objects, "pk", "comment_count", articles)
    _add(Poll.objects, "pk", "comment_count", polls)
    _add(Comment.objects, "path", "reply_count", ancestors)


def _add(rows, key: str, field: str, deltas: Counter):
    """Add each key's delta to `field` of its row, in one update."""
    deltas = {value: delta for value, delta in deltas.items() if delta}
    if not deltas:
        return
    if len(set(deltas.values())) == 1:
        added = Value(next(iter(deltas.values())))
    else:
        added = Case(
            *(When(**{key: value}, then=Value(delta)) for value, delta in deltas.items()),
            output_field=IntegerField(),
        )
    rows.filter(**{f"{key}__in": deltas}).update(**{field: F(field) + added})


@transaction.atomic
def edit_comment(*, comment: Comment, editor, body: str) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    refusal = edit_refusal(comment, editor)
    if refusal is not None:
        raise refusal
    text = _clean(body)
    if text == comment.body:
        return comment
    # Kept for the moderators, who see what changed.
    CommentRevision.objects.create(
        comment=comment,
        version=comment.version,
        body=comment.body,
        written_at=comment.edited_at or comment.created_at,
    )
    was_counted = comment.status == Comment.Status.APPROVED
    # Held (by the pipeline or by readers' reports) means a human decides: the new
    # text waits for them too, rather than going back to the automatic pipeline.
    waits_for_a_human = comment.status == Comment.Status.HELD
    comment.body = text
    comment.body_html = render_body(text, _readers_named(text))
    comment.edited_at = timezone.now()
    # An edit is moderated again: spammers post clean text and edit links in later.
    comment.version += 1
    if not waits_for_a_human:
        comment.status = Comment.Status.PENDING
    comment.save(update_fields=["body", "body_html", "edited_at", "version", "status"])
    reply_notices.withdraw(comment)
    if was_counted:
        _count(comment, -1)
        live.comment_removed(comment)
    if not waits_for_a_human:
        version = comment.version
        transaction.on_commit(lambda: comment_submitted(comment.pk, version))
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, actor) -> Comment:
    """The author (or a moderator) deletes it; with replies it stays as "[deleted]"."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not (actor.is_authenticated and (comment.author_id == actor.pk or can_moderate(actor))):
        raise NotAllowed("Only its author can delete a comment.")
    if comment.is_deleted:
        return comment
    was_counted = comment.status == Comment.Status.APPROVED
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.body_html = ""
    comment.stance = None
    comment.save(update_fields=["deleted_at", "body", "body_html", "stance"])
    # Its earlier versions are its author's words too.
    CommentRevision.objects.filter(comment=comment).delete()
    reply_notices.withdraw(comment)
    if was_counted:
        _count(comment, -1)
        live.comment_removed(comment)
    return comment


def is_barred(user) -> bool:
    """Banned, or suspended for now: out of the discussion (the pipeline rejects their
    comments; their likes and reports, three of which hide a comment, are refused)."""
    now = timezone.now()
    return AuthorStanding.objects.filter(
        Q(banned_at__isnull=False) | Q(suspended_until__gt=now), user=user
    ).exists()


def has_reported(comment: Comment, reader) -> bool:
    return Report.objects.filter(comment=comment, reporter=reader).exists()


def _check_can_react(comment: Comment, reader):
    if not reader.is_authenticated:
        raise NotAllowed("Log in to react to comments.")
    if is_barred(reader):
        raise NotAllowed("Your account cannot take part in discussions at the moment.")
    if not comment.is_visible_to(None):
        raise CommentRefused("That comment is not open for reactions.")


@transaction.atomic
def toggle_like(*, comment: Comment, reader) -> tuple[bool, Comment]:
    """Like, or unlike when already liked; one like per reader. Returns (liked, comment)."""
    _check_can_react(comment, reader)
    if comment.author_id == reader.pk:
        raise CommentRefused("You cannot like your own comment.")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    removed, _ = Like.objects.filter(comment=comment, reader=reader).delete()
    if removed:
        comment.like_count -= 1
    else:
        Like.objects.create(comment=comment, reader=reader)
        comment.like_count += 1
    comment.score = wilson_lower_bound(comment.like_count, comment.report_count)
    comment.save(update_fields=["like_count", "score"])
    return not removed, comment


@transaction.atomic
def report_comment(*, comment: Comment, reporter, reason: str, note: str = "") -> Report:
    _check_can_react(comment, reporter)
    if reason not in Report.Reason.values:
        raise CommentRefused("Choose why you are reporting this comment.")
    note = (note or "").strip()
    if reason == Report.Reason.OTHER and not note:
        raise CommentRefused("Tell the moderators what is wrong with it.")
    if len(note) > 500:
        raise CommentRefused("Keep the note to 500 characters.")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    report, created = Report.objects.get_or_create(
        comment=comment, reporter=reporter, defaults={"reason": reason, "note": note}
    )
    if created:
        comment.report_count += 1
        comment.score = wilson_lower_bound(comment.like_count, comment.report_count)
        comment.save(update_fields=["report_count", "score"])
        threshold = ModerationSettings.current().report_threshold
        if threshold and comment.report_count >= threshold:
            _hide_for_review(comment)
    return report


def _hide_for_review(comment: Comment):
    """Enough readers reported it: hidden until a moderator looks (the Reported queue)."""
    if comment.status != Comment.Status.APPROVED:
        return
    ModerationDecision.objects.create(
        comment=comment,
        version=comment.version,
        outcome=ModerationDecision.Outcome.HOLD,
        phase="reports",
        reasons=[f"Reported by {comment.report_count} readers."],
    )
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HELD)
    reply_notices.withdraw(comment)
    if not comment.is_deleted:
        _count(comment, -1)
    live.comment_removed(comment)


PICKS_SHOWN = 5


@transaction.atomic
def set_editors_pick(*, comment: Comment, actor, picked: bool) -> Comment:
    """Editors and moderators pin a published comment to the top (or take it off)."""
    if not can_moderate(actor):
        raise NotAllowed("Only editors and moderators choose editors' picks.")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if picked and not comment.is_visible_to(None):
        raise CommentRefused("Only a published comment can be an editors' pick.")
    if comment.featured != picked:
        comment.featured = picked
        comment.save(update_fields=["featured"])
        live.comment_published(comment)  # readers see the badge come and go
        staff_log.record(
            actor=actor,
            kind=staff_log.Kind.PICK,
            action="Made an editors' pick" if picked else "Removed from editors' picks",
            author_id=comment.author_id,
            article_id=comment.article_id,
            subject=comment.body,
            url=comment.get_absolute_url(),
        )
    return comment


def editors_picks(article: Article, poll=None) -> list[Comment]:
    """The discussion's picks, best first: one query."""
    return list(
        Comment.objects.filter(article=article, poll=poll, featured=True)
        .visible_to(None)
        .select_related("author")
        .order_by("-score", "-created_at")[:PICKS_SHOWN]
    )
