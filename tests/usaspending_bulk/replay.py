"""USAspending's bulk download job, played by the fake job server of test_bulk_spider.py with the fixture zip."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import bulk_fixtures as bf
from tests.replay import Replay
from tests.usaspending_bulk.test_bulk_spider import FakeBulkApi


@contextmanager
def replay(shared_data: Path) -> Iterator[Replay]:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "All_PrimeTransactions_2026-11-23_H10M00S00000000.zip"
        rows = bf.bulk_rows() + bf.BAD_ROWS
        data = bf.transactions_zip(path, rows, split=2)
        with FakeBulkApi(data, total_rows=len(rows)) as api:
            yield Replay(kwargs={"api_url": api.base, "agencies": ["U.S. Immigration and Customs Enforcement"],
                                 "since": "2024-10-01", "until": "2025-09-30"},
                         settings={"BULK_POLL_DELAY": 0.05, "RETRY_BACKOFF_BASE": 0.05,
                                   "AUTOTHROTTLE_ENABLED": False, "BULK_DOWNLOAD_DIR": str(Path(d) / "dl")})
