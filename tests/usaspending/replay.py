"""USAspending's API, played by tests/fake_usaspending.py (response shapes from a recorded award detail)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fake_usaspending import FakeUsaspending, make_awards
from tests.replay import Replay


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    with FakeUsaspending(make_awards(5, mods=2)) as api:
        yield Replay(kwargs={"api_url": api.base, "agencies": ["7012"], "since": "2021-01-01",
                             "until": "2025-12-31"},
                     settings={"AUTOTHROTTLE_ENABLED": False, "PROGRESS_INTERVAL": 0})
