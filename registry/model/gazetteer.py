"""Vendor and product gazetteers (data/gazetteer/vendors_*.yaml, products_*.yaml): loading and checking.

Why a gazetteer and not only description rules: the awards the registry missed most often say
"LICENSE RENEWAL" or "KITS AND TRAINING"; the product or company name is the only clue. The gazetteer
says which companies sell (nearly) only surveillance technology, which are resellers (a recipient, not a
maker: the product named in the text decides) and which product names mean which capability.

Several people edit these files by hand, in parts. A typo (an unknown capability, a product naming a
vendor that is in no part, a pattern RE2 cannot compile, an entry with no public citation) stops the
build with a message naming the file and the entry, like the other curated files (curated.py).

Defaults apply only to specialised vendors: a general reseller (Carahsoft, CDW-G: specialised false)
gets nothing from its name, the product in the text decides; a specialised reseller (a forensic-tool
dealer that sells nothing else) is read like a specialised maker.

The watchlist (data/watchlist.yaml) predates the gazetteer; its entries join the gazetteer here as
makers (specialised when they list default capabilities) so both are read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from registry.core import yamlfile
from registry.model.curated import CuratedDataError, check_url

KINDS = {"maker", "reseller", "integrator", "data_broker", "service_provider"}
ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Vendor:
    """A company; `pattern` is what its recipient (or parent) names match."""

    id: str
    name: str
    pattern: str
    kind: str
    specialised: bool
    default_capabilities: tuple[str, ...]
    citation_url: str
    source: str  # the file it came from


@dataclass(frozen=True)
class Product:
    """A product name found in award descriptions, with the capabilities it provides."""

    id: str
    name: str
    vendor: str | None
    capabilities: tuple[str, ...]
    pattern: str
    unless: str | None
    citation_url: str
    source: str


@dataclass
class Gazetteer:
    vendors: list[Vendor] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)


_RE2_OK: set[str] = set()  # patterns seen to compile in RE2 in this process (a pattern's validity never changes)


def prevalidate_re2(patterns: list[object]) -> None:
    """Compile many patterns in one statement and remember those RE2 accepts, so check_re2 skips them.

    Why: one statement per pattern cost about a second for the gazetteer's thousand patterns in every process
    that builds. A rejected pattern is not remembered: check_re2 then compiles it alone and reports it with
    its file and entry, in the order the entries are read, exactly as before.
    """
    todo = sorted({p for p in patterns if isinstance(p, str) and p.strip()} - _RE2_OK)
    if todo:
        ok = duckdb.execute("SELECT p FROM unnest(?::VARCHAR[]) AS t(p) "
                            "WHERE try(regexp_matches('', p, 'i')) IS NOT NULL", [todo]).fetchall()
        _RE2_OK.update(p for (p,) in ok)


def check_re2(path: Path, where: str, pattern: object, *, optional: bool = False) -> None:
    """Stop unless `pattern` compiles in RE2 (DuckDB's regex engine, which runs the matching)."""
    if pattern is None and optional:
        return
    if not isinstance(pattern, str) or not pattern.strip():
        raise CuratedDataError(f"{path}: {where}: pattern must be a non-empty string, got {pattern!r}")
    if pattern in _RE2_OK:
        return
    try:
        duckdb.execute("SELECT regexp_matches('', ?, 'i')", [pattern]).fetchone()
    except duckdb.Error as e:
        raise CuratedDataError(f"{path}: {where}: bad RE2 regular expression {pattern!r}: "
                               f"{str(e).splitlines()[0]}") from None


def _entries(path: Path, key: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        try:
            data = yamlfile.safe_load(f) or {}
        except yaml.YAMLError as e:
            raise CuratedDataError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict) or not isinstance(data.get(key) or [], list):
        raise CuratedDataError(f"{path}: expected a mapping with a list under {key!r}")
    out = data.get(key) or []
    for i, e in enumerate(out):
        if not isinstance(e, dict):
            raise CuratedDataError(f"{path}: {key} entry #{i + 1}: expected a mapping, got {e!r}")
    return out


def _citations(path: Path, where: str, cites: object) -> str:
    if not isinstance(cites, list) or not cites:
        raise CuratedDataError(f"{path}: {where}: needs at least one citation (url and title)")
    for c in cites:
        if not isinstance(c, dict):
            raise CuratedDataError(f"{path}: {where}: citation must be a mapping with url and title, got {c!r}")
        check_url(path, where, c.get("url"))
        if not c.get("title"):
            raise CuratedDataError(f"{path}: {where}: every citation needs a title saying what it shows")
    return cites[0]["url"]


def _caps(path: Path, where: str, caps: object, capability_ids: set[str], *, allow_empty: bool) -> tuple:
    if caps is None:
        caps = []
    if not isinstance(caps, list) or (not caps and not allow_empty):
        raise CuratedDataError(f"{path}: {where}: capabilities must be a{'' if allow_empty else ' non-empty'} list")
    for c in caps:
        if c not in capability_ids:
            raise CuratedDataError(f"{path}: {where}: unknown capability {c!r}")
    return tuple(caps)


def _vendor(path: Path, v: dict, capability_ids: set[str]) -> Vendor:
    where = f"vendor {v.get('id')!r}"
    if not isinstance(v.get("id"), str) or not ID.match(v["id"]):
        raise CuratedDataError(f"{path}: {where}: id must be snake_case (a-z, 0-9, _)")
    if not v.get("name"):
        raise CuratedDataError(f"{path}: {where}: missing name")
    check_re2(path, where + " match", v.get("match"))
    if v.get("kind") not in KINDS:
        raise CuratedDataError(f"{path}: {where}: kind must be one of {sorted(KINDS)}, got {v.get('kind')!r}")
    if not isinstance(v.get("specialised"), bool):
        raise CuratedDataError(f"{path}: {where}: specialised must be true or false")
    defaults = _caps(path, where + " default_capabilities", v.get("default_capabilities"), capability_ids,
                     allow_empty=True)
    if v["specialised"] and not defaults:
        raise CuratedDataError(f"{path}: {where}: a specialised vendor needs default_capabilities")
    aliases = v.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise CuratedDataError(f"{path}: {where}: aliases must be a list of names")
    pattern = v["match"]
    if aliases:  # an alias is an exact recipient spelling (upper case, as USAspending prints it)
        pattern = f"(?:{pattern})|^(?:{'|'.join(re.escape(a.strip().upper()) for a in aliases)})$"
    url = _citations(path, where, v.get("citations"))
    return Vendor(v["id"], v["name"], pattern, v["kind"], v["specialised"], defaults, url, path.name)


def _product(path: Path, p: dict, capability_ids: set[str]) -> Product:
    where = f"product {p.get('id')!r}"
    if not isinstance(p.get("id"), str) or not ID.match(p["id"]):
        raise CuratedDataError(f"{path}: {where}: id must be snake_case (a-z, 0-9, _)")
    if not p.get("name"):
        raise CuratedDataError(f"{path}: {where}: missing name")
    caps = _caps(path, where, p.get("capabilities"), capability_ids, allow_empty=False)
    check_re2(path, where + " pattern", p.get("pattern"))
    check_re2(path, where + " unless", p.get("unless"), optional=True)
    url = _citations(path, where, p.get("citations"))
    return Product(p["id"], p["name"], p.get("vendor"), caps, p["pattern"], p.get("unless"), url, path.name)


def _from_watchlist(watch: list[dict]) -> tuple[list[Vendor], list[Product]]:
    vendors, products = [], []
    for w in watch:
        url = w["citations"][0]["url"]
        defaults = tuple(w.get("default_capabilities") or [])
        vendors.append(Vendor(f"watchlist_{w['id']}", w["name"], w["match"], "maker", bool(defaults), defaults,
                              url, "watchlist.yaml"))
        for p in w.get("products") or []:
            slug = re.sub(r"[^a-z0-9]+", "_", p["name"].lower()).strip("_")
            products.append(Product(f"watchlist_{w['id']}_{slug}", p["name"], f"watchlist_{w['id']}",
                                    tuple(p["capabilities"]), p["pattern"], p.get("unless"), url, "watchlist.yaml"))
    return vendors, products


def load(data_dir: Path, capability_ids: set[str], watch: list[dict] | None = None) -> Gazetteer:
    """All gazetteer parts (and the watchlist), checked; ids unique across parts, references resolved."""
    g = Gazetteer()
    gdir = data_dir / "gazetteer"
    files = sorted(gdir.glob("*.yaml")) if gdir.is_dir() else []
    parents: list[tuple[Path, str, str]] = []
    product_refs: list[tuple[Path, str, str]] = []
    for path in files:
        if path.name.startswith("vendors"):
            entries = _entries(path, "vendors")
            prevalidate_re2([v.get("match") for v in entries])
            for v in entries:
                g.vendors.append(_vendor(path, v, capability_ids))
                if v.get("parent"):
                    parents.append((path, v["id"], v["parent"]))
                product_refs += [(path, v["id"], pid) for pid in v.get("products") or []]
        elif path.name.startswith("products"):
            entries = _entries(path, "products")
            prevalidate_re2([q for p in entries for q in (p.get("pattern"), p.get("unless"))])
            g.products += [_product(path, p, capability_ids) for p in entries]
        else:
            raise CuratedDataError(f"{path}: gazetteer files are named vendors_<part>.yaml or products_<part>.yaml")
    for kind, items in (("vendor", g.vendors), ("product", g.products)):
        seen: dict[str, str] = {}
        for it in items:
            if it.id in seen:
                raise CuratedDataError(f"{gdir / it.source}: {kind} {it.id!r}: id already used in {seen[it.id]}")
            seen[it.id] = it.source
    vendor_ids = {v.id for v in g.vendors}
    product_ids = {p.id for p in g.products}
    for path, vid, parent in parents:
        if parent not in vendor_ids:
            raise CuratedDataError(f"{path}: vendor {vid!r}: parent {parent!r} is not a vendor in any gazetteer part "
                                   "(use parent_name for a company that is not)")
    for path, vid, pid in product_refs:
        if pid not in product_ids:
            raise CuratedDataError(f"{path}: vendor {vid!r}: product {pid!r} is in no products_*.yaml part")
    for p in g.products:
        if p.vendor is not None and p.vendor not in vendor_ids:
            raise CuratedDataError(f"{gdir / p.source}: product {p.id!r}: vendor {p.vendor!r} is in no "
                                   "vendors_*.yaml part (use null when the maker is unknown)")
    if watch:
        wv, wp = _from_watchlist(watch)
        g.vendors += wv
        g.products += wp
    return g
