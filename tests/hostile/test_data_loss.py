"""Data loss with exit 0 (issue 19, first part): every record fetched is stored or rejected, and says which.

Each test runs `registry crawl usaspending` against a hostile local server as a user would, then reads the
staging store: what was listed is loaded or rejected per award, the run's status and the exit code agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fake_usaspending import FakeUsaspending
from tests.hostile.common import award_outcomes, crawl, query, rejects_of, runs_of, stored_awards
from tests.hostile.server import Hostile, HostileUsaspending, awards_with


def test_one_unstorable_record_is_rejected_and_every_other_record_is_stored(tmp_path):
    """A lone surrogate in one description: the batch is split down to that record, which goes to rejects."""
    def poison(awards):
        awards[5].detail["description"] = "SURVEILLANCE \ud800 SUPPORT"

    awards = awards_with(40, seed=31, change=poison)
    staging = tmp_path / "staging.duckdb"
    with FakeUsaspending(awards) as api:
        r = crawl(api.base, staging, STAGING_BATCH_SIZE="25")
    bad = awards[5].gid
    assert stored_awards(staging) == {a.gid for a in awards} - {bad}
    assert query(staging, "SELECT count(*) FROM stg_transactions")[0][0] == 40 * 2  # the bad award's too
    (kind, reason, url, payload), = rejects_of(staging)
    assert kind == "awards" and "staging write refused the record" in reason and bad in url
    assert "SURVEILLANCE" in payload and bad in payload  # the payload kept, as the source sent it
    (status, fetched, loaded, rejected, lost), = runs_of(staging)
    assert (status, fetched, loaded, rejected) == ("ok", 120, 119, 1), r.stderr
    assert r.returncode == 0 and "Traceback" not in r.stderr


def test_a_redirect_back_to_the_same_url_is_followed_not_deduplicated(tmp_path):
    awards = awards_with(30, seed=32, mods=1)
    bounce = {a.gid for a in awards[:5]}
    loop = awards[6].gid  # redirects to itself forever: a lost page after REDIRECT_MAX_TIMES, with a reject
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(redirect_self_once=bounce, redirect_self_always={loop})) as api:
        r = crawl(api.base, staging)
    outcomes = award_outcomes(staging, [a.gid for a in awards])
    assert [g for g, o in outcomes.items() if o == "missing"] == []  # listed = loaded + rejected, per award
    assert {g for g, o in outcomes.items() if o == "rejected"} == {loop}
    assert bounce <= stored_awards(staging)
    (reason,) = [x[1] for x in rejects_of(staging)]
    assert "max redirections" in reason.lower() or "redirect" in reason.lower()
    assert runs_of(staging)[0][0] == "partial" and r.returncode == 3


def test_transactions_without_their_key_are_rejects_not_one_merged_row(tmp_path):
    awards = awards_with(10, seed=33, mods=3)
    keyless = awards[2].gid
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(null_tx_keys={keyless})) as api:
        r = crawl(api.base, staging)
    stored = query(staging, "SELECT count(*) FROM stg_transactions WHERE award_key = ?", [keyless])[0][0]
    reasons = [x[1] for x in rejects_of(staging)]
    assert stored == 0 and reasons == ["transaction key: neither id nor modification_number"] * 3
    (status, fetched, loaded, rejected, _), = runs_of(staging)
    assert fetched == loaded + rejected and rejected == 3 and status == "ok", r.stderr
    # the dollars are not lost: each action is in rejects with its payload, to be re-fetched or fixed
    payloads = [x[3] for x in rejects_of(staging)]
    want = {str(t["federal_action_obligation"]) for t in awards[2].transactions}
    assert {str(Decimal(str(json.loads(p)["federal_action_obligation"]))) for p in payloads} == want


# -- a full disk --------------------------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MB tmpfs (root only): the staging store fills it part-way through a crawl."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs (the pipeline tests simulate the same OSError)")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_stops_the_crawl_at_once_with_one_line_and_a_rerun_completes(tiny_disk):
    def pad(awards):
        for a in awards:  # ~24 KB of text per award: the 3 MB disk is full after ~60 of the 120 (the store's
            a.detail["description"] += " " + "SURVEILLANCE ANALYTICS " * 1000  # log and file both hold rows)

    awards = awards_with(120, seed=34, mods=1, change=pad)
    staging = tiny_disk / "staging.duckdb"
    with FakeUsaspending(awards) as api:
        t0 = time.monotonic()
        r = crawl(api.base, staging, e2e=True, STAGING_BATCH_SIZE="20", USASPENDING_PAGE_SIZE="50")
        seconds = time.monotonic() - t0
        details = sum(v for k, v in api.hits.items() if "/awards/" in k)
        print(f"\n[reliability] full disk: rc {r.returncode} after {seconds:.1f}s, {details} of 120 details fetched")
        assert r.returncode == 1, r.stdout + r.stderr
        errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "staging store full" in errors[0] and "No space left" in errors[0], r.stderr
        assert "Traceback" not in r.stderr and "cannot rollback" not in r.stderr
        assert details < 120, "stopped at once, not after fetching everything"
        kept = query(staging, "SELECT count(*) FROM stg_awards")[0][0]
        assert 0 < kept < 120  # what was committed before the disk filled is kept
        subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)  # space freed
        again = crawl(api.base, staging, STAGING_BATCH_SIZE="20", USASPENDING_PAGE_SIZE="50")
    assert again.returncode == 0, again.stderr
    assert stored_awards(staging) == {a.gid for a in awards}
    statuses = [x[0] for x in runs_of(staging)]
    assert statuses[-1] == "ok" and statuses[0] in ("failed", "aborted")


def test_a_run_that_did_not_finish_is_never_reported_as_success(tmp_path, monkeypatch):
    """The CLI's verdict on a run left `running` (e.g. its end could not be recorded): exit 1, not 0."""
    import typer

    from registry.cli import report_crawl
    from registry.crawl import CrawlResult

    with pytest.raises(typer.Exit) as e:
        report_crawl(CrawlResult("usaspending-x", "running", 10, 5, 5, 0, 0, Path("s.duckdb")))
    assert e.value.exit_code == 1
