"""Vendor resolution: every raw recipient of an award linked to one vendor, with the evidence.

Why: USAspending spells one company many ways ("PEN-LINK, LIMITED" / "PEN-LINK, LTD"), a company holds
several registrations (UEIs), and companies own companies (West Publishing is Thomson Reuters). A
journalist comparing vendors needs them grouped; a wrong merge must be findable and undoable. So each
raw recipient gets one row in `vendor_matches` saying how it was linked, and curated overrides in
data/vendors.yaml (each cited) win over every automatic step.

Order of evidence, strongest first:
  override     data/vendors.yaml lists the recipient (by normalised name or UEI) under a vendor;
  uei          the recipient shares its UEI with another recipient of the vendor;
  name_exact   same normalised name (case, punctuation and legal suffixes such as INC, LLC, CORP,
               a leading THE removed);
  name_fuzzy   rapidfuzz ratio >= FUZZY_THRESHOLD on normalised names that share their first word,
               with guards (below); the score is kept in vendor_matches.score.
Families: a vendor's parent comes from vendors.yaml, else from the award records' parent UEI
(`parent_uei`) or parent name (`parent_name`); `family_vendor_id` is the top of that chain.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz import fuzz, process

from registry.core.names import LEGAL_SUFFIXES, normalise_name  # noqa: F401 (moved to core; kept importable here)
from registry.model import curated

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards",)
WRITES = ("t_vendors", "t_vendor_matches", "vendors", "vendor_matches")

# Fuzzy name threshold (rapidfuzz.fuzz.ratio, 0-100) on normalised names. Chosen on the real recipient
# names of the bundled sample and the ICE award-summary download (../shared/data): the one pair of
# spellings of a single organisation that exact normalisation misses, "REGENTS OF THE UNIVERSITY OF
# MINNESOTA" / "REGENTS OF UNIVERSITY OF MINNESOTA", scores 94.4 (a one-word slip like "PENLINK" /
# "PEN LINK" scores 93.3), while the closest pairs of different companies sharing words score 87.5
# ("CACI ISS" / "CACI NSS"), 81.4 ("NORTHROP GRUMMAN INNOVATION SYSTEMS" / "NORTHROP GRUMMAN SYSTEMS"),
# 80.0 ("BEST BUY" / "BEST BUY GOV": a parent and its subsidiary, linked as a family instead) and below.
# Guards on top of the score: names must share their first word, be at least MIN_FUZZY_LEN characters,
# contain the same numbers, not be a curated never_merge pair, and not be two sets of registrations
# whose records name different parent UEIs (tests/test_model_vendors.py checks these pairs).
FUZZY_THRESHOLD = 92.0
MIN_FUZZY_LEN = 6
MAX_BLOCK = 4000  # a first-word block larger than this is split by its first two words

def slug(text: str) -> str:
    """URL-safe id part: 'PEN LINK' -> 'pen-link'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


@dataclass
class _Clusters:
    """Union-find over recipients that refuses merges the guards forbid."""

    n: int
    override_of: list[str | None]
    norms: list[str]
    never: list[tuple[str, str]]
    parent: list[int] = field(init=False)
    overrides: dict[int, set[str]] = field(init=False)
    members_norms: dict[int, set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.parent = list(range(self.n))
        self.overrides = {i: ({o} if o else set()) for i, o in enumerate(self.override_of)}
        self.members_norms = {i: {self.norms[i]} for i in range(self.n)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def allowed(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        oa, ob = self.overrides[ra], self.overrides[rb]
        if oa and ob and oa != ob:
            return False
        na, nb = self.members_norms[ra], self.members_norms[rb]
        for x, y in self.never:
            if (x in na and y in nb) or (y in na and x in nb):
                return False
        return True

    def union(self, a: int, b: int) -> bool:
        """Merge the clusters of a and b if the guards allow; True when they are (now) together."""
        if not self.allowed(a, b):
            return False
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.overrides[ra] |= self.overrides.pop(rb)
            self.members_norms[ra] |= self.members_norms.pop(rb)
        return True


def _digits(s: str) -> set[str]:
    return set(re.findall(r"\d+", s))


def fuzzy_pairs(norms: list[str], threshold: float = FUZZY_THRESHOLD) -> Iterable[tuple[int, int, float]]:
    """(i, j, score) for distinct normalised names that look like spellings of one name.

    Blocked by first word so the work grows with block sizes, not with the square of all names
    (at ~50k vendors the largest blocks are a few thousand names).
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(norms):
        if len(s) >= MIN_FUZZY_LEN:
            blocks[s.split()[0]].append(i)
    work = []
    for idx in blocks.values():
        if len(idx) <= MAX_BLOCK:
            work.append(idx)
            continue
        sub: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            sub[" ".join(norms[i].split()[:2])].append(i)
        work.extend(sub.values())
    for idx in work:
        if len(idx) < 2:
            continue
        names = [norms[i] for i in idx]
        scores = process.cdist(names, names, scorer=fuzz.ratio, score_cutoff=threshold, dtype="float32")
        rows, cols = (scores >= threshold).nonzero()
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if r < c and _digits(names[r]) == _digits(names[c]):
                yield idx[r], idx[c], float(scores[r, c])


def _code(value) -> str | None:
    """Upper-cased identifier (UEI), or None for blanks and missing values (pandas NaN included)."""
    return value.strip().upper() or None if isinstance(value, str) else None


def _override_index(overrides: dict) -> tuple[dict[str, str], dict[str, str]]:
    by_norm, by_uei = {}, {}
    for v in overrides["vendors"]:
        m = v.get("match") or {}
        for n in m.get("names") or []:
            by_norm[normalise_name(n)] = v["id"]
        for u in m.get("ueis") or []:
            by_uei[u.strip().upper()] = v["id"]
    return by_norm, by_uei


def resolve(recips: pd.DataFrame, overrides: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Link recipients to vendors.

    recips columns: recipient_key, recipient_name, recipient_uei, parent_uei, parent_name, award_count.
    Returns (vendor_matches, vendors) DataFrames.
    """
    recips = recips.reset_index(drop=True)
    n = len(recips)
    names = [x if isinstance(x, str) else "" for x in recips["recipient_name"].tolist()]
    ueis = [_code(u) for u in recips["recipient_uei"].tolist()]
    puei = [_code(u) for u in recips["parent_uei"].tolist()]
    pname = [p.strip() if isinstance(p, str) and p.strip() else None for p in recips["parent_name"].tolist()]
    awards = [int(a) if isinstance(a, (int, float)) and a == a else 0 for a in recips["award_count"].tolist()]
    norms = [normalise_name(x) for x in names]
    by_norm, by_uei = _override_index(overrides)
    override_of = [by_uei.get(u) if u and u in by_uei else by_norm.get(s) for u, s in zip(ueis, norms, strict=True)]
    never = [(normalise_name(p["names"][0]), normalise_name(p["names"][1])) for p in overrides["never_merge"]]
    cl = _Clusters(n, override_of, norms, never)

    # uei, then exact normalised name, then fuzzy; each link remembered per recipient for evidence.
    how: dict[int, tuple[str, float | None, str]] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(ueis):
        if u:
            groups[u].append(i)
    for u, idx in groups.items():
        for j in idx[1:]:
            if cl.union(idx[0], j):
                for k in (idx[0], j):
                    how.setdefault(k, ("uei", None, f"UEI {u} shared by {len(idx)} recipient names"))
    groups = defaultdict(list)
    for i, s in enumerate(norms):
        if s:
            groups[s].append(i)
    for s, idx in groups.items():
        distinct = sorted({names[k] for k in idx})
        for j in idx[1:]:
            if cl.union(idx[0], j):
                for k in (idx[0], j):
                    others = [x for x in distinct if x != names[k]][:3]
                    ev = f"normalised name '{s}' shared with: {'; '.join(others)}" if others else \
                        f"normalised name '{s}'"
                    how.setdefault(k, ("name_exact", None, ev))
    uniq = sorted(groups)
    for a, b, score in fuzzy_pairs(uniq):
        ia, ib = groups[uniq[a]][0], groups[uniq[b]][0]
        ua = {ueis[k] for k in groups[uniq[a]] if ueis[k]}
        ub = {ueis[k] for k in groups[uniq[b]] if ueis[k]}
        # parents other than the recipient itself (a registration naming itself as parent says nothing)
        pa = {puei[k] for k in groups[uniq[a]] if puei[k] and puei[k] != ueis[k]}
        pb = {puei[k] for k in groups[uniq[b]] if puei[k] and puei[k] != ueis[k]}
        if ua and ub and not (ua & ub) and pa and pb and not (pa & pb):
            continue  # different registrations whose records name different parents: two companies
        if cl.union(ia, ib):
            for x, y in ((a, b), (b, a)):
                for k in groups[uniq[x]]:
                    how.setdefault(k, ("name_fuzzy", round(score, 1),
                                       f"rapidfuzz ratio {score:.1f} >= {FUZZY_THRESHOLD:g} with '{uniq[y]}'"))

    # vendor ids: the cluster's override, else a slug of its most-awarded member's normalised name
    curated_by_id = {v["id"]: v for v in overrides["vendors"]}
    roots: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        roots[cl.find(i)].append(i)
    used = set(curated_by_id)
    vendor_of: dict[int, str] = {}
    vendor_rows: dict[str, dict] = {}
    for root, members in sorted(roots.items(), key=lambda kv: min(norms[i] or names[i] for i in kv[1])):
        ov = cl.overrides.get(root) or set()
        rep = max(members, key=lambda i: (awards[i], names[i]))
        if ov:
            vid = next(iter(ov))
        else:
            vid = base = "v:" + slug(norms[rep] or names[rep] or recips.loc[rep, "recipient_key"])
            k = 2
            while vid in used:
                vid = f"{base}-{(ueis[rep] or str(k)).lower()}"
                k += 1
        used.add(vid)
        for i in members:
            vendor_of[i] = vid
        row = vendor_rows.setdefault(vid, {"vendor_id": vid, "members": []})
        row["members"].extend(members)

    # per-recipient method and evidence
    match_rows = []
    for i in range(n):
        vid = vendor_of[i]
        if override_of[i]:
            v = curated_by_id[override_of[i]]
            method, score, ev = "override", None, f"data/vendors.yaml {vid}: {v['citation']}"
        elif i in how:
            method, score, ev = how[i]
        else:
            method, score = ("uei", None) if ueis[i] else ("name_exact", None)
            ev = f"only recipient of this vendor (UEI {ueis[i]})" if ueis[i] else \
                f"only recipient of this vendor (normalised name '{norms[i]}')"
        match_rows.append({
            "recipient_key": recips.loc[i, "recipient_key"], "recipient_name": names[i] or None,
            "recipient_uei": ueis[i], "normalised_name": norms[i], "vendor_id": vid, "method": method,
            "score": score, "evidence": ev,
        })

    vendors = _vendor_table(vendor_rows, curated_by_id, names, ueis, norms, puei, pname, awards)
    matches = pd.DataFrame(match_rows, columns=["recipient_key", "recipient_name", "recipient_uei",
                                                "normalised_name", "vendor_id", "method", "score", "evidence"])
    fam = vendors.set_index("vendor_id")
    matches["parent_vendor_id"] = matches["vendor_id"].map(fam["parent_vendor_id"])
    matches["parent_method"] = matches["vendor_id"].map(fam["parent_method"])
    matches["parent_evidence"] = matches["vendor_id"].map(fam["parent_evidence"])
    matches["family_vendor_id"] = matches["vendor_id"].map(fam["family_vendor_id"])
    return matches, vendors


def _vendor_table(vendor_rows: dict, curated_by_id: dict, names, ueis, norms, puei, pname, awards) -> pd.DataFrame:
    """One row per vendor: display name, website, parent (curated or from the records), family root."""
    uei_vendor = {}
    norm_vendor = {}
    for vid, row in vendor_rows.items():
        for i in row["members"]:
            if ueis[i]:
                uei_vendor.setdefault(ueis[i], vid)
            if norms[i]:
                norm_vendor.setdefault(norms[i], vid)
    out: dict[str, dict] = {}
    for vid, v in curated_by_id.items():
        out[vid] = {"vendor_id": vid, "vendor_name": v["name"], "website": v.get("website"),
                    "basis": "override", "citation": v["citation"], "parent_vendor_id": v.get("parent"),
                    "parent_method": "override" if v.get("parent") else None,
                    "parent_evidence": f"data/vendors.yaml: {v['citation']}" if v.get("parent") else None,
                    "recipient_count": 0, "award_count": 0}
    created_parents: dict[str, dict] = {}
    for vid, row in vendor_rows.items():
        members = row["members"]
        rec = out.get(vid) or {"vendor_id": vid, "website": None, "basis": "records", "citation": None,
                               "parent_vendor_id": None, "parent_method": None, "parent_evidence": None}
        if vid not in curated_by_id:
            by_name: dict[str, int] = defaultdict(int)
            for i in members:
                by_name[names[i]] += awards[i]
            rec["vendor_name"] = max(by_name.items(), key=lambda kv: (kv[1], kv[0]))[0] or vid
        rec["recipient_count"] = len(members)
        rec["award_count"] = sum(awards[i] for i in members)
        if not rec.get("parent_vendor_id"):
            cands: dict[tuple, int] = defaultdict(int)
            for i in members:
                if (puei[i] and puei[i] != ueis[i]) or (pname[i] and normalise_name(pname[i]) != norms[i]):
                    if puei[i] and puei[i] == ueis[i]:
                        continue
                    cands[(puei[i], pname[i])] += awards[i] or 1
            if cands:
                (pu, pn), cnt = max(cands.items(), key=lambda kv: (kv[1], kv[0][1] or "", kv[0][0] or ""))
                pvid, method = None, None
                if pu and pu in uei_vendor:
                    pvid, method = uei_vendor[pu], "parent_uei"
                elif pn and normalise_name(pn) in norm_vendor:
                    pvid, method = norm_vendor[normalise_name(pn)], "parent_name"
                elif pn:
                    key = pu or normalise_name(pn)
                    if key not in created_parents:
                        cid = "v:" + slug(normalise_name(pn))
                        while cid in out or cid in vendor_rows or cid in {c["vendor_id"] for c in created_parents.values()}:
                            cid += "-parent"
                        created_parents[key] = {"vendor_id": cid, "vendor_name": pn, "website": None,
                                                "basis": "records (parent)", "citation": None,
                                                "parent_vendor_id": None, "parent_method": None,
                                                "parent_evidence": None, "recipient_count": 0, "award_count": 0}
                    pvid, method = created_parents[key]["vendor_id"], "parent_uei" if pu else "parent_name"
                if pvid and pvid != vid:
                    rec["parent_vendor_id"] = pvid
                    rec["parent_method"] = method
                    rec["parent_evidence"] = (f"award records name parent '{pn}'" + (f" (UEI {pu})" if pu else "")
                                              + f" on {cnt} award(s)")
        out[vid] = rec
    for p in created_parents.values():
        out[p["vendor_id"]] = p
    vendors = pd.DataFrame(list(out.values()))
    parent = {v: (p if isinstance(p, str) else None)
              for v, p in zip(vendors["vendor_id"], vendors["parent_vendor_id"], strict=True)}
    fam = {}
    for vid in parent:
        seen, cur = [vid], vid
        while parent.get(cur) and parent[cur] not in seen and len(seen) < 12:
            cur = parent[cur]
            seen.append(cur)
        fam[vid] = cur
    vendors["family_vendor_id"] = vendors["vendor_id"].map(fam)
    return vendors


def build(ctx) -> None:
    """Create `t_vendors` and `t_vendor_matches` (public as views `vendors`, `vendor_matches`)."""
    con = ctx.con
    overrides = curated.load_vendor_overrides(ctx.data_dir)
    recips = con.execute(
        """
        WITH p AS (
            SELECT recipient_key, recipient_parent_uei, recipient_parent_name, count(*) AS n,
                   max(coalesce(date_signed, last_action_date)) AS d
            FROM t_awards
            WHERE recipient_parent_uei IS NOT NULL OR recipient_parent_name IS NOT NULL
            GROUP BY ALL
        ), best_parent AS (
            SELECT recipient_key, arg_max(recipient_parent_uei, (n, d)) AS parent_uei,
                   arg_max(recipient_parent_name, (n, d)) AS parent_name
            FROM p GROUP BY recipient_key
        )
        SELECT a.recipient_key, any_value(a.recipient_name) AS recipient_name,
               any_value(a.recipient_uei) AS recipient_uei, any_value(b.parent_uei) AS parent_uei,
               any_value(b.parent_name) AS parent_name, count(*) AS award_count
        FROM t_awards a LEFT JOIN best_parent b USING (recipient_key)
        GROUP BY a.recipient_key
        ORDER BY a.recipient_key
        """
    ).df()
    matches, vendors = resolve(recips, overrides)
    vendors = vendors.assign(on_watchlist=False, watchlist_id=None, watchlist_name=None, watchlist_citation=None,
                             watchlist_basis=None)
    for frame, cols in ((vendors, ("watchlist_id", "watchlist_name", "watchlist_citation", "watchlist_basis",
                                   "website", "citation", "parent_vendor_id", "parent_method", "parent_evidence",
                                   "family_vendor_id", "vendor_name", "basis")),
                        (matches, ("recipient_name", "recipient_uei", "parent_vendor_id", "parent_method",
                                   "parent_evidence", "family_vendor_id"))):
        for col in cols:  # pandas NaN must reach DuckDB as NULL, not as the string 'nan'
            frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
    con.register("_matches", matches)
    con.register("_vendors", vendors)
    try:
        con.execute(
            "CREATE TABLE t_vendor_matches AS SELECT recipient_key::VARCHAR AS recipient_key, "
            "recipient_name::VARCHAR AS recipient_name, recipient_uei::VARCHAR AS recipient_uei, "
            "normalised_name::VARCHAR AS normalised_name, vendor_id::VARCHAR AS vendor_id, method::VARCHAR AS method, "
            "score::DOUBLE AS score, evidence::VARCHAR AS evidence, parent_vendor_id::VARCHAR AS parent_vendor_id, "
            "parent_method::VARCHAR AS parent_method, parent_evidence::VARCHAR AS parent_evidence, "
            "family_vendor_id::VARCHAR AS family_vendor_id FROM _matches"
        )
        con.execute(
            "CREATE TABLE t_vendors AS SELECT vendor_id::VARCHAR AS vendor_id, vendor_name::VARCHAR AS vendor_name, "
            "parent_vendor_id::VARCHAR AS parent_vendor_id, family_vendor_id::VARCHAR AS family_vendor_id, "
            "website::VARCHAR AS website, on_watchlist, watchlist_id::VARCHAR AS watchlist_id, "
            "watchlist_name::VARCHAR AS watchlist_name, watchlist_citation::VARCHAR AS watchlist_citation, "
            "watchlist_basis::VARCHAR AS watchlist_basis, "
            "basis::VARCHAR AS basis, citation::VARCHAR AS citation, parent_method::VARCHAR AS parent_method, "
            "parent_evidence::VARCHAR AS parent_evidence, recipient_count::BIGINT AS recipient_count, "
            "award_count::BIGINT AS award_count FROM _vendors ORDER BY vendor_id"
        )
    finally:
        con.unregister("_matches")
        con.unregister("_vendors")
    # Public names now (later steps, e.g. the lobbying links, read them); described in 910_model_views.sql.
    con.execute("CREATE VIEW vendor_matches AS SELECT * FROM t_vendor_matches")
    con.execute("CREATE VIEW vendors AS SELECT * FROM t_vendors")
    ctx.log(f"vendors: {len(vendors):,} vendors from {len(matches):,} recipients "
            f"({(matches['method'] != 'override').sum():,} automatic links)")
