"""Spider arguments as lists: from the runner they arrive as lists, from `scrapy crawl -a` as one string.

Each spider names its own separators, since its values may contain the others (agency names have commas,
so usaspending splits on ';'; LDA splits vendor names on '|')."""

from __future__ import annotations

from typing import Any


def as_list(value: Any, separators: str = ";") -> list[str]:
    """Trimmed non-empty items of a list, or of a string split on any of `separators`; [] for nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        for sep in separators[1:]:
            value = value.replace(sep, separators[0])
        return [v.strip() for v in value.split(separators[0]) if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]
