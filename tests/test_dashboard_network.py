"""The Map's network: a bounded number of printed labels, on the largest nodes, none on top of another; every
node still names itself on hover (issue 17, item 9). That the drawn labels do not overlap is checked in
Chromium (tests/test_browser.py::test_page[map])."""

from __future__ import annotations

import pytest

from dashboard import network
from dashboard import queries as q
from dashboard.format import capability_colours


@pytest.fixture()
def flows(sample_registry, monkeypatch):
    """Every surveillance-tagged flow of the sample, all years: the Map with its largest vendor count drawn."""
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    opts = q.filter_options().iloc[0]
    return q.flows(int(opts.min_year), int(opts.max_year)), capability_colours(q.capabilities())


def _nodes(fig) -> list[tuple[str, str, str, str, float, float]]:
    """(kind, id, printed label, hover text, x, y) of every node drawn (the traces that carry customdata)."""
    out = []
    for trace in fig.data:
        if trace.customdata is None:
            continue
        for (kind, ident), text, hover, x, y in zip(trace.customdata, trace.text, trace.hovertext, trace.x, trace.y,
                                                    strict=True):
            out.append((kind, ident, text, hover, x, y))
    return out


def test_labels_are_bounded_and_name_the_largest_nodes(flows):
    df, colours = flows
    nodes = _nodes(network.network(df, colours))
    labelled = [(k, i) for k, i, text, *_ in nodes if text]
    assert len(nodes) > network.MAX_LABELS, "the sample draws more nodes than labels: the bound is exercised"
    assert 0 < len(labelled) <= network.MAX_LABELS
    ranking = network.ranking(df)
    assert set(ranking) == {(k, i) for k, i, *_ in nodes}
    rank = {node: n for n, node in enumerate(ranking)}
    # the largest node of each kind is labelled, and no label goes to a node outside the top of the ranking
    for kind in ("agency", "capability", "vendor"):
        assert min((n for n in ranking if n[0] == kind), key=rank.get) in labelled, kind
    worst = max(rank[n] for n in labelled)
    assert worst < 2 * network.MAX_LABELS, (worst, len(ranking))
    assert rank[ranking[0]] == 0 and ranking[0] in labelled
    # every node, labelled or not, names itself and its obligations on hover
    for _k, _i, text, hover, *_ in nodes:
        assert ": $" in hover and (not text or hover.startswith(text))
