"""Property (issue 19): whatever faults the API injects, every listed award and transaction ends up stored or
rejected, the run reconciles, and the exit code says the run's status.

Hypothesis draws which awards get which fault (HTML error page, truncated body, a self-redirect, an
unstorable description, keyless or undated transactions, a burst of 5xx); each example is one real
`registry crawl usaspending` against the hostile server. Bounded: few examples, no per-example deadline.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fake_usaspending import Faults
from tests.hostile.common import award_outcomes, crawl, query, runs_of
from tests.hostile.server import Hostile, HostileUsaspending, awards_with

N = 10
MODS = 2
EXIT = {"ok": 0, "partial": 3, "failed": 1}
FAULTS = ["html", "truncated", "redirect_self", "surrogate", "keyless", "bad_date", "none"]


# no shrinking: each example is a whole crawl (a forked process, ~0.5 s of CPU); a failure prints its plan, which
# is small already
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.sampled_from(FAULTS), min_size=N, max_size=N), errors=st.integers(0, 3),
       seed=st.integers(60, 90))
def test_every_listed_record_is_stored_or_rejected_and_the_exit_code_says_the_status(tmp_path_factory, plan,
                                                                                     errors, seed):
    def poison(awards):
        for a, fault in zip(awards, plan, strict=True):
            if fault == "surrogate":
                a.detail["description"] = "BAD \ud800 TEXT"

    awards = awards_with(N, seed=seed, mods=MODS, change=poison)
    by = {f: {a.gid for a, p in zip(awards, plan, strict=True) if p == f} for f in FAULTS}
    bad_dates = {a.transactions[0]["id"] for a in awards if a.gid in by["bad_date"]}
    faults = Faults(html_awards=by["html"], truncated_awards=by["truncated"], bad_date_transactions=bad_dates,
                    server_errors=errors)
    hostile = Hostile(redirect_self_once=by["redirect_self"], null_tx_keys=by["keyless"])
    staging = tmp_path_factory.mktemp("prop") / "staging.duckdb"
    with HostileUsaspending(awards, faults=faults, hostile=hostile) as api:
        r = crawl(api.base, staging, RETRY_TIMES="3")

    outcomes = award_outcomes(staging, [a.gid for a in awards])
    assert [g for g, o in outcomes.items() if o == "missing"] == [], (plan, outcomes)
    # awards whose detail was read: stored, or rejected at the write (an unstorable description); either
    # way their transactions were fetched, and each of those is stored or rejected
    loaded = [g for g, o in outcomes.items() if o == "loaded" or g in by["surrogate"]]
    stored_tx = query(staging, "SELECT count(*) FROM stg_transactions")[0][0]
    rejected_tx = query(staging, "SELECT count(*) FROM rejects WHERE kind = 'transaction'")[0][0]
    assert stored_tx + rejected_tx == MODS * len(loaded), (plan, stored_tx, rejected_tx, len(loaded))
    (status, fetched, n_loaded, n_rejected, _), = runs_of(staging)
    assert fetched == n_loaded + n_rejected
    assert r.returncode == EXIT[status], (status, r.returncode, r.stderr[-500:])
