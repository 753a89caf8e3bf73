"""Readers' proposed answers to open questions: collected, deduplicated, moderated."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from briefing_site import staff_log
from comments.models import ModerationDecision, ModerationSettings
from comments.moderation import Verdict, decide_proposal
from polls.live import poll_results_changed
from polls.models import Choice, Poll
from polls.tasks import enqueue_proposal_moderation

Outcome = ModerationDecision.Outcome

MAX_PROPOSAL_LENGTH = 120
WORD_SEPARATORS = set(",;:/\\|+&")


class ProposalRefused(Exception):
    status = 422


class ProposalsFull(ProposalRefused):
    """The question holds as many answers as it may; a human has to act first."""

    status = 429


@dataclass(frozen=True)
class ProposalOutcome:
    choice: Choice
    created: bool

    @property
    def message(self) -> str:
        # Read again: with eager tasks the first pass has already run.
        self.choice.refresh_from_db(fields=["status"])
        if self.choice.status == Choice.Status.APPROVED:
            if self.created:
                return f"Thanks: “{self.choice.text}” is now an answer everyone can vote for."
            return f"“{self.choice.text}” is already an answer: vote for it below."
        if self.choice.status == Choice.Status.REJECTED:
            return f"“{self.choice.text}” was not accepted as an answer to this question."
        return "Thanks: your answer is with the moderators and appears once approved."


def normalize_answer(text: str) -> str:
    """Fold case, spacing and punctuation so that duplicates compare equal.

    Dashes and separators become spaces ("cease-fire" = "cease fire"); other
    punctuation and symbols vanish ("U.N." = "UN", "patrols!" = "patrols").
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " "
        if char in WORD_SEPARATORS or unicodedata.category(char) in {"Pd", "Ps", "Pe", "Zs"}
        else ""
        if unicodedata.category(char).startswith(("P", "S"))
        else char
        for char in folded
    )
    return re.sub(r"\s+", " ", kept).strip()


def clean_proposal(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        raise ProposalRefused("Write an answer before sending it.")
    if len(text) > MAX_PROPOSAL_LENGTH:
        raise ProposalRefused(
            f"Keep your answer to {MAX_PROPOSAL_LENGTH} characters (it has {len(text)})."
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise ProposalRefused("Your answer contains control characters.")
    if "\N{REPLACEMENT CHARACTER}" in text:  # a byte that was not UTF-8
        raise ProposalRefused("Your answer has characters that could not be read; retype them.")
    if not normalize_answer(text):
        raise ProposalRefused("Your answer needs some words, not only punctuation.")
    return text


def propose_answer(*, poll: Poll, text: str, user=None, voter_key: str = "") -> ProposalOutcome:
    """Add a reader's answer to an open question, pending moderation.

    An answer that normalises like an existing one is the same answer: it is
    counted as proposed once more, never stored twice (a unique constraint
    holds this under concurrency).
    """
    if poll.kind != Poll.Kind.OPEN:
        raise ProposalRefused("This question has fixed answers; vote for one of them.")
    if not poll.article.is_published or poll.is_closed():
        raise ProposalRefused("This poll is closed to new answers.")
    text = clean_proposal(text)
    normalized = normalize_answer(text)
    signed_in = user is not None and user.is_authenticated

    for _attempt in range(3):
        existing = Choice.objects.filter(poll=poll, normalized_text=normalized).first()
        if existing is not None:
            Choice.objects.filter(pk=existing.pk).update(proposal_count=F("proposal_count") + 1)
            return ProposalOutcome(existing, created=False)
        try:
            with transaction.atomic():
                # Proposals to one question queue on its row, so the caps hold exactly
                # when many arrive in the same instant.
                list(Poll.objects.select_for_update().filter(pk=poll.pk).values_list("pk"))
                answers = poll.choices.aggregate(
                    last=Max("position"),
                    pending=Count("pk", filter=Q(status=Choice.Status.PENDING)),
                    standing=Count("pk", filter=~Q(status=Choice.Status.REJECTED)),
                )
                refuse_past_caps(pending=answers["pending"], standing=answers["standing"])
                choice = Choice.objects.create(
                    poll=poll,
                    text=text,
                    normalized_text=normalized,
                    position=(answers["last"] or 0) + 1,
                    status=Choice.Status.PENDING,
                    proposed_by=user if signed_in else None,
                    proposed_by_voter="" if signed_in else voter_key,
                    proposal_count=1,
                )
            transaction.on_commit(partial(proposal_submitted, choice.pk))
            return ProposalOutcome(choice, created=True)
        except IntegrityError:
            continue  # the same answer was proposed at this very moment; count it instead
    raise ProposalRefused("Your answer could not be saved; please try again.")


def refuse_past_caps(*, pending: int, standing: int):
    """A question takes new proposals only while moderators can keep up and its list
    of answers stays readable (rejected proposals do not count)."""
    if pending >= settings.POLL_MAX_PENDING_PROPOSALS:
        raise ProposalsFull(
            f"This question already has {pending} proposed answers waiting for the "
            "moderators; try again once they have been reviewed, or vote for an answer."
        )
    if standing >= settings.POLL_MAX_CHOICES:
        raise ProposalsFull(
            f"This question has reached its {settings.POLL_MAX_CHOICES} answers; "
            "vote for one of them."
        )


def pending_proposals_of(*, polls, user=None, voter_key: str = "") -> dict[int, list[str]]:
    """This reader's proposals still awaiting moderation, per poll, in one query."""
    polls = [poll for poll in polls if poll.kind == Poll.Kind.OPEN]
    if not polls:
        return {}
    if user is not None and user.is_authenticated:
        mine = {"proposed_by": user}
    elif voter_key:
        mine = {"proposed_by_voter": voter_key}
    else:
        return {}
    pending: dict[int, list[str]] = {}
    for poll_id, text in (
        Choice.objects.pending().filter(poll__in=polls, **mine).values_list("poll_id", "text")
    ):
        pending.setdefault(poll_id, []).append(text)
    return pending


@transaction.atomic
def moderate_proposals(choices, *, approve: bool, moderator) -> int:
    """A moderator approves or rejects proposed answers; returns how many changed."""
    if not moderator.has_perm("polls.change_choice"):
        raise PermissionDenied("Only moderators and editors decide proposed answers.")
    status = Choice.Status.APPROVED if approve else Choice.Status.REJECTED
    changed = 0
    for choice in choices:
        if choice.status == status:
            continue
        Choice.objects.filter(pk=choice.pk).update(status=status)
        changed += 1
        poll_results_changed(choice.poll)
        record_proposal_decision(choice, moderator, status)
    return changed


def record_proposal_decision(choice: Choice, moderator, status: str):
    staff_log.record(
        actor=moderator,
        kind=staff_log.Kind.PROPOSAL,
        action="Approved proposed answer"
        if status == Choice.Status.APPROVED
        else ("Rejected proposed answer"),
        author_id=choice.proposed_by_id,
        article_id=choice.poll.article_id,
        subject=f"{choice.text} (to “{choice.poll.question}”)",
        url=reverse("admin:polls_choice_change", args=[choice.pk]),
    )


def proposal_submitted(choice_id: int):
    """After a new proposal commits: the moderation pipeline's first pass (a Celery task)."""
    enqueue_proposal_moderation(choice_id)


# Anything that reads as a web address: a scheme, "www.", or dotted labels ending
# in a top-level domain ("evil-example.com/vote"). Prose puts a space after its
# full stops; an answer to a question has no need of a link.
_WEB_ADDRESS = re.compile(
    r"[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]{2,}(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b",
    re.IGNORECASE | re.ASCII,
)
_FULL_STOPS = str.maketrans(
    {"\N{IDEOGRAPHIC FULL STOP}": ".", "\N{HALFWIDTH IDEOGRAPHIC FULL STOP}": "."}
)


def has_web_address(text: str) -> bool:
    return bool(_WEB_ADDRESS.search(unicodedata.normalize("NFKC", text).translate(_FULL_STOPS)))


def check_proposal(choice: Choice, moderation_settings):
    """The proposal's own phases of the pipeline, before the ones it shares with comments:
    links reject it; a proposer going fast is held for a moderator. None when neither fires."""
    if has_web_address(choice.text):
        return Verdict(
            outcome=Outcome.REJECT,
            phase="links",
            reasons=("It contains a web address; proposed answers cannot carry links.",),
        )
    limit, minutes = moderation_settings.velocity_comments, moderation_settings.velocity_minutes
    if minutes:
        if choice.proposed_by_id is not None:
            same_proposer = Q(proposed_by_id=choice.proposed_by_id)
        elif choice.proposed_by_voter:
            same_proposer = Q(proposed_by_voter=choice.proposed_by_voter)
        else:
            return None
        others = (
            Choice.objects.filter(
                same_proposer,
                created_at__gte=choice.created_at - dt.timedelta(minutes=minutes),
                created_at__lte=choice.created_at,
            )
            .exclude(pk=choice.pk)
            .count()
        )
        if others > limit:
            return Verdict(
                outcome=Outcome.HOLD,
                phase="velocity",
                reasons=(
                    f"The proposer sent {others} other answers in the {minutes} minutes "
                    f"before this one (more than {limit}).",
                ),
            )
    return None


def proposal_verdict(choice: Choice) -> Verdict:
    """The pipeline's verdict on a proposal: its own phases, then those it shares with
    comments. A rejection by either stands; a hold from its own phases stands over a
    clean shared pass."""
    moderation_settings = ModerationSettings.current()
    own = check_proposal(choice, moderation_settings)
    if own is not None and own.outcome == Outcome.REJECT:
        return own
    shared = decide_proposal(choice, settings=moderation_settings)
    if own is None or shared.outcome == Outcome.REJECT:
        return shared
    return own


@transaction.atomic
def record_proposal_verdict(choice_id: int, verdict) -> bool:
    """Apply the pipeline's verdict once. The automatic pass may reject; a proposal it
    finds clean still waits for a moderator unless POLL_PROPOSALS_AUTO_APPROVE is on."""
    choice = Choice.objects.select_for_update().select_related("poll").filter(pk=choice_id).first()
    if choice is None or choice.status != Choice.Status.PENDING or choice.moderated_at:
        return False
    choice.moderated_at = timezone.now()
    choice.moderation_reasons = list(verdict.reasons)
    if verdict.outcome == Outcome.APPROVE and settings.POLL_PROPOSALS_AUTO_APPROVE:
        choice.status = Choice.Status.APPROVED
    elif verdict.outcome == Outcome.REJECT:
        choice.status = Choice.Status.REJECTED
    choice.save(update_fields=["moderated_at", "moderation_reasons", "status"])
    if choice.status == Choice.Status.APPROVED:
        poll_results_changed(choice.poll)
    return True
