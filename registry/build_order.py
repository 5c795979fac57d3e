"""The build's steps, found on disk and put in order by what each one reads and writes.

Why: the order was a hand-kept list with "needs X" comments, and a new source had to find its place in it.
Now each step declares its inputs and outputs, as dbt's ref() does, and the order follows:
  SQL steps (registry/sql/*.sql) in header comments:  -- reads: t_awards, t_vendors
                                                     -- writes: awards, transactions
                                                     -- updates: t_transactions
  Python steps (a module with `build(ctx)`): module attributes READS, WRITES, UPDATES (tuples of names).
Python steps are every module under registry/ (core aside) that declares WRITES, and each source's
spiders/<source>/build.py. Declarations are read from the files (ast), not by importing them.

Rules: a name's writer runs first, then the steps that update it, then the steps that read it; names of the
staging store (stg.*) are inputs of the build, written by no step. A read ending in '*' (`t_links_*`) is every
name with that prefix that any other step writes (none is not an error): the `links` union reads what the
sources write without a list of them. A name read but written by no step, a name
written twice, or a cycle is an error that names the steps, before anything runs. Steps that do not depend on
each other run in the order of their ids ("py:..." before "sql:...", then by name), so the order is stable.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from registry.core import paths, sources

SQL_DIR = Path(__file__).with_name("sql")
REGISTRY_DIR = Path(__file__).parent
_HEADER = re.compile(r"^--\s*(reads|writes|updates):(.*)$", re.M)


class BuildOrderError(ValueError):
    """The steps' declarations cannot be ordered (a cycle, a missing input, two writers of one name)."""


@dataclass(frozen=True)
class Step:
    """One build step: `sql:<file>` or `py:<module>:build`, with what it reads, writes and updates."""

    id: str
    reads: frozenset[str] = field(default_factory=frozenset)
    writes: frozenset[str] = field(default_factory=frozenset)
    updates: frozenset[str] = field(default_factory=frozenset)


def _names(text: str) -> set[str]:
    return {n.strip() for n in text.split(",") if n.strip()}


def sql_step(path: Path) -> Step:
    """A SQL file's step, from its header comments (each kind may span several `-- reads:` lines)."""
    found: dict[str, set[str]] = {"reads": set(), "writes": set(), "updates": set()}
    for kind, names in _HEADER.findall(path.read_text(encoding="utf-8")):
        found[kind] |= _names(names)
    return Step(f"sql:{path.name}", frozenset(found["reads"]), frozenset(found["writes"]), frozenset(found["updates"]))


def _declared(path: Path) -> dict[str, set[str]] | None:
    """READS/WRITES/UPDATES of a module (literal tuples or lists), or None if it is not a build step.

    A module with a `build(ctx)` function but no WRITES is an error, not skipped: a step left out of the build
    would be a silent gap in the registry.
    """
    found: dict[str, set[str]] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_step = any(isinstance(n, ast.FunctionDef) and n.name == "build" and n.args.args and n.args.args[0].arg == "ctx"
                  for n in tree.body)
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in {"READS", "WRITES", "UPDATES"}:
                    try:
                        found[t.id] = set(ast.literal_eval(node.value))
                    except ValueError as e:
                        raise BuildOrderError(f"{path}: {t.id} must be a literal tuple of names") from e
    if is_step and "WRITES" not in found:
        raise BuildOrderError(f"{path}: defines build(ctx) but declares no WRITES (and READS): the build cannot "
                              "place it")
    return found if "WRITES" in found else None


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(paths.ROOT).with_suffix("").parts)


def python_steps() -> list[Step]:
    """Modules under registry/ (core aside) declaring WRITES, and every source's spiders/<source>/build.py."""
    files = [p for p in sorted(REGISTRY_DIR.rglob("*.py")) if "core" not in p.relative_to(REGISTRY_DIR).parts]
    files += [sources.folder(n) / "build.py" for n in sources.names() if sources.has(n, "build.py")]
    steps = []
    for path in files:
        declared = _declared(path)
        if declared is None:
            continue
        steps.append(Step(f"py:{_module_name(path)}:build", frozenset(declared.get("READS", ())),
                          frozenset(declared["WRITES"]), frozenset(declared.get("UPDATES", ()))))
    return steps


def discover() -> list[Step]:
    """Every step of the build, unordered."""
    return [sql_step(p) for p in sorted(SQL_DIR.glob("*.sql"))] + python_steps()


def order(steps: list[Step]) -> list[Step]:
    """The steps in an order that respects every declaration; BuildOrderError names what cannot be ordered."""
    writer: dict[str, str] = {}
    for s in steps:
        for name in s.writes:
            if name in writer:
                raise BuildOrderError(f"{name!r} is written by two steps: {writer[name]} and {s.id}")
            writer[name] = s.id
    updaters: dict[str, set[str]] = {}
    for s in steps:
        for name in s.updates:
            updaters.setdefault(name, set()).add(s.id)
    after: dict[str, set[str]] = {s.id: set() for s in steps}  # step -> steps that must run before it
    for s in steps:
        for name in sorted(s.reads | s.updates):
            if name.startswith("stg."):
                continue
            if name.endswith("*"):  # a prefix: after every other step that writes a matching name
                after[s.id] |= {w for n, w in writer.items() if n.startswith(name[:-1]) and w != s.id}
                continue
            if name not in writer:
                raise BuildOrderError(f"{s.id} reads {name!r}, which no step writes")
            if writer[name] != s.id:
                after[s.id].add(writer[name])
            if name in s.reads and s.id not in updaters.get(name, ()):
                after[s.id] |= updaters.get(name, set())
    done: list[Step] = []
    by_id = {s.id: s for s in steps}
    waiting = dict(after)
    while waiting:
        ready = sorted(i for i, deps in waiting.items() if not deps - {d.id for d in done})
        if not ready:
            raise BuildOrderError("the steps' declarations form a cycle: " + _cycle(waiting, {d.id for d in done}))
        done.append(by_id[ready[0]])
        del waiting[ready[0]]
    return done


def _cycle(waiting: dict[str, set[str]], done: set[str]) -> str:
    """One cycle among the steps left, as 'a -> b -> a' (each step needs the next one first)."""
    node = min(waiting)
    seen: list[str] = []
    while node not in seen:
        seen.append(node)
        node = min(d for d in waiting[node] if d not in done)
    return " -> ".join([*seen[seen.index(node):], node])


_ORDERED: dict[tuple, list[Step]] = {}


def _step_files() -> tuple:
    """Identity (path, mtime, size) of every file a declaration can be read from: a superset of what discover()
    reads (every .py and .sql under registry/ and spiders/), so any edit or new file is seen."""
    files = sorted([*REGISTRY_DIR.rglob("*.py"), *REGISTRY_DIR.rglob("*.sql"),
                    *paths.ROOT.joinpath("spiders").rglob("*.py")])
    return tuple((str(f), *((st := f.stat()).st_mtime_ns, st.st_size)) for f in files)


def ordered() -> list[Step]:
    """The build's steps, found and sorted.

    Why cached per process: discovery parses about a hundred modules (a third of a second), and each build
    asks twice (the runner and the links step); while no file under registry/ or spiders/ changes, the
    order cannot change. Steps are frozen; callers get a new list.
    """
    key = _step_files()
    if key not in _ORDERED:
        steps = order(discover())  # an error is raised, never cached
        _ORDERED.clear()
        _ORDERED[key] = steps
    return list(_ORDERED[key])
