"""SAM.gov's Get Opportunities API, replayed from tests/sam/files (J&A page, two award-notice pages, a description)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from spiders.sam.spider import DEFAULT_ORGANIZATIONS
from tests.replay import Replay
from tests.source_fixtures import FILES, FixtureServer


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    base: list[str] = []

    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        if path.endswith("/noticedesc"):
            return 200, "application/json", (FILES / "sam" / "files" / "ja_description.json").read_bytes()
        ptype, offset = query.get("ptype"), int(query.get("offset") or 0)
        name = "ja_notices_page1.json" if ptype == "u" else f"award_notices_page{1 + (offset > 0)}.json"
        text = (FILES / "sam" / "files" / name).read_text().replace("https://api.sam.gov", base[0])
        return 200, "application/json", text.encode()

    with FixtureServer(route) as server:
        base.append(server.base)
        yield Replay(kwargs={"api_url": server.base + "/opportunities/v2/search", "since": "2025-01-01",
                             "until": "2025-12-31", "organizations": [DEFAULT_ORGANIZATIONS[0]]},
                     env={"SAM_API_KEY": "replay-key-not-real"})
