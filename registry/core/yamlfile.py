"""Reading the project's YAML files (curated knowledge, schema declarations) with one loader.

Why one place: the build reads a thousand-entry gazetteer and a dozen schema files in every process that
builds; libyaml's safe loader (when PyYAML was built with it) reads the same data several times faster than
the pure-Python one. Both are safe loaders: no tags that construct objects.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: IO[str] | str) -> Any:
    """yaml.safe_load with libyaml's loader where available (same data)."""
    return yaml.load(stream, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
