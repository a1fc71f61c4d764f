"""生活圈覆盖: 5/10/15-minute life-circle coverage of schools, elderly care and health facilities.

Readiness first, then categories / life circle / mode, the map, statistics beside the
2020 census, what-if (add or remove a facility) and suggested sites. The engine is
renewal.analysis.coverage (+ whatif, siting); results are cached on their inputs so
switching category or circle does not recompute distances.

A short script: its pieces are the view modules ``pages/views/coverage_*.py``; everything it
remembers is one :class:`~pages.views.coverage_state.CoveragePageState`.
"""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views import (
    coverage_area,
    coverage_inputs,
    coverage_ready,
    coverage_results,
    coverage_supply,
    panels,
)
from pages.views import coverage_engine as engine
from pages.views import coverage_state as page_state
from renewal.analysis.facilities import combine_facilities, placeholder_mask, plan_facilities
from renewal.analysis.network_files import workspace_network_path
from renewal.errors import InputError
from renewal.settings import workspace_dir

_ui.require_app_navigation()
st.title("生活圈覆盖")
st.caption(
    "按《城市居住区规划设计标准》（GB 50180-2018）的5、10、15分钟生活圈，检查学校、养老、卫生设施的服务覆盖与缺口。"
)
state = page_state.get()
std = engine.standards()
basemap, labels = _ui.map_options()
ws = workspace_dir()

plan_fac = plan_facilities(std)
net_path = workspace_network_path(ws)
ws_path = ws / "facilities" / "facilities.gpkg"
ready_box = st.container()  # the readiness panel comes first; filled once the inputs below are read

# ---- inputs: the study area, the planner's inventory, population, zones (uploads live in the session)
area = coverage_area.panel(ws)
coverage_inputs.inventory(state, std, ws)
coverage_inputs.osm(std, ws, net_path, area)
areas = coverage_inputs.areas()

# ---- workspace inputs (read after a possible import above)
try:
    ws_fac = engine.workspace_facilities(str(ws), engine.mtime(ws_path))
except InputError as err:
    _ui.show_input_error(err)
    ws_fac = None
try:
    net = engine.network(str(net_path), engine.mtime(net_path))
except InputError as err:
    _ui.show_input_error(err)
    net = None

# ---- readiness (drawn at the top of the page), then the choices
sources = {"plan": plan_fac, "ws": ws_fac, "up": state.upload}
existing = sum(len(g) for k, g in sources.items() if k != "plan" and g is not None)
if not coverage_ready.placeholder_choice(existing, int(placeholder_mask(plan_fac).sum())):
    sources["plan"] = plan_fac[~placeholder_mask(plan_fac)]
all_fac = combine_facilities(sources)
with ready_box:
    coverage_ready.readiness(
        all_fac, existing=existing, plan=len(plan_fac), net=net, pop_label=areas.pop_label, zones=areas.zones
    )
if all_fac.empty:
    st.info("没有参与计算的设施：请在上方导入现状设施，或勾选“计入位置待定设施”。")
    st.stop()
net_key = str(net.report.get("source")) + str(engine.mtime(net_path)) if net is not None else ""
inputs = coverage_results.CoverageInputs(std, all_fac, net, net_key, area, areas, basemap, labels)
mode = coverage_results.results(state, inputs)
coverage_supply.section(
    state,
    ws_fac,
    areas,
    net if mode == "network" else None,
    std,
    net_key=net_key,
    basemap=basemap,
    labels=labels,
)
_ui.provenance_expander(("district", "plan_facilities", "renewal_sites", "census2020_hedong"))
box, drawn = panels.lazy_expander("规划提及但未定位的公共服务设施", "cov_unplaced")
with box:
    if drawn:
        st.dataframe(_ui.cached_table("plan_facilities_unplaced"), hide_index=True, width="stretch")
