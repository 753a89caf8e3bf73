import functools

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from articles.views import poll_cards, render_article_page
from polls.models import Choice, Poll
from polls.proposals import ProposalRefused, propose_answer
from polls.ratelimits import is_limited
from polls.voters import (
    ForgedVoterCookie,
    forget_voter_cookie,
    read_voter,
    set_voter_cookie,
    voter_for_writing,
)
from polls.voting import VoteRefused, cast_vote, withdraw_vote

UNKNOWN = object()
RATE_LIMITED = "You are sending answers too fast. Wait a minute and try again."


def rate_limited(view):
    """Limits per voter and per client address; the view answers 429 when exceeded."""

    @functools.wraps(view)
    def limited_view(request, *args, **kwargs):
        request.limited = is_limited(request)
        return view(request, *args, **kwargs)

    return limited_view


def _open_poll(poll_id):
    """A poll readers may see: its article is published (editors use the admin)."""
    poll = get_object_or_404(Poll.objects.select_related("article"), pk=poll_id)
    if not poll.article.is_published:
        raise Http404("No such poll.")
    return poll


def respond(
    request,
    poll,
    *,
    status=200,
    error="",
    notice="",
    voter=None,
    my_vote=UNKNOWN,
    cookie=None,
    forget=False,
):
    """HTMX gets the poll fragment; a plain form post gets the page, or a 303 on success.

    `voter` and `my_vote` are given when the request itself just voted: the
    cookie is not sent back yet, and the choice need not be looked up again.
    """
    feedback = {"error": error} if error else {"notice": notice} if notice else {}
    if request.htmx:
        answers = Choice.objects.approved().in_poll_order()
        prefetch_related_objects([poll], Prefetch("choices", queryset=answers))
        known_votes = None if my_vote is UNKNOWN else {poll.pk: my_vote}
        card = poll_cards(
            request, [poll], {poll.pk: feedback}, voter=voter, known_votes=known_votes
        )[poll.pk]
        response = render(request, "articles/detail.html#poll", {"card": card}, status=status)
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


@require_POST
@rate_limited
def vote(request, poll_id):
    poll = _open_poll(poll_id)
    if getattr(request, "limited", False):
        return respond(request, poll, status=429, error=RATE_LIMITED)
    try:
        voter, cookie = voter_for_writing(request)
    except ForgedVoterCookie as forged:
        return respond(request, poll, status=forged.status, error=forged.message, forget=True)
    try:
        outcome = cast_vote(poll=poll, choice_id=request.POST.get("choice"), voter=voter)
    except VoteRefused as refused:
        return respond(request, poll, status=refused.status, error=str(refused), voter=voter)
    notice = "Your vote is counted." if outcome.changed else "Your vote was already counted."
    return respond(
        request, poll, notice=notice, voter=voter, my_vote=outcome.choice_id, cookie=cookie
    )


@require_POST
@rate_limited
def withdraw(request, poll_id):
    poll = _open_poll(poll_id)
    if getattr(request, "limited", False):
        return respond(request, poll, status=429, error=RATE_LIMITED)
    try:
        voter = read_voter(request)
    except ForgedVoterCookie as forged:
        return respond(request, poll, status=forged.status, error=forged.message, forget=True)
    try:
        removed = voter is not None and withdraw_vote(poll=poll, voter=voter)
    except VoteRefused as refused:
        return respond(request, poll, status=refused.status, error=str(refused))
    notice = "Your vote is withdrawn." if removed else "You had not voted in this poll."
    return respond(request, poll, notice=notice)


@require_POST
@rate_limited
def propose(request, poll_id):
    poll = _open_poll(poll_id)
    if getattr(request, "limited", False):
        return respond(request, poll, status=429, error=RATE_LIMITED)
    try:
        voter, cookie = voter_for_writing(request)
    except ForgedVoterCookie as forged:
        return respond(request, poll, status=forged.status, error=forged.message, forget=True)
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
