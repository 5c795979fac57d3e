"""The move to one folder per source changed no public record: the sample built by the code before the move
(commit PRE_MOVE) and by the code at the end of the move (commit MOVE_DONE), each run with its own code from git,
has the same public views, row for row. Why not the code now: later work changed the model on purpose (issue 16's
tiers and roles change award_capabilities and every total), which this test must not mistake for the move.

Why EXCEPT ALL both ways: it compares rows as multisets (duplicates count), in every column, whatever the
order. Four columns record when the two builds ran (fetched_at, and crawl_runs' run_id, started_at,
finished_at: two builds of the same code differ there), so they are compared by their NULL counts only.
The move gave each source one name: SAM's and FPDS's source columns ('sam_opportunities', 'fpds_atom') now
say 'sam' and 'fpds'; the old build's values are mapped before comparing. Without git history the test fails, it never skips.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT

PRE_MOVE = "2d55728"
MOVE_DONE = "f224f6c"  # the last commit of the one-folder-per-source move (issue 15)
RUN_TIME_COLUMNS = {"fetched_at", "run_id", "started_at", "finished_at"}
RENAMED_VALUES = {"sam_opportunities": "sam", "fpds_atom": "fpds"}

BUILD = """
import sys
from pathlib import Path
import registry.build
from registry import build, sample
assert Path(registry.build.__file__).resolve().is_relative_to(Path.cwd().resolve()), registry.build.__file__
out = Path(sys.argv[1])
staging = sample.load_sample(staging=out.with_name("staging.duckdb"))
build.build(staging, out, is_sample=True, meta={"sample_description": sample.describe()})
"""


def _start_build(commit: str, d: Path) -> tuple[subprocess.Popen, Path]:
    """Start building the sample registry as `commit` builds it, with that commit's own code (git archive)."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, timeout=60)
    if archive.returncode != 0:
        pytest.fail(f"cannot read commit {commit} from git history ({archive.stderr.decode().strip()}): this "
                    "test needs the repository's history (a full clone, not a shallow one or an export)")
    src = d / "src"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(src, filter="data")
    out = d / "registry.duckdb"
    env = {k: v for k, v in os.environ.items() if k not in {"REGISTRY_PATH", "STAGING_PATH"}}
    with open(d / "stderr.txt", "w", encoding="utf-8") as err:  # a file, not a pipe: nothing waits on a reader
        proc = subprocess.Popen([sys.executable, "-c", BUILD, str(out)], cwd=src, stdout=subprocess.DEVNULL,
                                stderr=err, env={**env, "PYTHONPATH": str(src)})
    return proc, out


@pytest.fixture(scope="module")
def registries(tmp_path_factory) -> tuple[Path, Path]:
    """(PRE_MOVE's registry, MOVE_DONE's registry), the two builds run side by side: each is its own process
    and its own files, so neither waits for the other."""
    started = [_start_build(c, tmp_path_factory.mktemp(n)) for c, n in ((PRE_MOVE, "pre_move"),
                                                                       (MOVE_DONE, "move_done"))]
    try:
        for proc, out in started:
            assert proc.wait(timeout=300) == 0, (out.parent / "stderr.txt").read_text(encoding="utf-8")[-3000:]
    finally:
        for proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return started[0][1], started[1][1]


@pytest.fixture(scope="module")
def pre_move_registry(registries) -> Path:
    return registries[0]


@pytest.fixture(scope="module")
def moved_registry(registries) -> Path:
    return registries[1]


def _views(con, db: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main' "
        "AND table_type = 'VIEW' ORDER BY 1", [db]).fetchall()]


def _select(con, db: str, view: str, rename: bool) -> str:
    cols = []
    for name, kind, *_ in con.execute(f'DESCRIBE {db}."{view}"').fetchall():
        q = f'"{name}"'
        if name in RUN_TIME_COLUMNS:
            cols.append(f"{q} IS NULL AS {q}")
        elif rename and kind == "VARCHAR":
            cases = " ".join(f"WHEN {q} = '{old}' THEN '{new}'" for old, new in RENAMED_VALUES.items())
            cols.append(f"CASE {cases} ELSE {q} END AS {q}")
        else:
            cols.append(q)
    return f'SELECT {", ".join(cols)} FROM {db}."{view}"'


def test_every_public_view_is_the_same_before_and_after_the_move(pre_move_registry, moved_registry):
    con = duckdb.connect()
    con.execute("ATTACH ? AS before (READ_ONLY)", [str(pre_move_registry)])
    con.execute("ATTACH ? AS after (READ_ONLY)", [str(moved_registry)])
    views = _views(con, "after")
    assert views == _views(con, "before")
    assert len(views) >= 30
    differ = {}
    for view in views:
        before, after = _select(con, "before", view, rename=True), _select(con, "after", view, rename=False)
        lost = con.execute(f"SELECT count(*) FROM ({before} EXCEPT ALL {after})").fetchone()[0]
        gained = con.execute(f"SELECT count(*) FROM ({after} EXCEPT ALL {before})").fetchone()[0]
        if lost or gained:
            differ[view] = (lost, gained)
    assert differ == {}
    # the comparison compared something: the sample's awards and transactions are there on both sides
    assert con.execute("SELECT count(*) FROM after.awards").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM after.transactions").fetchone()[0] > 0


def _comments(path: Path, rename: bool) -> set[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' UNION ALL SELECT view_name, NULL, comment FROM duckdb_views() "
            "WHERE database_name = current_database() AND schema_name = 'main'").fetchall()
    finally:
        con.close()
    if rename:
        for old, new in RENAMED_VALUES.items():
            rows = [(t, c, None if text is None else text.replace(f"({old})", f"({new})")) for t, c, text in rows]
    return set(rows)


def test_every_view_and_column_comment_is_the_same(pre_move_registry, moved_registry):
    """The descriptions now come from each source's schema.yaml; they say exactly what the code said before."""
    before, after = _comments(pre_move_registry, rename=True), _comments(moved_registry, rename=False)
    assert before - after == set() and after - before == set()
    assert sum(1 for _, _, text in after if text) > 500
