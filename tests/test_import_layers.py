"""The dependency direction is a contract: core <- spiders <- build/model/CLI <- dashboard, and no cycles.

Why a test: the repository once had `spiders` importing `registry` and `registry` importing `spiders` back, and
`registry.cli` and `spiders.commands` importing each other; nothing failed when that happened. The
layers contract lives in pyproject.toml ([tool.importlinter]) and runs here through import-linter's own CLI;
cycles inside a layer (which a layers contract does not see) are found on grimp's import graph.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import ROOT

PACKAGES = ("registry", "spiders", "dashboard")
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_layers_contract_is_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_no_import_cycles():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert _cycles(graph) == []


def test_a_wrong_way_import_breaks_the_contract(tmp_path):
    """The contract can fail: core importing the build (in a copy of the tree) is reported as broken."""
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.sql"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    paths_py = tmp_path / "registry" / "core" / "paths.py"
    paths_py.write_text(paths_py.read_text() + "\nfrom registry import build  # wrong way: core -> build\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "registry.core.paths -> registry.build" in result.stdout


def test_a_cycle_is_found(tmp_path):
    """The cycle check can fail: two model modules importing each other form one component."""
    shutil.copytree(ROOT / "registry", tmp_path / "registry", ignore=shutil.ignore_patterns("__pycache__", "*.sql"))
    (tmp_path / "registry" / "model" / "cycle_a.py").write_text("from registry.model import cycle_b\n")
    (tmp_path / "registry" / "model" / "cycle_b.py").write_text("from registry.model import cycle_a\n")
    sys.path.insert(0, str(tmp_path))
    saved = {k: v for k, v in sys.modules.items() if k == "registry" or k.startswith("registry.")}
    for k in saved:
        del sys.modules[k]
    try:
        graph = grimp.build_graph("registry", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
        for k in [k for k in sys.modules if k == "registry" or k.startswith("registry.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    assert ["registry.model.cycle_a", "registry.model.cycle_b"] in _cycles(graph)
