"""A synthetic USAspending API on 127.0.0.1 in its own process, for the crawl benchmarks.

Why a separate process: the server is Python (http.server threads); sharing the crawler's interpreter would
make both fight for one GIL and measure that fight instead of the crawler. Prints its base URL on the first
line of stdout, serves until stdin closes (the benchmark closes it), then exits.

Usage: python -m bench.serve --awards 2000 --latency 0.2 [--touched 0.01]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from tests.fake_usaspending import FakeAward, FakeUsaspending, Faults, make_awards

LONG = ("DATA ANALYTICS PLATFORM SUPPORT, CASE MANAGEMENT SYSTEM OPERATIONS AND MAINTENANCE, LICENSE PLATE "
        "READER DATA ACCESS AND GEOSPATIAL INTELLIGENCE ANALYSIS FOR FIELD OFFICES; SYNTHETIC BENCHMARK ORDER")


def bench_awards(n: int, mods: int = 5, touched: float = 0.0) -> list[FakeAward]:
    """n synthetic awards (ICE, 17 vendors cycling as in the tests), long descriptions, `mods` transactions each.

    `touched`: the share of awards whose last_modified_date is today (what an incremental refresh must find).
    """
    awards = make_awards(n, mods=mods, seed=8)
    every = int(1 / touched) if touched else 0
    for i, a in enumerate(awards):
        a.detail["description"] = f"SYNTHETIC-BENCH ORDER {i}: {LONG}"
        a.detail["recipient"]["recipient_name"] = f"SYNTHETIC VENDOR {i % 997} INC"
        if every and i % every == 0:
            a.detail["period_of_performance"]["last_modified_date"] = str(date.today())
    return awards


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--awards", type=int, default=2000)
    ap.add_argument("--mods", type=int, default=5)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--touched", type=float, default=0.0)
    args = ap.parse_args()
    api = FakeUsaspending(bench_awards(args.awards, args.mods, args.touched), Faults(latency=args.latency))
    with api:
        print(api.base, flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin


if __name__ == "__main__":
    main()
