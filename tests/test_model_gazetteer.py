"""Vendor and product gazetteers: a broken entry stops with a message naming the file and entry; vendors match
recipient AND parent names; a reseller's name gives nothing, a named product wins over a maker's defaults."""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml

from registry.core import paths
from registry.model import classify, gazetteer
from registry.model.curated import CuratedDataError

CAPS = {"device_forensics", "social_media_osint", "biometrics"}

VENDOR = {"id": "acme_forensics", "name": "Acme Forensics", "aliases": ["ACME FORENSICS INC"],
          "match": r"\bACME FORENSICS\b", "parent": None, "parent_name": None, "kind": "maker",
          "specialised": True, "default_capabilities": ["device_forensics"], "products": ["acme_extractor"],
          "known_buyers": [], "citations": [{"url": "https://example.org/acme", "title": "Acme product page"}]}
PRODUCT = {"id": "acme_extractor", "name": "Acme Extractor", "vendor": "acme_forensics",
           "capabilities": ["device_forensics"], "pattern": r"\bACME EXTRACTOR\b", "unless": None,
           "citations": [{"url": "https://example.org/acme/x", "title": "Acme Extractor"}]}


def _write(tmp_path, vendors=None, products=None):
    g = tmp_path / "gazetteer"
    g.mkdir(exist_ok=True)
    (g / "vendors_t.yaml").write_text(yaml.safe_dump({"vendors": vendors if vendors is not None else [VENDOR]}))
    (g / "products_t.yaml").write_text(yaml.safe_dump({"products": products if products is not None else [PRODUCT]}))
    return tmp_path


def test_valid_parts_load_with_aliases_as_exact_names(tmp_path):
    g = gazetteer.load(_write(tmp_path), CAPS)
    assert [v.id for v in g.vendors] == ["acme_forensics"] and [p.id for p in g.products] == ["acme_extractor"]
    pat = g.vendors[0].pattern
    assert duckdb.execute("SELECT regexp_matches('ACME FORENSICS INC', ?, 'i')", [pat]).fetchone()[0]
    with_alias = {**VENDOR, "match": r"\bNEVER MATCHES\b"}
    pat = gazetteer.load(_write(tmp_path, vendors=[with_alias]), CAPS).vendors[0].pattern
    hits = [n for n in ("ACME FORENSICS INC", "NOT ACME FORENSICS INC", "ACME FORENSICS INCORPORATED")
            if duckdb.execute("SELECT regexp_matches(?, ?, 'i')", [n, pat]).fetchone()[0]]
    assert hits == ["ACME FORENSICS INC"]  # an alias is an exact recipient spelling


@pytest.mark.parametrize(("change", "needle"), [
    ({"default_capabilities": ["phone_magic"]}, "unknown capability 'phone_magic'"),
    ({"match": "(?=LOOKAHEAD)"}, "bad RE2 regular expression"),
    ({"citations": []}, "needs at least one citation"),
    ({"citations": [{"url": "not a url", "title": "x"}]}, "citation must be an http(s) URL"),
    ({"kind": "manufacturer"}, "kind must be one of"),
    ({"specialised": True, "default_capabilities": []}, "a specialised vendor needs default_capabilities"),
    ({"parent": "nobody"}, "parent 'nobody' is not a vendor"),
    ({"products": ["no_such_product"]}, "product 'no_such_product' is in no products_*.yaml part"),
    ({"id": "Acme Forensics"}, "id must be snake_case"),
])
def test_broken_vendor_entry_names_file_and_entry(tmp_path, change, needle):
    with pytest.raises(CuratedDataError) as e:
        gazetteer.load(_write(tmp_path, vendors=[{**VENDOR, **change}]), CAPS)
    assert "vendors_t.yaml" in str(e.value) and needle in str(e.value)
    assert repr(change.get("id", "acme_forensics")) in str(e.value)


@pytest.mark.parametrize(("change", "needle"), [
    ({"capabilities": []}, "capabilities must be a non-empty list"),
    ({"pattern": r"\bACME (EXTRACTOR"}, "bad RE2 regular expression"),
    ({"unless": "(?!X)"}, "bad RE2 regular expression"),
    ({"vendor": "ghost_vendor"}, "vendor 'ghost_vendor' is in no vendors_*.yaml part"),
])
def test_broken_product_entry_names_file_and_entry(tmp_path, change, needle):
    with pytest.raises(CuratedDataError) as e:
        gazetteer.load(_write(tmp_path, products=[{**PRODUCT, **change}]), CAPS)
    assert "acme_extractor" in str(e.value) and needle in str(e.value)


def test_duplicate_id_across_parts_is_refused(tmp_path):
    _write(tmp_path)
    (tmp_path / "gazetteer" / "vendors_u.yaml").write_text(yaml.safe_dump({"vendors": [VENDOR]}))
    with pytest.raises(CuratedDataError, match="vendor 'acme_forensics': id already used in vendors_t.yaml"):
        gazetteer.load(tmp_path, CAPS)


def test_the_committed_gazetteer_loads():
    k = classify.load_knowledge(paths.DATA_DIR)
    assert len([v for v in k.gaz.vendors if v.source != "watchlist.yaml"]) >= 100
    assert len([p for p in k.gaz.products if p.source != "watchlist.yaml"]) >= 100
    assert any(v.kind == "reseller" and not v.specialised for v in k.gaz.vendors)


def _classify(tmp_path, rows: list[dict]):
    """Run the classifier's evidence step on awards given as labelled-corpus rows, with a tiny gazetteer."""
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("labels", "sample", "gazetteer"))
    reseller = {**VENDOR, "id": "bigbox", "name": "BigBox Reseller", "aliases": [], "match": r"\bBIGBOX\b",
                "kind": "reseller", "specialised": False, "default_capabilities": [], "products": []}
    _write(data, vendors=[VENDOR, reseller], products=[PRODUCT])
    k = classify.load_knowledge(data)
    k.watch.clear()  # only the test gazetteer
    k.gaz.vendors[:] = [v for v in k.gaz.vendors if v.source != "watchlist.yaml"]
    k.gaz.products[:] = [p for p in k.gaz.products if p.source != "watchlist.yaml"]
    import pandas as pd

    base = {c: "" for c in ("piid", "source", "agency", "subtier", "psc_code", "psc_description", "naics_code",
                            "naics_description", "obligated", "first_action_date", "parent_recipient_name")}
    frame = pd.DataFrame([{**base, "source_url": "https://example.org/a", **r} for r in rows])
    con = duckdb.connect()
    classify.prepare_from_frame(con, frame)
    classify.evidence(con, k)
    ev = con.execute("SELECT award_key, capability_id, method FROM _ev ORDER BY ALL").fetchall()
    con.close()
    return ev


def test_vendor_defaults_reseller_and_product_rules(tmp_path):
    ev = _classify(tmp_path, [
        # a specialised maker's terse order: its defaults
        {"award_key": "A1", "recipient_name": "ACME FORENSICS INC", "descriptions": "LICENSE RENEWAL"},
        # matched on the PARENT name
        {"award_key": "A2", "recipient_name": "ACME SUB LLC", "parent_recipient_name": "ACME FORENSICS HOLDINGS",
         "descriptions": "KITS AND TRAINING"},
        # a reseller with no product in the text: nothing from its name
        {"award_key": "A3", "recipient_name": "BIGBOX INC", "descriptions": "SOFTWARE LICENSES"},
        # a reseller selling the product: the product, found in a MODIFICATION's description
        {"award_key": "A4", "recipient_name": "BIGBOX INC", "descriptions": "IT BUY || ADD ACME EXTRACTOR KITS"},
    ])
    assert ("A1", "device_forensics", "vendor") in ev
    assert ("A2", "device_forensics", "vendor") in ev
    assert not [e for e in ev if e[0] == "A3"]
    assert ("A4", "device_forensics", "product") in ev and ("A4", "device_forensics", "vendor") not in ev
