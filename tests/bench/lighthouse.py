"""Lighthouse scores of the pages readers land on, as a phone sees them.

The seeded article page, its discussion page and the profile of a reader who
has commented, audited through the bench's production server (DEBUG=0,
PostgreSQL, gzip) with Lighthouse's mobile preset (its default: a mid-range
phone on a slow 4G line, simulated) in Debian's headless chromium. Each page
gets four scores out of 100: performance, accessibility, best practices, SEO.
A full run takes the median of three audits per page and fails on any median
below 95; --quick audits each page once and fails on the last three only, as
the performance score moves with the load on a shared CI machine.

Lighthouse is the one bench/lighthouse/package-lock.json pins (`make bench`
installs it).
"""

import json
import os
import shutil
import statistics
import subprocess

import psycopg

from tests.bench.run import DATABASE, PG, ROOT, fail

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best-practices": "best practices",
    "seo": "SEO",
}
PASS = 95
RUNS = 3
# Enough for a slow audit on a loaded machine; a hung chromium is cut off.
AUDIT_TIMEOUT = 300


def chromium():
    found = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not found:
        fail("chromium is missing: Lighthouse needs Debian's chromium (apt-get install chromium)")
    return found


def audit(url, skip=()):
    """{category: score out of 100} from one Lighthouse run on `url`, without the audits
    in `skip`. A run whose trace chromium failed to record (it happens now and then on a
    loaded machine) is run once more."""
    for attempt in range(2):
        report, error = _run(url, skip)
        if not error:
            break
        if attempt:
            fail(f"Lighthouse could not audit {url}: {error}")
    scores = {key: report["categories"][key]["score"] for key in CATEGORIES}
    if None in scores.values():
        fail(f"Lighthouse gave no score for {url}: {scores}")
    return {key: round(score * 100) for key, score in scores.items()}


def _run(url, skip):
    """(Lighthouse's report, None), or (None, what went wrong)."""
    if not LIGHTHOUSE.exists():
        fail("Lighthouse is missing: run `npm ci` in bench/lighthouse (make bench does)")
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            *([f"--skip-audits={','.join(skip)}"] if skip else []),
        ],
        env={**os.environ, "CHROME_PATH": chromium()},
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None, (done.stderr or done.stdout).strip()[-300:]
    report = json.loads(done.stdout)
    if report.get("runtimeError"):
        return None, report["runtimeError"]["message"]
    return report, None


def judged(quick):
    """The categories that fail the run below PASS (all but performance in a quick run)."""
    return [key for key in CATEGORIES if not (quick and key == "performance")]


def commenter():
    """The name of the first reader (not staff) with a published comment."""
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        found = conn.execute(
            "SELECT u.username FROM auth_user u WHERE NOT u.is_staff AND EXISTS "
            "(SELECT 1 FROM comments_comment c WHERE c.author_id = u.id AND c.status = 'approved')"
            " ORDER BY u.id LIMIT 1"
        ).fetchone()
    if found is None:
        fail("no reader has a published comment: the profile page would be empty")
    return found[0]


# A reader's profile asks search engines not to index it (their history is found through
# the site only): Lighthouse's "page is crawlable" audit would fail it by design.
PROFILE_SKIPS = ("is-crawlable",)


def pages(article_url, reader):
    """(name, path, audits skipped) of the audited pages: article, discussion, a
    commenter's profile."""
    return [
        ("article", article_url, ()),
        ("discussion", f"{article_url}comments/", ()),
        ("profile", f"/readers/{reader}/", PROFILE_SKIPS),
    ]


def lighthouse_scenario(server, article_url, quick):
    """One row per page: the median score of each category and the ones below PASS."""
    runs = 1 if quick else RUNS
    rows = []
    for name, path, skip in pages(article_url, commenter()):
        audits = [audit(server.url + path, skip) for _run in range(runs)]
        scores = {key: round(statistics.median(one[key] for one in audits)) for key in CATEGORIES}
        rows.append(
            {
                "scenario": f"Lighthouse, mobile: {name} page",
                "name": name,
                "page": path,
                "server": server.name,
                "runs": runs,
                "skipped": list(skip),
                "scores": scores,
                "every_run": audits,
                "below": [key for key in judged(quick) if scores[key] < PASS],
            }
        )
    return rows


def table(rows, quick):
    what = "one run" if quick else f"median of {RUNS} runs"
    lines = [
        f"| Lighthouse, mobile ({what}) | " + " | ".join(CATEGORIES.values()) + " |",
        "|---|" + "---:|" * len(CATEGORIES),
    ]
    for row in rows:
        cells = []
        for key in CATEGORIES:
            score = row["scores"][key]
            verdict = (
                "ok" if score >= PASS else "BELOW 95" if key in row["below"] else "< 95, not judged"
            )
            cells.append(f"{score} {verdict}")
        skipped = (
            f" (without {', '.join(row['skipped'])}: noindex by design)" if row["skipped"] else ""
        )
        lines.append(f"| {row['name']}: {row['page']}{skipped} | " + " | ".join(cells) + " |")
    if quick:
        lines.append("\n--quick: the performance score is reported, never failed on")
    return "\n".join(lines)


def failures(rows):
    """One line naming every score that fails the run, or ''."""
    return "; ".join(
        f"{row['page']} {CATEGORIES[key]} {row['scores'][key]}"
        for row in rows
        for key in row["below"]
    )
