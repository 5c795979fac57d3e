"""`registry merge`: workers' staging stores into one. Any order gives the same store, merging twice changes
nothing, the newest non-null value wins, and no reject is lost to a colliding id."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from registry import merge
from registry.core import store
from registry.loaders import search_csv
from tests.conftest import ROOT, invoke_cli, run_cli

SAMPLE = ROOT / "data" / "sample" / "cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"
TABLES = ("stg_awards", "stg_transactions", "rejects", "crawl_runs")


def _write(rows: list[dict], header: list[str], path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def workers(tmp_path_factory) -> tuple[Path, Path, str]:
    """Two workers' stores from halves of the sample that overlap; the later one renames one recipient and
    each has one malformed row (so both number a reject 1)."""
    d = tmp_path_factory.mktemp("workers")
    with open(SAMPLE, encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    a_rows, b_rows = rows[: 1200], rows[900:]
    overlap = b_rows[0]["Generated Award ID"]
    b_rows = [dict(r, **{"Recipient Name": "RENAMED BY THE LATER WORKER"}) if r["Generated Award ID"] == overlap
              else r for r in b_rows]
    bad = dict(rows[0], **{"Federal Action Obligation": "not a number"})
    stores = []
    for name, part in (("a", a_rows + [bad]), ("b", b_rows + [dict(bad, **{"Modification": "X9"})])):
        path = store.remove(d / f"{name}.duckdb")
        con = store.connect(path)
        search_csv.load(con, _write(part, header, d / f"{name}.csv"))
        con.close()
        stores.append(path)
    return stores[0], stores[1], overlap


def _same(x: Path, y: Path) -> None:
    con = duckdb.connect()
    con.execute("ATTACH ? AS x (READ_ONLY)", [str(x)])
    con.execute("ATTACH ? AS y (READ_ONLY)", [str(y)])
    for t in TABLES:
        for p, q in (("x", "y"), ("y", "x")):
            n = con.execute(f"SELECT count(*) FROM (SELECT * FROM {p}.{t} EXCEPT ALL SELECT * FROM {q}.{t})"
                            ).fetchone()[0]
            assert n == 0, f"{t}: {n} rows of {p} not in {q}"
    con.close()


@pytest.fixture(scope="module")
def merged(workers, tmp_path_factory) -> tuple[Path, Path]:
    """The two stores merged in both orders (a then b, b then a); tests only read them."""
    a, b, _ = workers
    d = tmp_path_factory.mktemp("merged")
    return merge.merge(d / "ab.duckdb", [a, b]).out, merge.merge(d / "ba.duckdb", [b, a]).out


def test_any_order_gives_the_same_store_and_merging_twice_changes_nothing(workers, merged, tmp_path):
    a, b, _ = workers
    ab, ba = merged
    _same(ab, ba)
    again = tmp_path / "again.duckdb"
    again.write_bytes(ab.read_bytes())
    merge.merge(again, [a, b])  # the output is an input too: nothing new to add
    _same(ab, again)


def test_no_reject_is_lost_and_every_run_is_kept(workers, tmp_path):
    a, b, _ = workers
    out = tmp_path / "m.duckdb"
    result = run_cli("merge", str(out), str(a), str(b))
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(out))
    counts = {}
    for p in (a, b):
        c = duckdb.connect(str(p), read_only=True)
        counts[p] = c.execute("SELECT count(*), max(reject_id) FROM rejects").fetchone()
        c.close()
    assert all(mx == 1 for _, mx in counts.values()), "both workers numbered their reject 1"
    assert con.execute("SELECT count(*), count(DISTINCT reject_id) FROM rejects").fetchone() == (2, 2)
    assert con.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 2
    store.insert_rejects(con, [{"source": "test", "reason": "a later crawl's reject", "raw_payload": "{}"}])
    assert con.execute("SELECT max(reject_id) FROM rejects").fetchone()[0] == 3
    con.close()


def test_newest_non_null_value_wins(workers, merged):
    """Rows both workers stored take the later worker's recipient name; rows only the earlier one saw keep theirs
    (whichever order the stores are given in: b then a here)."""
    a, b, overlap = workers
    out = merged[1]
    con = duckdb.connect(str(out), read_only=True)
    con.execute("ATTACH ? AS a (READ_ONLY)", [str(a)])
    con.execute("ATTACH ? AS b (READ_ONLY)", [str(b)])
    both = con.execute(
        "SELECT m.recipient_name, count(*) FROM stg_transactions m "
        "JOIN a.stg_transactions USING (award_key, modification_number, transaction_number) "
        "JOIN b.stg_transactions USING (award_key, modification_number, transaction_number) "
        "WHERE m.award_key = ? GROUP BY 1", [overlap]).fetchall()
    only_a = con.execute(
        "SELECT DISTINCT m.recipient_name FROM stg_transactions m "
        "JOIN a.stg_transactions x USING (award_key, modification_number, transaction_number) "
        "ANTI JOIN b.stg_transactions y USING (award_key, modification_number, transaction_number) "
        "WHERE m.award_key = ?", [overlap]).fetchall()
    con.close()
    assert [name for name, _ in both] == ["RENAMED BY THE LATER WORKER"]
    assert only_a and "RENAMED BY THE LATER WORKER" not in {n for (n,) in only_a}


def test_a_missing_store_is_one_clear_error(tmp_path):
    result = invoke_cli("merge", str(tmp_path / "out.duckdb"), str(tmp_path / "nope.duckdb"))
    assert result.returncode == 2 and "no staging store at" in result.stderr
    assert not (tmp_path / "out.duckdb").exists()
