"""The bundled offline sample (data/sample/): loaded through the same loaders a user runs on downloads.

Why a manifest: every sample file says which loader reads it and where it came from, so the dashboard's
sample banner and the README can name the origin of every row, and nothing enters by a side door.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

import yaml

from registry.core import paths, store

# Loader name -> "module:function"; the function takes (staging connection, path, origin_url).
LOADERS: dict[str, str] = {
    "usaspending_search_csv": "registry.loaders.search_csv:load",
    "ai_inventory_csv": "spiders.ai_inventory.build:load_sample",
}


def manifest(sample_dir: Path | None = None) -> list[dict]:
    """Entries of data/sample/manifest.yaml, in load order."""
    sample_dir = sample_dir or paths.SAMPLE_DIR
    with open(sample_dir / "manifest.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)["files"]


def load_sample(
    staging: Path | None = None, sample_dir: Path | None = None, log: Callable[[str], None] = lambda _m: None
) -> Path:
    """Rebuild the sample staging store from scratch (a sample build never reads crawled data)."""
    sample_dir = sample_dir or paths.SAMPLE_DIR
    staging = Path(staging or paths.sample_staging_path())
    tmp = staging.with_name(staging.name + ".loading")
    con = store.connect(store.remove(tmp))
    try:
        for entry in manifest(sample_dir):
            module, _, func = LOADERS[entry["loader"]].partition(":")
            result = getattr(import_module(module), func)(con, sample_dir / entry["path"], entry.get("origin"))
            log(f"sample: {entry['path']}: {result}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(staging)
    return staging


def describe(sample_dir: Path | None = None) -> str:
    """One paragraph for the dashboard banner: what the sample holds and where it came from."""
    parts = [f"{e['path']} ({e.get('origin', 'origin unknown')})" for e in manifest(sample_dir)]
    return "; ".join(parts)
