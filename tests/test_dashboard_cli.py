"""`registry dashboard` serves the app on 127.0.0.1 from the registry it is given, and stops when stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import tomllib
import urllib.request
from pathlib import Path

from tests.conftest import REGISTRY_BIN, ROOT
from tests.dashboard_support import free_port


def test_registry_dashboard_serves_and_stops(sample_registry, tmp_path):
    """Started from another directory (Streamlit reads .streamlit/config.toml only from the one it starts in), the
    server still runs with every project setting: no "Deploy" button or developer menu for readers."""
    port = free_port()
    log = tmp_path / "dashboard.log"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with open(log, "w") as out:
        proc = subprocess.Popen([REGISTRY_BIN, "dashboard", "--port", str(port), "--db", str(sample_registry)],
                                stdout=out, stderr=subprocess.STDOUT, cwd=elsewhere)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "dashboard did not start within 60 s"
                time.sleep(0.2)
        assert f"serving at http://127.0.0.1:{port}" in log.read_text()
        served = (Path("/proc") / str(proc.pid) / "cmdline").read_bytes().split(b"\0")  # the exec'd Streamlit
        config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
        for section, settings in config.items():
            for key, value in settings.items():
                flag = served.index(f"--{section}.{key}".encode())
                assert served[flag + 1] == (str(value).lower() if isinstance(value, bool) else str(value)).encode()
        assert config["client"]["toolbarMode"] == "minimal"
        assert config["server"]["fileWatcherType"] == "none"  # no source watcher started per new session
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    # The CLI execs Streamlit, so stopping it frees the port (no orphaned server).
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_registry_dashboard_without_registry_is_one_clear_error(tmp_path):
    proc = subprocess.run([REGISTRY_BIN, "dashboard", "--db", str(tmp_path / "none.duckdb")], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_review_flag_starts_streamlit_in_review_mode_on_the_given_file(sample_registry, tmp_path, monkeypatch):
    """`registry dashboard --review --annotations FILE` becomes Streamlit told review mode and that file (the
    environment dashboard/views/review.py reads; tests/test_browser_review.py drives a server started with it).
    In this process, with the exec recorded instead of done."""
    import os

    from tests.conftest import invoke_cli

    became: dict = {}
    monkeypatch.setattr(os, "execve", lambda path, argv, env: became.update(path=path, argv=argv, env=env))
    target = tmp_path / "annotations.yaml"
    target.write_text("annotations: []\n")
    port = str(free_port())
    r = invoke_cli("dashboard", "--review", "--annotations", str(target), "--db", str(sample_registry),
                   "--port", port)
    assert r.returncode == 0, r.stderr
    said = "".join(r.stdout.split())  # the console wraps a long path, even inside it
    assert "".join(f"review mode: decisions are written to {target.resolve()}".split()) in said, r.stdout
    env, argv = became["env"], became["argv"]
    assert (env["REGISTRY_REVIEW"], env["REGISTRY_ANNOTATIONS"], env["REGISTRY_PATH"]) == (
        "1", str(target.resolve()), str(sample_registry.resolve()))
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[argv.index("--server.port") + 1] == port

    became.clear()
    monkeypatch.delenv("REGISTRY_REVIEW", raising=False)
    r = invoke_cli("dashboard", "--db", str(sample_registry), "--port", port)
    assert r.returncode == 0 and "REGISTRY_REVIEW" not in became["env"], "without --review the page is read-only"
