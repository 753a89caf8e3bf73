"""The SSE fan-out scenario alone: `python -m tests.bench.fanout --fanout 1000,5000,20000`.

The same rounds as `make bench` runs (tests/bench/live.py fanout_scenario), on
the bench database seeded with the demo article only: a few minutes instead of
the whole run, for work on the event streams' memory and delay.
"""

import argparse
import sys

from tests.bench import live
from tests.bench.run import (
    demo_article_url,
    fresh_site,
    sizes,
    table,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fanout", type=sizes, default=[1000, 5000, 20000], help="idle readers")
    parser.add_argument("--events", type=int, default=20, help="events published per round")
    args = parser.parse_args()
    with fresh_site() as env:
        rows = live.fanout_scenario(env, demo_article_url(), args.fanout, args.events)
    print(table(rows))
    print(live.fanout_notes(rows))
    if not all(row["received"] == row["expected"] for row in rows):
        print("bench: live events missed (see above)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
