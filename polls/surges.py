"""Spotting vote surges: a minute far above a poll's usual rate, or mostly new voters.

Nothing is hidden: a surge is recorded for editors, who decide whether a
result is news or a brigade.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMinute
from django.utils import timezone

from polls.models import Surge, Vote, VoteMinute

BASELINE_MINUTES = 30
RECENT_MINUTES = 5


def is_surge(*, votes: int, baseline_per_minute: float, new_voter_votes: int) -> bool:
    if votes < settings.POLL_SURGE_MIN_VOTES:
        return False
    far_above_usual = votes >= settings.POLL_SURGE_FACTOR * max(baseline_per_minute, 1.0)
    mostly_new_voters = new_voter_votes / votes >= settings.POLL_SURGE_NEW_VOTER_SHARE
    return far_above_usual or mostly_new_voters


def record_vote_minutes(now=None) -> int:
    """Count the recent votes per poll and minute into VoteMinute; returns rows written."""
    now = now or timezone.now()
    since = (now - dt.timedelta(minutes=RECENT_MINUTES)).replace(second=0, microsecond=0)
    counted = (
        Vote.objects.filter(created_at__gte=since)
        .annotate(minute=TruncMinute("created_at"))
        .values("poll_id", "minute")
        .annotate(votes=Count("pk"), new_voter_votes=Count("pk", filter=Q(is_new_voter=True)))
    )
    written = 0
    for row in counted:
        VoteMinute.objects.update_or_create(
            poll_id=row["poll_id"],
            minute=row["minute"],
            defaults={"votes": row["votes"], "new_voter_votes": row["new_voter_votes"]},
        )
        written += 1
    return written


def flag_surges(now=None) -> list[Surge]:
    """Look at the last few minutes of every poll; record (or update) each surge found."""
    now = now or timezone.now()
    recent = VoteMinute.objects.filter(
        minute__gte=now - dt.timedelta(minutes=RECENT_MINUTES)
    ).order_by("poll_id", "minute")
    flagged = []
    for row in recent:
        baseline_total = (
            VoteMinute.objects.filter(
                poll_id=row.poll_id,
                minute__gte=row.minute - dt.timedelta(minutes=BASELINE_MINUTES),
                minute__lt=row.minute,
            ).aggregate(total=Sum("votes"))["total"]
            or 0
        )
        baseline = baseline_total / BASELINE_MINUTES
        if not is_surge(
            votes=row.votes, baseline_per_minute=baseline, new_voter_votes=row.new_voter_votes
        ):
            continue
        surge, _ = Surge.objects.update_or_create(
            poll_id=row.poll_id,
            minute=row.minute,
            defaults={
                "votes": row.votes,
                "baseline_per_minute": baseline,
                "new_voter_share": row.new_voter_votes / row.votes,
            },
        )
        flagged.append(surge)
    return flagged
