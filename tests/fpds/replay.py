"""The FPDS ATOM feed, replayed: the real GSA page from ../shared/data (ten entries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.replay import Replay
from tests.source_fixtures import FixtureServer


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    page = (shared_data / "fpds_atom" / "fpds_atom_feed_full_response_sample.xml").read_bytes()

    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        return 200, "application/atom+xml", page

    with FixtureServer(route) as server:
        yield Replay(kwargs={"atom_url": server.base + "/ezsearch/FEEDS/ATOM", "piids": "1B3G02670",
                             "max_pages": 1},
                     settings={"FPDS_ATOM_URL": server.base + "/ezsearch/FEEDS/ATOM"})
