"""Typed items whose fields come from their staging table, with one `to_record` for every source.

Why the staging DDL is the declaration: a source's `staging.sql` is where its records land, with each
column's name, type and NOT NULL; the item's field list, the conversion of each field (text, date, money,
whole number) and which fields must be present are all read from it when the item class is made, so the
field list is never written twice. (The source's schema.yaml describes its public *views*, which the build
derives from staging: their columns are not the item's.) What the DDL cannot say an item class declares in
a few names: columns it computes (`derived`), columns it converts itself (`custom`), fields that are not
columns (`inputs`), the source's own field names for reject reasons (`labels`), key parts the source may
leave out (`defaults`) and fields required though the column allows NULL (`required`). A name there that is
not a column of the staging table, or a column of a type no rule converts, stops the import with its name.

Why validation lives on the item: the spider stays a thin parser of the source's format; whether a record is
good enough to store (keys present, dates real, amounts numeric) is decided in one place, and a record that
fails becomes a reject with its reason and raw payload instead of vanishing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.item import ItemMeta

from registry.core.ddl import Column, staging_columns
from registry.core.parse import ParseError, clean_text, parse_date, parse_int, parse_money
from registry.core.store import sha256_of

PROVENANCE = ("source", "source_url", "fetched_at", "raw_payload")  # given to every item, checked by provenance()
SET_LATER = ("payload_sha256", "run_id")  # the payload's hash (with_payload_hash) and the run (the pipeline)


def _whole_number(value: Any, field: str, required: bool = False) -> int | None:
    n = parse_int(value, field)
    if n is None and required:
        raise ParseError(f"{field}: missing")
    return n


def converter(dtype: str) -> Callable[..., Any] | None:
    """The rule that turns a source's value into a column of this DuckDB type: (value, label, required) -> value.

    None for VARCHAR (text has its own fast loop) and for types with no standard reading (BOOLEAN, JSON,
    TIMESTAMPTZ, lists): an item converts those itself and names them in `custom`."""
    if dtype == "DATE":
        return parse_date
    if dtype.startswith("DECIMAL"):
        return parse_money
    if dtype in ("INTEGER", "BIGINT", "SMALLINT"):
        return _whole_number
    return None


@dataclass(frozen=True)
class StagingPlan:
    """What `to_record` does for one item class, worked out once from its staging table."""

    columns: tuple[Column, ...]
    fields: tuple[str, ...]                       # the item's fields: given columns, then inputs
    texts: tuple[str, ...]                        # VARCHAR columns cleaned by the standard rule
    required_texts: tuple[tuple[str, str], ...]   # (column, label): missing -> "<label>: missing"
    text_defaults: tuple[tuple[str, Any], ...]    # (column, value when the source gave none)
    typed: tuple[tuple[str, Callable[..., Any], str, bool, Any], ...]  # (column, rule, label, required, default)


def make_plan(cls_name: str, ddl: Path, table: str, derived: tuple[str, ...] = (), custom: tuple[str, ...] = (),
              inputs: tuple[str, ...] = (), labels: dict[str, str] | None = None,
              defaults: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> StagingPlan:
    """The item's fields and conversions from the staging table, or TypeError naming what disagrees with it."""
    labels, defaults = labels or {}, defaults or {}
    columns = staging_columns(ddl, table)
    names = [c.name for c in columns]
    where = f"{cls_name} ({ddl.name}: {table})"
    for what, declared in (("derived", derived), ("custom", custom), ("labels", labels), ("defaults", defaults),
                           ("required", required)):
        unknown = [n for n in declared if n not in names]
        if unknown:
            raise TypeError(f"{where}: {what} names columns the staging table does not have: {unknown}")
    clash = [n for n in inputs if n in names]
    if clash:
        raise TypeError(f"{where}: inputs {clash} are staging columns (declare them in the DDL only)")
    own = set(PROVENANCE) | set(SET_LATER)
    given = [c for c in columns if c.name not in own and c.name not in derived]
    standard = [c for c in given if c.name not in custom]
    unconvertible = [f"{c.name} {c.type}" for c in standard if c.type != "VARCHAR" and converter(c.type) is None]
    if unconvertible:
        raise TypeError(f"{where}: no standard conversion for {unconvertible}: convert them in finish() and "
                        "name them in `custom`")

    def must(c: Column) -> bool:
        return (c.not_null and c.name not in defaults) or c.name in required

    texts = [c for c in standard if c.type == "VARCHAR"]
    return StagingPlan(
        columns=columns,
        fields=tuple([c.name for c in given] + list(inputs)),
        texts=tuple(c.name for c in texts),
        required_texts=tuple((c.name, labels.get(c.name, c.name)) for c in texts if must(c)),
        text_defaults=tuple((c.name, defaults[c.name]) for c in texts if c.name in defaults),
        typed=tuple((c.name, converter(c.type), labels.get(c.name, c.name), must(c), defaults.get(c.name))
                    for c in standard if c.type != "VARCHAR"),
    )


def _inherited(attrs: dict[str, Any], bases: tuple[type, ...], name: str, default: Any) -> Any:
    if name in attrs:
        return attrs[name]
    return next((getattr(b, name) for b in bases if hasattr(b, name)), default)


class StagingItemMeta(ItemMeta):
    """Scrapy's item metaclass, given the fields of the class's staging table before Scrapy collects them."""

    def __new__(mcs, class_name: str, bases: tuple[type, ...], attrs: dict[str, Any]):
        table = attrs.get("staging_table")
        if table:
            module = sys.modules[attrs["__module__"]]
            ddl = attrs.get("staging_sql") or Path(module.__file__).with_name("staging.sql")
            declared = [k for k, v in attrs.items() if isinstance(v, scrapy.Field)]
            if declared:
                raise TypeError(f"{class_name}: fields come from {ddl.name}; declare {declared} there (or in "
                                "`inputs` if they are not columns), not as scrapy.Field()")
            plan = make_plan(class_name, Path(ddl), table, **{
                k: _inherited(attrs, bases, k, d) for k, d in (
                    ("derived", ()), ("custom", ()), ("inputs", ()), ("labels", {}), ("defaults", {}),
                    ("required", ()))})
            shadowed = [f for f in plan.fields if f in attrs or any(hasattr(b, f) for b in bases)]
            if shadowed:
                raise TypeError(f"{class_name}: columns {shadowed} have the names of item attributes or methods")
            attrs = {**attrs, "plan": plan, **{f: scrapy.Field() for f in plan.fields}}
        return super().__new__(mcs, class_name, bases, attrs)


class RegistryItem(scrapy.Item, metaclass=StagingItemMeta):
    """Base: provenance fields every item carries, fields from the staging table, and one `to_record`.

    A source's item names its `staging_table` (declared in the staging.sql beside its items.py) and, where
    the DDL is not enough, the class attributes below; its own rules go in `check` (keys and formats, before
    any conversion) and `finish` (derived and specially read columns)."""

    staging_table: ClassVar[str] = ""
    kind: ClassVar[str] = "record"
    plan: ClassVar[StagingPlan]
    derived: ClassVar[tuple[str, ...]] = ()        # columns to_record computes from other fields (not fields)
    custom: ClassVar[tuple[str, ...]] = ()         # given columns the item converts itself, in finish()
    inputs: ClassVar[tuple[str, ...]] = ()         # fields that are not columns (read by finish)
    labels: ClassVar[dict[str, str]] = {}          # column -> the source's own name, in reject reasons
    defaults: ClassVar[dict[str, Any]] = {}        # column -> value when the source gives none
    required: ClassVar[tuple[str, ...]] = ()       # must be present though the column allows NULL

    source = scrapy.Field()        # spider/loader name
    source_url = scrapy.Field()    # where the record was fetched (API URL or file URL)
    fetched_at = scrapy.Field()    # datetime (UTC) of the response
    raw_payload = scrapy.Field()   # the record as the source sent it (JSON text)

    def to_record(self) -> dict[str, Any]:
        """Typed record for the staging table; raises ParseError with the reject reason.

        Order: text columns cleaned, required ones checked, the item's `check`, provenance, the other columns
        read by their type (in DDL order), the item's `finish`, the payload hash."""
        plan = self.plan
        get = self._values.get if type(self).raw is RegistryItem.raw else self.raw
        rec: dict[str, Any] = {}
        for name in plan.texts:  # the per-item hot path (~40 fields): plain strings without a call (bench/ingest.py)
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
        for name, label in plan.required_texts:
            if rec[name] is None:
                raise ParseError(f"{label}: missing")
        self.check(rec)
        rec.update(self.provenance())
        for name, value in plan.text_defaults:
            if rec[name] is None:
                rec[name] = value
        for name, rule, label, required, default in plan.typed:
            v = rule(get(name), label, required)
            rec[name] = default if v is None and default is not None else v
        self.finish(rec)
        rec = self.with_payload_hash(rec)
        if not type(self).__dict__.get("_record_checked"):
            self._check_record_columns(rec)
        return rec

    def check(self, rec: dict[str, Any]) -> None:
        """The source's key and format rules on the cleaned text columns (raise ParseError)."""

    def finish(self, rec: dict[str, Any]) -> None:
        """The source's derived columns and the columns it reads its own way (`derived`, `custom`)."""

    def raw(self, name: str) -> Any:
        """A field's value as the conversions read it (a source whose API writes null as text overrides it)."""
        return self._values.get(name)

    def _check_record_columns(self, rec: dict[str, Any]) -> None:
        """Once per class: the record has every staging column but run_id and nothing else (a key the table
        lacks would be dropped silently by the writer; a column never set would be stored blank)."""
        want = {c.name for c in self.plan.columns} - {"run_id"}
        if set(rec) != want:
            raise TypeError(f"{type(self).__name__}.to_record: columns {sorted(want - set(rec))} not set, "
                            f"keys {sorted(set(rec) - want)} not in {self.staging_table}")
        type(self)._record_checked = True

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
