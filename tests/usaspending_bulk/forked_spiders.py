"""A `registry crawl all` process whose spider processes are forked from itself, not started from nothing.

Why: a test that SIGKILLs `crawl all` needs it as a process of its own, which the warm server gives
(tests/warm_process.py), but `crawl all` then starts each spider as `python -c "from registry.cli import main;
main()" crawl usaspending-bulk ...` (registry.bulk_crawl._cli), a fresh interpreter that spends ~2 s importing
before its first request. This `crawl all` has imported all of that already (it was forked warm), so each spider is
forked from it instead: the same arguments, environment, working directory, process group (a kill of the group
kills it too), captured stdout and stderr, and exit code; the `registry.cli` entry point run in a process of its
own, as the fresh interpreter would. Every other subprocess.run is left alone. Stdlib only: imported by the forked
`crawl all` itself (CODE), before the command runs.

tests/test_bulk_crawl.py keeps one `crawl all` started from nothing, whose spider is a real fresh interpreter.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from typing import Any

# `python -c CODE ARGS` (warm_process.popen(..., prog="python")): `registry ARGS` with forked spider processes
CODE = ("from tests.usaspending_bulk.forked_spiders import install; install(); "
        "from registry.cli import main; main()")


def _become(argv: list[str], out: Any, err: Any) -> None:
    """In the forked child: run `registry ARGV` with stdout/stderr on the given files and exit with its code, as
    the warm server's children do (tests/warm_process.become)."""
    from tests.warm_process import become

    if out is not None:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="backslashreplace", write_through=True)
    become("registry", argv, argv0="-c")


def install() -> None:
    """Make this process's spider launches (registry.bulk_crawl._cli() command lines) forks of itself."""
    from registry import bulk_crawl

    prefix = bulk_crawl._cli()
    real_run = subprocess.run

    def run(cmd: Any, *args: Any, capture_output: bool = False, text: bool = False, timeout: float | None = None,
            check: bool = False, **kwargs: Any) -> subprocess.CompletedProcess:
        if args or kwargs or not isinstance(cmd, list) or cmd[:len(prefix)] != prefix:
            return real_run(cmd, *args, capture_output=capture_output, text=text, timeout=timeout, check=check,
                            **kwargs)
        argv = [str(a) for a in cmd[len(prefix):]]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _become(argv, out if capture_output else None, err if capture_output else None)
            _, status = os.waitpid(pid, 0)  # the test's kill (of the whole group) ends both
            code = os.waitstatus_to_exitcode(status)
            results = []
            for f in (out, err):
                f.seek(0)
                data = f.read()
                results.append((data.decode(errors="replace") if text else data) if capture_output else None)
        done = subprocess.CompletedProcess(cmd, code, *results)
        if check:
            done.check_returncode()
        return done

    subprocess.run = run
