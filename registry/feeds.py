"""`registry feeds OUT`: an Atom feed per watchlist vendor, agency and capability, newest actions first.

Why Atom files and not a service: a newsroom follows a vendor the way it follows a blog, in the feed reader it
already has, and static files can be published beside the snapshot by a scheduled job. Each entry is one contract
action (a new award or a modification) by its action date, linked to its public USAspending record and, when a
dashboard URL is given, to the award page. Entry ids are stable (award, modification, transaction), so a reader
shows an action once however often the feeds are rewritten.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import duckdb

ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:surveillance-tech-registry.org,2025"
# The tags a capability feed follows: tagged tags that are the award's purpose (possible tags and components are
# never counted; see docs/model.md). One place, so feeds, totals and pages agree.
COUNTED_TAGS = "SELECT award_key, capability_id FROM counted_capabilities"
ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class Feed:
    kind: str       # vendor | agency | capability
    key: str
    title: str
    where: str      # SQL condition on transactions t (parameter bound with ?)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "feed"


def _feeds(con: duckdb.DuckDBPyConnection) -> list[Feed]:
    feeds = [Feed("vendor", w, n, "t.vendor_id IN (SELECT vendor_id FROM vendors WHERE watchlist_id = ?) OR "
                  "t.family_vendor_id IN (SELECT vendor_id FROM vendors WHERE watchlist_id = ?)")
             for w, n in con.execute("SELECT watchlist_id, name FROM watchlist ORDER BY watchlist_id").fetchall()]
    feeds += [Feed("agency", code, name, "t.agency_subtier_code = ?")
              for code, name in con.execute(
                  "SELECT code, name FROM agencies WHERE level = 'subtier' AND code IN "
                  "(SELECT DISTINCT agency_subtier_code FROM transactions) ORDER BY code").fetchall()]
    feeds += [Feed("capability", c, n, f"t.award_key IN (SELECT award_key FROM ({COUNTED_TAGS}) "  # noqa: S608
                   "WHERE capability_id = ?)")
              for c, n in con.execute("SELECT capability_id, name FROM capabilities ORDER BY sort_order").fetchall()]
    return feeds


def _ts(d: date | datetime | None) -> str:
    if d is None:
        return "1970-01-01T00:00:00Z"
    if isinstance(d, datetime):
        return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{d.isoformat()}T00:00:00Z"


def _money(x) -> str:
    return "amount not reported" if x is None else f"${x:,.2f}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def write_feeds(db: Path, out_dir: Path, *, limit: int = 100, dashboard_url: str | None = None,
                base_url: str | None = None) -> list[Path]:
    """Write one Atom file per feed under out_dir/<kind>/<key>.xml and an index; returns the files."""
    if not Path(db).exists():
        raise FileNotFoundError(f"{db} does not exist: run `registry build` first")
    con = duckdb.connect(str(db), read_only=True)
    written: list[Path] = []
    try:
        built = con.execute("SELECT value FROM registry_meta WHERE key = 'built_at'").fetchone()
        built_at = datetime.fromisoformat(built[0]) if built else datetime.now(UTC)
        for feed in _feeds(con):
            params = [feed.key] * feed.where.count("?")
            rows = con.execute(
                f"""
                SELECT t.award_key, t.modification_number, t.transaction_number, t.action_date, t.piid,
                       t.federal_action_obligation, t.description, t.recipient_name,
                       coalesce(t.awarding_subagency, t.awarding_agency) AS agency,
                       coalesce(t.usaspending_url, t.source_url) AS url, t.source_url
                FROM transactions t
                WHERE {feed.where}
                ORDER BY t.action_date DESC, t.award_key, t.modification_number DESC, t.transaction_number DESC
                LIMIT ?
                """,  # noqa: S608 - the condition is ours; values are bound
                [*params, limit]).fetchall()
            root = ET.Element(f"{{{ATOM}}}feed")
            rel = f"{feed.kind}/{_slug(feed.key)}.xml"
            _sub(root, "id", f"{TAG}:feed/{feed.kind}/{quote(feed.key, safe='')}")
            _sub(root, "title", f"Surveillance Tech Registry: {feed.title} ({feed.kind}): new awards and "
                                "modifications")
            _sub(root, "subtitle", "Contract actions from public USAspending/FPDS records, newest action date first.")
            _sub(root, "updated", _ts(max((r[3] for r in rows), default=None) or built_at))
            author = _sub(root, "author")
            _sub(author, "name", "Surveillance Tech Registry")
            if base_url:
                _sub(root, "link", rel="self", href=base_url.rstrip("/") + "/" + rel)
            for (award_key, mod, txn, action_date, piid, amount, description, recipient, agency, url,
                 source_url) in rows:
                entry = _sub(root, "entry")
                _sub(entry, "id", f"{TAG}:action/{quote(award_key, safe='')}/{quote(str(mod), safe='')}/{txn}")
                what = "new award" if str(mod) == "0" else f"modification {mod}"
                _sub(entry, "title", f"{piid} {what}: {_money(amount)} to {recipient or 'recipient not reported'}"
                                     f" ({agency or 'agency not reported'})")
                _sub(entry, "updated", _ts(action_date))
                _sub(entry, "published", _ts(action_date))
                if url and url.startswith(("http://", "https://")):
                    _sub(entry, "link", rel="alternate", href=url, title="Public record")
                if source_url and source_url != url and source_url.startswith(("http://", "https://")):
                    _sub(entry, "link", rel="via", href=source_url, title="Where the registry fetched it")
                if dashboard_url:
                    _sub(entry, "link", rel="related", title="Registry award page",
                         href=f"{dashboard_url.rstrip('/')}/award?{urlencode({'award': piid or award_key})}")
                _sub(entry, "summary", f"{description or 'No description in the record.'} Action date "
                                       f"{action_date}; obligated {_money(amount)}.")
            target = Path(out_dir) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".xml.tmp")
            ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
            tmp.replace(target)
            written.append(target)
    finally:
        con.close()
    index = Path(out_dir) / "index.opml"
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = "Surveillance Tech Registry feeds"
    body = ET.SubElement(opml, "body")
    for p in written:
        rel = p.relative_to(out_dir).as_posix()
        href = base_url.rstrip("/") + "/" + rel if base_url else rel
        ET.SubElement(body, "outline", type="rss", text=rel.removesuffix(".xml"), xmlUrl=href)
    ET.ElementTree(opml).write(index, encoding="utf-8", xml_declaration=True)
    return [*written, index]
