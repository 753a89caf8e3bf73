"""`make bench`: load on the real stack, each scenario beside its baseline in the same run.

Starts PostgreSQL-backed Briefing under uvicorn (2 workers, DEBUG=0) with
Redis, seeds the demo article, then drives load from this process (asyncio +
httpx) and prints a Markdown table; JSON goes to tests/bench/results/.

Scenarios so far:
  floor  32 clients GET a trivial view of the same app (no queries)
  votes  32 clients, each vote from a new voter (its own voter cookie), on the
         demo article's yes/no poll; afterwards stored votes and counters must
         equal the accepted responses exactly.
  live   SSE fan-out to idle readers on one process, and a comment from its
         POST to every reader's screen (tests/bench/live.py); every event must
         reach every reader.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
PG = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "briefing_bench"
REDIS_URL = "redis://127.0.0.1:6379/12"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database():
    try:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
    except psycopg.OperationalError as error:
        fail(f"PostgreSQL on 127.0.0.1:5432 is needed ({str(error).strip()})")


def environment(static_root):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECURE_HTTPS": "0",
        "SECRET_KEY": "benchmark-" + "b" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": static_root,
        "POLL_RATE_PER_VOTER": "1000000/m",
        "POLL_RATE_PER_IP": "1000000/m",
        "COMMENT_RATE_PER_READER": "1000000/m",
        "LOG_LEVEL": "WARNING",
    }


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def shell(env, code):
    """Run `code` in the app's environment (manage.py shell -c); returns its last output line."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def celery_worker(env, *options):
    """A Celery worker on the bench's Redis; stop it with terminate() and wait()."""
    command = [sys.executable, "-m", "celery", "-A", "briefing_site", "worker"]
    return subprocess.Popen(
        [*command, "--loglevel", "WARNING", *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Server:
    def __init__(self, env, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "briefing_site.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        fail("the app server did not come up")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


def summarize(name, latencies, errors, elapsed):
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0

    return {
        "scenario": name,
        "requests": len(latencies) + errors,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0,
    }


async def run_clients(clients, per_client, one_request):
    latencies, errors = [], 0

    async def client_loop(n):
        nonlocal errors
        async with httpx.AsyncClient(base_url=BASE_URL, timeout=60) as client:
            state = await one_request.setup(client, n)
            for i in range(per_client):
                started = time.perf_counter()
                ok = await one_request(client, state, n, i)
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    return latencies, errors, time.perf_counter() - started


class Floor:
    async def setup(self, client, n):
        return None

    async def __call__(self, client, state, n, i):
        response = await client.get("/bench/floor/")
        return response.status_code == 200


class Get:
    def __init__(self, url):
        self.url = url

    async def setup(self, client, n):
        return None

    async def __call__(self, client, state, n, i):
        response = await client.get(self.url)
        return response.status_code == 200


class Votes:
    def __init__(self, article_url, poll_id, choices):
        self.article_url, self.poll_id, self.choices = article_url, poll_id, choices
        self.accepted = 0

    async def setup(self, client, n):
        page = await client.get(self.article_url)
        return TOKEN.search(page.text)[1]

    async def __call__(self, client, token, n, i):
        client.cookies.delete("voter")  # every vote from a new reader
        response = await client.post(
            f"/polls/{self.poll_id}/vote/",
            data={
                "choice": self.choices[(n + i) % len(self.choices)],
                "csrfmiddlewaretoken": token,
            },
            headers={"HX-Request": "true", "Referer": BASE_URL},
        )
        if response.status_code == 200:
            self.accepted += 1
            return True
        return False


def thread_scenarios(env, article_url, size):
    """Render time of a discussion holding one thread of `size` comments (one reader)."""
    root_id = int(
        shell(env, f"from tests.bench.seed import seed_thread; print(seed_thread({size}))")
    )
    rows = []
    for name, url in [
        (f"thread page: {size} comments, all shown", f"/comments/{root_id}/"),
        (f"article page: {size}-comment thread, collapsed", article_url),
    ]:
        asyncio.run(run_clients(1, 3, Get(url)))
        rows.append(summarize(name, *asyncio.run(run_clients(1, 20, Get(url)))))
    return rows


def moderation_scenario(env, backlog):
    """Comments moderated per second by one worker (default classifier), from a backlog."""
    shell(env, f"from tests.bench.seed import seed_backlog; print(seed_backlog({backlog}))")
    worker = celery_worker(env)
    started = time.perf_counter()
    try:
        with psycopg.connect(f"{PG}/{DATABASE}") as conn:
            while True:
                (pending,) = conn.execute(
                    "SELECT count(*) FROM comments_comment WHERE status = 'pending'"
                ).fetchone()
                if pending == 0:
                    break
                if time.perf_counter() - started > 600:
                    fail(f"moderation did not finish: {pending} still pending")
                time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    elapsed = time.perf_counter() - started
    return {
        "scenario": f"moderation: backlog of {backlog}, one worker",
        "requests": backlog,
        "errors": 0,
        "seconds": round(elapsed, 2),
        "per_second": round(backlog / elapsed, 1),
        "p50_ms": "",
        "p95_ms": "",
        "p99_ms": "",
    }


def demo_poll():
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        slug, poll_id = conn.execute(
            "SELECT a.slug, p.id FROM polls_poll p JOIN articles_article a ON a.id = p.article_id "
            "WHERE p.kind = 'yes_no' ORDER BY p.id LIMIT 1"
        ).fetchone()
        choices = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM polls_choice WHERE poll_id = %s ORDER BY position", (poll_id,)
            )
        ]
    return f"/articles/{slug}/", poll_id, choices


def stored_votes(poll_id):
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        rows = conn.execute("SELECT count(*) FROM polls_vote WHERE poll_id = %s", (poll_id,))
        counters = conn.execute(
            "SELECT coalesce(sum(vote_count), 0) FROM polls_choice WHERE poll_id = %s", (poll_id,)
        )
        return rows.fetchone()[0], counters.fetchone()[0]


def median_round(rounds):
    return sorted(rounds, key=lambda row: row["per_second"])[len(rounds) // 2]


def table(results):
    lines = [
        "| scenario | requests | errors | req/s | p50 ms | p95 ms | p99 ms | vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['scenario']} | {row['requests']} | {row['errors']} | {row['per_second']} "
            f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row.get('ratio', '')} |"
        )
    return "\n".join(lines)


BASE_URL = ""
# --quick: smaller loads (flags given still win).
QUICK = {
    "votes": 320,
    "warmup": 64,
    "rounds": 1,
    "thread_size": 100,
    "backlog": 100,
    "fanout": "200,500",
    "events": 10,
    "readers": 20,
    "writers": 5,
    "comments": 40,
}


def sizes(text):
    return [int(size) for size in text.split(",")]


def main():
    from tests.bench import live  # it imports this module's helpers

    global BASE_URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--votes", type=int, default=3000, help="votes per round")
    parser.add_argument("--warmup", type=int, default=200, help="requests before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per scenario")
    parser.add_argument("--thread-size", type=int, default=1000, help="comments in the thread")
    parser.add_argument("--backlog", type=int, default=1000, help="comments to moderate")
    parser.add_argument(
        "--fanout",
        type=sizes,
        default="1000,5000",
        help="idle readers on one process, e.g. 1000,5000",
    )
    parser.add_argument("--events", type=int, default=20, help="events published per live round")
    parser.add_argument("--readers", type=int, default=100, help="live readers of new comments")
    parser.add_argument("--writers", type=int, default=20, help="accounts posting the comments")
    parser.add_argument("--comments", type=int, default=200, help="comments posted to live readers")
    parser.add_argument("--quick", action="store_true", help="every scenario, briefly")
    if parser.parse_known_args()[0].quick:
        parser.set_defaults(**QUICK)
    args = parser.parse_args()

    fresh_database()
    with tempfile.TemporaryDirectory() as static_root:
        env = environment(static_root)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "setup_site")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        server = Server(env)
        BASE_URL = server.url
        try:
            article_url, poll_id, choices = demo_poll()
            per_client = max(1, args.votes // args.clients)
            warm = max(1, args.warmup // args.clients)
            asyncio.run(run_clients(args.clients, warm, Floor()))
            asyncio.run(run_clients(args.clients, warm, Votes(article_url, poll_id, choices)))
            before_rows, _ = stored_votes(poll_id)
            # Alternate the scenarios so that a noisy moment hits both alike;
            # each is reported by its median round.
            floor_rounds, vote_rounds, accepted = [], [], 0
            for _round in range(args.rounds):
                floor_rounds.append(
                    summarize(
                        "floor: trivial view",
                        *asyncio.run(run_clients(args.clients, per_client, Floor())),
                    )
                )
                scenario = Votes(article_url, poll_id, choices)
                vote_rounds.append(
                    summarize(
                        "votes: new voter each",
                        *asyncio.run(run_clients(args.clients, per_client, scenario)),
                    )
                )
                accepted += scenario.accepted
            rows, counters = stored_votes(poll_id)
            thread_rounds = thread_scenarios(env, article_url, args.thread_size)
            moderation = moderation_scenario(env, args.backlog)
            comment_rows = live.comment_scenario(
                env,
                server,
                article_url,
                readers=args.readers,
                writers=args.writers,
                comments=args.comments,
                events=args.events,
            )
        finally:
            server.stop()
        fanout_rows = live.fanout_scenario(env, article_url, args.fanout, args.events)

    floor, votes = median_round(floor_rounds), median_round(vote_rounds)
    votes["ratio"] = round(votes["per_second"] / floor["per_second"], 2)
    floor["ratio"] = 1.0
    exact = rows - before_rows == accepted and counters == rows
    votes["exact"] = exact
    live_rows = [*fanout_rows, *comment_rows]
    print(table([floor, votes, *thread_rounds, moderation, *live_rows]))
    print(
        f"\nmedian of {args.rounds} alternating rounds; votes accepted {accepted}, "
        f"stored {rows - before_rows}, counters {counters} of {rows} rows: "
        f"{'exact' if exact else 'MISMATCH'}"
    )
    print(live.notes(fanout_rows, comment_rows))
    delivered = all(row["received"] == row["expected"] for row in live_rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "clients": args.clients,
                "median": [floor, votes],
                "threads": thread_rounds,
                "moderation": moderation,
                "live": {"fanout": fanout_rows, "comments": comment_rows},
                "rounds": {"floor": floor_rounds, "votes": vote_rounds},
            },
            indent=2,
        )
    )
    print(f"JSON: {out.relative_to(ROOT)}")
    if not (exact and delivered):
        sys.exit(1)


if __name__ == "__main__":
    main()
