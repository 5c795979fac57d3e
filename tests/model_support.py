"""Test support for the model: a registry built from the real ICE award-summary download.

Why here: the bundled sample holds transaction rows only (no UEIs, parents, offices or competition
codes). The real USAspending award-summary download in ../shared/data (1,369 ICE awards to Minnesota
recipients, all 286 columns) has them, so the model's UEI, parent, office and competition paths are
tested on real records. This is a minimal mapping of that file into stg_awards for tests, not a
loader for users (the bulk loader is registry.loaders' job).
"""

from __future__ import annotations

from pathlib import Path

from registry import build
from registry.core import paths, store

MN_FILE = "usaspending_download_ice_mn/Contracts_PrimeAwardSummaries_ICE_recipients_in_MN_2025-03-21.csv"


def load_award_summary(con, path: Path, *, competition_as_text: bool = False) -> int:
    """Map the award-summary CSV into stg_awards; competition fields as codes (or descriptions)."""
    comp = {
        "extent_competed": "extent_competed",
        "other_than_full_and_open": "other_than_full_and_open_competition",
        "fair_opportunity_limited_sources": "fair_opportunity_limited_sources",
        "solicitation_procedures": "solicitation_procedures",
    }
    comp_sql = ",\n".join(
        f'nullif("{src if competition_as_text else src + "_code"}", \'NAN\') AS {dst}' for dst, src in comp.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _mn AS
        SELECT contract_award_unique_key AS award_key, award_id_piid AS piid, parent_award_id_piid AS parent_piid,
               'contract' AS category, award_type_code AS award_type, award_type AS award_type_description,
               recipient_name, recipient_uei, recipient_parent_name, recipient_parent_uei,
               recipient_city_name AS recipient_city, recipient_state_code AS recipient_state,
               recipient_country_name AS recipient_country,
               awarding_agency_name AS awarding_agency, awarding_agency_code,
               awarding_sub_agency_name AS awarding_subagency, awarding_sub_agency_code AS awarding_subagency_code,
               awarding_office_name AS awarding_office, awarding_office_code,
               funding_agency_name AS funding_agency, funding_sub_agency_name AS funding_subagency,
               funding_office_name AS funding_office,
               prime_award_base_transaction_description AS description,
               product_or_service_code AS psc_code, product_or_service_code_description AS psc_description,
               naics_code, naics_description,
               try_strptime(award_base_action_date, '%m/%d/%y')::DATE AS date_signed,
               TRY_CAST(total_obligated_amount AS DECIMAL(18,2)) AS total_obligation,
               TRY_CAST(potential_total_value_of_award AS DECIMAL(18,2)) AS base_and_all_options,
               {comp_sql},
               TRY_CAST(number_of_offers_received AS INTEGER) AS number_of_offers,
               usaspending_permalink AS usaspending_url,
               'test_award_summary_csv' AS source, usaspending_permalink AS source_url, now() AS fetched_at,
               sha256(contract_award_unique_key) AS payload_sha256
        FROM read_csv(?, all_varchar = true, header = true)
        """,  # noqa: S608 - column names are ours
        [str(path)],
    )
    n = store.merge_relation(con, "stg_awards", "_mn")
    con.execute("DROP TABLE _mn")
    return n


def build_registry(tmp: Path, shared_data: Path, *, with_sample: bool = True,
                   competition_as_text: bool = False, extra=None, only: set[str] | None = None) -> Path:
    """Staging = bundled sample (optional) + the real award-summary download; returns the registry path
    (with `only`, a registry of those tables alone: build_only)."""
    from registry import sample

    staging = tmp / "staging.duckdb"
    if with_sample:
        sample.load_sample(staging=staging)
    con = store.connect(staging)
    try:
        load_award_summary(con, shared_data / MN_FILE, competition_as_text=competition_as_text)
        if extra:
            extra(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    out = tmp / "registry.duckdb"
    if only:
        return build_only(staging, out, only)
    build.build(staging, out, is_sample=True)
    return out


def build_only(staging: Path, out: Path, tables: set[str]) -> Path:
    """A registry holding `tables` and what they are made from: only the build steps that write or update them
    and, transitively, what those steps read, run in the build's own order by its own step runner.

    Why: a test of one model step on other input (e.g. competition fields given as descriptions) needs that
    step's tables, not the whole registry; the full build's other steps (capabilities, links, the stored views,
    the full-text index) cost seconds and are checked on the full builds."""
    import duckdb

    from registry import build_order

    chosen, needed = [], set(tables)
    for step in reversed(build_order.ordered()):
        if (step.writes | step.updates) & needed:
            chosen.append(step.id)
            needed |= {n for n in step.reads | step.updates if not n.startswith("stg.")}
    con = duckdb.connect(str(out))
    try:
        con.execute("ATTACH ? AS stg (READ_ONLY)", [str(staging)])
        con.execute("CREATE TABLE schema_version (step VARCHAR, kind VARCHAR, applied_at TIMESTAMPTZ)")
        ctx = build.BuildContext(con=con, data_dir=paths.DATA_DIR, is_sample=True, log=lambda _m: None)
        for step in reversed(chosen):
            build._run_step(ctx, step)  # the build's own runner: one transaction per step, as in a build
        con.execute("DETACH stg")
    finally:
        con.close()
    return out


AI_INVENTORY_DIR = "federal_ai_use_case_inventory"


def build_model_registry(tmp: Path, shared_data: Path) -> Path:
    """The sample + the real award-summary download + the real federal AI use-case inventories (2023-2025): what
    conftest.py's session-wide model_registry builds once for the vendor and AI-inventory tests."""
    from spiders.ai_inventory import build as ai_inventory

    return build_registry(tmp, shared_data, extra=lambda c: ai_inventory.load_paths(c, [shared_data / AI_INVENTORY_DIR]))


SAMPLE_CSV = "cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"


def sample_csv_path() -> Path:
    """The bundled sample's transaction file (real USAspending rows, see data/sample/README.md)."""
    from registry.core import paths

    return paths.SAMPLE_DIR / SAMPLE_CSV


def real_recipients():
    """Real recipients: the sample's names (no UEIs there) and the ICE/MN download's (with UEIs, parents).

    Columns as registry.model.vendors.resolve expects them; recipient_key as t_awards builds it.
    """
    import pandas as pd

    from tests.conftest import SHARED_DATA

    s = pd.read_csv(sample_csv_path(), dtype=str)
    sample = s.groupby("Recipient Name").size().reset_index(name="award_count")
    sample = sample.rename(columns={"Recipient Name": "recipient_name"}).assign(
        recipient_uei=None, parent_uei=None, parent_name=None)
    m = pd.read_csv(SHARED_DATA / MN_FILE, dtype=str)
    mn = (m.groupby(["recipient_name", "recipient_uei"], dropna=False)
          .agg(parent_uei=("recipient_parent_uei", "first"), parent_name=("recipient_parent_name", "first"),
               award_count=("contract_award_unique_key", "count"))
          .reset_index())
    both = pd.concat([sample, mn], ignore_index=True)
    both["recipient_key"] = [f"{(u or '').upper() if isinstance(u, str) else ''}|{n.upper()}"
                             for u, n in zip(both["recipient_uei"], both["recipient_name"], strict=True)]
    return both[["recipient_key", "recipient_name", "recipient_uei", "parent_uei", "parent_name", "award_count"]]


# Two reviewer decisions, recorded through the review writer (registry.model.annotations) as the dashboard's review
# page records them, and one rebuild of the sample with both (conftest.py's annotated_registry): the capability
# tests and the review tests check the same next build.
QUEUED_NOTE = "test: confirmed"
UNTAGGED_NOTE = "Reviewer test: Chainalysis Reactor named in the order"


def annotation_targets(sample_registry: Path) -> dict[str, tuple[str, str, str, str]]:
    """(award_key, capability, piid, citation) of each decision, chosen on the sample build: "queued" is the first
    undecided possible pair of the review queue, "untagged" is crypto_tracing on the first award the sample does not
    tag with it at any tier."""
    import duckdb

    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        key, cap, piid = con.execute("SELECT award_key, capability_id, piid FROM review_queue "
                                     "ORDER BY award_key, capability_id LIMIT 1").fetchone()
        untagged = con.execute(
            "SELECT award_key, 'crypto_tracing', piid, coalesce(usaspending_url, source_url) FROM awards "
            "WHERE award_key NOT IN (SELECT award_key FROM award_capabilities WHERE capability_id = 'crypto_tracing') "
            "ORDER BY award_key LIMIT 1").fetchone()
    finally:
        con.close()
    return {"queued": (key, cap, piid, f"https://www.usaspending.gov/award/{key}/"), "untagged": tuple(untagged)}


def build_annotated_registry(sample_registry: Path, dest: Path) -> Path:
    """The sample's staging rebuilt with a copy of data/ whose annotations file holds both decisions."""
    import shutil
    from datetime import UTC, datetime

    from registry.core import paths
    from registry.model import annotations, curated

    data = dest / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("labels", "sample"))
    caps = {c["id"] for c in curated.load_capabilities(data)["capabilities"]}
    targets = annotation_targets(sample_registry)
    for name, reviewer, note in (("queued", "tester", QUEUED_NOTE), ("untagged", "A. Reviewer", UNTAGGED_NOTE)):
        key, cap, piid, citation = targets[name]
        annotations.record_decision(data / "annotations.yaml", award_key=key, capability=cap, decision="confirm",
                                    note=note, reviewer=reviewer, citation=citation, capability_ids=caps, piid=piid,
                                    now=datetime(2026, 12, 3, 5, 50, tzinfo=UTC))
    out = dest / "registry.duckdb"
    build.build(sample_registry.parent / "sample-staging.duckdb", out, is_sample=True, data_dir=data)
    return out
