"""Every public column says what it means: a reader of the Methods page or docs/views.md never meets a dash.

Why a test over the built registry rather than over the declarations: the glossary shows what the registry says
about itself (its COMMENT ON text), so a view or column added without a description is caught here whichever
file it was declared in (a source's schema.yaml, the build's SQL, or build.py for registry_meta).
"""

from __future__ import annotations

from registry.glossary import glossary_rows


def test_every_public_view_and_column_of_the_sample_registry_has_a_meaning(sample_readonly):
    rows = glossary_rows(sample_readonly)
    views = {view for view, *_ in rows}
    assert {"awards", "transactions", "subawards", "rejects", "crawl_runs", "registry_meta"} <= views
    undescribed_views = sorted({view for view, about, *_ in rows if not (about or "").strip()})
    undescribed_columns = [f"{view}.{column}" for view, _, column, _, meaning in rows if not (meaning or "").strip()]
    assert undescribed_views == [], f"views without a description: {undescribed_views}"
    assert undescribed_columns == [], f"{len(undescribed_columns)} columns without a meaning: {undescribed_columns}"
