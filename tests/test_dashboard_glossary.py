"""The Methods page's column glossary says, for every public view, what the registry's declarations say.

What a reader checks: the view list is the registry's public views; a source's view (declared in its
spiders/<source>/schema.yaml) shows every column it has, in order, each with the meaning written there; a
core view shows the registry's own COMMENT ON text (a dash where it has none). Nothing on the page is a copy typed by hand.
"""

from __future__ import annotations

import duckdb
import pytest

from dashboard.format import md_text
from registry.core.steps import view_schema
from registry.glossary import glossary_rows
from tests.dashboard_support import tables
from tests.test_dashboard_pages import open_page


@pytest.fixture()
def registry(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    return sample_registry


def glossary_frame(at):
    return next(d for d in tables(at).values() if list(d.columns) == ["column", "type", "meaning"])


def test_glossary_lists_each_declared_column_with_its_declared_meaning(registry):
    con = duckdb.connect(str(registry), read_only=True)
    try:
        public = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                            "AND schema_name = 'main'").fetchall()}
        lda_columns = [r[0] for r in con.execute("DESCRIBE lobbying_filings").fetchall()]
        award_comments = {c: m for v, _, c, _, m in glossary_rows(con) if v == "awards"}
    finally:
        con.close()
    at = open_page("methods", section="Column glossary")  # its tab, as a shared link opens it
    picker = next(s for s in at.selectbox if s.key == "methods-glossary-view")
    assert set(picker.options) == public | {"registry_meta"}
    assert picker.value == "awards"
    shown = glossary_frame(at)
    # as the registry says it: a column the build left undescribed is shown as a dash, never given a made-up text
    assert dict(zip(shown["column"], shown["meaning"], strict=True)) == {c: m or "—" for c, m in award_comments.items()}

    picker.select("lobbying_filings").run()
    assert not at.exception, [e.value for e in at.exception]
    about, declared = view_schema("lda", "lobbying_filings")  # spiders/lda/schema.yaml, as written
    shown = glossary_frame(at)
    assert list(shown["column"]) == lda_columns
    assert dict(zip(shown["column"], shown["meaning"], strict=True)) == declared
    text = "\n".join(m.value for m in at.markdown)
    assert md_text(about) in text  # the view's own description, as declared (made inert for markdown)
