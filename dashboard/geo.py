"""A US tile-grid map (one square per state) drawn with plain plotly scatter: no topology, no tiles.

Why not a choropleth: plotly.js fetches its US topology from cdn.plot.ly at run time (its
`topojsonURL` default), which fails offline and leaks a request. A tile grid needs no geometry at all,
keeps small states readable, and is a common newsroom form.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import format as fmt

# (row, column) in the usual 8 x 11 tile grid; PR sits below FL.
TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 10),
    "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5), "WI": (2, 6),
    "MI": (2, 7), "NY": (2, 8), "RI": (2, 9), "MA": (2, 10),
    "OR": (3, 0), "NV": (3, 1), "WY": (3, 2), "SD": (3, 3), "IA": (3, 4), "IN": (3, 5), "OH": (3, 6),
    "PA": (3, 7), "NJ": (3, 8), "CT": (3, 9),
    "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3), "MO": (4, 4), "KY": (4, 5), "WV": (4, 6),
    "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6), "SC": (5, 7),
    "DC": (5, 8),
    "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6), "GA": (6, 7),
    "HI": (7, 0), "TX": (7, 3), "FL": (7, 8), "PR": (7, 10),
}


def tile_map(by_state: pd.DataFrame, *, value: str = "obligated", height: int = 420) -> go.Figure:
    """Squares per state shaded by `value` (grey where the data has none), hover with the exact amount."""
    values = dict(zip(by_state["state"], by_state[value], strict=False)) if not by_state.empty else {}
    awards = dict(zip(by_state["state"], by_state["awards"], strict=False)) if not by_state.empty else {}
    rows = []
    for state, (r, c) in TILES.items():
        v = values.get(state)
        rows.append({"state": state, "x": c, "y": -r, "value": float(v) if v is not None else None,
                     "hover": f"{state}: {fmt.money_exact(v)} in {awards.get(state, 0)} awards" if v is not None
                     else f"{state}: no awards reported here"})
    df = pd.DataFrame(rows)
    has = df[df.value.notna()]
    none = df[df.value.isna()]
    fig = go.Figure()
    marker = dict(symbol="square", size=38, line=dict(width=1, color="white"))
    fig.add_trace(go.Scatter(x=none.x, y=none.y, mode="markers+text", text=none.state, hovertext=none.hover,
                             hoverinfo="text", marker={**marker, "color": "#e5e5e5"}, textfont=dict(color="#777"),
                             name="no data", showlegend=False))
    if not has.empty:
        fig.add_trace(go.Scatter(
            x=has.x, y=has.y, mode="markers+text", text=has.state, hovertext=has.hover, hoverinfo="text",
            marker={**marker, "color": has.value, "colorscale": "Reds", "showscale": True,
                    "colorbar": dict(title="Obligated ($)")},
            textfont=dict(color="black"), name="obligated", showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.7, 10.7])
    fig.update_yaxes(visible=False, range=[-7.7, 0.7], scaleanchor="x")
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=10, b=0), plot_bgcolor="white")
    return fig
