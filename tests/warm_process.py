"""`registry ARGS` (or `scrapy ARGS`, or `python -c CODE`) as a process of its own, forked from a warm interpreter.

Why: a crawl runs Scrapy's Twisted reactor, which cannot be started twice in one process, so a test that crawls, or
kills a crawl, needs a process per crawl; but a `registry` process started from nothing spends ~1.5-2 s of CPU
importing Scrapy, Twisted, DuckDB, pyarrow and the spiders before its first request, and the suite starts dozens.
This server imports them once (tests/warm_modules.py) and forks one child per command. The child is what the
`registry` console script is: the same entry point (`registry.cli:app`), its own pid, process group, environment,
working directory, stdin/stdout/stderr (real pipes or files, passed over a Unix socket) and exit code; a signal sent to
it does what it does to a `registry` process. The suite still runs real `registry` processes started from nothing
(`run_cli` in tests/conftest.py, one end-to-end test per command), so the console script itself stays covered.

`popen(...)` returns a `WarmProcess` with the parts of `subprocess.Popen` the tests use (pid, poll, wait, communicate,
kill, terminate, send_signal, stdout/stderr pipes, returncode, context manager); `run(...)` returns a
`subprocess.CompletedProcess`. Several children may run at once (a distributed crawl's two workers, a kill test's
seeds side by side). One server per test process (each xdist worker), started on first use, ended with that process.
"""

from __future__ import annotations

import array
import atexit
import gc
import io
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import IO, Any, NoReturn

ROOT = Path(__file__).resolve().parents[1]
PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL
STDOUT = subprocess.STDOUT
_MAX_FDS = 3


def _send(sock: socket.socket, msg: dict, fds: list[int] = ()) -> None:
    data = json.dumps(msg).encode()
    if fds:
        sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.sendall(data)


def _recv(sock: socket.socket) -> tuple[dict | None, list[int]]:
    """One message and the file descriptors that came with it; (None, []) when the other end has closed."""
    data, fds, _, _ = socket.recv_fds(sock, 1 << 20, _MAX_FDS)
    if not data:
        return None, list(fds)
    return json.loads(data), list(fds)


# -- the server (python -m tests.warm_process FD) ---------------------------------------------------------------
def become(prog: str, args: list[str], argv0: str | None = None) -> NoReturn:
    """Run `prog ARGS` in this (forked) process as a fresh interpreter would run it, and exit with its code.

    The same for every fork the suite makes (this server's children, and tests/usaspending_bulk/forked_spiders.py's
    spiders): SystemExit's code (a message is printed to stderr, code 1), an uncaught exception through
    sys.excepthook (Typer's, if it set one) with code 1, atexit's functions (logging.shutdown...), streams flushed."""
    code = 1
    try:
        try:
            if prog == "scrapy":  # `scrapy ARGS`, Scrapy's own command line in this project
                from scrapy.cmdline import execute

                sys.argv = [argv0 or "scrapy", *args]
                execute(sys.argv)
            elif prog == "python":  # `python -c CODE ARGS`
                if args[:1] != ["-c"]:
                    raise ValueError(f"warm python runs only -c CODE, not {args[:1]}")
                sys.argv = ["-c", *args[2:]]
                exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
            else:
                from registry.cli import app

                sys.argv = [argv0 or "registry", *args]
                app(args=args, prog_name="registry")
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


def _child(req: dict, fds: list[int], sock: socket.socket) -> NoReturn:
    """In the forked child: take the request's streams, session, environment and directory, then become the
    command; never returns."""
    try:
        sock.close()
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if req.get("new_session"):
            os.setsid()
        gc.enable()
        os.environ.clear()
        os.environ.update(req["env"])
        os.chdir(req.get("cwd") or ROOT)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=False, write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="backslashreplace",
                                      write_through=True)
    except BaseException:  # noqa: BLE001 - e.g. a working directory that does not exist: the shell's exit 1
        traceback.print_exc()
        os._exit(1)
    become(req["prog"], list(req["args"]))


def serve(fd: int) -> None:
    """Fork a child per request, report each pid at once and each exit code when it comes; end (killing what still
    runs) when the client's end of the socket closes."""
    gc.disable()  # the warm heap is shared with every child: frozen, a child's collections never walk it
    import tests.warm_modules  # noqa: F401 - the point: imported once, before any fork

    gc.freeze()
    sock = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    ids: dict[int, Any] = {}
    open_ = True
    while open_ or ids:
        ready = select.select([sock, wake_r] if open_ else [wake_r], [], [], 1.0)[0]
        if sock in ready:
            req, fds = _recv(sock)
            if req is None:
                open_ = False
                for pid in ids:
                    try:
                        os.killpg(pid, signal.SIGKILL) if ids[pid][1] else os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            else:
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    os.close(wake_r)
                    os.close(wake_w)
                    _child(req, fds, sock)
                for f in fds:
                    os.close(f)
                ids[pid] = (req["id"], bool(req.get("new_session")))
                _send(sock, {"id": req["id"], "pid": pid})
        if wake_r in ready:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
        while ids:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            ident, _ = ids.pop(pid, (None, False))
            if ident is not None and open_:
                _send(sock, {"id": ident, "code": os.waitstatus_to_exitcode(status),
                             "cpu": usage.ru_utime + usage.ru_stime})


# -- the client (in the pytest process) -------------------------------------------------------------------------
class _Server:
    """One fork server and a reader thread that hands each answer to the process it is about."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = open(os.devnull, "wb") if not os.environ.get("WARM_PROCESS_LOG") else open(
            os.environ["WARM_PROCESS_LOG"], "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.warm_process", str(theirs.fileno())], cwd=ROOT,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     pass_fds=[theirs.fileno()],
                                     env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path])))
        theirs.close()
        self.sock = mine
        self.cond = threading.Condition()
        self.answers: dict[int, dict] = {}
        self.next_id = 0
        self.send_lock = threading.Lock()
        threading.Thread(target=self._read, name="warm-process-reader", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                msg, _ = _recv(self.sock)
            except OSError:
                msg = None
            with self.cond:
                if msg is None:
                    self.answers[-1] = {"closed": True}
                    self.cond.notify_all()
                    return
                self.answers.setdefault(msg["id"], {}).update(msg)
                self.cond.notify_all()

    def alive(self) -> bool:
        return self.proc.poll() is None and -1 not in self.answers

    def start(self, req: dict, fds: list[int]) -> int:
        with self.cond:
            self.next_id += 1
            ident = req["id"] = self.next_id
        with self.send_lock:
            _send(self.sock, req, fds)
        with self.cond:
            if not self.cond.wait_for(lambda: "pid" in self.answers.get(ident, {}) or -1 in self.answers, 60):
                raise RuntimeError("the warm process server did not fork within 60 s")
            if "pid" not in self.answers.get(ident, {}):
                raise RuntimeError("the warm process server ended")
        return ident

    def close(self) -> None:
        if self.sock.fileno() == -1:  # closed already (atexit after an explicit close)
            return
        try:
            # shutdown, not only close: the reader thread is blocked in recv on this socket, which keeps it open
            # (the server would never see its end and the exit would wait out the timeout below)
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


_server: _Server | None = None
_server_lock = threading.Lock()


def _get_server() -> _Server:
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = _Server()
            atexit.register(_server.close)
        return _server


def _stream(spec: Any, mode: str) -> tuple[int, IO | None, bool]:
    """The child's end of one standard stream, and the parent's end (a pipe) or None; whether to close the child's
    end here after sending it."""
    if spec is PIPE:
        r, w = os.pipe()
        return (w, os.fdopen(r, "rb"), True) if mode == "w" else (r, os.fdopen(w, "wb"), True)
    if spec is None or spec is DEVNULL:
        return os.open(os.devnull, os.O_WRONLY if mode == "w" else os.O_RDONLY), None, True
    if isinstance(spec, int):
        return spec, None, False
    return spec.fileno(), None, False


class WarmProcess:
    """The parts of `subprocess.Popen` the tests use, for a child of the warm server."""

    def __init__(self, args: list[str], prog: str = "registry", *, env: dict[str, str] | None = None,
                 cwd: str | Path | None = None, stdin: Any = None, stdout: Any = None, stderr: Any = None,
                 text: bool = False, start_new_session: bool = False) -> None:
        self.args = [prog, *args]
        self.text = text
        self.returncode: int | None = None
        self.cpu_seconds: float | None = None
        self._server = _get_server()
        in_fd, self.stdin, close_in = _stream(stdin, "r")
        out_fd, out_r, close_out = _stream(stdout, "w")
        if stderr is STDOUT:
            err_fd, err_r, close_err = out_fd, None, False
        else:
            err_fd, err_r, close_err = _stream(stderr, "w")
        self.stdout = io.TextIOWrapper(out_r) if text and out_r else out_r
        self.stderr = io.TextIOWrapper(err_r) if text and err_r else err_r
        if self.stdin is not None and text:
            self.stdin = io.TextIOWrapper(self.stdin, write_through=True)
        req = {"prog": prog, "args": [str(a) for a in args],
               "env": dict(os.environ if env is None else env), "cwd": str(cwd) if cwd else str(ROOT),
               "new_session": start_new_session}
        try:
            self._id = self._server.start(req, [in_fd, out_fd, err_fd])
        finally:
            for fd, close in ((in_fd, close_in), (out_fd, close_out), (err_fd, close_err)):
                if close:
                    os.close(fd)
        self.pid = self._server.answers[self._id]["pid"]

    def _answer(self) -> dict:
        return self._server.answers.get(self._id, {})

    def poll(self) -> int | None:
        if self.returncode is None:
            with self._server.cond:
                ans = self._answer()
                if "code" in ans:
                    self.returncode, self.cpu_seconds = ans["code"], ans["cpu"]
                elif -1 in self._server.answers:
                    self.returncode = -signal.SIGKILL  # the server ended, and killed what it ran
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.poll() is None:
            with self._server.cond:
                done = self._server.cond.wait_for(
                    lambda: "code" in self._answer() or -1 in self._server.answers, timeout)
            if not done:
                raise subprocess.TimeoutExpired(self.args, timeout)
        return self.poll()

    def communicate(self, input: Any = None, timeout: float | None = None) -> tuple[Any, Any]:
        """Both pipes read to their end (in threads, so neither can fill and block the child), then the exit."""
        if self.stdin is not None:
            if input:
                self.stdin.write(input)
            self.stdin.close()
        if not hasattr(self, "_readers"):
            self._read_out: dict[str, Any] = {}

            def read(name: str, f: IO | None) -> None:
                self._read_out[name] = f.read() if f is not None else None

            self._readers = [threading.Thread(target=read, args=(n, f), daemon=True)
                             for n, f in (("out", self.stdout), ("err", self.stderr))]
            for t in self._readers:
                t.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._readers:
            t.join(None if deadline is None else max(0, deadline - time.monotonic()))
            if t.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(None if deadline is None else max(0.01, deadline - time.monotonic()))
        return self._read_out["out"], self._read_out["err"]

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def __enter__(self) -> WarmProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        for f in (self.stdout, self.stderr, self.stdin):
            if f is not None:
                f.close()
        self.wait()


def popen(*args: str, prog: str = "registry", **kwargs: Any) -> WarmProcess:
    """`registry ARGS` (or `scrapy ARGS`, `python -c CODE ARGS`) forked from the warm server, like subprocess.Popen."""
    return WarmProcess(list(args), prog, **kwargs)


def run(*args: str, prog: str = "registry", env: dict[str, str] | None = None, timeout: float = 120,
        cwd: str | Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """`registry ARGS` forked from the warm server; the same CompletedProcess (exit code, text stdout and stderr) as
    `subprocess.run(..., capture_output=True, text=True)`. The environment is the test's with `env` on top."""
    t0 = time.monotonic()
    proc = popen(*args, prog=prog, env=dict(os.environ, **(env or {})), cwd=cwd,
                 stdin=PIPE if input is not None else None, stdout=PIPE, stderr=PIPE, text=True)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    done.cpu_seconds = proc.cpu_seconds  # the child's user + system CPU, for the suite's cost accounting
    if os.environ.get("WARM_PROCESS_TIMES"):  # a file to append each command's test, wall and CPU seconds to
        with open(os.environ["WARM_PROCESS_TIMES"], "a") as f:
            f.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '?')} wall {time.monotonic() - t0:.2f} "
                    f"cpu {done.cpu_seconds:.2f}\n")
    return done


if __name__ == "__main__":
    serve(int(sys.argv[1]))
