"""The public-record sources, found on disk: every folder spiders/<name>/ that holds a spider.py is one.

Why discovery instead of a list: adding a source is one folder under spiders/ (and one under tests/); the
staging migrations, Scrapy's SPIDER_MODULES, the CLI and the build find it here, so no list elsewhere has to
be kept in step. Files are found by path, not imported: core stays below the spiders in the import layers.
"""

from __future__ import annotations

from pathlib import Path

from registry.core import paths

SPIDERS_DIR = paths.ROOT / "spiders"
CORE_STAGING = Path(__file__).with_name("staging.sql")


def names() -> list[str]:
    """Every source's one name (folder, spider name, source column, `registry crawl <name>`), sorted."""
    return sorted(d.name for d in SPIDERS_DIR.iterdir() if (d / "spider.py").is_file())


def folder(name: str) -> Path:
    """spiders/<name>/ of a known source; ValueError names the known ones."""
    if name not in names():
        raise ValueError(f"no source named {name!r} (sources: {', '.join(names())})")
    return SPIDERS_DIR / name


def has(name: str, part: str) -> bool:
    """True if the source's folder holds `part` (e.g. 'build.py', 'staging.sql', 'commands.py')."""
    return (folder(name) / part).is_file()


def module(name: str, part: str) -> str | None:
    """Dotted module of spiders/<name>/<part>.py, or None where the source has no such part."""
    return f"spiders.{name}.{part}" if has(name, f"{part}.py") else None


def staging_migrations() -> list[tuple[str, Path]]:
    """(migration name, DDL file): the shared tables first, then each source's staging.sql by name."""
    found = [("core", CORE_STAGING)]
    found += [(name, SPIDERS_DIR / name / "staging.sql") for name in names() if has(name, "staging.sql")]
    return found


def spider_modules() -> list[str]:
    """Scrapy's SPIDER_MODULES: spiders.<name>.spider for every source folder."""
    return [f"spiders.{name}.spider" for name in names()]
