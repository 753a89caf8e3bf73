"""Where a vote's time goes, in one process: `python -m tests.bench.vote_profile [--profile]`.

Runs on the database a bench left behind (BENCH_DATABASE, seeded, DEBUG=0):
times cast_vote alone (a first-time voter; a voter with a cookie) and the
vote view through django.test.Client (HTMX, a new voter each time), counts
their queries, and with --profile prints the view's heaviest calls. Each vote
adds a row to the bench database's first open poll.
"""

import argparse
import os
import secrets
import statistics
import time

from tests.bench import run


def timed(call, count):
    call()
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, statistics.fmean(seconds) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=300, help="votes timed per way")
    parser.add_argument("--profile", action="store_true", help="profile the view (cProfile)")
    args = parser.parse_args()
    os.environ.update(run.environment(static_root=""))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from polls.models import Poll
    from polls.voting import Voter, cast_vote

    polls = run.open_polls()
    if not polls:
        run.fail(f"{run.DATABASE} has no open poll: run the bench first")
    poll_id, choices = polls[0]
    poll = Poll.objects.select_related("article").get(pk=poll_id)
    client = Client(HTTP_HOST="127.0.0.1")

    def first_time_voter():
        voter = Voter(voter_key=secrets.token_hex(16), first_seen=timezone.now(), is_fresh=True)
        cast_vote(poll=poll, choice_id=choices[0], voter=voter)

    def voter_with_a_cookie():
        voter = Voter(voter_key=secrets.token_hex(16), first_seen=timezone.now())
        cast_vote(poll=poll, choice_id=choices[-1], voter=voter)

    def view():
        client.cookies.clear()
        url = f"/polls/{poll_id}/vote/"
        response = client.post(url, {"choice": choices[0]}, headers={"HX-Request": "true"})
        if response.status_code != 200:
            run.fail(f"the vote answered {response.status_code}")

    ways = [
        ("cast_vote, first-time voter", first_time_voter),
        ("cast_vote, voter with a cookie", voter_with_a_cookie),
        ("vote view, HTMX, new voter", view),
    ]
    for name, call in ways:
        median, mean = timed(call, args.votes)
        # Counted after the timing: the poll's results were published within
        # the second, as on a busy poll.
        with CaptureQueriesContext(connection) as queries:
            call()
        print(f"{name}: {len(queries)} queries, median {median:.2f} ms, mean {mean:.2f} ms")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [view() for _ in range(args.votes)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
