"""What tests/test_every_spider.py needs from each source: a server on 127.0.0.1 that replays the source's
recorded responses, and the settings and arguments that point the source's spider at it.

Each source's test folder has a `replay.py` with `replay(shared_data) -> contextmanager[Replay]`; a spider the
loader lists without one fails the test, so a new source cannot skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Replay:
    settings: dict[str, Any] = field(default_factory=dict)  # Scrapy settings (base URLs) for this run
    kwargs: dict[str, Any] = field(default_factory=dict)    # spider arguments
    env: dict[str, str] = field(default_factory=dict)       # environment (e.g. a made-up API key)
