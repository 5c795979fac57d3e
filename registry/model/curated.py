"""Reading and checking the curated data files (data/*.yaml) the model steps use.

Why one module: capabilities.yaml, watchlist.yaml, vendors.yaml and annotations.yaml are edited by hand
by people who are not programmers. A typo (a rule naming a capability that does not exist, a missing
citation, a regex that does not compile) must stop the build with a message that names the file and
entry, not produce a registry that silently drops a tag or shows an unsourced claim.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from registry.core import yamlfile

FIELDS = {"description", "modification_description", "psc", "naics"}
URL = re.compile(r"^https?://\S+$")


class CuratedDataError(ValueError):
    """A curated file is malformed; the message names the file and the entry."""


def _load(path: Path) -> dict:
    if not path.exists():
        raise CuratedDataError(f"{path}: missing")
    with open(path, encoding="utf-8") as f:
        data = yamlfile.safe_load(f) or {}
    if not isinstance(data, dict):
        raise CuratedDataError(f"{path}: expected a mapping at the top level")
    return data


def _check_regex(path: Path, where: str, pattern: str | None) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as e:
        raise CuratedDataError(f"{path}: {where}: bad regular expression {pattern!r}: {e}") from None


def check_url(path: Path, where: str, url: Any) -> None:
    """Stop the build unless `url` is an http(s) URL (every curated entry must cite a public source)."""
    if not isinstance(url, str) or not URL.match(url):
        raise CuratedDataError(f"{path}: {where}: citation must be an http(s) URL, got {url!r}")


def load_capabilities(data_dir: Path) -> dict:
    """Taxonomy and rules; every rule names a known capability and compiles."""
    path = data_dir / "capabilities.yaml"
    data = _load(path)
    caps = data.get("capabilities") or []
    ids = set()
    for c in caps:
        for key in ("id", "name", "definition", "references"):
            if not c.get(key):
                raise CuratedDataError(f"{path}: capability {c.get('id')!r}: missing {key}")
        for url in c["references"]:
            check_url(path, f"capability {c['id']}", url)
        if c["id"] in ids:
            raise CuratedDataError(f"{path}: capability {c['id']!r} defined twice")
        ids.add(c["id"])
    rule_ids = set()
    for r in data.get("rules") or []:
        where = f"rule {r.get('id')!r}"
        if not r.get("id") or r["id"] in rule_ids:
            raise CuratedDataError(f"{path}: {where}: missing or duplicate id")
        rule_ids.add(r["id"])
        if r.get("capability") not in ids:
            raise CuratedDataError(f"{path}: {where}: unknown capability {r.get('capability')!r}")
        bad = set(r.get("fields") or []) - FIELDS
        if not r.get("fields") or bad:
            raise CuratedDataError(f"{path}: {where}: fields must be a non-empty subset of {sorted(FIELDS)}")
        if not r.get("pattern"):
            raise CuratedDataError(f"{path}: {where}: missing pattern")
        _check_regex(path, where, r["pattern"])
        _check_regex(path, where, r.get("unless"))
        if r.get("unless") and not r.get("reason"):
            raise CuratedDataError(f"{path}: {where}: a rule with `unless` needs a `reason` saying what it excludes")
        conf = r.get("confidence")
        if not isinstance(conf, (int, float)) or not 0 < conf <= 1:
            raise CuratedDataError(f"{path}: {where}: confidence must be in (0, 1]")
    return {"capabilities": caps, "rules": data.get("rules") or [],
            "text_exclusions": _text_exclusions(path, data.get("text_exclusions") or []),
            "priors": _priors(path, data.get("priors") or [], ids),
            "roles": _roles(path, data.get("roles") or {}, ids)}


def _reasoned(path: Path, where: str, entry: dict, *, pattern_key: str = "pattern") -> None:
    if not isinstance(entry, dict):
        raise CuratedDataError(f"{path}: {where}: expected a mapping")
    if not entry.get(pattern_key):
        raise CuratedDataError(f"{path}: {where}: missing {pattern_key}")
    _check_regex(path, where, entry[pattern_key])
    if not entry.get("reason"):
        raise CuratedDataError(f"{path}: {where}: needs a `reason`")


def _text_exclusions(path: Path, entries: list) -> list[dict]:
    """Texts that are not technology buys (furniture, moving): rules and products skip them."""
    for e in entries:
        _reasoned(path, f"text_exclusion {e.get('id') if isinstance(e, dict) else e!r}", e)
    return entries


def _priors(path: Path, entries: list, ids: set[str]) -> list[dict]:
    """Product/industry codes as weak evidence: each names a capability, a field and a weight below 1."""
    seen = set()
    for p in entries:
        where = f"prior {p.get('id') if isinstance(p, dict) else p!r}"
        _reasoned(path, where, p)
        if not p.get("id") or p["id"] in seen:
            raise CuratedDataError(f"{path}: {where}: missing or duplicate id")
        seen.add(p["id"])
        if p.get("capability") not in ids:
            raise CuratedDataError(f"{path}: {where}: unknown capability {p.get('capability')!r}")
        if p.get("field") not in ("psc", "naics"):
            raise CuratedDataError(f"{path}: {where}: field must be psc or naics")
        w = p.get("weight")
        if not isinstance(w, (int, float)) or not 0 < w < 1:
            raise CuratedDataError(f"{path}: {where}: weight must be in (0, 1): a prior alone is weak evidence")
    return entries


def _roles(path: Path, roles: dict, ids: set[str]) -> dict:
    """Purpose/component rules: component patterns by field, and what keeps a project a purpose buy."""
    comp = roles.get("component") or []
    for r in comp:
        where = f"roles.component {r.get('id') if isinstance(r, dict) else r!r}"
        _reasoned(path, where, r)
        _check_regex(path, where, r.get("unless"))
        if r.get("field") not in ("description", "psc", "naics"):
            raise CuratedDataError(f"{path}: {where}: field must be description, psc or naics")
        for c in r.get("capabilities") or []:
            if c not in ids:
                raise CuratedDataError(f"{path}: {where}: unknown capability {c!r}")
    if roles.get("purpose_unless"):
        _reasoned(path, "roles.purpose_unless", roles["purpose_unless"])
    return {"component": comp, "purpose_unless": roles.get("purpose_unless")}


def load_watchlist(data_dir: Path, capability_ids: set[str]) -> list[dict]:
    """Watchlist entries; each has a name pattern, at least one citation, and known capabilities."""
    path = data_dir / "watchlist.yaml"
    entries = _load(path).get("vendors") or []
    seen = set()
    for w in entries:
        where = f"watchlist entry {w.get('id')!r}"
        if not w.get("id") or w["id"] in seen:
            raise CuratedDataError(f"{path}: {where}: missing or duplicate id")
        seen.add(w["id"])
        if not w.get("name") or not w.get("match"):
            raise CuratedDataError(f"{path}: {where}: needs name and match")
        _check_regex(path, where, w["match"])
        if not w.get("citations"):
            raise CuratedDataError(f"{path}: {where}: needs at least one citation")
        for c in w["citations"]:
            check_url(path, where, c.get("url"))
            if not c.get("title"):
                raise CuratedDataError(f"{path}: {where}: every citation needs a title saying what it shows")
        for cap in w.get("default_capabilities") or []:
            if cap not in capability_ids:
                raise CuratedDataError(f"{path}: {where}: unknown capability {cap!r}")
        for p in w.get("products") or []:
            _check_regex(path, f"{where} product {p.get('name')!r}", p.get("pattern"))
            for cap in p.get("capabilities") or []:
                if cap not in capability_ids:
                    raise CuratedDataError(f"{path}: {where}: product {p.get('name')!r}: unknown capability {cap!r}")
        w.setdefault("default_capabilities", [])
        w.setdefault("products", [])
    return entries


def load_vendor_overrides(data_dir: Path) -> dict:
    """Curated vendors (merge/split/parent/display name/website) and never-merge pairs, all cited."""
    path = data_dir / "vendors.yaml"
    data = _load(path)
    vendors = data.get("vendors") or []
    ids = {v.get("id") for v in vendors}
    for v in vendors:
        where = f"vendor {v.get('id')!r}"
        if not v.get("id", "").startswith("v:") or not v.get("name"):
            raise CuratedDataError(f"{path}: {where}: needs an id starting with 'v:' and a name")
        check_url(path, where, v.get("citation"))
        if v.get("parent") and v["parent"] not in ids:
            raise CuratedDataError(f"{path}: {where}: parent {v['parent']!r} is not a curated vendor")
    for pair in data.get("never_merge") or []:
        if len(pair.get("names") or []) != 2:
            raise CuratedDataError(f"{path}: never_merge entries need exactly two names")
        check_url(path, f"never_merge {pair['names']}", pair.get("citation"))
    return {"vendors": vendors, "never_merge": data.get("never_merge") or []}


def load_annotations(data_dir: Path, capability_ids: set[str]) -> list[dict]:
    """Manual add/remove of a capability on an award, each with a citation; they win over rules."""
    return load_annotations_from(data_dir / "annotations.yaml", capability_ids)


def load_annotations_from(path: Path, capability_ids: set[str]) -> list[dict]:
    """The checks of load_annotations on any file (the review writer validates its new file before the swap)."""
    entries = _load(path).get("annotations") or []
    for a in entries:
        where = f"annotation {a.get('award_key') or a.get('piid')!r}/{a.get('capability')!r}"
        if not (a.get("award_key") or a.get("piid")):
            raise CuratedDataError(f"{path}: {where}: needs award_key or piid")
        if a.get("action") not in ("add", "remove"):
            raise CuratedDataError(f"{path}: {where}: action must be add or remove")
        if a.get("capability") not in capability_ids:
            raise CuratedDataError(f"{path}: {where}: unknown capability")
        check_url(path, where, a.get("citation"))
        if not a.get("note"):
            raise CuratedDataError(f"{path}: {where}: needs a note saying what the citation shows")
    return entries
