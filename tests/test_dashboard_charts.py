"""The charts the pages draw as markup (dashboard/svg.py, dashboard/figures.py): each draws exactly the rows it is
given, prints true values, keeps record text inert, and stays one Markdown block. What the pages draw is compared
with SQL in test_dashboard_totals.py and test_dashboard_pages.py; here, the drawing rules on small frames."""

from __future__ import annotations

import re

import pandas as pd

from dashboard import figures, svg
from tests.dashboard_support import marks

HOSTILE = 'ACME "<script>alert(1)</script>" &\nSONS'  # markup, and a line break a record may hold


def _one_block(markup: str) -> None:
    assert "\n" not in markup, "a line break would let Markdown split the chart"
    assert markup.startswith('<div data-chart="')


def test_bars_draw_each_row_once_and_print_the_true_sum():
    vendors = pd.DataFrame({"vendor_id": ["v:a", "v:b", "v:c"], "vendor_name": [HOSTILE, "B", "C"],
                            "on_watchlist": [True, False, False], "obligated": [300.0, 150.0, -20.0],
                            "awards": [3, 1, 1]})
    markup = figures.top_vendors(vendors, key="k", href=lambda r: f"./vendor?vendor={r.vendor_id}")
    _one_block(markup)
    drawn = marks(markup)
    assert list(drawn.label) == [HOSTILE, "B", "C"] and list(drawn.value) == [300.0, 150.0, -20.0]
    assert "<script>" not in markup and "&lt;script&gt;" in markup  # the name is text, never markup
    assert 'href="./vendor?vendor=v:a"' in markup
    widths = [float(w) for w in re.findall(r"\* ([\d.]+)\);height", markup)]
    assert widths == [1.0, 0.5, 0.0], widths  # the longest bar fills the room; a negative sum draws nothing
    assert ">-$20<" in markup and ">$300<" in markup  # ...but prints its true value
    assert "On watchlist" in markup and "Not on watchlist" in markup  # the legend names both colours


def test_flow_bars_sum_a_vendors_agencies_and_draw_exactly_those_rows():
    flows = pd.DataFrame({"vendor_id": ["v:a", "v:a", "v:a", "v:b"], "vendor_name": ["A", "A", "A", "B"],
                          "agency": ["ICE", "CBP", "ICE", "ICE"], "capability": ["x", "x", "y", "y"],
                          "obligated": [10.0, 5.0, 1.0, 40.0], "awards": [1, 1, 1, 2]})
    bars = figures.flow_bars(flows)  # the rows drawn, and the chart's download
    assert list(zip(bars.vendor_name, bars.capability, bars.obligated, bars.awards, strict=True)) == [
        ("B", "y", 40.0, 2), ("A", "x", 15.0, 2), ("A", "y", 1.0, 1)]  # largest vendor on top
    drawn = marks(figures.map_flows(bars, {"x": "#111111", "y": "#222222"}, key="m"))
    assert list(zip(drawn.label, drawn.series, drawn.value, strict=True)) == \
        list(zip(bars.vendor_name, bars.capability, bars.obligated, strict=True))


def test_lines_and_bars_over_time_draw_one_mark_per_row():
    monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-04-01"]),
                            "obligated": [100.0, -30.0, 250.5], "surveillance_obligated": [10.0, 0.0, 20.0]})
    markup = figures.obligations(monthly, key="o")
    _one_block(markup)
    drawn = marks(markup)
    assert sorted(drawn.series.unique()) == ["All awards", "Surveillance-tagged"]
    all_awards = drawn[drawn.series == "All awards"]
    assert list(all_awards.x) == ["2024-01-01", "2024-02-01", "2024-04-01"]
    assert list(all_awards.value) == [100.0, -30.0, 250.5]
    ticks = [t for t in re.findall(r">(-?\$[\d.]+[KMB]?)<", markup)]
    assert ticks == ["-$100", "$0", "$100", "$200", "$300"]  # round steps covering the negative month and the largest


def test_award_timeline_marks_jumps_the_running_total_and_the_ceiling():
    mods = pd.DataFrame({"modification_number": ["0", "P00001"], "action_date": pd.to_datetime(["2025-04-01"] * 2),
                         "obligation": [30.0, 60.0], "running_obligated": [30.0, 90.0],
                         "ceiling_after": [None, 120.0], "is_jump": [False, True]})
    drawn = marks(figures.award_timeline(mods, key="t"))
    by_series = drawn.groupby("series").value.apply(list).to_dict()
    assert by_series == {"Obligation of the action": [30.0], "Jump (much larger than the total so far)": [60.0],
                         "Running total": [30.0, 90.0], "Ceiling": [120.0]}


def test_columns_leave_out_a_year_a_vendor_has_no_row_for():
    by_year = pd.DataFrame({"vendor_name": ["A", "B", "A"], "fiscal_year": [2024, 2024, 2025],
                            "obligated": [5.0, 7.0, 9.0]})
    drawn = marks(figures.compare_years(by_year, key="c"))
    assert sorted(zip(drawn.label, drawn.series, drawn.value, strict=True)) == [
        ("2024", "A", 5.0), ("2024", "B", 7.0), ("2025", "A", 9.0)]


def test_state_tiles_shade_only_states_with_rows():
    by_state = pd.DataFrame({"state": ["TX", "GU"], "obligated": [1250000.0, 3.0], "awards": [2, 1]})
    rows, markup = figures.state_tiles(by_state, key="s")
    assert list(rows.state) == ["TX", "GU"]  # a state off the grid stays in the rows (and the download)
    shaded = marks(markup)
    assert list(zip(shaded.label, shaded.value, strict=True)) == [("TX", 1250000.0)]
    assert markup.count("<rect") == len(figures.geo.TILES)


def test_ticks_are_round_and_cover_the_values():
    for low, high in [(0, 7.3e9), (-4.2e7, 1.5e8), (0, 0), (12, 12.5)]:
        ticks = svg.nice_ticks(low, high)
        assert ticks[0] <= min(low, 0) and ticks[-1] >= high and 0 in ticks, (low, high, ticks)
    assert [svg.tick_money(v) for v in (0, 2.5e5, 1.5e6, 2e9)] == ["$0", "$250K", "$1.5M", "$2B"]
