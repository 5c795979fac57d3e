"""`registry new-source NAME`: a new public-record source as one folder and one test folder, ready to fill in.

Why: adding a source used to touch about fifteen files in ten folders. Now a source is spiders/<name>/ and
tests/<name>/, and the rest of the project finds it (Scrapy's SPIDER_MODULES, the staging migrations, the
build's step order, `registry crawl <name>`, tests/test_every_spider.py). This writes both folders with a
working spider for a paged JSON API, its item, staging DDL, build step, README, a replay of a constructed
page and a test that runs; the user then replaces the constructed page with a recorded one and the fields
with the source's. Nothing is written if either folder exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from registry.core import paths

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class ScaffoldError(ValueError):
    """The name is not a usable source name, or the source exists already."""


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _import_block(imports: list[tuple[str, str]]) -> str:
    """`from MODULE import NAMES` lines sorted by module, as isort sorts one section."""
    return "\n".join(f"from {module} import {names}" for module, names in sorted(imports))


def files(name: str, url: str, title: str) -> dict[str, str]:
    """Relative path -> content of every file of a new source."""
    cls = _class_name(name)
    setting = f"{name.upper()}_API_URL"
    table = f"stg_{name}"
    # Import blocks in the order ruff's isort wants, whatever the name sorts next to (a scaffold that fails
    # `ruff check` for some names is a scaffold that fails CI for them).
    spider_imports = _import_block([("spiders.base", "RegistrySpider"), ("spiders.items", "RejectItem"),
                                    (f"spiders.{name}.items", f"{cls}Item")])
    test_imports = _import_block([(f"tests.{name}.replay", "PAGE1"),
                                  ("tests.source_fixtures", "offline, response, split, stage")])
    fixture = {
        "count": 3,
        "next": None,
        "_comment": "TEST FIXTURE, constructed by `registry new-source`: replace it with a recorded response",
        "results": [
            {"id": "A-1", "title": "First record", "published": "2025-01-15", "url": f"{url}/A-1"},
            {"id": "A-2", "title": "Second record", "published": "2025-02-03", "url": f"{url}/A-2"},
            {"id": "", "title": "A record without its id", "published": "2025-03-01", "url": None},
        ],
    }
    return {
        f"spiders/{name}/__init__.py": f'"""The {name} source: spider, items, staging DDL, build step and README."""\n',
        f"spiders/{name}/README.md": f"""# {name} — {title}

**What:** (say what the records are and who publishes them). **Where:** {url} (setting `{setting}`).
**Run:** `registry crawl {name}`.

Quirks:
- (paging, rate limits, keys, fields that lie: what the next person must know)

Tests and recorded responses: `tests/{name}/`.
""",
        f"spiders/{name}/spider.py": f'''"""`{name}`: {title}.

Source format: a JSON API answering {{"count", "next", "results": [...]}} (replace with the source's own).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

from scrapy.http import Request, Response

{spider_imports}

DEFAULT_API_URL = "{url}"


class {cls}Spider(RegistrySpider):
    """Every page of the source's listing."""

    name = "{name}"
    base_url_setting = "{setting}"
    default_base_url = DEFAULT_API_URL

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.base_url, callback=self.parse, errback=self.page_failed, cb_kwargs={{"first": True}})

    def parse(self, response: Response, first: bool = False) -> Iterator[{cls}Item | RejectItem | Request]:
        """One page: its records, then `next` while there is one."""
        try:
            data = json.loads(response.text)
        except ValueError:
            yield self.reject(response.url, "page", "page: not JSON", response.text)
            return
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            yield self.reject(response.url, "page", "page: no results list", response.text)
            return
        if first and isinstance(data.get("count"), int):
            self.count_expected(data["count"])  # the source's own total: 0 makes an empty run 'empty', not failed
        fetched_at = datetime.now(UTC)
        for record in data["results"]:
            if not isinstance(record, dict):
                yield self.reject(response.url, "{name}", "record: not a JSON object", json.dumps(record))
                continue
            yield {cls}Item(source=self.source, source_url=response.url, fetched_at=fetched_at,
                            raw_payload=json.dumps(record, sort_keys=True),
                            record_id=record.get("id"), title=record.get("title"),
                            published=record.get("published"), url=record.get("url"))
        if data.get("next"):
            yield Request(response.urljoin(data["next"]), callback=self.parse, errback=self.page_failed)
''',
        f"spiders/{name}/items.py": f'''"""The {name} source's item: one record, validated into a row of {table}.

Its fields, their types and the required ones come from {table} in staging.sql (see spiders/items.py):
add a column there and the item has the field. Only what the DDL cannot say is written here.
"""

from __future__ import annotations

from spiders.items import RegistryItem


class {cls}Item(RegistryItem):
    """One record of the source."""

    staging_table = "{table}"
    kind = "{name}"
''',
        f"spiders/{name}/staging.sql": f"""-- {title}: one row per record, as fetched, with its provenance and raw payload.

CREATE TABLE IF NOT EXISTS {table} (
    record_id       VARCHAR PRIMARY KEY,
    title           VARCHAR,
    published       DATE,
    url             VARCHAR,
    source          VARCHAR NOT NULL,
    source_url      VARCHAR NOT NULL,
    fetched_at      TIMESTAMPTZ NOT NULL,
    payload_sha256  VARCHAR NOT NULL,
    raw_payload     VARCHAR,
    run_id          VARCHAR
);
""",
        f"spiders/{name}/build.py": f'''"""Build step of the {name} source: its staging rows as the table t_{name} and the public view `{name}`."""

from __future__ import annotations

from registry.core.steps import describe_from_schema, staging_table

# What this build step reads and writes: registry/build_order.py sorts the steps by them.
READS = ("stg.{table}",)
WRITES = ("t_{name}", "{name}")


def build(ctx) -> None:
    con = ctx.con
    src = staging_table(con, "{table}", "{name}")
    columns = "record_id, title, published, url, source, source_url, fetched_at, payload_sha256"
    con.execute(f"CREATE TABLE t_{name} AS SELECT {{columns}} FROM {{src}}")  # noqa: S608 (our own table names)
    con.execute("CREATE VIEW {name} AS SELECT * FROM t_{name}")
    describe_from_schema(con, "{name}", "{name}")  # COMMENT ON from schema.yaml
''',
        f"spiders/{name}/schema.yaml": f"""# The {name} source's public views, declared once: what each view is and what every column means.
# The build's COMMENT ON statements come from here; a view column without a description fails the build.
views:
  {name}:
    description: "{title}: one row per record."
    columns:
      record_id: The source's id of the record.
      title: Title as published.
      published: Date the source published the record.
      url: The record's page at the source.
      source: Spider that fetched the record ({name}).
      source_url: The API page the record came from.
      fetched_at: When it was fetched (UTC).
      payload_sha256: SHA-256 of the raw record as fetched (the raw payload stays in staging).
""",
        f"spiders/{name}/commands.py": f'''"""`registry crawl {name}`: a thin CLI shell over the spider, run by the project's crawl runner."""

from __future__ import annotations

from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, StagingOpt


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add `registry crawl {name}`."""

    @crawl_app.command("{name.replace("_", "-")}")
    def crawl(
        api_url: Annotated[str | None, typer.Option("--api-url", help="API URL (default: setting {setting})")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """{title}."""
        run_crawl("{name}", staging, {{}}, {{"api_url": api_url}} if api_url else {{}})
''',
        f"tests/{name}/__init__.py": "",
        f"tests/{name}/files/page1.json": json.dumps(fixture, indent=2) + "\n",
        f"tests/{name}/files/README.md": "- `page1.json`: TEST FIXTURE, constructed by `registry new-source` "
                                         "(replace with a recorded response and say where it came from).\n",
        f"tests/{name}/replay.py": f'''"""The {name} source replayed on 127.0.0.1 (tests/test_every_spider.py runs its spider against it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.replay import Replay
from tests.source_fixtures import FixtureServer

PAGE1 = Path(__file__).with_name("files") / "page1.json"


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        return 200, "application/json", PAGE1.read_bytes()

    with FixtureServer(route) as server:
        yield Replay(kwargs={{"api_url": server.base + "/api/records"}})
''',
        f"tests/{name}/test_{name}.py": f'''"""The {name} spider reads its recorded page: every record an item, a record without its id a reject."""

from __future__ import annotations

import duckdb

from registry.core import store
from spiders.{name}.spider import {cls}Spider
{test_imports}

API = "http://127.0.0.1:9/api/records"


def test_page_yields_items_and_a_reject_for_a_record_without_its_id(tmp_path):
    spider = offline({cls}Spider(api_url=API))
    items, rejects, requests = split(spider.parse(response(PAGE1, API), first=True))
    assert [i["record_id"] for i in items] == ["A-1", "A-2", ""]
    assert rejects == [] and requests == []
    con = store.connect(tmp_path / "staging.duckdb")
    counts = stage(con, items)
    assert counts == {{"{table}": 2, "rejects": 1}}
    rows = con.execute("SELECT record_id, published, source FROM {table} ORDER BY 1").fetchall()
    reason = con.execute("SELECT reason FROM rejects").fetchone()[0]
    con.close()
    assert [r[0] for r in rows] == ["A-1", "A-2"] and all(r[2] == "{name}" for r in rows)
    assert reason == "record_id: missing"


def test_the_build_makes_its_public_view(tmp_path):
    from registry import build

    con = store.connect(tmp_path / "staging.duckdb")
    spider = offline({cls}Spider(api_url=API))
    items, _, _ = split(spider.parse(response(PAGE1, API), first=True))
    stage(con, items)
    con.close()
    build.build(tmp_path / "staging.duckdb", tmp_path / "registry.duckdb")
    reg = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    assert reg.execute("SELECT count(*) FROM {name}").fetchone()[0] == 2
    reg.close()
''',
    }


def new_source(name: str, url: str, title: str, root: Path | None = None) -> list[Path]:
    """Write the new source's two folders under `root` (the repository); returns the files written."""
    root = root or paths.ROOT
    if not NAME.match(name):
        raise ScaffoldError(f"source name must be lower case letters, digits and _ (one name everywhere), not {name!r}")
    for folder in (root / "spiders" / name, root / "tests" / name):
        if folder.exists():
            raise ScaffoldError(f"{folder} exists already: a source is written once")
    written = []
    for rel, text in files(name, url.rstrip("/"), title).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
