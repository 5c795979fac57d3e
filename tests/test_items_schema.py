"""Every item's fields are its staging table's columns, and an item that disagrees with its table cannot load.

Why: the field list used to be written by hand in each items.py beside the staging DDL, and nothing checked
the two agreed (a column added to the DDL and not to the item stayed blank forever; a key the item set that
the table lacked was dropped silently by the writer). Now spiders/items.py reads each item's fields from
its source's staging.sql. These tests check that against the staging store as the migrations really create
it, for every source folder, and show that a disagreement stops the import or the first record with a
message that names the column.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.core import sources, store
from spiders.items import RegistryItem


def item_classes() -> list[type[RegistryItem]]:
    """Every RegistryItem subclass defined in a source folder's items.py (found on disk, as the loader does)."""
    found = []
    for name in sources.names():
        if not sources.has(name, "items.py"):
            continue
        module = importlib.import_module(f"spiders.{name}.items")
        found += [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, RegistryItem)
                  and v.__module__ == module.__name__]
    return found


@pytest.fixture(scope="module")
def staging(tmp_path_factory):
    con = store.connect(tmp_path_factory.mktemp("items") / "staging.duckdb")  # every migration, as a crawl runs them
    yield con
    con.close()


def test_every_source_with_items_has_item_classes():
    classes = item_classes()
    assert {c.__module__.split(".")[1] for c in classes} == {n for n in sources.names() if sources.has(n, "items.py")}
    assert len(classes) >= 7


@pytest.mark.parametrize("cls", item_classes(), ids=lambda c: c.__name__)
def test_item_fields_are_the_staging_columns(cls, staging):
    columns = [c for c, _ in store.table_columns(staging, cls.staging_table)]
    assert columns, f"{cls.staging_table} is not created by the staging migrations"
    given = set(columns) - {"payload_sha256", "run_id"} - set(cls.derived)
    assert set(cls.fields) == given | set(cls.inputs)
    assert not set(cls.inputs) & set(columns)
    assert set(cls.derived) | set(cls.custom) | set(cls.labels) | set(cls.defaults) <= set(columns)


def _load(tmp_path: Path, ddl: str, body: str):
    """A throwaway source module (items.py beside its staging.sql) imported as a spider's items are."""
    (tmp_path / "staging.sql").write_text(textwrap.dedent(ddl))
    (tmp_path / "items.py").write_text("from spiders.items import RegistryItem\n\n" + textwrap.dedent(body))
    name = f"_items_under_test_{abs(hash((str(tmp_path), ddl, body)))}"
    spec = importlib.util.spec_from_file_location(name, tmp_path / "items.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


DDL = """
CREATE TABLE IF NOT EXISTS stg_things (
    thing_id        VARCHAR PRIMARY KEY,
    title           VARCHAR,
    published       DATE,
    amount          DECIMAL(18,2),
    source VARCHAR NOT NULL, source_url VARCHAR NOT NULL, fetched_at TIMESTAMPTZ NOT NULL,  -- provenance
    payload_sha256 VARCHAR NOT NULL, raw_payload VARCHAR, run_id VARCHAR
);
"""
ITEM = """
class ThingItem(RegistryItem):
    staging_table = "stg_things"
    kind = "thing"
"""
PROVENANCE = {"source": "things", "source_url": "https://example.org/api", "fetched_at": datetime(2025, 1, 2, tzinfo=UTC)}


def test_a_column_added_to_the_ddl_is_a_field_typed_and_required_by_its_declaration(tmp_path):
    cls = _load(tmp_path, DDL, ITEM).ThingItem
    assert set(cls.fields) == {"thing_id", "title", "published", "amount", "source", "source_url", "fetched_at",
                               "raw_payload"}
    rec = cls(thing_id=" T-1 ", title="A\x00 thing", published="2025-01-15", amount="12.50", **PROVENANCE).to_record()
    assert (rec["thing_id"], rec["title"], str(rec["published"]), str(rec["amount"])) == \
        ("T-1", "A thing", "2025-01-15", "12.50")
    from registry.core.parse import ParseError

    with pytest.raises(ParseError, match=r"^thing_id: missing$"):  # the primary key is required
        cls(title="no id", **PROVENANCE).to_record()
    with pytest.raises(ParseError, match=r"^published: not a date"):
        cls(thing_id="T-2", published="yesterday", **PROVENANCE).to_record()
    wider = DDL.replace("title           VARCHAR,", "title           VARCHAR,\n    pages INTEGER NOT NULL,")
    cls = _load(tmp_path, wider, ITEM).ThingItem
    assert "pages" in cls.fields
    with pytest.raises(ParseError, match=r"^pages: missing$"):
        cls(thing_id="T-3", **PROVENANCE).to_record()


@pytest.mark.parametrize("declaration, message", [
    ('derived = ("no_such_column",)', r"derived names columns the staging table does not have: \['no_such_column'\]"),
    ('labels = {"titel": "Title"}', r"labels names columns .*\['titel'\]"),
    ('inputs = ("title",)', r"inputs \['title'\] are staging columns"),
])
def test_an_item_naming_what_its_table_lacks_does_not_import(tmp_path, declaration, message):
    with pytest.raises(TypeError, match=message):
        _load(tmp_path, DDL, ITEM + f"    {declaration}\n")


def test_a_column_no_rule_converts_must_be_converted_by_the_item(tmp_path):
    ddl = DDL.replace("amount          DECIMAL(18,2),", "amount DECIMAL(18,2),\n    active BOOLEAN,")
    with pytest.raises(TypeError, match=r"no standard conversion for \['active BOOLEAN'\]"):
        _load(tmp_path, ddl, ITEM)
    with pytest.raises(TypeError, match=r"fields come from staging.sql"):
        _load(tmp_path, DDL, "import scrapy\n" + ITEM + "    extra = scrapy.Field()\n")


def test_a_record_that_misses_a_column_or_adds_one_is_refused_on_first_use(tmp_path):
    adds = _load(tmp_path, DDL, ITEM + "    def finish(self, rec):\n        rec['titel'] = rec['title']\n").ThingItem
    with pytest.raises(TypeError, match=r"keys \['titel'\] not in stg_things"):
        adds(thing_id="T-1", **PROVENANCE).to_record()
    drops = _load(tmp_path, DDL, ITEM + "    def finish(self, rec):\n        del rec['amount']\n").ThingItem
    with pytest.raises(TypeError, match=r"columns \['amount'\] not set"):
        drops(thing_id="T-1", **PROVENANCE).to_record()
