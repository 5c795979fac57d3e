"""`registry ARGS` for the hostile tests, forked from the suite's warm interpreter (tests/warm_process.py).

Kept as the hostile tests' one entry point (their `forkserver.run`): the same entry point (`registry.cli:app`),
exit code and streams as the console script, without ~2 s of imports per command."""

from __future__ import annotations

import subprocess

from tests import warm_process


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120, prog: str = "registry"
        ) -> subprocess.CompletedProcess:
    """`registry ARGS` (or `scrapy ARGS`) in a forked child; the same CompletedProcess as run_cli."""
    return warm_process.run(*args, prog=prog, env=env, timeout=timeout)
