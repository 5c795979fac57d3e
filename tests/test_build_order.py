"""The build orders itself: every step declares what it reads and writes, and the runner sorts them.

What a contributor checks: a new step lands in a working order without editing a list; a step that reads what
no step writes, or steps that need each other, fail before anything runs, with the names; and every step
really writes what it declares (the sample registry holds each declared name).
"""

from __future__ import annotations

import duckdb
import pytest

from registry import build_order
from registry.build_order import BuildOrderError, Step, order


def step(id_: str, reads=(), writes=(), updates=()) -> Step:
    return Step(id_, frozenset(reads), frozenset(writes), frozenset(updates))


def test_writers_run_before_updaters_and_updaters_before_readers():
    steps = [step("py:z_reader", reads={"t"}), step("py:m_updater", updates={"t"}),
             step("sql:a_writer", writes={"t"})]
    assert [s.id for s in order(steps)] == ["sql:a_writer", "py:m_updater", "py:z_reader"]


def test_a_missing_input_is_one_clear_error():
    with pytest.raises(BuildOrderError, match=r"py:reader reads 'nowhere', which no step writes"):
        order([step("py:reader", reads={"nowhere"}), step("sql:base", writes={"t"})])


def test_a_cycle_is_one_clear_error_naming_the_steps():
    steps = [step("py:a", reads={"b_out"}, writes={"a_out"}), step("py:b", reads={"a_out"}, writes={"b_out"}),
             step("sql:base", writes={"t"})]
    with pytest.raises(BuildOrderError, match=r"cycle: py:a -> py:b -> py:a"):
        order(steps)


def test_two_writers_of_one_name_are_an_error():
    with pytest.raises(BuildOrderError, match="written by two steps"):
        order([step("py:a", writes={"t"}), step("py:b", writes={"t"})])


def test_staging_names_are_inputs_of_the_build():
    assert [s.id for s in order([step("sql:base", reads={"stg.stg_awards"}, writes={"t"})])] == ["sql:base"]


def test_a_prefix_read_runs_after_every_writer_of_a_matching_name():
    steps = [step("py:a_union", reads={"t_links_*"}, writes={"links"}), step("py:z_src", writes={"t_links_z"}),
             step("py:y_src", writes={"t_links_y", "other"}), step("py:b_unrelated", writes={"t_other"})]
    ids = [s.id for s in order(steps)]
    assert ids.index("py:a_union") > max(ids.index("py:z_src"), ids.index("py:y_src"))
    assert ids.index("py:b_unrelated") < ids.index("py:a_union")  # id order where nothing is declared between them
    assert [s.id for s in order([step("py:a_union", reads={"t_links_*"}, writes={"links"})])] == ["py:a_union"]


def test_the_real_steps_sort_and_every_source_build_is_one_of_them():
    ids = [s.id for s in build_order.ordered()]
    assert ids[0] == "sql:100_base.sql"
    for source in ("fpds", "sam", "lda", "ai_inventory", "federal_register"):
        assert f"py:spiders.{source}.build:build" in ids
    # what the old hand-kept list said in comments, now a consequence of the declarations
    assert ids.index("py:spiders.fpds.build:build") < ids.index("py:registry.model.competition:build")
    assert ids.index("py:registry.model.watchlist:build") < ids.index("py:registry.model.capabilities:build")
    assert ids.index("py:registry.systems:build") > ids.index("sql:910_model_views.sql")
    # the links union comes after every step that writes a t_links_* table, a new source's included
    writers = [s.id for s in build_order.ordered() if any(n.startswith("t_links_") for n in s.writes)]
    assert "py:spiders.ai_cots.build:build" in writers and len(writers) >= 7
    assert all(ids.index(w) < ids.index("py:registry.links:build") for w in writers)


def test_every_declared_name_is_in_the_built_sample(sample_registry):
    """The declarations are honest: each step's writes exist in the registry the sorted order built."""
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
            "UNION SELECT function_name FROM duckdb_functions() WHERE database_name = current_database() "
            "AND function_type IN ('macro', 'table_macro')").fetchall()}
        ran = [r[0] for r in con.execute("SELECT step FROM schema_version").fetchall()]
    finally:
        con.close()
    steps = build_order.ordered()
    # transactions_between is dropped again by the materialize step once `transactions` is stored
    missing = {s.id: sorted(n for n in s.writes - present if n != "transactions_between") for s in steps}
    assert {k: v for k, v in missing.items() if v} == {}
    assert ran == [s.id.split(":", 1)[1] for s in steps]  # the build ran exactly the sorted order


def test_a_step_without_declarations_is_an_error_not_a_gap(tmp_path):
    module = tmp_path / "new_step.py"
    module.write_text("def build(ctx):\n    ctx.con.execute('CREATE TABLE t_new AS SELECT 1 AS x')\n")
    with pytest.raises(BuildOrderError, match="declares no WRITES"):
        build_order._declared(module)
    module.write_text("READS = ('t_awards',)\nWRITES = ('t_new',)\n\n\ndef build(ctx):\n    pass\n")
    assert build_order._declared(module) == {"READS": {"t_awards"}, "WRITES": {"t_new"}}
