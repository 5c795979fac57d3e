"""Parsing of the values public records actually contain: money exact to the cent, dates in every
format USAspending files use (ISO, ISO with time, and M/D/YY from spreadsheet re-saves)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
MAX_MONEY = Decimal("1e15")  # DECIMAL(18,2) holds up to 10^16; no federal action is near 10^15
# US money text: digits with optional thousands commas in groups of three, an optional fraction, an optional $ and
# sign or (parentheses). "1.000,50" (a European decimal comma) matches nothing: a reject, never $1.00.
_MONEY = re.compile(r"^(\()?([-+])?\$?([-+])?(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?(\))?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


class ParseError(ValueError):
    """A value that cannot be what its field says it is; the message is the reject reason."""


def parse_money(value: Any, field: str = "amount", required: bool = False) -> Decimal | None:
    """The exact Decimal of an amount in dollars and cents; accepts numbers and '$1,234.50' or '(12.00)'.

    Never rounds: a value with digits beyond the cent (1.005) or text it cannot read exactly ("1.000,50") is a
    ParseError (a reject with its payload), so the CSV and API routes store the same number or none.
    """
    if value.__class__ is Decimal and value.is_finite() and -MAX_MONEY < value < MAX_MONEY:
        cents = value.quantize(CENT, rounding=ROUND_HALF_EVEN)  # the API's JSON numbers: the common case, first
        if cents != value:
            raise ParseError(f"{field}: {value} has digits beyond the cent (stored amounts are exact, never rounded)")
        return cents
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError(f"{field}: missing")
        return None
    if isinstance(value, bool):
        raise ParseError(f"{field}: not a number: {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        # a binary float is never exact: 0.1 + 0.2 is 0.30000000000000004; within a millionth of a cent it is
        # that cent (an artifact of the float), further off it has real digits beyond the cent (a reject below)
        d = Decimal(repr(value))
        if value == value and abs(value) < 1e15 and abs(value - round(value, 2)) < 1e-8:
            d = Decimal(repr(round(value, 2)))
    elif isinstance(value, str):
        m = _MONEY.match(value.strip())
        if not m or (m[4] is None and m[5] is None) or bool(m[1]) != bool(m[6]) or (m[2] and m[3]):
            raise ParseError(f"{field}: not a number: {value[:60]!r}")
        try:
            d = Decimal((m[4] or "0").replace(",", "") + (m[5] or ""))
        except InvalidOperation:
            raise ParseError(f"{field}: not a number: {value[:60]!r}") from None
        if m[1] or "-" in (m[2] or "", m[3] or ""):
            d = -d
    else:
        raise ParseError(f"{field}: not a number: {type(value).__name__}")
    if not d.is_finite():
        raise ParseError(f"{field}: not a finite number: {value!r}")
    if abs(d) >= MAX_MONEY:
        raise ParseError(f"{field}: implausible amount {d}")
    cents = d.quantize(CENT, rounding=ROUND_HALF_EVEN)
    if cents != d:
        raise ParseError(f"{field}: {d} has digits beyond the cent (stored amounts are exact, never rounded)")
    return cents


def parse_date(value: Any, field: str = "date", required: bool = False) -> date | None:
    """A calendar date from ISO ('2025-04-11', '2025-04-11T00:00:00Z') or US ('4/11/25', '4/11/2025 0:00')."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        try:  # the APIs' plain ISO date (nearly every value): the C parser, same result as the pattern below
            return date.fromisoformat(value)
        except ValueError:
            pass  # e.g. '2025-02-30': the pattern path below gives the reject reason
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError(f"{field}: missing")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ParseError(f"{field}: not a date: {value!r}")
    s = value.strip()
    try:
        m = _ISO_DATE.match(s)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _US_DATE.match(s)
        if m:
            year = int(m[3])
            if len(m[3]) == 2:
                # Two-digit years in re-saved USAspending files: FPDS data starts in the late 1970s.
                year += 1900 if year >= 70 else 2000
            return date(year, int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise ParseError(f"{field}: not a date: {s[:40]!r}")


def parse_int(value: Any, field: str = "number") -> int | None:
    """Whole number or None; '3', 3, 3.0 and '3.0' are 3."""
    if value.__class__ is int and abs(value) <= 2**31:  # already whole (JSON numbers): no Decimal round trip
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ParseError(f"{field}: not a whole number: {str(value)[:40]!r}") from None
    if not d.is_finite() or d != d.to_integral_value() or abs(d) > 2**31:
        raise ParseError(f"{field}: not a whole number: {str(value)[:40]!r}")
    return int(d)


def clean_text(value: Any) -> str | None:
    """Strip and collapse; empty strings become None (the source did not say)."""
    if value is None:
        return None
    s = str(value).replace("\x00", "").strip()
    return s or None
