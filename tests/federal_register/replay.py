"""The Federal Register's documents search, replayed: a real first page (../shared/data) and a second page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.replay import Replay
from tests.source_fixtures import FILES, FixtureServer

PAGE1 = "federal_register_api/documents_search_2024_page1_slice.json"
PAGE2 = FILES / "federal_register" / "files" / "page2_dhs_ice_sorn.json"


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    page1 = (shared_data / PAGE1).read_bytes()

    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        if path == "/api/v1/documents.json":
            return 200, "application/json", PAGE2.read_bytes() if query.get("page") == "2" else page1
        return 404, "text/plain", b"not found"

    with FixtureServer(route) as server:
        yield Replay(kwargs={"api_url": server.base + "/api/v1", "agencies": ["justice-department"]})
