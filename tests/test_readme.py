"""The README is the interface a journalist reads first: the two commands first, then every public view and
every command documented. Checked against the real registry and CLI, so a new view or command without
documentation fails here."""

from __future__ import annotations

import duckdb
import typer.main

from registry.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_comes_first():
    first_section = README.split("\n## ", 2)[1]
    assert first_section.startswith("Quick start")
    assert "make run" in first_section and "make test" in first_section


def test_every_public_view_is_documented(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    views = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' ORDER BY 1").fetchall()]
    con.close()
    assert len(views) >= 10
    missing = [v for v in views if f"`{v}`" not in README]
    assert missing == []


def test_every_command_is_documented():
    group = typer.main.get_command(app)
    names = []
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        names += [f"registry {name} {s}" for s in subs] if subs else [f"registry {name}"]
    missing = [n for n in names if n not in README]
    assert missing == []
