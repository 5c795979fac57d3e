"""Where the registry's files live, so every command agrees without passing paths around."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"


def registry_path() -> Path:
    """The built registry the dashboard reads (REGISTRY_PATH overrides, e.g. for tests)."""
    return Path(os.environ.get("REGISTRY_PATH", ROOT / "registry.duckdb"))


def staging_path() -> Path:
    """The staging store spiders and loaders write to (STAGING_PATH overrides)."""
    return Path(os.environ.get("STAGING_PATH", ROOT / "staging.duckdb"))


def sample_staging_path() -> Path:
    """Staging built from the bundled sample; kept apart so a sample build never touches crawled data."""
    return Path(os.environ.get("SAMPLE_STAGING_PATH", ROOT / "build" / "sample-staging.duckdb"))
