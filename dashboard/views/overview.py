"""Overview: headline totals, top vendors and agencies, capability mix, obligations over time, freshness."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import figures, ui
from dashboard import format as fmt
from dashboard import queries as q


def _named(frame: pd.DataFrame, column: str, unknown: str) -> tuple[int, int, float]:
    """Awards whose `column` is known, all awards, and the known ones' share of the dollars (each award once)."""
    known = frame[frame[column] != unknown]
    total = frame.obligated.sum()
    return known.awards.sum(), frame.awards.sum(), known.obligated.sum() / total if total else 0


def _top_bars(bars: pd.DataFrame, chart: str, key: str) -> None:
    """The 15 largest bars of a Top agencies view, drawn, and their rows as the chart's data download (exactly
    the rows drawn). One place for the subtier, component and office views."""
    bars = bars.sort_values("obligated", ascending=False).head(15)
    figures.show(figures.top_agencies(bars, key=key))
    ui.chart_data(bars, chart, key=f"{key}-chart")


def _offices(surveillance_only: bool, rows_link: str) -> None:
    """Top agencies by contracting office: the office that signed each award (the record's awarding office, else
    the office code that opens the PIID), each award once, with the awards no record names as their own bar."""
    offices = q.top_offices(surveillance_only)
    if offices.empty:
        ui.empty("No agency has obligations here yet.")
        return
    _top_bars(offices.assign(agency=offices.subtier + " · " + offices.office), "top_offices_chart",
              key="overview-offices")
    named, total, share = _named(offices, "office", "office not identified")
    st.caption(f"Each award once, under the contracting office that signed it. The office is named for "
               f"{named:,} of {total:,} awards ({fmt.pct(share)} of the dollars): "
               "the award record's awarding office, else the office code that opens a DHS PIID (70B03C...) "
               "and its name from data/contracting_offices.yaml; the rest show as \"office not identified\".")
    ui.how_computed("Each award once under its awarding subtier and contracting office (`awards.agency_office`, "
                    "else \"office not identified\"); **named** = awards whose office is known, and `named_by` "
                    "says from what. The first parameter is true when only surveillance-tagged awards are counted.",
                    queries=[(q.top_offices, (surveillance_only,))], figures=["The office is named for"],
                    key="overview-offices-how", rows_link=rows_link)
    shown = offices.assign(source_url=offices.department.map(fmt.usaspending_agency_url))
    ui.table(shown, key="overview-offices-table", money=["obligated"], hide=["office_code"])
    ui.exports(shown, "top_offices", key="overview-offices-export")


def _rule_counts(rules: pd.DataFrame) -> str:
    """'the funding office name (617 awards), ...' in the order the build tries the rules (every rule that decided
    at least one award here)."""
    parts = [f"{q.COMPONENT_RULES.get(r.rule, r.rule)} ({int(r.awards):,} awards)" for r in rules.itertuples()]
    return "; ".join(parts) if parts else "no rule decided any award here"


def _param_date(name: str, default, low, high):
    """A date query parameter clamped to [low, high]; the default when absent or malformed."""
    try:
        return min(max(pd.Timestamp(ui.param(name)).date(), low), high) if ui.param(name) else default
    except ValueError:
        return default


def _coverage():
    """The dates the registry covers (actions and fetches), said in a caption; its row."""
    cov = q.date_coverage().iloc[0]
    st.caption(f"Actions dated {fmt.day(cov.first_action)} to {fmt.day(cov.last_action)}; records fetched "
               f"{fmt.day(cov.first_fetched)} to {fmt.day(cov.last_fetched)}.")
    return cov


st.title("Surveillance Tech Registry")
st.caption("Who sells surveillance and data-analytics technology to which US agencies, for how much, since when, "
           "and on what terms. Every number links to its public record.")

scope = st.segmented_control("Obligations counted", ["Surveillance-tagged awards", "All awards"],
                             default="All awards" if ui.param("scope") == "all" else "Surveillance-tagged awards",
                             key="overview-scope")
surveillance_only = scope != "All awards"
ui.set_params(scope="all" if not surveillance_only else None)

t = q.totals().iloc[0]
c = st.columns(5)
c[0].metric("Awards", f"{t.awards:,}")
c[1].metric("Modifications & actions", f"{t.transactions:,}")
c[2].metric("Vendors", f"{t.vendors:,}")
c[3].metric("Obligated (all awards)", fmt.money(t.awards_obligated),
            help="Sum of each award's obligated amount, each award once (the same figure Search shows with no "
                 "filter).")
c[4].metric("Surveillance-tagged", fmt.money(t.surveillance_obligated),
            help="Obligations of awards with at least one counted capability tag, each award once.")
st.caption(f"Actions from {fmt.day(t.first_action)} to {fmt.day(t.last_action)}. Surveillance-tagged: "
           f"{int(t.surveillance_awards):,} awards with a counted capability tag, each counted once.")
tagged_link = ui.page_url("search", capability=list(q.capability_ids_by_name().name))
ui.how_computed("**Obligated** sums each award's obligated amount once (`awards.obligated_amount`: the award total "
                "USAspending reports, else the sum of the registry's actions). **Surveillance-tagged** counts awards "
                "with at least one counted capability tag (`COUNTED_TAGS` in dashboard/queries.py).",
                q.TOTALS_SQL, rows_link=tagged_link, key="overview-how",
                figures=["Awards", "Modifications & actions", "Vendors", "Obligated (all awards)", "Surveillance-tagged"])

caps = q.capabilities()
colours = fmt.capability_colours(caps)

left, right = st.columns(2)
with left:
    st.subheader("Top vendors")
    vendors = q.top_vendors(10, surveillance_only)
    if vendors.empty:
        ui.empty("No vendor has obligations here yet: build the registry (`make registry`).")
    else:
        figures.show(figures.top_vendors(vendors, key="overview-vendors",
                                         href=lambda r: ui.page_url("vendor", vendor=r.vendor_id)))
        ui.chart_data(vendors, "top_vendors_chart", key="overview-vendors-chart")
        ui.table(vendors, key="overview-vendors-table", money=["obligated"], hide=["vendor_id"])
        ui.exports(vendors, "top_vendors", key="overview-vendors-export")
with right:
    st.subheader("Top agencies")
    levels = {"Subtier agencies": None, "Components": "components", "Contracting offices": "offices"}
    chosen = next((k for k, v in levels.items() if v and v == ui.param("agencies")), "Subtier agencies")
    by = st.segmented_control("Show", list(levels), key="overview-agency-level", default=chosen) or chosen
    ui.set_params(agencies=levels[by])
    rows_link = tagged_link if surveillance_only else ui.page_url("search")
    agencies = None if by == "Contracting offices" else q.top_agencies(surveillance_only)
    if agencies is None:
        _offices(surveillance_only, rows_link)
    elif agencies.empty:
        ui.empty("No agency has obligations here yet.")
    else:
        if by == "Components":
            bars = agencies.assign(agency=agencies.subtier + " · " + agencies.component)
        else:
            bars = agencies.groupby("subtier", as_index=False).agg(obligated=("obligated", "sum"),
                                                                   awards=("awards", "sum"))
            bars = bars.rename(columns={"subtier": "agency"})
        _top_bars(bars, "top_agencies_chart", key="overview-agencies")
        named, total, share = _named(agencies, "component", "component not identified")
        rules = q.component_rules(surveillance_only)
        st.caption(f"Each award once, under its awarding subtier. Components are attributed for "
                   f"{named:,} of {total:,} awards ({fmt.pct(share)} of the dollars), by the first rule that names "
                   "exactly one: " + _rule_counts(rules) + ". The rest show as \"component not identified\": "
                   "many contracting offices and funding offices buy for several components, so the office is "
                   "shown under \"Contracting offices\" rather than guessed into a component (see Methods & "
                   "sources).")
        ui.how_computed("Each award once under its awarding subtier and, inside it, its component "
                        "(`awards.agency_component`, else \"component not identified\"); **attributed** = awards "
                        "whose component is known, and per rule (`awards.component_basis`) the awards it decided. "
                        "The first parameter is true when only surveillance-tagged awards are counted.",
                        queries=[(q.top_agencies, (surveillance_only,)), (q.component_rules, (surveillance_only,))],
                        figures=["Components are attributed for"], key="overview-agencies-how",
                        rows_link=rows_link)
        shown = agencies.assign(source_url=agencies.department.map(fmt.usaspending_agency_url))
        ui.table(shown, key="overview-agencies-table", money=["obligated"], hide=["subtier_code"])
        ui.exports(shown, "top_agencies", key="overview-agencies-export")


# Below the fold, one section at a time (ui.url_tabs). A link that names What's new dates (?new_from=..., from
# before the sections were tabs) opens What's new.
SECTIONS = ["Capability mix", "Obligations over time", "What's new", "Data freshness"]
# The default is fixed for the session (its first view of the page decides): a default that changed between runs
# would make a new widget, which would lose the tab the reader chose.
default = st.session_state.setdefault("overview-section-default", SECTIONS[2] if any(
    ui.param(p) for p in ("new_by", "new_from", "new_to")) else SECTIONS[0])
sections = ui.url_tabs(SECTIONS, default=default)
if sections[0].open:
    with sections[0]:
        overlap = q.capability_overlap().iloc[0]
        st.subheader("Capability mix" + (": an award with several capabilities counts under each"
                                         if overlap.awards else ""))
        mix = q.capability_mix()
        figures.show(figures.capability_mix(mix, colours, key="overview-capabilities",
                                            href=lambda r: ui.page_url("search", capability=r.name)))
        ui.chart_data(mix, "capability_mix", key="overview-capabilities-chart")
        st.caption(f"{int(overlap.awards):,} awards ({fmt.money(overlap.obligated)}) carry more than one capability and appear in "
                   f"each of their bars, so the bars add up to {fmt.money(mix.obligated_amount.sum())} against "
                   f"{fmt.money(t.surveillance_obligated)} obligated on surveillance-tagged awards. See Methods & sources "
                   "for how tags are made.")
        ui.how_computed("**Awards with more than one capability**: awards with two or more counted capability tags, each "
                        "once, and their obligations; **the bars add up to** the sum of the capability bars (an award "
                        "under each of its capabilities), against the de-duplicated surveillance-tagged total.",
                        queries=[(q.capability_overlap, ()), (q.capability_mix, ()), (q.totals, ())],
                        figures=["carry more than one capability"], rows_link=tagged_link, key="overview-mix-how")
if sections[1].open:
    with sections[1]:
        st.subheader("Obligations over time")
        monthly = q.obligations_by_month()
        ui.obligations_chart(monthly, key="overview-monthly")
        ui.chart_data(monthly, "obligations_by_month", key="overview-monthly-chart")
if sections[2].open:
    with sections[2]:
        cov = _coverage()
        st.subheader("What's new")
        new_by = st.segmented_control("New by", ["Action date", "First seen by the registry"], key="overview-new-by",
                                      default="First seen by the registry" if ui.param("new_by") == "seen"
                                      else "Action date")
        by_seen = new_by == "First seen by the registry"
        low = pd.Timestamp(cov.first_fetched if by_seen else cov.first_action).date()
        high = pd.Timestamp(cov.last_fetched if by_seen else cov.last_action).date()
        start_default = max(low, high - pd.Timedelta(days=90).to_pytimedelta())
        picked = st.date_input("Dates", (_param_date("new_from", start_default, low, high), _param_date("new_to", high, low, high)),
                               min_value=low, max_value=high, key=f"overview-new-dates-{'seen' if by_seen else 'action'}",
                               help="The registry covers only the dates above; nothing outside them can be new here.")
        date_from, date_to = (picked if isinstance(picked, tuple) and len(picked) == 2 else (start_default, high))
        ui.set_params(new_by="seen" if by_seen else None,
                      new_from=str(date_from) if date_from != start_default else None,
                      new_to=str(date_to) if date_to != high else None)
        if by_seen:
            tot = q.first_seen_total(date_from, date_to).iloc[0]
            new = q.first_seen_awards(date_from, date_to)
            st.markdown(f"**{int(tot.awards):,} awards** first fetched by the registry from {date_from} to {date_to}, "
                        f"**{fmt.money(tot.obligated)}** obligated on them (listing the {len(new):,} newest).")
        else:
            tot = q.recent_actions_total(date_from, date_to).iloc[0]
            new = q.recent_actions(date_from, date_to)
            st.markdown(f"**{int(tot.actions):,} actions** on {int(tot.awards):,} awards dated {date_from} to {date_to}, "
                        f"**{fmt.money(tot.obligated)}** obligated (listing the {len(new):,} newest).")
        if by_seen:
            ui.how_computed("Awards whose earliest record the registry fetched (`min(transactions.fetched_at)`) falls in "
                            "the dates chosen, each once, and their obligated amounts. The rows are the table below "
                            "(CSV download).", queries=[(q.first_seen_total, (date_from, date_to))],
                            figures=["first fetched by the registry"], key="overview-new-how")
        else:
            ui.how_computed("Every action (modification or transaction) whose action date falls in the dates chosen, the "
                            "distinct awards they belong to, and the sum of their obligations (`federal_action_obligation`). "
                            "The rows are the table below (CSV download).",
                            queries=[(q.recent_actions_total, (date_from, date_to))], figures=["awards dated"],
                            key="overview-new-how")
        if new.empty:
            ui.empty("Nothing in this date range: widen it.")
        else:
            shown = new.assign(award_page=[ui.page_url("award", award=p) for p in new.piid])
            shown = shown[["award_page", *[c for c in new.columns if c != "piid"]]]
            ui.table(shown, key="overview-new", money=["obligation", "obligated_amount"], hide=["award_key"], height=360,
                     pages=["award_page"])
            ui.exports(new, "whats_new", key="overview-new-export")
if sections[3].open:
    with sections[3]:
        st.subheader("Data freshness")
        fresh = q.freshness()
        if fresh.empty:
            ui.empty("No crawl recorded yet: run `make crawl` (live) or `make registry` (sample).")
        else:
            ui.table(fresh, key="overview-freshness")
        _coverage()
