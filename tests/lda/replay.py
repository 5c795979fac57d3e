"""The LDA filings API, replayed: a real page (tests/lda/files) and its constructed second page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.replay import Replay
from tests.source_fixtures import FILES, FixtureServer

PAGE1 = FILES / "lda" / "files" / "filings_2024_page1.json"
PAGE2 = FILES / "lda" / "files" / "constructed_page2_palantir.json"


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        if path == "/api/v1/filings/":
            return 200, "application/json", (PAGE2 if query.get("page") == "2" else PAGE1).read_bytes()
        return 404, "text/plain", b"not found"

    with FixtureServer(route) as server:
        yield Replay(kwargs={"api_url": server.base + "/api/v1/filings/", "vendors": ["Palantir"],
                             "roles": ["client"], "years": [2024], "max_pages": 2},
                     settings={"DOWNLOAD_DELAY": 0})
