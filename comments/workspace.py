"""The moderation workspace: a queue's items as cards with their whole context, and the
one-click decision on an item that nobody else decided meanwhile.

A page of cards costs the same few queries however long the queue is and however
many replies, reports, decisions and earlier versions its comments have.
"""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber, Substr
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from comments import moderator_actions, queue
from comments.models import Comment, CommentRevision, ModerationDecision, Report

# The tabs, in the order a moderator works them: the first is where the workspace opens.
QUEUES = ("held", "reported", "pending", "escalated", "review")
DEFAULT_QUEUE = QUEUES[0]

ACTIONS = ("approve", "reject", "escalate")

# Cards on one page; a decision brings the next one up.
PAGE = 10
REPLIES_SHOWN = 3
AUTHOR_DECISIONS_SHOWN = 3

# The rejection reason offered first, from what flagged the comment.
SUGGESTED_REASONS = {
    "banned_words": "Personal attack",
    "toxicity": "Personal attack",
    "suspect_words": "Personal attack",
    "links": "Spam or advertising",
    "duplicate": "Spam or advertising",
    "velocity": "Spam or advertising",
    Report.Reason.SPAM: "Spam or advertising",
    Report.Reason.ABUSE: "Personal attack",
    Report.Reason.OFF_TOPIC: "Off-topic",
}
DEFAULT_REASON = "Off-topic"


@dataclass
class Standing:
    """What the card says of the author."""

    banned: bool = False
    suspended: bool = False
    trusted: bool = False
    premoderated: bool = False
    approved: int = 0
    rejected: int = 0
    last_decisions: list = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        flags = [
            ("banned", self.banned),
            ("suspended", self.suspended),
            ("trusted", self.trusted),
            ("pre-moderated", self.premoderated),
        ]
        return [label for label, on in flags if on]


@dataclass
class Card:
    comment: Comment
    parent: Comment | None
    replies: list[Comment]
    author: Standing | None
    decisions: list[ModerationDecision]
    reports: list[Report]
    earlier: CommentRevision | None
    suggested_reason: str

    @property
    def seen(self) -> int:
        """The latest decision the moderator saw on this card (0: none)."""
        return self.decisions[0].pk if self.decisions else 0

    @property
    def change(self) -> SafeString | None:
        if self.earlier is None or self.comment.is_deleted:
            return None
        return word_diff(self.earlier.body, self.comment.body)


def counts() -> dict[str, int]:
    """Each tab's count, in one query."""
    return queue.queue_counts()


def cards(queue_name: str, *, limit: int = PAGE) -> list[Card]:
    """The queue's first items, oldest first, each with its context: eight queries."""
    comments = list(
        queue.in_queue(queue_name)
        .select_related("article", "poll", "author__standing")
        .prefetch_related(
            Prefetch(
                "decisions",
                ModerationDecision.objects.select_related("actor").order_by("-created_at", "-pk"),
            ),
            Prefetch("reports", Report.objects.select_related("reporter").order_by("created_at")),
            Prefetch("revisions", CommentRevision.objects.order_by("-version")),
        )
        .order_by("created_at", "pk")[:limit]
    )
    if not comments:
        return []
    parents = _parents(comments)
    replies = _replies(comments)
    authors = _authors({c.author for c in comments if c.author_id})
    return [
        Card(
            comment=comment,
            parent=parents.get(comment.parent_path),
            replies=replies.get(comment.path, []),
            author=authors.get(comment.author_id),
            decisions=list(comment.decisions.all()),
            reports=list(comment.reports.all()),
            earlier=next(iter(comment.revisions.all()), None),
            suggested_reason=_suggested_reason(comment),
        )
        for comment in comments
    ]


def _parents(comments) -> dict[str, Comment]:
    paths = {c.parent_path for c in comments if c.depth > 1}
    if not paths:
        return {}
    return {p.path: p for p in Comment.objects.filter(path__in=paths).select_related("author")}


def _replies(comments) -> dict[str, list[Comment]]:
    """The first few direct replies to each comment, whatever their state."""
    step = Comment.steplen
    answers = Q()
    for comment in comments:
        answers |= Q(path__startswith=comment.path, depth=comment.depth + 1)
    parent_path = Substr("path", 1, (F("depth") - 1) * step)
    replies = (
        Comment.objects.filter(answers)
        .select_related("author")
        .annotate(
            parent_key=parent_path,
            nth=Window(RowNumber(), partition_by=[parent_path], order_by=["created_at", "pk"]),
        )
        .filter(nth__lte=REPLIES_SHOWN)
        .order_by("path")
    )
    grouped = defaultdict(list)
    for reply in replies:
        grouped[reply.parent_key].append(reply)
    return grouped


def _authors(users) -> dict[int, Standing]:
    """Each author's standing, counts and latest moderators' decisions: two queries."""
    if not users:
        return {}
    ids = [user.pk for user in users]
    counted = (
        Comment.objects.filter(author__in=ids)
        .order_by()
        .values("author")
        .annotate(
            approved=Count("pk", filter=Q(status=Comment.Status.APPROVED)),
            rejected=Count("pk", filter=Q(status=Comment.Status.REJECTED)),
        )
    )
    totals = {row["author"]: row for row in counted}
    latest = (
        ModerationDecision.objects.filter(comment__author__in=ids, actor__isnull=False)
        .select_related("actor", "comment")
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("comment__author")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(nth__lte=AUTHOR_DECISIONS_SHOWN)
        .order_by("-created_at")
    )
    decisions = defaultdict(list)
    for decision in latest:
        decisions[decision.comment.author_id].append(decision)
    now = timezone.now()
    standings = {}
    for user in users:
        standing = getattr(user, "standing", None)
        row = totals.get(user.pk, {})
        standings[user.pk] = Standing(
            banned=bool(standing and standing.banned_at),
            suspended=bool(
                standing and standing.suspended_until and standing.suspended_until > now
            ),
            trusted=bool(standing and standing.trusted),
            premoderated=bool(standing and standing.premoderate),
            approved=row.get("approved", 0),
            rejected=row.get("rejected", 0),
            last_decisions=decisions[user.pk],
        )
    return standings


def _suggested_reason(comment: Comment) -> str:
    """From the latest decision that flagged it, else its first report."""
    for decision in comment.decisions.all():
        if decision.phase in SUGGESTED_REASONS:
            return SUGGESTED_REASONS[decision.phase]
    for report in comment.reports.all():
        if report.reason in SUGGESTED_REASONS:
            return SUGGESTED_REASONS[report.reason]
    return DEFAULT_REASON


# The earlier version, with the change marked

# Each word with the space before it: spaces alone never count as common ground.
_WORDS = re.compile(r"\s*\S+|\s+$")


def word_diff(before: str, after: str) -> SafeString:
    """`after` with the words that `before` did not have in <ins> and those it lost in
    <del>, every word escaped."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    parts = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)


# Deciding


class AlreadyDecided(Exception):
    """Someone (a moderator, the pipeline, the author by editing) got there first."""

    def __init__(self, comment: Comment, decision: ModerationDecision | None):
        self.comment = comment
        self.decision = decision
        if decision is None:
            what = "was edited or deleted by its author meanwhile"
        else:
            who = decision.actor.username if decision.actor else "the system"
            when = timezone.localtime(decision.created_at).strftime("%H:%M:%S")
            what = f"was already decided by {who} at {when} ({decision.get_outcome_display()})"
        super().__init__(f"“{comment.author_name}: {comment.body[:40]}” {what}.")


@transaction.atomic
def decide(
    *, comment_id: int, moderator, action: str, seen: int, version: int, reason: str = ""
) -> ModerationDecision:
    """Apply the moderator's decision, unless the comment moved on since they saw it
    (`seen`: its latest decision then, `version`: its text then). The row lock makes
    two moderators take turns; the second finds the first's decision and is told."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not one of {ACTIONS}.")
    comment = Comment.objects.select_for_update().select_related("article").get(pk=comment_id)
    latest = (
        ModerationDecision.objects.filter(comment=comment)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if (latest.pk if latest else 0) != seen:
        raise AlreadyDecided(comment, latest)
    if comment.version != version or comment.is_deleted:
        raise AlreadyDecided(comment, None)
    if action == "approve":
        return moderator_actions.approve(comment=comment, moderator=moderator)
    if action == "reject":
        return moderator_actions.reject(comment=comment, moderator=moderator, reason=reason)
    return moderator_actions.escalate(comment=comment, moderator=moderator)
