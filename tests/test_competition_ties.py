"""Two not-competed modifications signed the same day: the award's "first sole-source modification" and its basis
are the same ones on every build, and the basis is that modification's own.

Why: a reporter quotes "first made sole-source by modification P00001 (urgency)". Ordered by date alone, a tie
let each build pick either row, and the modification and the basis could come from different rows.
"""

from __future__ import annotations

import duckdb

from registry.core import store
from tests.model_support import build_only

AWARD = "CONT_AWD_TIE0000001_7012_-NONE-_-NONE-"
ROWS = [  # (modification, transaction number, other-than-full-and-open code)
    ("P00002", 2, "URG"),
    ("P00001", 1, "ONE"),
]


def _build(tmp_path, rows) -> tuple[str, str]:
    """The two rows alone in a new staging store, built as far as the competition step's own table
    (t_award_competition, which the `competition` view passes through column for column)."""
    staging = tmp_path / "staging.duckdb"
    con = store.connect(staging)
    try:
        for mod, number, code in rows:  # inserted in this order: the staging row order is what a tie fell back on
            con.execute(
                "INSERT INTO stg_transactions (award_key, modification_number, transaction_number, action_date, "
                "federal_action_obligation, piid, extent_competed, other_than_full_and_open, source, source_url, "
                "fetched_at, payload_sha256) VALUES (?, ?, ?, DATE '2025-04-11', 1000, 'TIE0000001', 'C', ?, "
                "'usaspending', 'https://api.usaspending.gov/test', now(), md5(?))",
                [AWARD, mod, number, code, mod])
    finally:
        con.close()
    out = build_only(staging, tmp_path / "registry.duckdb", {"t_award_competition"})
    con = duckdb.connect(str(out), read_only=True)
    try:
        return con.execute("SELECT first_sole_source_modification, first_sole_source_basis "
                           "FROM t_award_competition WHERE award_key = ?", [AWARD]).fetchone()
    finally:
        con.close()


def test_a_tie_on_the_date_gives_the_same_first_modification_and_its_own_basis(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = _build(tmp_path / "a", ROWS)
    other = _build(tmp_path / "b", ROWS[::-1])
    assert one == other
    assert one[0] == "P00001"
    assert "only one source" in one[1].lower(), one[1]  # P00001's ONE, never P00002's urgency
