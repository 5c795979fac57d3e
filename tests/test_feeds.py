"""Atom feeds per watchlist vendor, agency and capability, read back with a real feed parser."""

from __future__ import annotations

from pathlib import Path

import duckdb
import feedparser
import pytest

from registry import feeds
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def written(sample_registry, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("feeds")
    result = run_cli("feeds", str(out), "--db", str(sample_registry), "--dashboard-url", "https://registry.example",
                     "--base-url", "https://feeds.example/feeds")
    assert result.returncode == 0, result.stderr
    return out


def test_every_feed_parses_cleanly(written):
    files = sorted(written.rglob("*.xml"))
    assert {p.parent.name for p in files} == {"vendor", "agency", "capability"}
    for p in files:
        d = feedparser.parse(p.read_bytes())
        assert not d.bozo, f"{p}: {d.get('bozo_exception')}"
        assert d.feed.title.startswith("Surveillance Tech Registry: ")
        assert d.feed.links[0].href == f"https://feeds.example/feeds/{p.parent.name}/{p.name}"
        dates = [e.updated_parsed for e in d.entries]
        assert dates == sorted(dates, reverse=True), f"{p}: not newest first"
        assert len({e.id for e in d.entries}) == len(d.entries)
    index = feedparser.parse((written / "index.opml").read_bytes())
    assert index is not None and (written / "index.opml").read_text().count("<outline") == len(files)


def test_palantir_feed_carries_the_immigrationos_modifications(written):
    d = feedparser.parse((written / "vendor" / "palantir.xml").read_bytes())
    mods = {e.title.split(":")[0]: e for e in d.entries if e.title.startswith("70CTD022FR0000170")}
    assert {"70CTD022FR0000170 modification P00009", "70CTD022FR0000170 modification P00012"} <= set(mods)
    e = mods["70CTD022FR0000170 modification P00009"]
    assert e.updated.startswith("2025-04-11") and "$29,898,236" in e.title
    hrefs = {link.rel: link.href for link in e.links}
    assert hrefs["alternate"].startswith("https://www.usaspending.gov/award/CONT_AWD_70CTD022FR0000170")
    assert hrefs["related"] == "https://registry.example/award?award=70CTD022FR0000170"


def test_feeds_hold_what_sql_says(written, sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    code = con.execute("SELECT agency_subtier_code FROM transactions GROUP BY 1 ORDER BY count(*) LIMIT 1").fetchone()[0]
    n_agency = con.execute("SELECT count(*) FROM transactions WHERE agency_subtier_code = ?", [code]).fetchone()[0]
    cap_awards = {k for (k,) in con.execute(
        f"SELECT award_key FROM ({feeds.COUNTED_TAGS}) WHERE capability_id = 'biometrics'").fetchall()}  # noqa: S608
    con.close()
    d = feedparser.parse((written / "agency" / f"{feeds._slug(code)}.xml").read_bytes())
    assert len(d.entries) == min(100, n_agency)
    bio = feedparser.parse((written / "capability" / "biometrics.xml").read_bytes())
    assert bio.entries
    for e in bio.entries:
        award_key = e.id.split("action/")[1].split("/")[0]
        assert award_key in cap_awards


def test_rewriting_the_feeds_keeps_entry_ids(written, sample_registry, tmp_path):
    feeds.write_feeds(sample_registry, tmp_path)
    for p in (written / "vendor").glob("*.xml"):
        a = [e.id for e in feedparser.parse(p.read_bytes()).entries]
        b = [e.id for e in feedparser.parse((tmp_path / "vendor" / p.name).read_bytes()).entries]
        assert a == b
