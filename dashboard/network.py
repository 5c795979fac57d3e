"""Figures for the map page: the agency -> capability -> vendor Sankey and a vendor/agency/capability network.

Why no graph library: the network is three kinds of nodes, so a deterministic ring layout (agencies in
the middle, capabilities around them, vendors outside next to their main capability) reads clearly and
looks the same on every load, which keeps screenshots and shared links stable.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dashboard import format as fmt

# At most this many nodes carry a printed label; every node names itself on hover.
MAX_LABELS = 16
HEIGHT_PX = 640
# Plotly's default font at these sizes, in pixels: average character width and line height (a little generous,
# so estimated boxes that do not touch are labels that do not touch on screen).
_CHAR_PX = {10: 6.4, 12: 7.6}
_LINE_PX = {10: 14.0, 12: 17.0}


def _label_boxes(nodes: list[tuple[float, float, str, int, int]], px_per_unit: float) -> list[bool]:
    """Which nodes get a printed label: nodes in the page's ranking order (largest obligations first), each
    labelled when its label (drawn above the marker) would not touch a label already placed, up to MAX_LABELS.

    Why greedy: the largest vendors, agencies and capabilities are what a reader looks for; a smaller node whose
    name would sit on a larger one's stays unlabelled (hover names it) rather than making both unreadable.
    """
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, text, font, marker in nodes:
        if len(placed) >= MAX_LABELS or not text:
            out.append(False)
            continue
        half_w = (len(text) * _CHAR_PX[font] / 2 + 2) / px_per_unit
        bottom = y + (marker / 2 + 1) / px_per_unit
        box = (x - half_w, bottom, x + half_w, bottom + _LINE_PX[font] / px_per_unit)
        clear = all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in placed)
        if clear:
            placed.append(box)
        out.append(clear)
    return out


def sankey(flows: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Agency -> capability -> vendor, link width = obligations (negative net flows left out)."""
    positive = flows[flows.obligated > 0]
    agencies = sorted(positive.agency.dropna().unique())
    caps = list(dict.fromkeys(positive.sort_values("sort_order").capability))
    vendors = list(positive.groupby("vendor_name").obligated.sum().sort_values(ascending=False).index)
    labels = agencies + caps + vendors
    index = {("a", n): i for i, n in enumerate(agencies)}
    index.update({("c", n): len(agencies) + i for i, n in enumerate(caps)})
    index.update({("v", n): len(agencies) + len(caps) + i for i, n in enumerate(vendors)})
    node_colours = (["#444"] * len(agencies) + [colours.get(c, fmt.NOT_TAGGED_COLOUR) for c in caps]
                    + ["#9ecae1"] * len(vendors))
    ac = positive.groupby(["agency", "capability"], as_index=False).obligated.sum()
    cv = positive.groupby(["capability", "vendor_name"], as_index=False).obligated.sum()
    source = [index[("a", r.agency)] for r in ac.itertuples()] + [index[("c", r.capability)] for r in cv.itertuples()]
    target = [index[("c", r.capability)] for r in ac.itertuples()] + [index[("v", r.vendor_name)]
                                                                       for r in cv.itertuples()]
    values = [float(v) for v in ac.obligated] + [float(v) for v in cv.obligated]
    link_colours = [_fade(colours.get(r.capability, fmt.NOT_TAGGED_COLOUR)) for r in ac.itertuples()] + \
                   [_fade(colours.get(r.capability, fmt.NOT_TAGGED_COLOUR)) for r in cv.itertuples()]
    fig = go.Figure(go.Sankey(
        node=dict(label=labels, color=node_colours, pad=12, thickness=14,
                  customdata=[fmt.money(0)] * len(labels)),
        link=dict(source=source, target=target, value=values, color=link_colours,
                  customdata=[fmt.money(v) for v in values], hovertemplate="%{customdata}<extra></extra>"),
    ))
    fig.update_layout(height=max(420, 22 * len(vendors)), margin=dict(l=0, r=0, t=10, b=10))
    return fig


def _fade(hex_colour: str, alpha: float = 0.45) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def network(flows: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Nodes: agencies (centre), capabilities (inner ring), vendors (outer ring); edges weighted by dollars.

    Each node carries customdata (kind, id) so a click can open its profile.
    """
    positive = flows[flows.obligated > 0]
    agencies = sorted(positive.agency.dropna().unique())
    caps = positive.drop_duplicates("capability_id").sort_values("sort_order")
    cap_ids = list(caps.capability_id)
    cap_names = dict(zip(caps.capability_id, caps.capability, strict=False))
    pos: dict[tuple[str, str], tuple[float, float]] = {}
    for i, a in enumerate(agencies):
        angle = math.pi / 2 + 2 * math.pi * i / max(len(agencies), 1)
        pos[("agency", a)] = (0.15 * math.cos(angle), 0.15 * math.sin(angle)) if len(agencies) > 1 else (0, 0)
    for i, c in enumerate(cap_ids):
        angle = math.pi / max(len(cap_ids), 1) + 2 * math.pi * i / max(len(cap_ids), 1)
        pos[("capability", c)] = (0.6 * math.cos(angle), 0.6 * math.sin(angle))
    by_vendor = positive.groupby(["vendor_id", "vendor_name"], as_index=False).obligated.sum()
    main_cap = (positive.sort_values("obligated", ascending=False).drop_duplicates("vendor_id")
                .set_index("vendor_id").capability_id)
    slots: dict[str, int] = {}
    for v in by_vendor.sort_values("obligated", ascending=False).itertuples():
        ci = cap_ids.index(main_cap[v.vendor_id])
        k = slots.get(main_cap[v.vendor_id], 0)
        slots[main_cap[v.vendor_id]] = k + 1
        spread = 2 * math.pi / max(len(cap_ids), 1)
        angle = spread / 2 + spread * ci + (k % 5 - 2) * spread / 6
        radius = 1.0 + 0.14 * (k // 5)
        pos[("vendor", v.vendor_id)] = (radius * math.cos(angle), radius * math.sin(angle))

    fig = go.Figure()
    top = float(positive.obligated.max()) if not positive.empty else 1.0
    edges = pd.concat([
        positive.groupby(["agency", "capability_id"], as_index=False).obligated.sum()
        .assign(a=lambda d: [("agency", x) for x in d.agency], b=lambda d: [("capability", x) for x in d.capability_id]),
        positive.groupby(["capability_id", "vendor_id"], as_index=False).obligated.sum()
        .assign(a=lambda d: [("capability", x) for x in d.capability_id],
                b=lambda d: [("vendor", x) for x in d.vendor_id]),
    ])
    # One trace per line width (rounded to half a pixel), its edges separated by gaps, instead of one trace per
    # edge: plotly's drawing time in the browser grows with the number of traces (bench/page_settle.py).
    widths: dict[float, tuple[list, list]] = {}
    for e in edges.itertuples():
        (x0, y0), (x1, y1) = pos[e.a], pos[e.b]
        width = round(2 * (0.5 + 6 * math.sqrt(max(float(e.obligated), 0.0) / top))) / 2
        xs, ys = widths.setdefault(width, ([], []))
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    for width, (xs, ys) in sorted(widths.items()):
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(width=width, color="#bbbbbb")))
    vend_sums = dict(zip(by_vendor.vendor_id, by_vendor.obligated, strict=False))
    vend_names = dict(zip(by_vendor.vendor_id, by_vendor.vendor_name, strict=False))
    groups = [
        ("Agencies", "agency", agencies, lambda a: a, lambda _a: "#333", 26),
        ("Capabilities", "capability", cap_ids, lambda c: cap_names[c], lambda c: colours.get(c, "#999"), 20),
        ("Vendors", "vendor", list(vend_sums), lambda v: vend_names[v], lambda _v: "#6baed6", 12),
    ]
    labelled = _labelled(positive, pos, groups)
    for title, kind, ids, name, colour, size in groups:
        xs = [pos[(kind, i)][0] for i in ids]
        ys = [pos[(kind, i)][1] for i in ids]
        hover = [f"{name(i)}: {fmt.money(node_sums(positive, kind).get(i, 0))}" for i in ids]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers+text", name=title, textfont=dict(size=10 if kind == "vendor" else 12),
            text=[name(i) if (kind, i) in labelled else "" for i in ids], textposition="top center",
            hovertext=hover, hoverinfo="text",
            customdata=[[kind, i] for i in ids], marker=dict(size=size, color=[colour(i) for i in ids],
                                                             line=dict(width=1, color="white"))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", range=[-_extent(pos), _extent(pos)])
    fig.update_layout(height=HEIGHT_PX, margin=dict(l=0, r=0, t=10, b=0), plot_bgcolor="white",
                      legend=dict(orientation="h"), clickmode="event+select")
    return fig


def _extent(pos: dict[tuple[str, str], tuple[float, float]]) -> float:
    """Half the height of the drawing in data units (fixed, so the label placement knows the scale)."""
    return max([abs(y) for _x, y in pos.values()] + [1.0]) + 0.25


def node_sums(positive: pd.DataFrame, kind: str) -> dict[str, float]:
    """Obligations through each node of one kind (the network's ranking: larger first)."""
    column = {"agency": "agency", "capability": "capability_id", "vendor": "vendor_id"}[kind]
    return {k: float(v) for k, v in positive.groupby(column).obligated.sum().items()}


def ranking(flows: pd.DataFrame) -> list[tuple[str, str]]:
    """Every node as (kind, id), largest obligations first: the order in which nodes get a printed label."""
    positive = flows[flows.obligated > 0]
    sums = [((kind, k), v) for kind in ("agency", "capability", "vendor") for k, v in node_sums(positive, kind).items()]
    return [node for node, _v in sorted(sums, key=lambda kv: (-kv[1], kv[0]))]


def _labelled(positive: pd.DataFrame, pos: dict, groups: list) -> set[tuple[str, str]]:
    """The nodes that carry a printed label (see _label_boxes), for the ring layout at HEIGHT_PX."""
    names = {(kind, i): name(i) for _t, kind, ids, name, _c, _s in groups for i in ids}
    sizes = {kind: size for _t, kind, _ids, _n, _c, size in groups}
    order = [n for n in ranking(positive) if n in pos]
    px_per_unit = (HEIGHT_PX - 10) / (2 * _extent(pos))
    keep = _label_boxes([(*pos[n], names[n], 10 if n[0] == "vendor" else 12, sizes[n[0]]) for n in order],
                        px_per_unit)
    return {n for n, k in zip(order, keep, strict=True) if k}
