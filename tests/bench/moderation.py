"""Scenario 6, moderation: comments decided per second by one Celery worker (2 processes)
from a backlog, beside the no-op tasks per second the same worker runs; each comment
must get exactly one decision.

    python -m tests.bench.run --only moderation [--backlog 2000]

runs this scenario alone (a fresh database, the site set up, no article seeding
beyond what the backlog needs).
"""

import time

import psycopg

from tests.bench.run import DATABASE, PG, celery_worker, drain, shell, worker_floor


def moderation_scenario(env, backlog):
    """Comments moderated per second by one worker (default classifier), from a backlog."""
    floor = worker_floor(env, backlog)
    shell(env, f"from tests.bench.seed import seed_backlog; print(seed_backlog({backlog}))")
    worker = celery_worker(env)
    started = time.perf_counter()
    try:
        with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:

            def pending():
                query = "SELECT count(*) FROM comments_comment WHERE status = 'pending'"
                return conn.execute(query).fetchone()[0]

            done, seconds = drain(worker, pending)
            decided = conn.execute(
                "SELECT count(*), count(DISTINCT comment_id) FROM comments_moderationdecision "
                "WHERE comment_id IN (SELECT id FROM comments_comment WHERE author_id IN "
                "(SELECT id FROM auth_user WHERE username LIKE 'backlog\\_%%'))"
            ).fetchone()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    per_second = round(done / seconds, 1)
    return {
        "scenario": f"moderation: backlog of {backlog}, one worker (2 processes)",
        "requests": backlog,
        "errors": backlog - decided[1],
        "seconds": round(time.perf_counter() - started, 2),
        "per_second": per_second,
        "p50_ms": "",
        "p95_ms": "",
        "p99_ms": "",
        "ratio": round(per_second / floor, 2),
        "baseline_per_second": floor,
        "decisions": decided[0],
        "decided_comments": decided[1],
        "exact": decided == (backlog, backlog),
    }


def only_moderation(args):
    """`--only moderation`: this scenario on a fresh database with the site set up."""
    from tests.bench.run import fail, fresh_site, table

    with fresh_site() as env:
        row = moderation_scenario(env, args.backlog)
    print(table([row]))
    print(
        f"moderation: {row['decisions']} decisions for {row['decided_comments']} of "
        f"{args.backlog} comments: {'exact' if row['exact'] else 'MISMATCH'}; the same worker "
        f"runs {row['baseline_per_second']} no-op tasks/s; both counted from the first task done"
    )
    if not row["exact"]:
        fail("a comment got no decision or more than one (see above)")
