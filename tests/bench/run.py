"""`make bench`: load on the real stack, each scenario beside its baseline in the same run.

Starts Briefing on PostgreSQL and Redis under uvicorn (2 workers, DEBUG=0),
with a real Celery worker where a scenario needs one; seeds the demo article
as a busy one (2,000 approved comments in threads, 5,000 votes, 200 readers);
drives load with wrk for the pages and the votes (tests/bench/servers.py,
tests/bench/votes.py) and from spawned reader processes (tests/bench/live.py);
prints a Markdown table and writes JSON to bench/results/. Stops everything it
started.

Scenarios, each with its baseline measured in the same run:
  1 servers        The article page, anonymous and uncached, under uvicorn
                   alone, gunicorn alone and `make serve` (nginx, gzip);
                   baseline: the floor under the same server, a trivial view
                   of the same app rendering a page of the same size with no
                   queries. Each floor beside gunicorn's. Then the article
                   page with the newcomers' page cache on (--only pages runs
                   the servers alone, without the cached page).
  2 votes          32 connections of new voters on the article's open polls,
                   under gunicorn, beside the floor (tests/bench/votes.py; --only votes);
                   afterwards the stored votes and counters must equal the
                   accepted responses exactly.
  3 thread pages   The discussion's first page and its "Show more comments" pages,
                   sorted by best, under gunicorn.
  4 comment to screen, 5 SSE fan-out: see tests/bench/live.py;
  6 moderation: see tests/bench/moderation.py (--only moderation runs it alone).
  7 Lighthouse     Mobile scores of the article, discussion and profile pages
                   (tests/bench/lighthouse.py); no baseline: each must be >= 95.

Exits 1 if any write was lost or doubled, any live event missed, any page
answered other than 2xx or broke a connection, or a Lighthouse score it judges
is below 95; wrk's timings never fail it (`make bench-quick` is CI's smoke run).
"""

import argparse
import contextlib
import datetime as dt
import html
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
RESULTS = ROOT / "bench" / "results"
PG = "postgresql://postgres@127.0.0.1:5432"
# Overridable so that two benches can run side by side on one machine.
DATABASE = os.environ.get("BENCH_DATABASE", "briefing_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The next page as htmx asks for it (the href is the page-numbered one for readers without JS).
MORE = re.compile(r'hx-get="([^"]*after=[^"]+)"[^>]*class="show-more"')


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_redis():
    """The bench's own Redis database, emptied: no queue or stream left from an earlier run."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        fail(f"Redis on 127.0.0.1:6379 is needed ({error})")


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
        # The live scenarios open thousands of streams from this one address.
        "LIVE_STREAMS_PER_ADDRESS": "1000000",
        "LOG_LEVEL": "WARNING",
        "ARTICLE_PAGE_CACHE_SECONDS": "0",
    }


@contextlib.contextmanager
def fresh_site():
    """The environment of a fresh database and Redis, migrated, the site set up and the
    static files collected (into a directory removed afterwards)."""
    fresh_database()
    fresh_redis()
    with tempfile.TemporaryDirectory() as static_root:
        env = environment(static_root)
        # collectstatic needs no database: it runs while migrate does.
        collecting = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
        )
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "setup_site")
        if collecting.wait() != 0:
            fail(f"collectstatic failed (exit {collecting.returncode})")
        yield env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def shell(env, code):
    """Run `code` in the app's environment (manage.py shell -c); returns its last output line."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        fail(f"seeding failed: {result.stderr.strip().splitlines()[-1]}")
    return result.stdout.strip().splitlines()[-1]


def celery_beat(env):
    """Celery beat, as in production: the periodic sweepers run during the bench."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "briefing_site", "beat", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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
    """uvicorn (ASGI, as `make run` serves the app) with `workers` processes.

    wait=False returns once it is started: wait_ready() then waits for its
    health check, so that several servers can start at once.
    """

    name = "uvicorn"

    def __init__(self, env, workers=2, wait=True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = self.start(env, workers)
        if wait:
            self.wait_ready()

    def start(self, env, workers):
        return subprocess.Popen(
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

    # Generous: on a loaded machine each worker takes long to import the app, and
    # a server that is up answers at once.
    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        exited = self.process.poll()
        self.stop()
        tail = self.log_tail()
        if tail:
            print(tail, file=sys.stderr)
        fail(
            f"{self.name} did not come up"
            + (f" (it exited with {exited})" if exited is not None else f" in {timeout} s")
        )

    def log_tail(self):
        """What to show when the server did not come up (its output went to the terminal)."""
        return ""

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


def vote_counts(choice_ids):
    """{choice id: (stored vote rows, its counter)}."""
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        rows = conn.execute(
            "SELECT c.id, (SELECT count(*) FROM polls_vote v WHERE v.choice_id = c.id), "
            "c.vote_count FROM polls_choice c WHERE c.id = ANY(%s)",
            (list(choice_ids),),
        ).fetchall()
    return {choice: (stored, counter) for choice, stored, counter in rows}


def votes_exact(before, after, expected):
    """Rows added per choice equal the readers' last accepted choices; counters equal rows."""
    mismatches = []
    for choice, (stored, counter) in after.items():
        added = stored - before[choice][0]
        if added != expected.get(choice, 0) or counter != stored:
            mismatches.append(
                f"choice {choice}: expected {expected.get(choice, 0)} new, stored {added}, "
                f"counter {counter} of {stored} rows"
            )
    return mismatches


def seed(env, args):
    code = (
        "import json; from tests.bench.seed import seed_article; "
        f"print(json.dumps(seed_article({args.seed_comments}, {args.seed_votes}, "
        f"{args.seed_readers})))"
    )
    started = time.perf_counter()
    seeded = json.loads(shell(env, code))
    seeded["seconds"] = round(time.perf_counter() - started, 1)
    return seeded


def discussion_first_page(article_url):
    slug = article_url.strip("/").split("/")[-1]
    return f"/articles/{slug}/comments/?sort=best"


def thread_page_urls(article_url):
    """Every "Show more comments" page of the article's discussion, sorted by best."""
    url, urls = discussion_first_page(article_url), []
    with httpx.Client(base_url=BASE_URL, timeout=60) as client:
        while True:
            page = client.get(url, headers={"HX-Request": "true"} if urls else {})
            if page.status_code != 200:
                fail(f"{url} answered {page.status_code}")
            more = MORE.search(page.text)
            if more is None:
                return urls
            url = html.unescape(more[1])
            urls.append(url)


def drain(worker, remaining, limit=600):
    """Poll `remaining()` until 0: (tasks done, seconds) from the first time some were done.

    The clock starts when the first tasks are seen done, which leaves out the
    worker's start-up (Django, the classifier) that a long-running worker pays
    once; the tasks counted are those done after that moment.
    """
    started = time.perf_counter()
    first_done, left = None, remaining()
    at_first = left
    while True:
        now, count = time.perf_counter(), remaining()
        if count < left and first_done is None:
            first_done, at_first = now, count
        left = count
        if count == 0:
            break
        if worker.poll() is not None:
            fail(f"the Celery worker exited with {worker.returncode}; {count} tasks left")
        if now - started > limit:
            fail(f"the worker did not finish: {count} tasks left")
        time.sleep(0.05)
    if at_first == 0:
        fail("the worker finished the whole queue before it could be timed: queue more tasks")
    return at_first, time.perf_counter() - first_done


def worker_floor(env, count):
    """The baseline: no-op tasks a second through the same worker, from a queue of `count`."""
    import redis
    from celery import Celery

    broker = redis.Redis.from_url(REDIS_URL)
    sender = Celery(broker=REDIS_URL)
    with sender.connection_for_write() as connection:
        for _ in range(count):
            # celery.accumulate is Celery's own built-in that returns its arguments.
            sender.send_task("celery.accumulate", args=(1,), connection=connection)
    worker = celery_worker(env)
    try:
        done, seconds = drain(worker, lambda: broker.llen("celery") + broker.hlen("unacked"))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return round(done / seconds, 1)


def open_polls():
    """[(poll id, [approved choice ids])] of the demo article's open polls."""
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        rows = conn.execute(
            "SELECT p.id, array_agg(c.id ORDER BY c.position) FROM polls_poll p "
            "JOIN polls_choice c ON c.poll_id = p.id AND c.status = 'approved' "
            "WHERE p.closed_at IS NULL GROUP BY p.id ORDER BY p.id"
        ).fetchall()
    return [(poll, choices) for poll, choices in rows if choices]


def reader_session(env):
    """The session key of a signed-in reader who has commented: the engaged reader."""
    return shell(
        env,
        "from django.contrib.auth import get_user_model; from django.test import Client; "
        "reader = get_user_model().objects.filter(comments__isnull=False, is_staff=False)"
        ".order_by('pk').first(); client = Client(); client.force_login(reader); "
        "print(client.cookies['sessionid'].value)",
    )


def demo_article_url():
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        (slug,) = conn.execute(
            "SELECT slug FROM articles_article WHERE status = 'published' ORDER BY id LIMIT 1"
        ).fetchone()
    return f"/articles/{slug}/"


def median_round(rounds):
    return sorted(rounds, key=lambda row: row["per_second"])[len(rounds) // 2]


def table(results):
    lines = [
        "| scenario | requests | errors | req/s | p50 ms | p95 ms | p99 ms | vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        errors = f"{row['errors']} FAILED" if row.get("failed") else row["errors"]
        versus = row.get("vs", row.get("ratio", ""))
        lines.append(
            f"| {row['scenario']} | {row['requests']} | {errors} | {row['per_second']} "
            f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {versus} |"
        )
    return "\n".join(lines)


BASE_URL = ""
# --quick: every scenario, briefly (flags given still win).
QUICK = {
    "seed_comments": 200,
    "seed_votes": 500,
    "seed_readers": 20,
    "seconds": 2,
    "warm_seconds": 1,
    "rounds": 1,
    "backlog": 600,
    "fanout": [200],
    "events": 5,
    "readers": 20,
    "writers": 5,
    "comments": 40,
}


def sizes(text):
    return [int(size) for size in text.split(",")]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--seed-comments", type=int, default=2000, help="approved comments on the article")
    add("--seed-votes", type=int, default=5000, help="votes stored before the run")
    add("--seed-readers", type=int, default=200, help="reader accounts")
    add("--seconds", type=int, default=10, help="length of each wrk run on a page")
    add("--warm-seconds", type=int, default=3, help="wrk's warm-up of each page on each server")
    add("--rounds", type=int, default=3, help="rounds of the page scenarios, in turn")
    add("--backlog", type=int, default=5000, help="comments to moderate")
    add("--fanout", type=sizes, default=[1000, 5000, 20000], help="idle readers on one process")
    add("--events", type=int, default=20, help="events published per live round")
    add("--readers", type=int, default=100, help="live readers of new comments")
    add("--writers", type=int, default=20, help="accounts posting the comments")
    add("--comments", type=int, default=200, help="comments posted to live readers")
    add("--quick", action="store_true", help="every scenario, briefly: CI's smoke run")
    add("--only", choices=["moderation", "pages", "votes"], help="run that scenario alone")
    if parser.parse_known_args()[0].quick:
        parser.set_defaults(**QUICK)
    return parser.parse_args()


def main():
    from tests.bench import lighthouse, live, servers, votes  # they import this module's helpers
    from tests.bench.moderation import moderation_scenario, only_moderation

    global BASE_URL
    args = arguments()
    if args.only == "moderation":
        return only_moderation(args)
    servers.ensure_wrk()
    if args.only == "votes":
        return votes.only_votes(args)
    if args.only == "pages":
        return only_pages(args)
    begun = time.perf_counter()
    with fresh_site() as env:
        seeded = seed(env, args)
        print(f"bench: seeded {seeded}", file=sys.stderr)
        article_url = demo_article_url()
        beat = celery_beat(env)
        try:
            # The servers scenario waits for it, beside the servers it starts.
            server = Server(env, wait=False)
            BASE_URL = server.url
            try:
                server_rows, page_bytes, _floor = servers.servers_scenario(
                    server, env, article_url, args, reader_session(env)
                )
                thread_rows = servers.thread_pages_scenario(
                    env, discussion_first_page(article_url), thread_page_urls(article_url), args
                )
                lighthouse_rows = lighthouse.lighthouse_scenario(server, article_url, args.quick)
                vote_rows = votes.votes_scenario(env, article_url, args)
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
            cached_row = servers.cached_page_scenario(env, article_url, page_bytes, args)
            moderation = moderation_scenario(env, args.backlog)
            fanout_rows = live.fanout_scenario(env, article_url, args.fanout, args.events)
        finally:
            beat.terminate()
            beat.wait(timeout=30)

    votes = vote_rows[1]
    live_rows = [*comment_rows, *fanout_rows]
    rows = [*server_rows, cached_row, *vote_rows, *thread_rows, *live_rows, moderation]
    print(table(rows))
    print("\n" + lighthouse.table(lighthouse_rows, args.quick))
    print(
        f"\nseeded {seeded['comments']} comments in {seeded['threads']} threads, "
        f"{seeded['votes']} votes, {seeded['readers']} readers ({seeded['seconds']} s); "
        f"page rows: wrk, {servers.CONNECTIONS} connections on {servers.THREADS} threads, "
        f"median of {args.rounds} rounds of {args.seconds} s taken in turn with their floors; "
        f"cached page: {cached_row['cache_hits']} cache hits"
    )
    print(servers.notes(server_rows))
    print(
        f"votes: {votes['accepted']} accepted; stored votes and counters "
        f"{'exact' if votes['exact'] else 'MISMATCH: ' + '; '.join(votes['mismatches'])}"
    )
    print(
        f"moderation: {moderation['decisions']} decisions for {moderation['decided_comments']} "
        f"of {args.backlog} comments: {'exact' if moderation['exact'] else 'MISMATCH'}; "
        f"the same worker runs {moderation['baseline_per_second']} no-op tasks/s; both "
        "counted from the first task done (start-up left out)"
    )
    print(live.notes(fanout_rows, comment_rows))
    elapsed = round(time.perf_counter() - begun)
    print(f"whole run: {elapsed // 60} min {elapsed % 60} s")
    delivered = all(row["received"] == row["expected"] for row in live_rows)
    pages_failed = [row["scenario"] for row in rows if row.get("failed")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H%M%S}{'-quick' if args.quick else ''}"
    out = RESULTS / f"{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "arguments": vars(args),
                "machine": machine(),
                "seeded": seeded,
                "rows": rows,
                "lighthouse": lighthouse_rows,
                "seconds": elapsed,
            },
            indent=2,
        )
    )
    print(f"JSON: {out.relative_to(ROOT)}")
    if not (votes["exact"] and moderation["exact"] and delivered):
        fail("writes were lost or doubled, or live events missed (see above)")
    if pages_failed:
        fail(f"answers other than 2xx or socket errors under wrk: {'; '.join(pages_failed)}")
    if below := lighthouse.failures(lighthouse_rows):
        fail(f"Lighthouse scores below 95: {below}")


def only_pages(args):
    """`--only pages`: the servers scenario alone (the article page, anonymous and signed
    in, beside its floors), on a freshly seeded site."""
    from tests.bench import servers

    global BASE_URL
    with fresh_site() as env:
        seeded = seed(env, args)
        print(f"bench: seeded {seeded}", file=sys.stderr)
        article_url = demo_article_url()
        server = Server(env, wait=False)
        BASE_URL = server.url
        try:
            rows, _page_bytes, _floor = servers.servers_scenario(
                server, env, article_url, args, reader_session(env)
            )
        finally:
            server.stop()
    print(table(rows))
    print(servers.notes(rows))
    if failed := [row["scenario"] for row in rows if row.get("failed")]:
        fail(f"answers other than 2xx or socket errors under wrk: {'; '.join(failed)}")


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": sys.version.split()[0]}


if __name__ == "__main__":
    main()
