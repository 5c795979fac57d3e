"""`registry new-source NAME` writes a source that works end to end, in a copy of the repository.

What a contributor checks: after the command, the new spider is listed by Scrapy's loader, its staging table
is migrated, its build step is placed by the build order, `registry crawl NAME` exists, and the test it wrote
passes, as does tests/test_every_spider.py for it (real crawls of its replayed page, clean and over faults). Run
in a temporary copy so the repository itself is never changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import ROOT, SHARED_DATA

# In the copy, after `new-source`: what the loader, the build order and the CLI see, written to argv[1]; then pytest
# with the rest of argv, in the same interpreter (one start instead of two).
PROBE_THEN_TEST = """
import json, sys
from typer.testing import CliRunner
from registry.cli import app
from registry import build_order
from scrapy.spiderloader import SpiderLoader
from registry.crawl import project_settings
again = CliRunner().invoke(app, ['new-source', 'gsa_elibrary'])
helped = CliRunner().invoke(app, ['crawl', 'gsa_elibrary', '--help'])
with open(sys.argv[1], 'w') as f:
    json.dump({'spiders': sorted(SpiderLoader.from_settings(project_settings()).list()),
               'steps': [s.id for s in build_order.ordered()],
               'again': [again.exit_code, again.stderr], 'helped': [helped.exit_code, helped.stdout]}, f)
import pytest
sys.exit(pytest.main(sys.argv[2:]))
"""
IGNORE = shutil.ignore_patterns("artifacts", "*.duckdb", "*.duckdb.wal")


def test_new_source_scaffold_writes_a_source_whose_tests_pass(tmp_path):
    repo = tmp_path / "repo"
    for part in ("registry", "spiders", "tests", "data"):
        shutil.copytree(ROOT / part, repo / part, ignore=IGNORE)
    for part in ("pyproject.toml", "scrapy.cfg"):
        shutil.copy(ROOT / part, repo / part)
    (tmp_path / "shared").symlink_to(SHARED_DATA.parent)  # the copy's ../shared, as beside the checkout
    env = {**os.environ, "PYTHONPATH": str(repo)}
    env.pop("REGISTRY_PATH", None)
    env.pop("STAGING_PATH", None)

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=timeout)

    cli = ("-c", "from registry.cli import app; app()")  # the copy's own `registry` command
    made = run(*cli, "new-source", "gsa_elibrary", "--url", "https://www.gsaelibrary.gsa.gov/api",
               "--title", "GSA eLibrary contract records")
    assert made.returncode == 0, made.stderr
    assert "spiders/gsa_elibrary/spider.py" in made.stdout and "tests/gsa_elibrary/test_gsa_elibrary.py" in made.stdout
    # What it wrote passes the project's lint as written ('gsa_elibrary' sorts between the spiders' own imports).
    linted = run("-m", "ruff", "check", "--no-cache", "spiders/gsa_elibrary", "tests/gsa_elibrary")
    assert linted.returncode == 0, linted.stdout[-3000:] + linted.stderr[-1000:]

    # One new interpreter (the new source is discovered at import) asks what the loader, the build order and the
    # CLI now see (the CLI through Typer's runner, as tests/conftest.py's invoke_cli does), then runs the tests.
    seen_file = tmp_path / "seen.json"
    tests = run("-c", PROBE_THEN_TEST, str(seen_file), "-q", "-p", "no:cacheprovider", "tests/gsa_elibrary",
                "tests/test_every_spider.py::test_spider_crawls_its_recorded_responses_clean_and_over_a_faulty_network[gsa_elibrary]",
                "tests/test_every_spider.py::test_the_loader_lists_every_source_folder", timeout=600)
    assert seen_file.exists(), tests.stderr[-3000:]
    seen = json.loads(seen_file.read_text())
    assert "gsa_elibrary" in seen["spiders"] and "py:spiders.gsa_elibrary.build:build" in seen["steps"]
    assert seen["again"][0] == 2 and "exists already" in seen["again"][1]
    assert seen["helped"][0] == 0 and "--api-url" in seen["helped"][1]
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert "4 passed" in tests.stdout
