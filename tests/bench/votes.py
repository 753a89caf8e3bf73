"""Votes under wrk: the votes row of `python -m tests.bench.run`, beside its floor.

32 connections vote on the article's open polls through gunicorn (2 sync
workers, as the page rows serve it); every vote is a new voter's, with a
voter cookie signed by the app (minted before the run) or, once those run
out, none (the app mints one). The floor is the trivial view rendering an
answer of the vote's size, under the same server, with as many connections,
taken in turn with the votes, round after round.

Exact: afterwards the vote rows added per choice equal the accepted (2xx)
answers showing that choice as the reader's own, and every choice's counter
equals its rows. tests/bench/votes.lua says how a run ends with no vote
left unanswered.
"""

import tempfile
from collections import Counter
from pathlib import Path

import httpx

from tests.bench import run, servers

SCRIPT = Path(__file__).with_name("votes.lua")
CONNECTIONS = 32
# After its seconds, a run waits this long at most for the votes under way.
GRACE_SECONDS = 3
# Pre-minted cookies for this many votes a second; past them, voters without one.
COOKIES_PER_SECOND = 2500
IDLE_PATH = "/bench/floor/?bytes=1"
LOAD = f"wrk, {CONNECTIONS} connections, {servers.THREADS} threads"


def mint_voter_cookies(path, count):
    """Write `count` voter cookie values, as the app signs them, one a line (run in the app)."""
    import secrets

    from django.http import HttpResponse
    from django.utils import timezone

    from polls.voters import COOKIE_NAME, set_voter_cookie

    issued = int(timezone.now().timestamp())
    with open(path, "w") as out:
        for _ in range(count):
            response = HttpResponse()
            set_voter_cookie(response, f"{secrets.token_hex(16)}:{issued}")
            out.write(response.cookies[COOKIE_NAME].value + "\n")
    return count


class Floor:
    """The trivial view under wrk with the votes' connections."""

    def __init__(self, name, server, path):
        self.name, self.server, self.path = name, server, path

    def run(self, seconds):
        figures = servers.wrk(self.server.url, [self.path], seconds, connections=CONNECTIONS)
        row = servers.wrk_row(self.name, figures)
        row["load"] = LOAD
        return row


class Voting:
    """Runs of tests/bench/votes.lua; `counts` adds up the accepted votes per choice."""

    def __init__(self, name, server, polls, csrf, cookies_path):
        self.name, self.server = name, server
        self.polls = ";".join(f"{poll}:{','.join(map(str, choices))}" for poll, choices in polls)
        self.csrf, self.cookies_path = csrf, cookies_path
        self.next_cookie = 0
        self.reset()

    def reset(self):
        self.counts, self.accepted, self.unanswered, self.unread = Counter(), 0, 0, 0

    def run(self, seconds):
        token, cookie = self.csrf
        args = [
            str(self.cookies_path),
            str(self.next_cookie),
            str(seconds),
            token,
            cookie,
            self.polls,
            str(servers.THREADS),
            IDLE_PATH,
        ]
        figures = servers.wrk(
            self.server.url,
            [IDLE_PATH],
            seconds + GRACE_SECONDS,
            connections=CONNECTIONS,
            script=SCRIPT,
            script_args=args,
            prefix="votes-json ",
        )
        self.next_cookie = max(self.next_cookie, figures["last_cookie"])
        self.counts.update({int(choice): n for choice, n in figures["counts"].items()})
        self.accepted += figures["accepted"]
        self.unanswered += figures["sent"] - figures["answered"]
        self.unread += figures["unread"]
        return vote_row(self.name, figures)


def vote_row(name, figures):
    """wrk's row for the votes alone: their rate over the time they took."""
    row = servers.wrk_row(name, {**figures, "cache_hits": 0})
    seconds = figures["votes_seconds"]
    unanswered = figures["sent"] - figures["answered"]
    row.update(
        load=LOAD,
        requests=figures["sent"],
        seconds=round(seconds, 2),
        per_second=round(figures["answered"] / seconds, 1) if seconds else 0,
        unanswered=unanswered,
        errors=row["errors"] + unanswered + figures["unread"],
    )
    row["failed"] = row["errors"] > 0
    return row


def csrf_pair(server, article_url):
    """A CSRF token and its csrftoken cookie from the article page: every vote reuses them."""
    page = httpx.get(server.url + article_url, timeout=60)
    token = run.TOKEN.search(page.text)
    if page.status_code != 200 or token is None or "csrftoken" not in page.cookies:
        run.fail(f"{article_url} gave no CSRF token ({page.status_code})")
    return token[1], page.cookies["csrftoken"]


def answer_size(server, poll, csrf):
    """Bytes of a vote's answer (a first-time voter's): the floor is rendered this size."""
    (poll_id, choices), (token, cookie) = poll, csrf
    answer = httpx.post(
        f"{server.url}/polls/{poll_id}/vote/",
        data={"choice": choices[0], "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true"},
        cookies={"csrftoken": cookie},
        timeout=60,
    )
    if answer.status_code != 200:
        run.fail(f"a vote answered {answer.status_code}")
    return len(answer.content)


def votes_scenario(env, article_url, args):
    """The floor row and the votes row; the votes row says whether it was exact."""
    polls = run.open_polls()
    choice_ids = [choice for _poll, choices in polls for choice in choices]
    gunicorn = servers.Gunicorn(env)
    with tempfile.TemporaryDirectory() as scratch:
        cookies_path = Path(scratch) / "voters.txt"
        count = COOKIES_PER_SECOND * (args.warm_seconds + args.rounds * args.seconds)
        run.shell(
            env,
            "from tests.bench.votes import mint_voter_cookies; "
            f"print(mint_voter_cookies({str(cookies_path)!r}, {count}))",
        )
        try:
            csrf = csrf_pair(gunicorn, article_url)
            size = answer_size(gunicorn, polls[0], csrf)
            floor = Floor(
                f"floor: trivial view, {servers.kb(size)}, gunicorn alone",
                gunicorn,
                servers.floor_path(gunicorn, size),
            )
            voting = Voting(
                f"votes: new voters, {len(polls)} polls, {servers.kb(size)} answers, "
                "gunicorn alone",
                gunicorn,
                polls,
                csrf,
                cookies_path,
            )
            servers.warm_up([voting], args.warm_seconds)
            voting.reset()
            before = run.vote_counts(choice_ids)
            measured = servers.alternate([floor, voting], args.rounds, args.seconds)
            after = run.vote_counts(choice_ids)
        finally:
            gunicorn.stop()
    floor_row, row = measured[floor], measured[voting]
    servers.divide(row, floor_row)
    mismatches = run.votes_exact(before, after, voting.counts)
    if voting.unanswered:
        mismatches.append(f"{voting.unanswered} votes left unanswered when wrk stopped")
    if voting.unread:
        mismatches.append(f"{voting.unread} accepted answers showed no vote of the reader's")
    row.update(accepted=voting.accepted, exact=not mismatches, mismatches=mismatches)
    return [floor_row, row]


def only_votes(args):
    """`--only votes`: the votes and their floor on a freshly seeded site."""
    with run.fresh_site() as env:
        run.seed(env, args)
        floor_row, row = votes_scenario(env, run.demo_article_url(), args)
    print(run.table([floor_row, row]))
    print(
        f"votes: {row['accepted']} accepted; stored votes and counters "
        f"{'exact' if row['exact'] else 'MISMATCH: ' + '; '.join(row['mismatches'])}"
    )
    if not row["exact"]:
        run.fail("votes were lost or doubled (see above)")
