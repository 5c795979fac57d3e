"""OMB's COTS AI list replayed on 127.0.0.1: the real published CSV (../shared/data, see tests/ai_cots/README.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.replay import Replay
from tests.source_fixtures import FixtureServer

COTS_CSV = "federal_ai_use_case_inventory/2025_consolidated_COTS_AI_use_cases.csv"
PATH = "/ombegov/Data/2025_consolidated_COTS_AI_use_cases.csv"


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    body = (shared_data / COTS_CSV).read_bytes()

    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        if path == PATH:
            return 200, "text/csv; charset=utf-8", body
        return 404, "text/plain", b"not found"

    with FixtureServer(route) as server:
        yield Replay(settings={"AI_COTS_URL": server.base + PATH})
