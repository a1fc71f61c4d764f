"""更新项目 page: the sidebar filters, the table and the map, kept in step through the page state."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

import geodata
from layers import interaction
from layers.draw_control import add_draw_control
from layers.maps import sites_scene
from layers.registry import SITES_BASE_KEYS
from layers.render import draw_scene
from layers.scene import with_layers
from pages import _ui
from pages.views import print_panel
from pages.views import site_tables as tables
from pages.views.sites_state import FILTER_KEYS, QUERY_KEY, STATE_KEY, SitesPageState
from renewal.sites import query as catalogue
from renewal.sites import schema, snapping
from renewal.sites.snapping import SnapTargets

ST = geodata.STATUS_LABELS


def filters() -> dict:
    """The sidebar filters (drawn by the page's fragment, ``sites_panel.browse``, into the sidebar, which the
    page's run has written to first): their values by filter name."""
    with st.sidebar:
        st.subheader("筛选")
        areas = st.multiselect("更新片区", schema.RENEWAL_AREAS, key=FILTER_KEYS["area"], placeholder="全部")
        types = st.multiselect("类型", schema.SITE_TYPES, key=FILTER_KEYS["type"], placeholder="全部")
        statuses = st.multiselect(
            "状态", list(ST), format_func=ST.__getitem__, key=FILTER_KEYS["status"], placeholder="全部"
        )
        query = st.text_input(
            "搜索（名称、编号、类型、片区、规划原文）", key=QUERY_KEY, help="例如 保障房、RS035、老旧厂房"
        )
    return {"areas": areas, "types": types, "statuses": statuses, "query": query}


def filtered(all_sites: gpd.GeoDataFrame, chosen: dict) -> gpd.GeoDataFrame:
    """The sites the filters ``chosen`` (from :func:`filters`) keep, with measures."""
    return catalogue.with_measures(catalogue.filter_sites(all_sites, **chosen))


def _table_key(gen: int) -> str:
    return f"sites_table_{gen}"


def select(state: SitesPageState, view: gpd.GeoDataFrame) -> str | None:
    """Resolve the selection from the table and the map (before either is drawn); start editing it."""
    ss = st.session_state
    rows = ((ss.get(_table_key(state.table_gen)) or {}).get("selection") or {}).get("rows") or []
    shown = state.table_ids
    table_pick = shown[rows[0]] if rows and rows[0] < len(shown) else None
    map_pick = interaction.clicked_site_id(state.map_feature)
    ids = list(view["site_id"])
    sel = tables.resolve_selection(
        state.selected,
        table_pick=table_pick,
        last_table_pick=state.last_table_pick,
        map_pick=map_pick,
        last_map_pick=state.last_map_pick,
        visible=ids,
    )
    if sel != state.selected or (sel and state.edit_site != sel):
        version = (
            int(view.set_index("site_id").loc[sel, "version"]) if sel and "version" in view.columns else 0
        )
        state.start_edit(sel, version)
        if sel != table_pick:  # chosen on the map or cleared: a new table shows it on top, ticked
            state.table_gen, state.table_first, table_pick = state.table_gen + 1, sel, sel
    state.selected, state.last_table_pick, state.last_map_pick = sel, table_pick, map_pick
    return sel


def table(state: SitesPageState, view: gpd.GeoDataFrame, n_all: int) -> None:
    """The table, the selected site highlighted and ticked. A row click keeps the table (same key and order:
    the browser's grid is updated, not built again, and nothing moves from under the mouse); a selection
    made elsewhere (the map, the URL) or other rows (a filter, an edit) make a new table with the selected
    site on top."""
    sel = state.selected
    ordered = tables.selected_first(view, state.table_first)
    ids = list(ordered["site_id"])
    if ids != state.table_ids:  # other rows (a filter, an edit): a new table, the selected row on top
        state.table_gen, state.table_first, state.last_table_pick = state.table_gen + 1, sel, sel
        ordered = tables.selected_first(view, sel)
        ids = list(ordered["site_id"])
    state.table_ids = ids
    shown = tables.site_table(ordered, selected=sel)
    for col in ("计算面积（㎡）", "计算长度（米）"):  # blank, not "None", where a measure does not apply
        shown[col] = shown[col].map(lambda v: "" if v != v or v is None else f"{v:,.0f}")
    # only the selected row is styled: a Styler over every row costs seconds with thousands of sites
    picked = shown.index[shown["选中"].astype(bool)]
    st.dataframe(
        shown.style.apply(
            lambda r: ["background-color: #fff3c4"] * len(r), axis=1, subset=(picked, shown.columns)
        )
        if len(picked)
        else shown,
        key=_table_key(state.table_gen),
        on_select="rerun",
        selection_mode="single-row",
        selection_default={"selection": {"rows": [ids.index(sel)], "columns": []}} if sel in ids else None,
        hide_index=True,
        use_container_width=True,
        height=260,
    )
    st.caption(f"共 {len(view)} 个项目（全部 {n_all} 个）。点选表格行或地图上的项目查看详情。")


MAP_KEY = "sites_map"


def _map_clicked() -> None:
    """Before the rerun a map click starts: a site clicked becomes the page's map pick, so that run
    selects it and draws its card (one run, not a run that reads the click and a second that shows it)."""
    state = st.session_state.get(STATE_KEY)
    clicked = (st.session_state.get(MAP_KEY) or {}).get("last_active_drawing")
    if isinstance(state, SitesPageState) and interaction.clicked_site_id(clicked):
        state.map_feature = clicked


def snap_targets(view: gpd.GeoDataFrame, district: gpd.GeoDataFrame, sel: str | None) -> SnapTargets:
    """What a drawn vertex snaps to: the shown sites' vertices (not the selected site's own) and the district
    boundary."""
    others = view.geometry[view["site_id"] != sel] if sel else view.geometry
    return snapping.snap_targets(list(others), district.geometry.union_all() if len(district) else None)


def site_map(state: SitesPageState, view, chosen, *, basemap: str, labels: bool, editable: bool):
    """The map (with the drawing tools when editable); returns what the widget returned (a dict)."""
    base = _ui.cached_layers(SITES_BASE_KEYS)
    sel = state.selected
    fit = catalogue.focus_extent(chosen if sel else (view if len(view) else base["district"]))
    scene = with_layers(sites_scene(view, chosen, data=base, extent=fit), _ui.imported_layers())
    # the drawing tools run down the left side: the legend goes to the right, never over 删除图形
    m = draw_scene(
        scene,
        basemap=basemap,
        labels=labels,
        legend_corner="bottomright" if editable else "bottomleft",
        live=True,  # a filter swaps the sites on the map the browser has (a new selection draws a new map)
    )
    if editable:
        state.snap_targets = snap_targets(view, base["district"], sel)
        add_draw_control(
            m, chosen.geometry.iloc[0] if sel else None, basemap=basemap, snap=state.snap_targets
        )
    out = _ui.show_map(
        m,
        key=MAP_KEY,
        height=560,
        returned_objects=("last_active_drawing", "all_drawings"),  # not its view: a pan never reruns the page
        on_change=_map_clicked,
    )
    out = out or {}
    print_panel.show(m, out, key=MAP_KEY, reports=False)
    clicked = out.get("last_active_drawing")
    if interaction.clicked_site_id(clicked) and clicked != state.map_feature:  # a click _map_clicked missed
        state.map_feature = clicked
        st.rerun()
    return out
