import functools

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from articles.pages import render_article_page
from polls.cards import poll_card
from polls.models import Poll
from polls.proposals import ProposalRefused, propose_answer
from polls.ratelimits import is_limited
from polls.voters import (
    ForgedVoterCookie,
    forget_voter_cookie,
    read_voter,
    read_voter_quietly,
    set_voter_cookie,
    voter_for_writing,
)
from polls.voting import VoteRefused, cast_vote, withdraw_vote

UNKNOWN = object()
RATE_LIMITED = "You are sending answers too fast. Wait a minute and try again."


def _open_poll(poll_id):
    """A poll readers may see: its article is published (editors use the admin)."""
    poll = get_object_or_404(Poll.objects.select_related("article"), pk=poll_id)
    if not poll.article.is_published:
        raise Http404("No such poll.")
    return poll


def poll_action(view):
    """A reader's POST on a poll: `view(request, poll)` runs within the rate limits
    (per voter and per address: 429 past them), with a voter cookie that is theirs."""

    @require_POST
    @functools.wraps(view)
    def action(request, poll_id):
        limited = is_limited(request)  # counted even for a poll that does not exist
        poll = _open_poll(poll_id)
        if limited:
            return respond(request, poll, status=429, error=RATE_LIMITED)
        try:
            return view(request, poll)
        except ForgedVoterCookie as forged:
            return respond(request, poll, status=forged.status, error=forged.message, forget=True)

    return action


def respond(
    request,
    poll,
    *,
    status=200,
    error="",
    notice="",
    voter=None,
    my_vote=UNKNOWN,
    answers=None,
    cookie=None,
    forget=False,
):
    """HTMX gets the poll fragment; a plain form post gets the page, or a 303 on success.

    `voter` and `my_vote` are given when the request itself just voted: the
    cookie is not sent back yet, and the choice need not be looked up again;
    nor the poll's answers, when the vote gave them (`answers`).
    """
    feedback = {"error": error} if error else {"notice": notice} if notice else {}
    if request.htmx:
        card = poll_card(
            poll,
            user=request.user,
            voter=voter or read_voter_quietly(request),
            feedback={poll.pk: feedback},
            known_votes=None if my_vote is UNKNOWN else {poll.pk: my_vote},
            answers=answers,
        )
        response = render(request, "polls/card.html#poll", {"card": card}, status=status)
    elif status >= 400:
        response = render_article_page(
            request, poll.article, status=status, poll_feedback={poll.pk: feedback}
        )
    else:
        response = HttpResponseRedirect(f"{poll.article.get_absolute_url()}#poll-{poll.pk}")
        response.status_code = 303
    if cookie:
        set_voter_cookie(response, cookie)
    if forget:
        forget_voter_cookie(response)
    return response


@poll_action
def vote(request, poll):
    voter, cookie = voter_for_writing(request)
    try:
        outcome = cast_vote(poll=poll, choice_id=request.POST.get("choice"), voter=voter)
    except VoteRefused as refused:
        return respond(request, poll, status=refused.status, error=str(refused), voter=voter)
    notice = "Your vote is counted." if outcome.changed else "Your vote was already counted."
    return respond(
        request,
        poll,
        notice=notice,
        voter=voter,
        my_vote=outcome.choice_id,
        answers=outcome.answers,
        cookie=cookie,
    )


@poll_action
def withdraw(request, poll):
    voter = read_voter(request)
    try:
        removed = voter is not None and withdraw_vote(poll=poll, voter=voter)
    except VoteRefused as refused:
        return respond(request, poll, status=refused.status, error=str(refused))
    notice = "Your vote is withdrawn." if removed else "You had not voted in this poll."
    return respond(request, poll, notice=notice)


@poll_action
def propose(request, poll):
    voter, cookie = voter_for_writing(request)
    try:
        outcome = propose_answer(
            poll=poll,
            text=request.POST.get("text", ""),
            user=request.user,
            voter_key=voter.voter_key or "",
        )
    except ProposalRefused as refused:
        return respond(request, poll, status=refused.status, error=str(refused))
    return respond(request, poll, notice=outcome.message, voter=voter, cookie=cookie)


@require_GET
@vary_on_headers("HX-Request")
def poll_fragment(request, poll_id):
    """The poll as this reader sees it now (live updates re-fetch it)."""
    poll = _open_poll(poll_id)
    if not request.htmx:
        return HttpResponseRedirect(f"{poll.article.get_absolute_url()}#poll-{poll.pk}")
    return respond(request, poll)
