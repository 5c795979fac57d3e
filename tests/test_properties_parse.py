"""Property tests (hypothesis) for the value parsers and item validators every source goes through.

What a user relies on: an amount or date in any form a real feed writes it (negative de-obligations,
zero-dollar administrative mods, amounts as strings with $ and commas, `(12.00)`, M/D/YY dates from the
ICE download) parses to the exact value, and anything else is rejected with a reason (ParseError), never
a crash and never a silently wrong number. Valid records round-trip through the staging store unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.core import store
from registry.core.parse import MAX_MONEY, ParseError, parse_date, parse_int, parse_money
from spiders.base import RegistrySpider
from spiders.pipelines import StagingPipeline
from spiders.usaspending.items import AwardItem, TransactionItem
from tests.conftest import SHARED_DATA

EXAMPLES = {"n": 0}  # bad and good inputs tried, for the README's Reliability section (printed at the end)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cents = st.decimals(min_value=-(MAX_MONEY - 1), max_value=MAX_MONEY - 1, places=2, allow_nan=False,
                    allow_infinity=False)
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.decimals(allow_nan=True, allow_infinity=True), st.text(max_size=80),
                     st.binary(max_size=20), st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.dates(), st.datetimes())
names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


def tried() -> None:
    EXAMPLES["n"] += 1


@pytest.fixture(scope="module", autouse=True)
def report_examples():
    yield
    print(f"\n[reliability] {__name__}: {EXAMPLES['n']} generated inputs tried")


# -- money ----------------------------------------------------------------------------------------
@FAST
@given(cents)
def test_money_in_every_written_form_is_exact(amount):
    tried()
    assert parse_money(amount) == amount
    assert parse_money(str(amount)) == amount                 # amounts as strings
    assert parse_money(f"${amount:,.2f}") == amount           # "$1,234.50", "$-86,440.52"
    if amount < 0:
        assert parse_money(f"({-amount:,.2f})") == amount     # accountants' negative: "(86,440.52)"
    assert parse_money(float(amount)) == amount if abs(amount) < 10**12 else True  # JSON floats to the cent


@FAST
@given(anything)
def test_money_never_crashes_and_rejects_with_the_field_name(value):
    tried()
    try:
        result = parse_money(value, "federal_action_obligation")
    except ParseError as e:
        assert str(e).startswith("federal_action_obligation: ")
    else:
        assert result is None or (isinstance(result, Decimal) and abs(result) < MAX_MONEY)


def test_edge_amounts_a_real_feed_has():
    assert parse_money(0) == Decimal("0.00") and parse_money("0.00") == Decimal("0.00")  # administrative mod
    assert parse_money(-86440.52) == Decimal("-86440.52")  # de-obligation, as in 04-transactions-sample.json
    assert parse_money("29,898,236.00") == Decimal("29898236.00")  # ImmigrationOS P00009 and P00012
    for bad in ("12abc", "NaN", "Infinity", "1e20", True, [1]):
        with pytest.raises(ParseError):
            parse_money(bad)


# -- dates -----------------------------------------------------------------------------------------
@FAST
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)))
def test_dates_in_every_written_form_round_trip(d):
    tried()
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.isoformat()}T00:00:00Z") == d
    assert parse_date(f"{d.month}/{d.day}/{d.year}") == d
    assert parse_date(f"{d.month}/{d.day}/{d.year % 100:02d}") == d   # M/D/YY as the ICE download has them
    assert parse_date(f"{d.month}/{d.day}/{d.year} 0:00") == d


@FAST
@given(st.one_of(anything, st.from_regex(r"\d{1,2}/\d{1,2}/\d{2,4}", fullmatch=True),
                 st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True)))
def test_dates_never_crash_and_impossible_ones_are_rejected(value):
    tried()
    try:
        result = parse_date(value, "action_date")
    except ParseError as e:
        assert str(e).startswith("action_date: ")
    else:
        assert result is None or isinstance(result, date)


def test_the_ice_download_dates_parse(shared_data):
    """Every date column of the real ICE download (M/D/YY after a spreadsheet re-save, or ISO) parses."""
    import csv

    path = SHARED_DATA / "usaspending_download_ice_mn" / "Contracts_PrimeAwardSummaries_ICE_recipients_in_MN_2025-03-21.csv"
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    cols = [c for c in rows[0] if c.endswith("_date") and "fiscal_year" not in c]
    values = [r[c] for r in rows for c in cols if r[c]]
    assert values and all(isinstance(parse_date(v), date) for v in values)


@FAST
@given(anything)
def test_whole_numbers_never_crash(value):
    tried()
    try:
        result = parse_int(value, "number_of_offers")
    except ParseError as e:
        assert str(e).startswith("number_of_offers: ")
    else:
        assert result is None or isinstance(result, int)


# -- items -----------------------------------------------------------------------------------------
def transaction(**over) -> TransactionItem:
    base = dict(source="usaspending", source_url="https://www.usaspending.gov/award/X/",
                fetched_at=datetime(2025, 10, 1, tzinfo=UTC), raw_payload="{}", award_key="CONT_AWD_X",
                transaction_key="CONT_TX_X_0", modification_number="P00009", transaction_number=0,
                action_date="2025-04-11", federal_action_obligation="29898236.00",
                recipient_name="PALANTIR USG INC")
    base.update(over)
    return TransactionItem(**base)


@FAST
@given(amount=cents, when=st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)),
       recipient=st.one_of(st.none(), names), description=st.one_of(st.none(), st.text(max_size=300)),
       as_string=st.booleans(), us_date=st.booleans())
def test_valid_transactions_round_trip(amount, when, recipient, description, as_string, us_date):
    tried()
    rec = transaction(federal_action_obligation=str(amount) if as_string else amount,
                      action_date=f"{when.month}/{when.day}/{when.year % 100:02d}" if us_date else str(when),
                      recipient_name=recipient, description=description).to_record()
    assert rec["federal_action_obligation"] == amount and rec["action_date"] == when
    if recipient is None or not recipient.replace("\x00", "").strip():
        assert rec["recipient_name"] is None  # a missing recipient is missing, not ""
    else:
        assert rec["recipient_name"] == recipient.replace("\x00", "").strip()  # non-ASCII kept as written


@FAST
@given(field=st.sampled_from(["award_key", "source_url", "source", "fetched_at", "action_date",
                              "federal_action_obligation", "transaction_number"]), value=anything)
def test_invalid_transactions_are_rejected_with_the_field_as_reason(field, value):
    tried()
    try:
        rec = transaction(**{field: value}).to_record()
    except ParseError as e:
        assert str(e).split(":")[0] == field
    else:
        assert rec["award_key"] and rec["source_url"] and isinstance(rec["action_date"], date)
        assert isinstance(rec["federal_action_obligation"], Decimal)


@FAST
@given(fields=st.dictionaries(st.sampled_from(["date_signed", "start_date", "end_date", "total_obligation",
                                               "base_and_all_options", "number_of_offers", "recipient_name",
                                               "description", "piid"]), anything, max_size=5))
def test_award_validator_never_crashes(fields):
    tried()
    item = AwardItem(source="usaspending", source_url="https://www.usaspending.gov/award/X/",
                     fetched_at=datetime(2025, 10, 1, tzinfo=UTC), raw_payload="{}", award_key="CONT_AWD_X",
                     **fields)
    try:
        rec = item.to_record()
    except ParseError as e:
        assert str(e).split(":")[0] in fields
    else:
        assert rec["award_key"] == "CONT_AWD_X"


def test_edge_records_survive_the_staging_store(tmp_path):
    """Negative, zero-dollar, string amounts, M/D/YY, no recipient, non-ASCII and a 10 MB description,
    through validation and the staging merge, read back exactly."""
    big = "ÉTUDE DE SURVEILLANCE — 監視 " * (10 * 1024 * 1024 // 30)
    items = [
        transaction(transaction_key="T1", modification_number="P00001", federal_action_obligation=-86440.52),
        transaction(transaction_key="T2", federal_action_obligation="0", modification_number="P00010"),
        transaction(transaction_key="T3", modification_number="P00003", federal_action_obligation="$29,898,236.00", action_date="9/25/25"),
        transaction(transaction_key="T4", modification_number="P00004", recipient_name=None, description=big),
        transaction(transaction_key="T5", modification_number="P00005", recipient_name="Societé Générale Ñandú 株式会社"),
        transaction(transaction_key="T6", modification_number="P00006", action_date="2025-02-30"),  # impossible: a reject with its reason
    ]
    pipeline = StagingPipeline(tmp_path / "staging.duckdb", batch_size=2)  # the crawl's own pipeline
    spider = RegistrySpider(name="usaspending")  # what the pipeline reads of a spider: the base declares it
    pipeline.open_spider(spider)
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider(spider)
    con = store.connect(tmp_path / "staging.duckdb")
    counts = con.execute("SELECT items_loaded, items_rejected, status FROM crawl_runs").fetchone()
    rows = dict(con.execute("SELECT transaction_key, federal_action_obligation FROM stg_transactions").fetchall())
    desc, who = con.execute("SELECT description, recipient_name FROM stg_transactions "
                            "WHERE transaction_key = 'T4'").fetchone()
    name = con.execute("SELECT recipient_name FROM stg_transactions WHERE transaction_key = 'T5'").fetchone()[0]
    reasons = [r for (r,) in con.execute("SELECT reason FROM rejects").fetchall()]
    con.close()
    assert counts == (5, 1, "ok")
    assert rows == {"T1": Decimal("-86440.52"), "T2": Decimal("0.00"), "T3": Decimal("29898236.00"),
                    "T4": Decimal("29898236.00"), "T5": Decimal("29898236.00")}
    assert desc == big.strip() and len(desc.encode()) > 10_000_000 and who is None
    assert name == "Societé Générale Ñandú 株式会社"
    assert reasons == ["action_date: not a date: '2025-02-30'"]


def test_raw_payload_is_kept_verbatim():
    payload = json.dumps({"description": "<script>alert(1)</script>", "amount": "12.00"})
    assert transaction(raw_payload=payload).to_record()["raw_payload"] == payload


@pytest.mark.parametrize("payload", ['{"b": 1, "a": "é"}', {"b": 1, "a": "é"}, None, ""])
def test_payload_hash_is_the_stores_hash_of_the_stored_text(payload):
    """Items hash inline (the per-item hot path); the hash must stay the store's, which rejects use too."""
    rec = transaction(raw_payload=payload).to_record()
    assert rec["payload_sha256"] == store.sha256_of(rec["raw_payload"] or "")
    if isinstance(payload, dict):
        assert rec["raw_payload"] == json.dumps(payload, sort_keys=True)
