"""Shared fixtures: real data from ../shared/data and a registry built from the bundled sample."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

# Under pytest-xdist each worker builds registries while the other works on the same cores: one DuckDB thread per
# build spends about a tenth less CPU than one per core (registry/build.py; the same registry, compared view by
# view with EXCEPT ALL when this was set). The shared sample registry keeps the product default (_build_sample).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("REGISTRY_BUILD_THREADS", "1")
REGISTRY_BIN = str(Path(sys.executable).with_name("registry"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public-record files gathered for this project (CI has ../shared beside the checkout)."""
    assert SHARED_DATA.is_dir(), f"missing {SHARED_DATA}: tests read real data from ../shared/data"
    return SHARED_DATA


def _build_sample(d: Path) -> Path:
    """Built with the product's default DuckDB threads (one per core), as `make run` builds it: the registry most
    tests read, so the default stays exercised while the suite's other builds use one thread each."""
    from registry import build, sample

    staging = sample.load_sample(staging=d / "sample-staging.duckdb")
    out = d / "registry.duckdb"
    threads = os.environ.pop("REGISTRY_BUILD_THREADS", None)
    try:
        build.build(staging, out, is_sample=True, meta={"sample_description": sample.describe()})
    finally:
        if threads is not None:
            os.environ["REGISTRY_BUILD_THREADS"] = threads
    return out


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one statement over a store or registry opened read-only, as a user reads a crawl's record (a live
    crawl's write lock is never taken)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_registry(registry: Path, dest: Path) -> Path:
    """A copy of a built registry in `dest` under the same name: the file and the full-text index folder it names
    (by name, so both keep theirs), so a test owns a registry (to rebuild, kill or break) without building one."""
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / registry.name
    shutil.copy(registry, out)
    for index in registry.parent.glob(f"{registry.name}.fts-*"):
        shutil.copytree(index, dest / index.name)
    return out


def shared_build(request, tmp_path_factory, name: str, builder: Callable[[Path], Path]) -> Path:
    """`builder(folder) -> registry path`, run once per test run however many modules or workers use it.

    Under pytest-xdist the first worker to get here builds into the run's shared temporary folder (the other
    workers wait on a file lock) and every worker copies the folder (staging stores, registry, its full-text
    index) into its own: one build per run, and no worker can lock or change another worker's files. Callers
    only read what they get (a test that writes takes a copy_registry first)."""
    own = tmp_path_factory.mktemp(name)
    if not hasattr(request.config, "workerinput"):  # a plain `pytest` run: build it here
        return builder(own)
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / f"shared_{name}"
    with FileLock(f"{shared}.lock"):
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)  # what a worker that failed mid-build left
            shared.mkdir()
            out = builder(shared)
            (shared / "built").write_text(out.name, encoding="utf-8")
    shutil.copytree(shared, own, dirs_exist_ok=True)
    name_of_registry = (own / "built").read_text(encoding="utf-8")
    (own / "built").unlink()
    return own / name_of_registry


@pytest.fixture(scope="session")
def sample_registry(request, tmp_path_factory) -> Path:
    """registry.duckdb built from the bundled sample through the real loaders and build (once per test run);
    its staging store sits beside it as sample-staging.duckdb."""
    return shared_build(request, tmp_path_factory, "sample_registry", _build_sample)


@pytest.fixture(scope="session")
def dashboard_registry(request, tmp_path_factory, sample_registry) -> Path:
    """The sample plus the dashboard's test records (tests/dashboard_support.py: one hostile award, awards with a
    place of performance, a MorphoTrust award), built once per test run."""
    from tests.dashboard_support import build_dashboard_registry

    return shared_build(request, tmp_path_factory, "dashboard_registry",
                        lambda d: build_dashboard_registry(sample_registry, d))


@pytest.fixture(scope="session")
def sources_registry(request, tmp_path_factory, sample_registry) -> Path:
    """The sample plus every source's recorded responses (tests/source_fixtures.py RECORDED), built once per run:
    the sources' tests that only read a registry share this one build."""
    from tests.source_fixtures import sample_plus, stage_recorded

    return shared_build(request, tmp_path_factory, "sources_registry",
                        lambda d: sample_plus(sample_registry, d, stage_recorded))


@pytest.fixture(scope="session")
def contradictions_registry(request, tmp_path_factory, sample_registry) -> Path:
    """The sample plus constructed records that contradict others (tests/source_fixtures.py stage_contradictions),
    built once per run: the tests of how the build settles them read it."""
    from tests.source_fixtures import sample_plus, stage_contradictions

    return shared_build(request, tmp_path_factory, "contradictions_registry",
                        lambda d: sample_plus(sample_registry, d, stage_contradictions))


@pytest.fixture(scope="session")
def model_registry(request, tmp_path_factory, shared_data) -> Path:
    """The sample plus the real ICE/Minnesota award-summary download (UEIs, parents, offices, competition codes)
    and the real AI use-case inventories (tests/model_support.py), built once per run."""
    from tests.model_support import build_model_registry

    return shared_build(request, tmp_path_factory, "model_registry", lambda d: build_model_registry(d, shared_data))


@pytest.fixture(scope="session")
def annotated_registry(request, tmp_path_factory, sample_registry) -> Path:
    """The sample rebuilt after two reviewer decisions (tests/model_support.py build_annotated_registry), once per
    run: the review loop's "the next build tags it" for the capability and the review tests."""
    from tests.model_support import build_annotated_registry

    return shared_build(request, tmp_path_factory, "annotated_registry",
                        lambda d: build_annotated_registry(sample_registry, d))


@pytest.fixture(scope="module")
def sample_readonly(sample_registry):
    """The sample registry opened as the dashboard opens it (same configuration), so both can share the file."""
    from registry.core.readonly import connect_readonly

    c = connect_readonly(sample_registry)
    yield c
    c.close()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the `registry` command as a user would, capturing its output."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([REGISTRY_BIN, *args], capture_output=True, text=True, timeout=timeout, env=full_env,
                          cwd=cwd)


def invoke_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`registry ARGS` in this process through Typer's CliRunner: the same exit code, stdout and stderr a user
    sees, without starting an interpreter (~2.5 s each). Each command keeps one run_cli test, as a user runs it.
    A crash is raised, never turned into an exit code a test could mistake for a clean refusal."""
    from typer.testing import CliRunner

    from registry.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["registry", *args], result.exit_code, result.stdout, result.stderr)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything collection imported (pytest, Scrapy, pandas, Streamlit, the test modules...) lives until the
    process ends: moved out of the garbage collector's sight, so that its full collections stop walking it again.
    Measured over seven in-process modules (266 tests): GC time 1.68 s -> 0.85 s. Nothing a test checks is
    touched: objects made from here on are collected as before."""
    gc.freeze()


# Modules whose tests drive a real Chromium against a Streamlit server: under pytest-xdist they run on one worker,
# one after another (two browsers and two Streamlit servers at once on a 2-core machine would make their page waits
# the thing under test). A new browser test module goes here.
SERIAL_GROUPS = {
    "tests/test_browser.py": "browser",
    "tests/test_browser_larger.py": "browser",
    "tests/test_browser_review.py": "browser",
    # the modules that fit the model share a worker: importing scikit-learn (and SciPy's stats) costs 2-4 s of CPU
    # per process, paid once instead of on each worker
    "tests/test_model_capabilities.py": "model fits",
    "tests/test_model_train_errors.py": "model fits",
}
FIRST_GROUPS = {"browser"}  # the run's longest unit of work: handed out first
# Then the longest modules (measured, whole suite on 2 workers, 2026-12-03), longest first, so that the run ends on
# short modules that fill in whichever worker frees first, not on a long one while the other worker sits idle.
# Two shared builds decide the first two: the browser group's first test needs the sample registry and, about 35 s
# in, test_browser_larger needs the model registry. So the other worker starts on a module that needs no shared
# registry (with the model fits first, both workers asked for the sample at once and one sat on the build's file
# lock, 1.5-4 s of a core), then test_model_competition, which builds the model registry while the browser tests
# run (started after the model fits, it sat ~6 s on the lock of the build test_browser_larger had begun, in a run of
# these seven modules on 2 workers). Only the order changes: a module missing here (or a stale entry) runs all the
# same, after these.
LONG_FIRST = (
    "tests/test_bulk_crawl.py", "tests/test_model_competition.py", "model fits", "tests/test_crawl_local.py",
    "tests/test_new_source.py", "tests/hostile/test_never_ends.py", "tests/test_bulk_loader.py",
    "tests/test_security_secrets.py", "tests/test_every_spider.py", "tests/usaspending_bulk/test_subaward_crawl.py",
    "tests/test_security_sql.py", "tests/test_distributed_redis.py", "tests/test_faults_crawl.py",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` with the SERIAL_GROUPS modules in one unit of work.

    Why not `--dist loadgroup` and xdist_group markers: pytest-xdist 3.8 groups by rewriting an item's `_nodeid`,
    which pytest 9 no longer reads, so the markers are silently ignored. Each module stays one unit of work (its
    module-scoped registries, servers and browsers are built once, as in a serial run)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModuleGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return SERIAL_GROUPS.get(module, module)

        def _assign_work_unit(self, node) -> None:
            """Hand out the FIRST_GROUPS first (a browser and a Streamlit server per module, one module after
            another: started last it would be the run's tail while the other workers sit idle), then LONG_FIRST in
            its order, then the rest in xdist's order."""
            if not getattr(self, "_ordered", False):
                rank = {scope: i for i, scope in enumerate((*sorted(FIRST_GROUPS), *LONG_FIRST))}
                for scope in sorted(self.workqueue, key=lambda s: rank.get(s, len(rank)), reverse=True):
                    if scope in rank:
                        self.workqueue.move_to_end(scope, last=False)
                self._ordered = True
            super()._assign_work_unit(node)

    return ModuleGroupScheduling(config, log)
