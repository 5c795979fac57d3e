"""The generated reference pages are current: docs/cli.md equals what the `registry` app's own help renders now,
and docs/views.md equals what a fresh sample build's views and `COMMENT ON` descriptions render. A new command,
option, view or column description without regenerated docs fails here, with the one command that fixes it."""

from __future__ import annotations

import difflib

import duckdb

from registry import docs

FIX = f"stale: run `{docs.REGENERATE}` and commit docs/cli.md and docs/views.md"


def _diff(committed: str, current: str, name: str) -> str:
    lines = difflib.unified_diff(committed.splitlines(), current.splitlines(), f"committed {name}",
                                 f"generated {name}", lineterm="", n=1)
    return "\n".join(list(lines)[:40])


def test_cli_reference_is_current():
    current = docs.cli_markdown()
    committed = docs.CLI_DOC.read_text(encoding="utf-8")
    assert committed == current, f"docs/cli.md is {FIX}\n{_diff(committed, current, 'docs/cli.md')}"


def test_cli_reference_covers_every_command_and_visible_option():
    """What the page renders is the app itself: every command and every option a user can pass is on it."""
    import typer._click as tclick
    import typer.main

    from registry.cli import app

    text = docs.cli_markdown()
    for name, cmd in docs._walk(typer.main.get_command(app), "registry"):
        assert f"\n## {name}\n" in text, name
        for p in cmd.get_params(tclick.Context(cmd, info_name=name)):
            if p.param_type_name == "option" and not p.hidden and p.name != "help":
                section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
                assert f"`{p.opts[0]}`" in section, f"{name} {p.opts[0]}"


def test_views_reference_is_current(sample_registry):
    current = docs.views_markdown(sample_registry)
    committed = docs.VIEWS_DOC.read_text(encoding="utf-8")
    assert committed == current, f"docs/views.md is {FIX}\n{_diff(committed, current, 'docs/views.md')}"


def test_views_reference_lists_every_view_and_column(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        cols = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN "
                           "(SELECT view_name FROM duckdb_views() WHERE NOT internal)").fetchall()
    finally:
        con.close()
    text = docs.VIEWS_DOC.read_text(encoding="utf-8")
    assert len({t for t, _ in cols}) >= 20
    missing = [f"{t}.{c}" for t, c in cols
               if f"`{c}`" not in text.split(f"\n## `{t}`\n", 1)[-1].split("\n## ", 1)[0]]
    assert missing == []
