"""FPDS ATOM spider: the real feed page field by field, paging, rejects, and competition filled into
`transactions` for the same natural key without overwriting what USAspending said."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from registry.core import store
from registry.core.steps import staging_table
from spiders.fpds.items import award_key
from spiders.fpds.spider import FpdsAtomSpider, fpds_query
from tests.conftest import SHARED_DATA
from tests.source_fixtures import FILES, ICE_ORDER_KEY, offline, response, sample_plus, split, stage

FEED = "http://127.0.0.1:9/ezsearch/FEEDS/ATOM"


@pytest.fixture(scope="module")
def real_page(shared_data):
    return shared_data / "fpds_atom" / "fpds_atom_feed_full_response_sample.xml"


def _spider(**kw) -> FpdsAtomSpider:
    return offline(FpdsAtomSpider(atom_url=FEED, **kw))


def test_queries_use_fpds_search_fields():
    assert fpds_query(piid="70CTD022FR0000170", agency="7012") == 'PIID:"70CTD022FR0000170" AGENCY_CODE:"7012"'
    assert fpds_query(agency="4740", since=date(2013, 10, 1), until=date(2014, 9, 30)) == (
        'AGENCY_CODE:"4740" LAST_MOD_DATE:[2013/10/01,2014/09/30]'
    )
    spider = _spider(piids="70CTD022FR0000170,70CMSD21P00000127", agencies="7012")
    assert spider.queries == ['PIID:"70CTD022FR0000170" AGENCY_CODE:"7012"', 'PIID:"70CMSD21P00000127" AGENCY_CODE:"7012"']
    assert spider.feed_url(spider.queries[0]).startswith(FEED + "?FEEDNAME=PUBLIC&VERSION=1.5.2&q=PIID%3A%2270CTD")
    with pytest.raises(ValueError):
        fpds_query()


def test_real_page_yields_every_entry_field_by_field(real_page):
    spider = _spider(agencies="4740")
    items, rejects, requests = split(spider.parse(response(real_page, FEED + "?q=x", xml=True)))
    assert len(items) == 10 and not rejects
    first = items[0].to_record()
    expected = {
        "award_key": "CONT_AWD_1B3G02670_4740_-NONE-_-NONE-",
        "record_type": "award", "piid": "1B3G02670", "agency_id": "4740", "agency_name": "PUBLIC BUILDINGS SERVICE",
        "modification_number": "PA09", "transaction_number": 0, "idv_piid": None,
        "signed_date": date(2012, 10, 1), "effective_date": date(2012, 10, 1),
        "obligated_amount": Decimal("8392.90"), "total_obligated_amount": Decimal("127900.70"),
        "contract_action_type": "B", "contract_action_type_description": "PURCHASE ORDER",
        "action_type": "M", "action_type_description": "OTHER ADMINISTRATIVE ACTION",
        "description": "FY13 WATER UTILITIES.",
        "extent_competed": "B", "extent_competed_description": "NOT AVAILABLE FOR COMPETITION",
        "solicitation_procedures": "SSS", "solicitation_procedures_description": "ONLY ONE SOURCE",
        "other_than_full_and_open": "UT", "other_than_full_and_open_description": "UTILITIES FAR 41.2",
        "fair_opportunity_limited_sources": None, "number_of_offers": 1, "type_set_aside": "NONE",
        "contracting_office_id": "JU000", "funding_agency_id": "4740", "funding_agency_name": "PUBLIC BUILDINGS SERVICE",
        "funding_office_id": "JU000", "funding_office_name": "GSA, PBS, ACQ MGT SVC BR", "psc_code": "S114", "naics_code": "221310",
        "vendor_uei": "LNLJPLNR7GF5", "vendor_name": "MC ALLEN CITY OF", "ultimate_parent_name": "CITY OF MC ALLEN",
        "last_modified_date": date(2013, 12, 18), "source": "fpds", "source_url": FEED + "?q=x",
    }
    assert {k: first[k] for k in expected} == expected
    assert first["fpds_url"].startswith("https://www.fpds.gov/ezsearch/search.do?")
    assert "<ns1:PIID>1B3G02670</ns1:PIID>" in first["raw_payload"]
    # Every entry names the paying agency; the three actions of the GSA-schedule order name no paying office.
    records = [i.to_record() for i in items]
    assert {r["funding_agency_id"] for r in records} == {"4740"}
    assert [r["funding_office_id"] for r in records] == ["JU000"] * 2 + ["LT000"] + ["JU000"] * 4 + [None] * 3
    # An order under an IDV: the key carries the referenced IDV, as USAspending's generated award id does.
    third = items[2].to_record()
    assert third["award_key"] == "CONT_AWD_1B3L02518_4740_GS00P95BSD0006_4740"
    assert (third["idv_piid"], third["idv_agency_id"], third["modification_number"]) == ("GS00P95BSD0006", "4740", "PA03")
    keys = [(r["award_key"], r["modification_number"]) for r in (i.to_record() for i in items)]
    assert keys[7:] == [("CONT_AWD_AZ000200206CP0302AZ0036GS07F0087K_4740_GS07F0087K_4730", m) for m in ("0", "PA01", "PA02")]
    # The `next` link is followed on the configured feed URL, never on fpds.gov.
    assert [r.url for r in requests] == [
        FEED + "?s=FPDS&FEEDNAME=PUBLIC&VERSION=1.5.2&q=LAST_MOD_DATE%3A%5B2013%2F10%2F01%2C2014%2F09%2F30%5D"
        "+AGENCY_CODE%3A%224740%22&start=10"
    ]


def test_award_key_matches_usaspending_generated_ids():
    assert award_key("award", "70CTD022FR0000170", "7012", "GS35F0086U", "4730") == (
        "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"
    )
    assert award_key("idv", "GS35F0086U", "4730", None, None) == "CONT_IDV_GS35F0086U_4730"


def test_truncated_page_is_a_reject_not_fewer_entries(real_page):
    body = real_page.read_bytes()
    cut = body[: len(body) // 2]
    items, rejects, requests = split(_spider(agencies="7012").parse(response(cut, FEED + "?q=cut", xml=True)))
    assert not items and not requests
    assert len(rejects) == 1 and rejects[0]["reason"].startswith("page: not well-formed XML")
    assert rejects[0]["source_url"] == FEED + "?q=cut" and rejects[0]["raw_payload"]


def test_html_error_page_is_a_reject():
    items, rejects, _ = split(_spider(agencies="7012").parse(response(b"<html><body>down</body></html>", FEED, xml=True)))
    assert not items and rejects[0]["reason"] == "page: not an ATOM feed"


def test_fpds_fills_competition_blanks_of_the_same_transaction(sources_registry):
    """The constructed ICE order page staged onto the sample (source_fixtures.stage_fpds: counts, the reject, an
    idempotent re-run; P00009's extent competed set to 'B' first, as if USAspending had said it), then built."""
    reg = duckdb.connect(str(sources_registry), read_only=True)
    tx = reg.execute(
        "SELECT extent_competed, fair_opportunity_limited_sources, solicitation_procedures, number_of_offers, "
        "recipient_uei, federal_action_obligation, source FROM transactions "
        "WHERE award_key = 'CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730' AND modification_number = 'P00009'"
    ).fetchall()
    assert tx == [("B", "URG", "SSS", 1, "TESTFIXTURE1", Decimal("29898236.00"), "usaspending_search_csv")]
    actions = reg.execute(
        "SELECT modification_number, in_transactions, filled_in_transactions, extent_competed FROM fpds_actions "
        "ORDER BY modification_number"
    ).fetchall()
    assert actions == [
        ("P00009", True, ["fair_opportunity_limited_sources", "solicitation_procedures", "number_of_offers",
                          "recipient_uei"], "C"),
        ("P00099", False, [], "C"),
    ]
    # The FPDS-only action is listed but not added to the registry's money.
    assert reg.execute(
        "SELECT count(*) FROM transactions WHERE modification_number = 'P00099'").fetchone()[0] == 0
    links = reg.execute("SELECT from_id, to_kind, to_id, method, confidence FROM t_links_fpds ORDER BY to_kind").fetchall()
    key = "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"
    assert (f"{key}|P00009|0", "transaction", f"{key}|P00009|0", "natural_key", 1.0) in links
    assert (f"{key}|P00009|0", "award", key, "award_key", 1.0) in links
    comments = dict(reg.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'fpds_actions'").fetchall())
    assert all(comments.values()), [c for c, v in comments.items() if not v]


SHARED_FPDS_PAGE = SHARED_DATA / "fpds_atom" / "fpds_atom_feed_full_response_sample.xml"
FUNDING_COLUMNS = ("funding_agency_id", "funding_agency_name", "funding_office_id", "funding_office_name")


def _paid_by_ice_page() -> bytes:
    """The constructed ICE order page with its paying agency and office changed AT TEST TIME to ICE and an office
    named "HOMELAND SECURITY INVESTIGATIONS" (code TEST01): constructed, not what FPDS reports for this order."""
    body = (FILES / "fpds" / "files" / "constructed_ice_order_page.xml").read_bytes()
    agency = (b'<ns1:fundingRequestingAgencyID name="PUBLIC BUILDINGS SERVICE" departmentID="4700" '
              b'departmentName="GENERAL SERVICES ADMINISTRATION">4740</ns1:fundingRequestingAgencyID>')
    office = b'<ns1:fundingRequestingOfficeID name="GSA, PBS, ACQ MGT SVC BR ">JU000</ns1:fundingRequestingOfficeID>'
    assert body.count(agency) == 3 and body.count(office) == 3
    return body.replace(agency, b'<ns1:fundingRequestingAgencyID name="U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT">7012'
                                b'</ns1:fundingRequestingAgencyID>').replace(
        office, b'<ns1:fundingRequestingOfficeID name="HOMELAND SECURITY INVESTIGATIONS">TEST01'
                b'</ns1:fundingRequestingOfficeID>')


def _drop_funding_columns(con) -> None:
    """Make the store's FPDS table as a registry made before the funding columns has it."""
    for c in FUNDING_COLUMNS:
        con.execute(f"ALTER TABLE stg_fpds_actions DROP COLUMN {c}")


def test_old_staging_store_gains_the_funding_columns_and_the_funding_office_decides(sample_registry, tmp_path):
    """A staging store whose stg_fpds_actions predates the funding columns: opening it adds them (old rows NULL),
    the FPDS entries load with them, and the build attributes the award to the component its FPDS funding office
    names (component_basis funding_office, the rule saying FPDS and the office code)."""

    def stager(con):
        # rows the old store already holds (the real GSA page), staged before the columns existed
        stage(con, _spider(agencies="4740").parse(response(SHARED_FPDS_PAGE, FEED + "?q=gsa", xml=True)))
        _drop_funding_columns(con)
        assert sorted(store.migrate(con)) == sorted(f"stg_fpds_actions.{c}" for c in FUNDING_COLUMNS)
        assert store.migrate(con) == []  # nothing left to add
        assert con.execute("SELECT count(*), count(funding_office_id), count(DISTINCT piid) FROM stg_fpds_actions"
                           ).fetchone() == (10, 0, 8)  # kept, with the new columns NULL
        spider = offline(FpdsAtomSpider(atom_url=FEED, piids="70CTD022FR0000170"))
        assert stage(con, spider.parse(response(_paid_by_ice_page(), FEED + "?q=ice", xml=True))) == {
            "stg_fpds_actions": 2, "rejects": 1}

    reg = duckdb.connect(str(sample_plus(sample_registry, tmp_path, stager)), read_only=True)
    assert reg.execute("SELECT DISTINCT funding_agency_id, funding_office_id, funding_office_name FROM fpds_actions "
                       "WHERE agency_id = '7012'").fetchall() == [("7012", "TEST01", "HOMELAND SECURITY INVESTIGATIONS")]
    assert reg.execute("SELECT agency_component, component_basis, component_rule FROM awards WHERE award_key = ?",
                       [ICE_ORDER_KEY]).fetchone() == (
        "Homeland Security Investigations (HSI)", "funding_office",
        "FPDS funding office TEST01 'HOMELAND SECURITY INVESTIGATIONS' matches "
        r"\bHOMELAND SECURITY INVESTIGATIONS?\b|\bHSI\b|\bHOMELAND SECURITY INTELLIGENCE\b|"
        r"\bSTUDENT (AND |& )?EXCHANGE (AND |& )?VISITOR PROGRAM\b|\bCYBER CRIMES? CENTER\b")


def test_another_agencys_funding_office_decides_nothing(sources_registry):
    """The constructed page as stored keeps the real page's paying agency (GSA's Public Buildings Service, 4740) on
    the ICE order: an office of another agency names none of ICE's components."""
    reg = duckdb.connect(str(sources_registry), read_only=True)
    assert reg.execute("SELECT DISTINCT funding_agency_id, funding_office_id FROM fpds_actions").fetchall() == [
        ("4740", "JU000")]
    assert reg.execute("SELECT component_basis FROM awards WHERE award_key = ?", [ICE_ORDER_KEY]).fetchone()[0] != (
        "funding_office")


def test_build_reads_a_staging_store_made_before_the_funding_columns(real_page, tmp_path):
    """The build attaches the staging store read-only, so it cannot add the columns: it reads the table through a
    view that gives the absent columns as NULL, and every other column as stored."""
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    stage(con, _spider(agencies="4740").parse(response(real_page, FEED + "?q=x", xml=True)))
    _drop_funding_columns(con)
    con.close()
    build = duckdb.connect(":memory:")
    build.execute("ATTACH ? AS stg (READ_ONLY)", [str(path)])
    src = staging_table(build, "stg_fpds_actions", "fpds")
    assert src != "stg.stg_fpds_actions"
    rows = build.execute(f"SELECT piid, contracting_office_id, {', '.join(FUNDING_COLUMNS)} FROM {src}").fetchall()
    assert len(rows) == 10 and all(r[1] for r in rows) and all(r[2:] == (None,) * 4 for r in rows)
    # a store that has them is read as it is
    store.connect(tmp_path / "new.duckdb").close()
    build.execute("DETACH stg")
    build.execute("ATTACH ? AS stg (READ_ONLY)", [str(tmp_path / "new.duckdb")])
    assert staging_table(build, "stg_fpds_actions", "fpds") == "stg.stg_fpds_actions"
