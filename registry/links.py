"""Build step: the `links` view, the union of every t_links_* table a build step writes.

Why discovered, not listed: the union was a hand-kept list in registry/sql/920_links_views.sql, so a new source
whose build step writes t_links_<x> had to edit that shared file as well as its own folder (found adding
spiders/ai_cots). Now the build order says which steps write a t_links_* table (READS = t_links_*), and each
link's `link_source` is the name of the step that wrote it: the source folder for spiders/<source>/build.py,
the module name for a registry step (systems).
"""

from __future__ import annotations

from registry import build_order
from registry.core.steps import describe, table_exists

# What this build step reads and writes: registry/build_order.py sorts the steps by them ('*': every prefix match).
READS = ("t_links_*",)
WRITES = ("links",)

LINK_PREFIX = "t_links_"
ABOUT = ("Every cross-source link: which record points at which, how the link was made (method), the text or key "
         "that matched (evidence) and a confidence (1.0 = same identifier; lower = name or text match).")
COLUMNS = {
    "from_kind": "Kind of the linking record: sam_notice, fpds_action, lobbying_filing, ai_use_case, privacy_notice, "
                 "system, ai_cots (an agency's COTS AI answer).",
    "from_id": "Id of the linking record in its view (see to_id for the id forms).",
    "to_kind": "Kind of the linked record: award, transaction, vendor, agency, ai_use_case, privacy_notice.",
    "to_id": "Id of the linked record: award_key; award_key|modification_number|transaction_number for a "
             "transaction; vendor_id; agency_id; inventory_year:use_case_id; Federal Register document number.",
    "method": "Rule that made the link (e.g. award_number, piid, vendor_name_exact, sorn_identifier, "
              "curated_modification).",
    "evidence": "What matched, in words: the identifiers or names compared and where they were found.",
    "confidence": "Confidence of the link, 0-1: 1.0 for equal identifiers or curated facts, lower for name and text "
                  "matches.",
}


def step_label(step_id: str) -> str:
    """'py:spiders.fpds.build:build' -> 'fpds'; 'py:registry.systems:build' -> 'systems'; 'sql:930_x.sql' -> '930_x'."""
    kind, _, target = step_id.partition(":")
    if kind == "sql":
        return target.removesuffix(".sql")
    parts = target.split(":", 1)[0].split(".")
    if parts[0] == "spiders" and len(parts) >= 3:
        return parts[1]
    return parts[-1]


def link_tables() -> list[tuple[str, str]]:
    """(t_links_* table, link_source) for every such table a build step writes, in build order."""
    return [(name, step_label(step.id)) for step in build_order.ordered()
            for name in sorted(step.writes) if name.startswith(LINK_PREFIX)]


def build(ctx) -> None:
    """CREATE VIEW links as the union of the link tables, and describe it."""
    con = ctx.con
    tables = [(t, label) for t, label in link_tables() if table_exists(con, t)]
    if not tables:
        raise ValueError("no t_links_* table was built: the links view would have nothing to say")
    columns = "from_kind, from_id, to_kind, to_id, method, evidence, confidence"
    # Table names and labels come from the build's own declarations, never from data.
    selects = [f"SELECT {columns}, '{label}' AS link_source FROM {table}" for table, label in tables]  # noqa: S608
    con.execute("CREATE VIEW links AS\n" + "\nUNION ALL ".join(selects))
    labels = ", ".join(label for _, label in tables)
    describe(con, "links", ABOUT, {**COLUMNS, "link_source": f"Build step that made the link ({labels})."})
