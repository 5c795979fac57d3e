"""Full-text search over awards with tantivy: built by `registry build` beside the registry, read by the dashboard.

Why tantivy, not DuckDB's fts extension: the pip-installable fts build (`duckdb-ext-fts`) stops at DuckDB 1.4.4 and
the project runs DuckDB 2.0.1; tantivy (a Lucene-like engine in Rust, PyPI `tantivy`) gives BM25 ranking, phrase
queries, fuzzy terms and a query language, with an on-disk index any number of readers can open at once.

Why beside the registry, named in it: the build writes the index into a new folder `<registry>.fts-<stamp>`
before the atomic rename of the registry file and records the folder's name in `registry_meta`
(key `fulltext_index`), so the file a reader opens always names the index built with it. Older folders are
removed after the swap, except the one the previous registry named (a dashboard may still be reading it).

One document per award, with its text in fields that are weighted apart (an id or a system name that matches
says more than a word in a long description): ids (PIID, award id, parent PIID), systems (named systems linked
to the award, with their aliases), vendors (recipient, vendor, parent and family names, every name matched to the
family, watchlist products), text (award and modification descriptions, product and industry descriptions,
capability names). Synonyms curated in data/search_synonyms.yaml widen a query (OSINT -> open source).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import tantivy

from registry.core import paths
from registry.core.yamlfile import safe_load

FIELDS = ("ids", "systems", "vendors", "text")
BOOSTS = {"ids": 4.0, "systems": 3.0, "vendors": 2.0, "text": 1.0}
META_KEY = "fulltext_index"
_WRITER_HEAP = 64 * 2**20

# One row per award: the text of every field (lists joined by newlines).
DOCUMENTS_SQL = """
WITH family_names AS (
        SELECT family_vendor_id, list(DISTINCT vendor_name) AS names FROM vendors GROUP BY ALL),
     matched_names AS (
        SELECT family_vendor_id, list(DISTINCT recipient_name) AS names FROM vendor_matches GROUP BY ALL),
     system_awards AS (
        SELECT l.to_id AS award_key, s.system_id FROM links l JOIN systems s ON s.system_id = l.from_id
        WHERE l.from_kind = 'system' AND l.to_kind = 'award'
        UNION
        SELECT t.award_key, s.system_id FROM links l JOIN systems s ON s.system_id = l.from_id
             JOIN transactions t ON t.transaction_key = l.to_id
        WHERE l.from_kind = 'system' AND l.to_kind = 'transaction'),
     system_names AS (
        SELECT sa.award_key, list(DISTINCT s.name) || flatten(list(s.aliases)) AS names
        FROM system_awards sa JOIN systems s USING (system_id) GROUP BY ALL),
     mods AS (
        SELECT award_key, string_agg(DISTINCT description, '\n') AS text FROM transactions GROUP BY ALL),
     products AS (
        SELECT v.vendor_id, array_to_string(json_extract_string(w.products, '$[*].name'), '\n') AS names
        FROM vendors v JOIN watchlist w ON w.watchlist_id = v.watchlist_id)
SELECT a.award_key,
       concat_ws('\n', a.piid, a.award_key, a.parent_piid) AS ids,
       array_to_string(coalesce(sn.names, []), '\n') AS systems,
       concat_ws('\n', a.vendor_name, a.recipient_name, a.recipient_parent_name, a.parent_vendor_name,
                 a.family_vendor_name, array_to_string(coalesce(fn.names, []), '\n'),
                 array_to_string(coalesce(mn.names, []), '\n'), p.names) AS vendors,
       concat_ws('\n', a.description, m.text, a.psc_description, a.naics_description,
                 a.capability_names) AS text
FROM awards a
LEFT JOIN family_names fn ON fn.family_vendor_id = a.family_vendor_id
LEFT JOIN matched_names mn ON mn.family_vendor_id = a.family_vendor_id
LEFT JOIN system_names sn ON sn.award_key = a.award_key
LEFT JOIN mods m ON m.award_key = a.award_key
LEFT JOIN products p ON p.vendor_id = a.family_vendor_id
"""



def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("award_key", stored=True, tokenizer_name="raw")
    for f in FIELDS:
        b.add_text_field(f, stored=False, tokenizer_name="default")
    return b.build()


def index_dir_for(registry: Path, name: str) -> Path:
    return Path(registry).parent / name


def build_index(con: duckdb.DuckDBPyConnection, out: Path, log: Callable[[str], None] = lambda _m: None) -> str:
    """Write the index for the registry being built on `con` into a new folder beside `out`; return its name."""
    name = f"{Path(out).name}.fts-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    folder = index_dir_for(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        index = tantivy.Index(_schema(), path=str(folder))
        writer = index.writer(heap_size=_WRITER_HEAP, num_threads=1)
        reader = con.sql(DOCUMENTS_SQL).to_arrow_reader(10_000)
        n = 0
        for batch in reader:
            cols = batch.to_pydict()
            for i, key in enumerate(cols["award_key"]):
                writer.add_document(tantivy.Document(award_key=key, **{f: cols[f][i] or "" for f in FIELDS}))
                n += 1
        writer.commit()
        writer.wait_merging_threads()
        log(f"build: full-text index of {n:,} awards in {folder.name}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return name


def prune(out: Path, keep: set[str]) -> None:
    """Remove index folders of older builds (never the ones in `keep`)."""
    for p in Path(out).parent.glob(Path(out).name + ".fts-*"):
        if p.name not in keep and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def previous_index(out: Path) -> str | None:
    """The index folder the registry now at `out` names (read before it is replaced)."""
    if not Path(out).exists():
        return None
    try:
        con = duckdb.connect(str(out), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT value FROM registry_meta WHERE key = ?", [META_KEY]).fetchone()
        return row[0] if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


# ------------------------------------------------------------------------------------------- reading

def load_synonyms(path: Path | None = None) -> dict[str, list[str]]:
    """Curated query expansions (lower-cased term -> phrases), from data/search_synonyms.yaml."""
    p = path or (paths.DATA_DIR / "search_synonyms.yaml")
    if not p.exists():
        return {}
    entries = safe_load(p.read_text()).get("synonyms", [])
    out: dict[str, list[str]] = {}
    for e in entries:
        terms = [str(t) for t in e["terms"]]
        for t in terms:
            out.setdefault(t.lower(), []).extend(x for x in terms if x.lower() != t.lower())
    return out


_WORD = re.compile(r'"[^"]*"|\S+')
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits, as tantivy's default tokenizer splits


def to_query(text: str, synonyms: dict[str, list[str]]) -> str:
    """The user's words as a tantivy query: quoted phrases kept, hyphenated words become phrases, synonyms added.

    The user's text is never passed to the parser as query syntax (no field names, ranges or regexes): each word
    is quoted, so `award_key:x` or `[a TO b]` is searched as words.
    """
    parts = []
    for raw in _WORD.findall(text):
        phrase = raw.strip('"')
        words = _TOKEN.findall(phrase)
        if not words:
            continue
        core = " ".join(words)
        alts = [core, *synonyms.get(core.lower(), [])]
        quoted = ['"' + " ".join(_TOKEN.findall(a)) + '"' for a in alts]
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(parts)


def _fuzzy_query(text: str) -> str:
    """Bare words (no quotes) for the fuzzy pass: tantivy applies fuzziness to terms, not phrases."""
    return " AND ".join(w for w in _TOKEN.findall(text) if len(w) >= 3)


class Searcher:
    """An opened index: search(text) -> [(award_key, score)], best first, and whether spelling was relaxed."""

    def __init__(self, folder: Path, synonyms: dict[str, list[str]] | None = None) -> None:
        self.index = tantivy.Index.open(str(folder))
        self.synonyms = load_synonyms() if synonyms is None else synonyms

    def _run(self, query_text: str, fuzzy: bool, limit: int) -> list[tuple[str, float]]:
        if not query_text:
            return []
        fuzzy_fields = {f: (False, 1, True) for f in FIELDS} if fuzzy else None
        query, _errors = self.index.parse_query_lenient(query_text, list(FIELDS), field_boosts=BOOSTS,
                                                        fuzzy_fields=fuzzy_fields)
        searcher = self.index.searcher()
        hits = searcher.search(query, limit).hits
        return [(searcher.doc(addr)["award_key"][0], float(score)) for score, addr in hits]

    def search(self, text: str, limit: int = 100_000) -> tuple[list[tuple[str, float]], bool]:
        """Exact words and phrases first; only when nothing matches, the same words with one spelling slip."""
        exact = self._run(to_query(text, self.synonyms), False, limit)
        if exact:
            return exact, False
        return self._run(_fuzzy_query(text), True, limit), True
