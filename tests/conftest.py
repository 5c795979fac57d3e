"""Shared fixtures: real data from ../shared/data and a registry built from the bundled sample."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
REGISTRY_BIN = str(Path(sys.executable).with_name("registry"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public-record files gathered for this project (CI has ../shared beside the checkout)."""
    assert SHARED_DATA.is_dir(), f"missing {SHARED_DATA}: tests read real data from ../shared/data"
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_registry(tmp_path_factory) -> Path:
    """registry.duckdb built from the bundled sample through the real loaders and build (once per session)."""
    from registry import build, sample

    d = tmp_path_factory.mktemp("sample_registry")
    staging = sample.load_sample(staging=d / "sample-staging.duckdb")
    out = d / "registry.duckdb"
    build.build(staging, out, is_sample=True, meta={"sample_description": sample.describe()})
    return out


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
