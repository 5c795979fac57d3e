"""tests/assert_cache.py (run by `make bytecode`) writes the cache pytest reads for each module it rewrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import assert_cache


def test_every_collected_test_module_is_written_ahead(request: pytest.FixtureRequest) -> None:
    """A module the run collects but the cache writer misses (a new `python_files` pattern, a folder outside
    `testpaths`) would be rewritten again by every worker."""
    collected = {Path(item.path).resolve() for item in request.session.items}
    written = {p.resolve() for p in assert_cache.rewritten_as_tests(assert_cache._ini())}
    assert collected - written == set()
    assert Path(__file__).resolve().with_name("conftest.py") in written


def test_plugin_packages_are_written_ahead() -> None:
    """The pytest-plugin packages installed here (pytest rewrites hypothesis's on each process's start)."""
    names = {p.parent.name if p.name == "__init__.py" else p.stem for p in assert_cache.plugin_modules()}
    assert {"hypothesis", "xdist", "pytest_timeout"} <= names


def test_written_file_is_read_by_pytest_until_its_source_changes(tmp_path: Path) -> None:
    from _pytest.assertion.rewrite import _read_pyc

    source = tmp_path / "test_x.py"
    source.write_text("def test_x():\n    assert 1 + 1 == 3\n", encoding="utf-8")
    cache = assert_cache._cache_file(source)
    assert _read_pyc(source, cache) is None
    assert_cache._rewrite(source)
    code = _read_pyc(source, cache)
    assert code is not None
    namespace: dict = {}
    exec(code, namespace)
    with pytest.raises(AssertionError, match=r"assert \(1 \+ 1\) == 3"):  # the rewritten assert explains itself
        namespace["test_x"]()
    source.write_text("def test_x():\n    assert 2 + 2 == 4\n", encoding="utf-8")
    assert _read_pyc(source, cache) is None  # stale: pytest rewrites it rather than run the old code
