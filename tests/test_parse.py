"""Values as real feeds carry them: money exact to the cent, dates in ISO and spreadsheet M/D/YY."""

from datetime import date
from decimal import Decimal

import pytest

from registry.core.parse import ParseError, parse_date, parse_int, parse_money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (29898236.0, Decimal("29898236.00")),
        ("29898236.00", Decimal("29898236.00")),
        ("$1,234.50", Decimal("1234.50")),
        ("(18,000.00)", Decimal("-18000.00")),
        (-18000, Decimal("-18000.00")),
        (Decimal("1204079.8"), Decimal("1204079.80")),
        (0.1 + 0.2, Decimal("0.30")),
        ("0", Decimal("0.00")),
    ],
)
def test_money_is_exact_to_the_cent(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12..3", "NaN", "Infinity", True, [], "1e20"])
def test_bad_money_is_an_error_with_the_field_name(raw):
    with pytest.raises(ParseError, match="federal_action_obligation"):
        parse_money(raw, "federal_action_obligation")


def test_missing_money_is_none_unless_required():
    assert parse_money(None) is None
    assert parse_money("  ") is None
    with pytest.raises(ParseError, match="missing"):
        parse_money("", "amount", required=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-04-11", date(2025, 4, 11)),
        ("2025-04-11T00:00:00Z", date(2025, 4, 11)),
        ("2025-04-11 13:45:00", date(2025, 4, 11)),
        ("12/22/17", date(2017, 12, 22)),
        ("5/31/21 0:00", date(2021, 5, 31)),
        ("4/11/2025", date(2025, 4, 11)),
        ("1/1/79", date(1979, 1, 1)),
    ],
)
def test_dates_in_every_form_the_files_use(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "13/1/25", "yesterday", "2025/04/11", 20250411])
def test_impossible_dates_are_errors(raw):
    with pytest.raises(ParseError, match="action_date"):
        parse_date(raw, "action_date")


def test_whole_numbers():
    assert parse_int("3") == 3
    assert parse_int(3.0) == 3
    assert parse_int("") is None
    with pytest.raises(ParseError):
        parse_int("2.5")
