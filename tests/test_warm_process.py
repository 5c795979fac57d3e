"""The warm process server (tests/warm_process.py) behaves as the `registry` console script does.

Many crawl tests fork their `registry` processes from a warm interpreter instead of starting one from nothing; they
are only as honest as that stand-in. A user's shell gets an exit code and two streams, and a signal kills what it is
sent to: each is compared here with the real console script (`run_cli`), or checked as a process would show it."""

from __future__ import annotations

import os
import signal
import subprocess

from tests import warm_process
from tests.conftest import run_cli

SLEEPER = "import sys, time; print('up', flush=True); time.sleep(float(sys.argv[1]))"


def test_exit_code_and_both_streams_equal_the_console_script(tmp_path):
    env = {"COLUMNS": "100"}
    commands = [
        ("--help",),  # exit 0, stdout
        ("crawl", "usaspending", "--api-url", "http://127.0.0.1:9", "--staging", str(tmp_path / "s.duckdb")),
        ("crawl", "nosuchsource"),  # Typer's usage error, exit 2
    ]
    codes = []
    for args in commands:
        real = run_cli(*args, env=env)
        warm = warm_process.run(*args, env=env)
        assert (warm.returncode, warm.stdout, warm.stderr) == (real.returncode, real.stdout, real.stderr), args
        codes.append(real.returncode)
    assert codes[0] == 0 and 0 not in codes[1:], codes  # the errors above are errors, the help is not


def test_a_killed_child_reports_the_signal_and_its_pipe_reaches_its_end():
    proc = warm_process.popen("-c", SLEEPER, "60", prog="python", stdout=warm_process.PIPE, text=True)
    assert proc.stdout.readline() == "up\n"  # the pipe is live while the child runs
    assert proc.poll() is None
    proc.kill()
    assert proc.wait(30) == -signal.SIGKILL
    assert proc.stdout.read() == ""  # the child's end closed with it: a reader never hangs


def test_children_run_side_by_side_and_a_new_session_is_its_own_process_group():
    procs = [warm_process.popen("-c", SLEEPER, "60", prog="python", stdout=warm_process.PIPE,
                                start_new_session=True) for _ in range(2)]
    for p in procs:
        assert p.stdout.readline() == b"up\n"  # both started before either ended
    assert os.getpgid(procs[0].pid) == procs[0].pid != procs[1].pid
    os.killpg(procs[0].pid, signal.SIGTERM)
    assert procs[0].wait(30) == -signal.SIGTERM
    assert procs[1].poll() is None  # the other one kept running
    procs[1].terminate()
    assert procs[1].wait(30) == -signal.SIGTERM


def test_environment_working_directory_stdin_and_timeout(tmp_path):
    code = "import os, sys; print(os.environ['WARM_TEST'], os.getcwd(), sys.stdin.read().upper())"
    done = warm_process.run("-c", code, prog="python", env={"WARM_TEST": "seen"}, cwd=tmp_path, input="typed")
    assert (done.returncode, done.stdout) == (0, f"seen {tmp_path} TYPED\n")
    try:
        warm_process.run("-c", SLEEPER, "60", prog="python", timeout=0.3)  # any timeout short of the 60 s sleep
    except subprocess.TimeoutExpired:
        pass
    else:
        raise AssertionError("a command past its timeout must raise TimeoutExpired, as subprocess.run does")
