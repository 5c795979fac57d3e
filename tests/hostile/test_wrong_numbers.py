"""Wrong numbers and foreign records (issue 19): an amount is stored exactly as the source wrote it or rejected,
and a record from another host never enters the registry (nor does a key leave for one)."""

from __future__ import annotations

from decimal import Decimal

from registry.core import store
from registry.loaders import search_csv
from tests.hostile import forkserver
from tests.hostile.common import crawl, query, rejects_of, runs_of, stored_awards
from tests.hostile.server import EVIL, Hostile, HostileUsaspending, RedirectElsewhere, awards_with


def test_amounts_the_parser_cannot_read_exactly_are_rejects_on_the_api_route(tmp_path):
    def odd_amounts(awards):
        awards[0].transactions[0]["federal_action_obligation"] = "1.000,50"      # a European decimal comma
        awards[1].transactions[0]["federal_action_obligation"] = Decimal("1.005")  # beyond the cent
        awards[2].transactions[0]["federal_action_obligation"] = "$1,234.50"     # fine: US text

    awards = awards_with(5, seed=51, mods=2, change=odd_amounts)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards) as api:
        r = crawl(api.base, staging)
    reasons = sorted(x[1] for x in rejects_of(staging))
    assert reasons == ["federal_action_obligation: 1.005 has digits beyond the cent (stored amounts are exact, "
                       "never rounded)", "federal_action_obligation: not a number: '1.000,50'"], reasons
    amounts = {r[0] for r in query(staging, "SELECT federal_action_obligation FROM stg_transactions")}
    assert Decimal("1234.50") in amounts and Decimal("1.00") not in amounts and Decimal("1.01") not in amounts
    assert runs_of(staging)[0][:2] == ("ok", 5 + 10) and r.returncode == 0


def test_the_csv_route_applies_the_same_rule(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text("Award ID,Recipient Name,Federal Action Obligation,Action Date,Modification,Generated Award ID\n"
                 "70X1,ACME,1.005,2025-01-02,0,CONT_AWD_70X1_7012_-NONE-_-NONE-\n"
                 'X2,ACME,"1.000,50",2025-01-02,0,CONT_AWD_X2_7012_-NONE-_-NONE-\n'
                 "X3,ACME,12345678901234567,2025-01-02,0,CONT_AWD_X3_7012_-NONE-_-NONE-\n"
                 "X4,ACME,\"$1,234.50\",2025-01-02,0,CONT_AWD_X4_7012_-NONE-_-NONE-\n")
    con = store.connect(tmp_path / "staging.duckdb")
    try:
        result = search_csv.load(con, f)
        stored = con.execute("SELECT award_key, federal_action_obligation FROM stg_transactions").fetchall()
        reasons = [r[0] for r in con.execute("SELECT reason FROM rejects ORDER BY raw_payload").fetchall()]
    finally:
        con.close()
    assert result == {"fetched": 4, "loaded": 1, "rejected": 3, "duplicates_in_file": 0}
    assert stored == [("CONT_AWD_X4_7012_-NONE-_-NONE-", Decimal("1234.50"))]
    assert reasons == ["Federal Action Obligation: not a number"] * 3


def test_a_redirect_to_another_host_stores_nothing_from_it(tmp_path):
    awards = awards_with(10, seed=52, mods=1)
    hijacked = awards[4].gid
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(redirect_foreign={hijacked})) as api:
        r = crawl(api.base, staging)
        foreign = list(api.foreign_hits)
    assert foreign == []  # the other host was never even asked
    assert EVIL["generated_unique_award_id"] not in stored_awards(staging)
    assert stored_awards(staging) == {a.gid for a in awards} - {hijacked}
    (reason,) = [x[1] for x in rejects_of(staging)]
    assert "redirect from 127.0.0.1 to another host localhost refused" in reason and r.returncode == 3


def test_a_redirect_to_an_allowed_host_is_followed(tmp_path):
    awards = awards_with(3, seed=53, mods=1)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(redirect_foreign={awards[0].gid})) as api:
        crawl(api.base, staging, REDIRECT_ALLOWED_HOSTS="localhost")
        assert len(api.foreign_hits) == 1  # documented opt-in: the allow-list lets it through


def test_the_sam_key_never_follows_a_redirect_to_another_host(tmp_path):
    key = "sam-SECRET-hostile-redirect-0001"
    for allowed in ("", "localhost"):  # refused by default; followed when allowed, but without the key
        with RedirectElsewhere() as server:
            api = f"http://127.0.0.1:{server.port}/prod/opportunities/v2/search"
            forkserver.run(  # `scrapy crawl sam` in this project, forked from a warm interpreter
                "crawl", "sam", "-a", "since=2025-01-01", "-a", "until=2025-01-31", "-s", f"SAM_API_URL={api}",
                "-s", f"REDIRECT_ALLOWED_HOSTS={allowed}", "-s", f"STAGING_PATH={tmp_path / f's{allowed}.duckdb'}",
                "-s", "RETRY_TIMES=0", "-s", "AUTOTHROTTLE_ENABLED=False", prog="scrapy", timeout=60, env={"SAM_API_KEY": key})
            requests = list(server.requests)
        home = [q for h, _, q in requests if h == "127.0.0.1"]
        other = [q for h, _, q in requests if h == "localhost"]
        assert home and all(q.get("api_key") == key for q in home)  # the key was used, on its own host
        assert all("api_key" not in q for q in other), other
        assert bool(other) == bool(allowed), requests
