"""`registry ARGS` as a process of its own, forked from a warm interpreter instead of started from nothing.

Why: a crawl runs Scrapy's Twisted reactor, which cannot be started twice in one process, so each hostile crawl
needs a process of its own; but a `registry` process started from nothing spends ~2 s of CPU importing Scrapy,
Twisted, DuckDB and the spiders before its first request. This server imports them once (tests/hostile/warm.py)
and forks one child per command. The child is what the `registry` console script is: the same entry point
(`registry.cli:app`), its own stdout and stderr (files), environment, working directory and exit code. A test
reads what a user's shell gets: the exit code and both streams, tracebacks included. The suite still runs real
`registry crawl` processes (`common.crawl(e2e=True)`), so the console script itself stays covered.

Protocol (one JSON object a line): the test writes {"args", "env", "out", "err"}; the server answers {"pid"} once
the child is forked and {"code"} when it has ended. One command at a time; the server ends when its stdin closes.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# -- the server (python -m tests.hostile.forkserver) ------------------------------------------------------------
def _child(req: dict) -> None:
    """In the forked child: become `registry ARGS` and exit with its code; never returns."""
    code = 1
    try:
        gc.enable()
        os.environ.clear()
        os.environ.update(req["env"])
        os.chdir(ROOT)
        sys.argv = [req.get("prog", "registry"), *req["args"]]
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, name in ((1, req["out"]), (2, req["err"])):
            f = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        try:
            if req.get("prog") == "scrapy":  # `scrapy ARGS`, Scrapy's own command line in this project
                from scrapy.cmdline import execute

                execute(sys.argv)
            else:
                from registry.cli import app

                app(args=req["args"], prog_name="registry")
            code = 0
        except SystemExit as e:  # what the interpreter does with it
            if e.code is None or isinstance(e.code, int):
                code = e.code or 0
            else:
                print(e.code, file=sys.stderr)
        atexit._run_exitfuncs()  # logging.shutdown and the rest of a normal interpreter exit
    except BaseException:  # noqa: BLE001 - reported as the interpreter would (Typer's hook, if it set one), exit 1
        try:
            sys.excepthook(*sys.exc_info())
        except Exception:  # noqa: BLE001
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed stream has nothing left to flush
                pass
        os._exit(code)


def serve() -> None:
    # The warm heap is shared with every child: frozen, a child's collections never walk it (nor copy its pages).
    gc.disable()
    import tests.hostile.warm  # noqa: F401 - the point: imported once, before any fork

    gc.freeze()

    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(req)
        print(json.dumps({"pid": pid}), file=out, flush=True)
        _, status, usage = os.wait4(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime}),
              file=out, flush=True)


# -- the client (in the pytest process) -------------------------------------------------------------------------
class _Server:
    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.hostile.forkserver"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path])))
        self.lock = threading.Lock()
        self.buf = b""

    def write(self, req: dict) -> None:
        self.proc.stdin.write(json.dumps(req).encode() + b"\n")
        self.proc.stdin.flush()

    def read(self, timeout: float | None) -> dict:
        """The server's next answer, or {} when none came within the timeout."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            if not select.select([fd], [], [], timeout)[0]:
                return {}
            chunk = os.read(fd, 4096)
            if not chunk:
                self.log.seek(0)
                raise RuntimeError(f"the fork server ended: {self.log.read().decode(errors='replace')[-2000:]}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_server: _Server | None = None


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120, prog: str = "registry"
        ) -> subprocess.CompletedProcess:
    """`registry ARGS` (or `scrapy ARGS`) in a forked child; the same CompletedProcess (exit code, stdout,
    stderr) as run_cli."""
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = _Server()
        atexit.register(_server.close)
    t0 = time.monotonic()
    with _server.lock, tempfile.TemporaryDirectory(prefix="registry-fork-") as d:
        out, err = os.path.join(d, "stdout"), os.path.join(d, "stderr")
        req = {"prog": prog, "args": list(args), "env": dict(os.environ, **(env or {})), "out": out, "err": err}
        _server.write(req)
        pid = _server.read(None)["pid"]  # the server's own start (imports) is not the command's time
        answer = _server.read(timeout)
        if not answer:
            os.kill(pid, 9)
            _server.read(None)
            raise subprocess.TimeoutExpired([prog, *args], timeout)
        stdout, stderr = (Path(x).read_text(errors="replace") if os.path.exists(x) else "" for x in (out, err))
    done = subprocess.CompletedProcess([prog, *args], answer["code"], stdout, stderr)
    done.cpu_seconds = answer["cpu"]  # the child's user + system CPU, for the suite's cost accounting
    if os.environ.get("HOSTILE_FORK_LOG"):  # a file to append each command's test, wall and CPU seconds to
        with open(os.environ["HOSTILE_FORK_LOG"], "a") as f:
            f.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '?')} wall {time.monotonic() - t0:.2f} "
                    f"cpu {done.cpu_seconds:.2f}\n")
    return done


if __name__ == "__main__":
    serve()
