"""The moderators' queues: which comments wait in which, how many, and for how long.

- Pending: waiting for the pipeline. Every decision moves a comment out of
  pending, so a pending comment has no decision on its current version (an
  edit starts a new version, back in pending; a held comment's stays held).
- Held: held for a moderator, by the pipeline or by readers' reports (once
  they reach ModerationSettings.report_threshold; the latest decision's phase
  is then "reports").
- Escalated: a moderator handed it on (the latest decision's phase is
  "escalation"); it stays as it was, held or published, until someone decides.
- Reported: published comments with at least one report that no moderator
  has decided on since, i.e. reported but below the hiding threshold. A
  moderator's decision clears it; a new report brings it back.
- To review: what the pipeline published or rejected in the last day, with
  no report and no moderator's decision: a second look at the machine's work.
- Rejected, Approved: everything in those states.

Pending, Held, Escalated, Reported and To review are work to do: comments their authors deleted
are left out of them. The admin's comment list shows these queues; nothing
here depends on it.
"""

import datetime as dt
import statistics

from django.db.models import (
    Count,
    Exists,
    JSONField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from comments import moderator_actions
from comments.models import Comment, ModerationDecision, Report

Status = Comment.Status

QUEUE_TITLES = {
    "pending": "Pending",
    "held": "Held",
    "escalated": "Escalated",
    "reported": "Reported",
    "review": "To review",
    "rejected": "Rejected",
    "approved": "Approved",
}

AGE_TITLES = {"hour": "In the last hour", "today": "Today", "older": "Before today"}

# The median time to a moderator's decision is taken over at most this many
# of the latest decisions (the last 7 days' are usually far fewer).
MEDIAN_SAMPLE = 1000

ESCALATION = moderator_actions.ESCALATION

# How far back the pipeline's decisions come up for review.
REVIEW_WINDOW = dt.timedelta(days=1)


def _unreviewed_reports():
    """The comment's reports that no moderator's decision on it has come after."""
    reviewed = ModerationDecision.objects.filter(
        comment=OuterRef("comment"), actor__isnull=False, created_at__gte=OuterRef("created_at")
    )
    return Report.objects.filter(comment=OuterRef("pk")).filter(~Exists(reviewed))


def _latest_phase():
    latest = ModerationDecision.objects.filter(comment=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return Subquery(latest.values("phase")[:1])


def queue_conditions(now: dt.datetime | None = None) -> dict[str, Q]:
    """Each queue as a condition on comments (see the module's docstring)."""
    now = now or timezone.now()
    live = Q(deleted_at__isnull=True)
    escalated = Q(Exact(Coalesce(_latest_phase(), Value("")), ESCALATION))
    by_moderators = ModerationDecision.objects.filter(comment=OuterRef("pk"), actor__isnull=False)
    recent_machine_decisions = ModerationDecision.objects.filter(
        comment=OuterRef("pk"), actor__isnull=True, created_at__gte=now - REVIEW_WINDOW
    ).exclude(phase="reports")
    return {
        "pending": live & Q(status=Status.PENDING),
        "held": live & Q(status=Status.HELD) & ~escalated,
        "escalated": live & escalated,
        "reported": live
        & Q(status=Status.APPROVED, report_count__gt=0)
        & Q(Exists(_unreviewed_reports())),
        "review": live
        & Q(status__in=[Status.APPROVED, Status.REJECTED], report_count=0)
        & Q(Exists(recent_machine_decisions))
        & ~Q(Exists(by_moderators)),
        "rejected": Q(status=Status.REJECTED),
        "approved": Q(status=Status.APPROVED),
    }


def in_queue(name: str, comments: QuerySet | None = None) -> QuerySet:
    """The comments in the named queue (of `comments`, else of all)."""
    comments = Comment.objects.all() if comments is None else comments
    return comments.filter(queue_conditions()[name])


def queue_counts() -> dict[str, int]:
    """Every queue's size, in one query."""
    return Comment.objects.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in queue_conditions().items()}
    )


def posted_in(age: str, now: dt.datetime | None = None) -> Q:
    """The comments posted in one of AGE_TITLES' windows; "today" is the site's local day."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "hour": Q(created_at__gte=now - dt.timedelta(hours=1)),
        "today": Q(created_at__gte=midnight),
        "older": Q(created_at__lt=midnight),
    }[age]


def with_history(comments: QuerySet) -> QuerySet:
    """Each comment with its latest decision's phase and reasons, and how many of its
    author's comments are approved and rejected: columns of the list, no query per row."""
    latest = ModerationDecision.objects.filter(comment=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return comments.annotate(
        latest_phase=Subquery(latest.values("phase")[:1]),
        latest_reasons=Subquery(latest.values("reasons")[:1], output_field=JSONField()),
        author_approved=_author_count(Status.APPROVED),
        author_rejected=_author_count(Status.REJECTED),
    )


def _author_count(status):
    """How many of the row's author's comments are in this state (a correlated subquery)."""
    counted = (
        Comment.objects.filter(author=OuterRef("author"), status=status)
        .order_by()
        .values("author")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def queue_health(now: dt.datetime | None = None) -> dict:
    """The numbers on the queue-health panel, in three queries.

    Ages are from posting, but a reported comment's from its oldest report no
    moderator has seen. Decisions in the last hour are the system's and each
    moderator's (busiest first). The median time to a moderator's decision
    covers the last 7 days' decisions by moderators (at most MEDIAN_SAMPLE of
    the latest), each measured from the comment's posting; None without any.
    """
    now = now or timezone.now()
    conditions = queue_conditions(now)
    first_report = _unreviewed_reports().order_by("created_at").values("created_at")[:1]
    queues = Comment.objects.aggregate(
        pending=Count("pk", filter=conditions["pending"]),
        held=Count("pk", filter=conditions["held"]),
        reported=Count("pk", filter=conditions["reported"]),
        oldest_pending=Min("created_at", filter=conditions["pending"]),
        oldest_held=Min("created_at", filter=conditions["held"]),
        oldest_reported=Min(Subquery(first_report), filter=conditions["reported"]),
    )
    by_actor = dict(
        ModerationDecision.objects.filter(
            created_at__gt=now - dt.timedelta(hours=1), created_at__lte=now
        )
        .values("actor__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "actor__username")
        .values_list("actor__username", "n")
    )
    system = by_actor.pop(None, 0)
    delays = [
        (decided - posted).total_seconds()
        for decided, posted in ModerationDecision.objects.filter(
            actor__isnull=False, created_at__gt=now - dt.timedelta(days=7), created_at__lte=now
        )
        .order_by("-created_at")
        .values_list("created_at", "comment__created_at")[:MEDIAN_SAMPLE]
    ]
    return {
        "pending": queues["pending"],
        "held": queues["held"],
        "reported": queues["reported"],
        "oldest_pending_age": _age(queues["oldest_pending"], now),
        "oldest_held_age": _age(queues["oldest_held"], now),
        "oldest_reported_age": _age(queues["oldest_reported"], now),
        "system_decisions_last_hour": system,
        "moderator_decisions_last_hour": sum(by_actor.values()),
        "decisions_last_hour_by_moderator": by_actor,
        "median_time_to_moderator_decision": (
            dt.timedelta(seconds=statistics.median(delays)) if delays else None
        ),
    }


def _age(since, now):
    return None if since is None else now - since


def duration(delta: dt.timedelta | None) -> str:
    """A wait as the panel shows it: "none", "12 min", "3 h 5 min", "2 d 4 h"."""
    if delta is None:
        return "none"
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def queue_health_rows(health: dict) -> list[tuple[str, str]]:
    """The panel's lines, label and value, from queue_health()."""
    by_moderator = health["decisions_last_hour_by_moderator"]
    each = "".join(f"; {name} {n}" for name, n in by_moderator.items())
    return [
        ("Pending", str(health["pending"])),
        ("Held", str(health["held"])),
        ("Reported", str(health["reported"])),
        ("Oldest pending", duration(health["oldest_pending_age"])),
        ("Oldest held", duration(health["oldest_held_age"])),
        ("Oldest report", duration(health["oldest_reported_age"])),
        (
            "Decisions in the last hour",
            f"{health['system_decisions_last_hour']} by the system, "
            f"{health['moderator_decisions_last_hour']} by moderators{each}",
        ),
        (
            "Median time to a moderator's decision (7 days)",
            duration(health["median_time_to_moderator_decision"]),
        ),
    ]
