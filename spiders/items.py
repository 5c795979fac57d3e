"""Typed items, each with its schema and validator next to it, and the staging table it lands in.

Why validation lives on the item: the spider stays a thin parser of the source's format; whether a
record is good enough to store (keys present, dates real, amounts numeric) is decided in one place,
and a record that fails becomes a reject with its reason and raw payload instead of vanishing.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import scrapy

from registry.core.parse import ParseError, clean_text
from registry.core.store import sha256_of


class RegistryItem(scrapy.Item):
    """Base: provenance fields every item carries, and the hook that validates it into a record."""

    staging_table: ClassVar[str] = ""
    kind: ClassVar[str] = "record"

    source = scrapy.Field()        # spider/loader name
    source_url = scrapy.Field()    # where the record was fetched (API URL or file URL)
    fetched_at = scrapy.Field()    # datetime (UTC) of the response
    raw_payload = scrapy.Field()   # the record as the source sent it (JSON text)

    def to_record(self) -> dict[str, Any]:
        """Typed record for the staging table; raises ParseError with the reject reason."""
        raise NotImplementedError

    def get(self, key: str, default: Any = None) -> Any:
        """Mapping.get without its KeyError round trip for unset fields (to_record reads ~40 per item)."""
        return self._values.get(key, default)

    @staticmethod
    def payload_text(raw: Any) -> str | None:
        """A raw payload as stored: text as it came, an object as sorted JSON."""
        if raw is None or isinstance(raw, str):
            return raw
        return json.dumps(raw, sort_keys=True, default=str)

    @classmethod
    def with_payload_hash(cls, rec: dict[str, Any]) -> dict[str, Any]:
        """The raw payload as text and its SHA-256: one rule for every source."""
        rec["raw_payload"] = cls.payload_text(rec.get("raw_payload"))
        rec["payload_sha256"] = sha256_of(rec["raw_payload"] or "")
        return rec

    def provenance(self) -> dict[str, Any]:
        """Where and when the record was fetched; a record that cannot say is rejected, never stored bare."""
        values = self._values
        for name in ("source_url", "source", "fetched_at"):
            if not values.get(name):
                raise ParseError(f"{name}: missing")
        return {
            "source": values["source"],
            "source_url": values["source_url"],
            "fetched_at": values["fetched_at"],
            "raw_payload": values.get("raw_payload"),
        }


class RejectItem(scrapy.Item):
    """A response or record that could not be parsed at all (truncated body, HTML error page, ...)."""

    source = scrapy.Field()
    source_url = scrapy.Field()
    kind = scrapy.Field()
    reason = scrapy.Field()
    raw_payload = scrapy.Field()


def _texts(item: scrapy.Item, fields: list[str], rec: dict[str, Any]) -> None:
    """clean_text of many fields into rec, with a fast path for plain strings.

    Why a loop over names rather than a call per field: this is the per-item hot path (~40 fields an item)
    of every crawl and load, and the call overhead was a third of it (bench/ingest.py).
    """
    get = item._values.get
    for name in fields:
        v = get(name)
        if v is None:
            rec[name] = None
        elif v.__class__ is str:
            s = v.strip()
            if "\x00" in s:
                s = s.replace("\x00", "").strip()
            rec[name] = s or None
        else:
            rec[name] = clean_text(v)
