"""The AI use-case inventories, replayed: the bundled sample's three yearly CSVs (real rows of DHS and DOJ)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.core.paths import SAMPLE_DIR
from tests.replay import Replay
from tests.source_fixtures import FixtureServer

FILES = {y: SAMPLE_DIR / f"ai_use_cases_{y}_dhs_doj.csv" for y in ("2023", "2024", "2025")}


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        year = path.strip("/").removesuffix(".csv")
        if year in FILES:
            return 200, "text/csv", FILES[year].read_bytes()
        return 404, "text/plain", b"not found"

    with FixtureServer(route) as server:
        urls = {y: f"{server.base}/{y}.csv" for y in FILES}
        yield Replay(settings={"AI_INVENTORY_URLS": json.dumps(urls)})
