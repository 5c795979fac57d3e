"""`registry dashboard` serves the app on 127.0.0.1 from the registry it is given, and stops when stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request

from tests.conftest import REGISTRY_BIN
from tests.dashboard_support import free_port


def test_registry_dashboard_serves_and_stops(sample_registry, tmp_path):
    port = free_port()
    log = tmp_path / "dashboard.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([REGISTRY_BIN, "dashboard", "--port", str(port), "--db", str(sample_registry)],
                                stdout=out, stderr=subprocess.STDOUT)
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
