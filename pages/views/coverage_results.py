"""The 生活圈覆盖 page's results: the choices (categories, life circle, mode) with the map, statistics, what-if,
siting and exports they change, in one fragment (issue 22).

The statistics, what-if, siting and downloads are four tabs under the map, and only the open one is drawn
(:func:`pages.views.panels.lazy_tabs`): a switch draws the map and the open tab, not all four; what the
planner chose in a tab is kept while another is open (:func:`pages.views.panels.kept`).

A category, circle or mode switch, a what-if or a siting run reruns this fragment only, not the page's
inputs above it (study area, inventory, OpenStreetMap import, population and zones, readiness) or the
supply-and-demand section below it. What the fragment needs from the page's run is one
:class:`CoverageInputs`; an input changed above is a widget outside the fragment, so the page reruns whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from pages import _ui
from pages.views import coverage_data as cd
from pages.views import coverage_engine as engine
from pages.views import (
    coverage_exports,
    coverage_map,
    coverage_ready,
    coverage_siting,
    coverage_stats,
    coverage_whatif,
    panels,
)
from pages.views.coverage_inputs import Areas
from pages.views.coverage_state import CoveragePageState
from renewal.analysis.coverage_report import about_lines, about_sheet
from renewal.analysis.facilities import placeholder_mask
from renewal.analysis.network import WalkNetwork
from renewal.analysis.study_area import StudyArea
from renewal.errors import InputError
from renewal.standards import Standards

#: The tabs under the map (their order is the planner's: read, try, site, take away).
TABS = ["覆盖统计", "假设分析", "建议选址", "导出"]
TAB_KEY = "cov_tab"


@dataclass(frozen=True)
class CoverageInputs:
    """What the results take from the page's run (read once per page run, kept for the fragment's reruns)."""

    std: Standards
    all_fac: gpd.GeoDataFrame
    net: WalkNetwork | None
    net_key: str
    area: StudyArea
    areas: Areas
    basemap: str
    labels: bool


@st.fragment
def results(state: CoveragePageState, inputs: CoverageInputs) -> str:
    """Choices, computation, map, statistics, what-if, siting and exports; returns the mode (``radius`` or
    ``network``), which the supply-and-demand section below uses: a mode switch reruns the whole page."""
    std, all_fac, net, area, areas = inputs.std, inputs.all_fac, inputs.net, inputs.area, inputs.areas
    basemap, labels, net_key = inputs.basemap, inputs.labels, inputs.net_key
    chosen, circle, mode = coverage_ready.choices(std, all_fac, net)
    if not chosen:
        st.info("请至少选择一个设施类别。")
        st.stop()

    if state.results_mode not in (None, mode):  # the section below the fragment depends on the mode
        state.results_mode = mode
        st.rerun()
    state.results_mode = mode
    area_key = "" if area.is_default else engine.bytes_key(area.geometry.wkb)
    base_key = "|".join((cd.facilities_key(all_fac), mode, net_key, areas.pop_key, areas.zone_key, area_key))
    try:
        boundary = None if area.is_default else area.geometry
        dist = engine.distances(base_key, mode, all_fac, net, areas.population, areas.zones, boundary)
        base = engine.view(base_key, mode, circle, tuple(k for k in std.categories if k in chosen), dist)
    except InputError as err:
        _ui.show_input_error(err)
        st.stop()

    result, gained = coverage_whatif.apply(state, base, all_fac, chosen, std)
    applied = coverage_whatif.applied(state, all_fac, chosen)
    scenario = cd.scenario_label(*applied) if result is not base else ""
    sites = _ui.current_sites_or_none()
    weight = "population" if base.context.cell_pop is not None else "area"
    m, out = coverage_map.show(
        state,
        result,
        all_fac,
        chosen,
        gained,
        std,
        weight=weight,
        sites=sites,
        basemap=basemap,
        labels=labels,
        scenario=scenario,
        area=None
        if area.is_default
        else area,  # the district is outlined already: the same map as export-map's
    )
    counted = all_fac[all_fac["category"].isin(chosen) & ~all_fac["facility_id"].isin(state.removed)]
    about = about_lines(
        result, area_name=f"{area.name}（{area.area_zh}）", placeholders=int(placeholder_mask(counted).sum())
    )
    stats = result.stats[result.stats["category"].isin(chosen)]
    t_stats, t_whatif, t_siting, t_exports = panels.lazy_tabs(TABS, TAB_KEY)
    if t_stats.open:
        with t_stats, panels.kept(coverage_stats.WIDGETS):
            coverage_stats.statistics(base, stats, result, chosen, std, about, hedong=area.is_default)
    if t_whatif.open:
        with t_whatif, panels.kept(coverage_whatif.WIDGETS):
            coverage_whatif.controls(
                state, result, all_fac, chosen, std, out=out, basemap=basemap, sites=sites
            )
    if t_siting.open:
        with t_siting, panels.kept(coverage_siting.WIDGETS):
            coverage_siting.siting(state, result, chosen, std, sites=sites, weight=weight)
    if t_exports.open:
        with t_exports:
            coverage_exports.exports(
                result,
                stats,
                chosen,
                std,
                m,
                scenario=scenario,
                table=cd.scenario_table(*applied, all_fac, std),
                added=cd.added_facilities(applied[0], std),
                about=about_sheet(about),
            )
    return mode
