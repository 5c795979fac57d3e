"""Pytest's rewritten modules written ahead of a run (`make bytecode`, `python -m tests.assert_cache`).

Why: pytest rewrites the asserts of each test module, conftest and pytest-plugin package it imports, and caches the
result beside the source (`__pycache__/NAME.cpython-XY-pytest-V.pyc`), but only where bytecode may be written. With
PYTHONDONTWRITEBYTECODE set (as on CI machines) every process of a run, the xdist controller and each worker, rewrote
the same ~200 modules again: about 3.5 s of CPU per process before its first test. Pytest does read a cache file it
finds, and the file is hash-checked against its source (PEP 552), so a stale one is rewritten in the run, never used.

This writes the files pytest would write, with pytest's own functions (the same code object), for each module whose
file is missing or stale; when nothing changed it only hashes the sources (~0.2 s with pytest's import). Those
functions are private: if a pytest release moves them, this says so and writes nothing (the run then rewrites, as
before), rather than failing the setup.
"""

from __future__ import annotations

import importlib.metadata
import sys
import tomllib
from concurrent.futures import ProcessPoolExecutor
from fnmatch import fnmatch
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _ini() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f).get("tool", {}).get("pytest", {}).get("ini_options", {})


def rewritten_as_tests(ini: dict) -> list[Path]:
    """The modules pytest rewrites as tests: conftest.py and files matching `python_files` under `testpaths`."""
    patterns = ini.get("python_files", ["test_*.py", "*_test.py"])
    if isinstance(patterns, str):
        patterns = patterns.split()
    found = []
    for top in ini.get("testpaths", ["."]):
        for path in (ROOT / top).rglob("*.py"):
            if path.name == "conftest.py" or any(fnmatch(path.name, p) for p in patterns):
                found.append(path)
    return found


def plugin_modules() -> list[Path]:
    """Every module of the packages pytest marks for rewriting because their distribution registers a plugin
    (`pytest11` entry point): pytest rewrites those it imports, in the controller and in each worker."""
    from _pytest.config import _iter_rewritable_modules

    found = []
    for dist in importlib.metadata.distributions():
        if not any(ep.group == "pytest11" for ep in dist.entry_points):
            continue
        files = [str(f) for f in dist.files or []]
        names = set(_iter_rewritable_modules(files))
        for f in files:
            if f.endswith(".py") and f.split("/")[0].removesuffix(".py") in names:
                found.append(Path(dist.locate_file(f)).resolve())
    return found


def _cache_file(source: Path) -> Path:
    from _pytest.assertion.rewrite import PYC_TAIL, get_cache_dir

    return get_cache_dir(source) / (source.name[:-3] + PYC_TAIL)


def _rewrite(source: Path) -> None:
    """Rewrite one module as pytest's import hook does (no config: the assertion-pass hook is off, as here) and
    write its cache file atomically (pytest's own writer), so a run reading it at the same time sees a whole file."""
    from _pytest.assertion.rewrite import _rewrite_test, _write_pyc

    try:
        source_hash, code = _rewrite_test(source, None)
    except SyntaxError:  # pytest reports it when it collects the module
        return
    pyc = _cache_file(source)
    try:
        pyc.parent.mkdir(exist_ok=True)
    except OSError:  # a read-only folder (a system site-packages): pytest rewrites that module in the run
        return
    _write_pyc(SimpleNamespace(trace=lambda message: None), code, source_hash, pyc)  # ignores a failed write too


def main() -> int:
    ini = _ini()
    if ini.get("enable_assertion_pass_hook"):
        print("assert_cache: enable_assertion_pass_hook is set; left to pytest", file=sys.stderr)
        return 0
    try:
        from _pytest.assertion.rewrite import _read_pyc

        modules = rewritten_as_tests(ini) + plugin_modules()
        stale = [m for m in modules if _read_pyc(m, _cache_file(m)) is None]
    except (ImportError, AttributeError, TypeError) as e:
        print(f"assert_cache: pytest's rewrite internals changed ({e!r}); nothing written", file=sys.stderr)
        return 0
    if len(stale) > 16:  # a fresh checkout or venv: ~270 modules, on every core
        try:
            with ProcessPoolExecutor() as pool:
                list(pool.map(_rewrite, stale, chunksize=8))
            return 0
        except OSError:  # no process pool here (e.g. no /dev/shm for its locks): one by one
            pass
    for m in stale:
        _rewrite(m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
