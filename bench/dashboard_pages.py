"""Dashboard page timings on a registry: server-side script time per page, cold and warm (AppTest).

Run: `python -m bench.dashboard_pages [registry.duckdb]`. Cold = first run of the page in a fresh
session with an empty query cache (the connection already open); warm = the same page rerun (what a
widget change costs when its queries are cached). Browser time-to-chart is recorded by
tests/test_browser.py in tests/artifacts/page_timings.json.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "map", "vendor", "compare", "agency", "award", "search", "methods"]


def measure(registry: Path, reps: int = 3) -> dict[str, dict[str, float]]:
    """{page: {cold_s, warm_s}} medians over `reps` fresh sessions."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["REGISTRY_PATH"] = str(registry)
    out: dict[str, dict[str, float]] = {}
    AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()  # imports, connection
    for page in PAGES:
        cold, warm = [], []
        for _ in range(reps):
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
            at.run()
            at.switch_page(f"views/{page}.py")
            t0 = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
            assert not at.exception, [e.value for e in at.exception]
        out[page] = {"cold_s": round(statistics.median(cold), 3), "warm_s": round(statistics.median(warm), 3)}
    return out


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "registry.duckdb")
    print(f"{'page':<10} {'cold s':>8} {'warm s':>8}   (load average {os.getloadavg()[0]:.1f})")
    for page, t in measure(path).items():
        print(f"{page:<10} {t['cold_s']:>8.3f} {t['warm_s']:>8.3f}")
