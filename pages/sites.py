"""更新项目: browse, filter, look up, correct and export the plan's renewal sites.

A short script: its pieces are the view modules ``pages/views/sites_*.py``; everything it
remembers is one :class:`~pages.views.sites_state.SitesPageState`.
"""

import streamlit as st

from layers import interaction
from layers.basemaps import BASEMAPS
from pages import _ui
from pages.views import sites_browse, sites_card, sites_downloads, sites_edit, sites_history, sites_import
from pages.views import sites_state as page_state
from renewal.errors import InputError
from renewal.sites import query as catalogue

_ui.require_app_navigation()
st.title("城市更新项目")
st.caption(
    "规划纲要点名的更新片区、地块、老旧厂房、园区、保障房、市政与生态工程。规划未附图，位置均为示意（虚线/空心），"
    "可在地图上绘制或修改图形进行修正；修改保存在工作区，内置数据不变。"
)
state = page_state.get()
basemap, labels = _ui.map_options()
store = _ui.open_sites_store()
try:
    all_sites = _ui.read_sites(store) if store else catalogue.bundled_sites()
except InputError as err:  # e.g. the store is locked or damaged: browse the bundled catalogue instead
    _ui.show_input_error(err)
    store, all_sites = None, catalogue.bundled_sites()
BUNDLED_NOTICE = (
    "当前显示内置目录（不含工作区修改）"  # above the table and the downloads when no store is read
)

view = sites_browse.filtered(all_sites)
sel = sites_browse.select(state, view)
page_state.write_url(state)
if store is None:
    st.warning(BUNDLED_NOTICE + "，不能编辑。")
sites_browse.table(state, view, len(all_sites))
chosen = view[view["site_id"] == sel] if sel else view.iloc[0:0]
col_map, col_card = st.columns([3, 2])
with col_map:
    out = sites_browse.site_map(
        state, view, chosen, basemap=basemap, labels=labels, editable=_ui.can_edit(store)
    )
with col_card:
    sites_card.card(chosen)
    if sel:
        _ui.changed_elsewhere_notice(store, sel, state.opened_version(sel), chosen.iloc[0].get("version"))
crs = BASEMAPS[basemap].display_crs
if _ui.can_edit(store):
    if sel:
        sites_edit.edit_form(state, store, chosen, out.get("all_drawings"), crs)
    new_drawing = interaction.unused_drawing(out.get("last_active_drawing"), state.used_drawings)
    new_geom, _ = interaction.geometry_from_drawings([new_drawing] if new_drawing else [], crs)
    sites_edit.add_form(state, store, new_geom, new_drawing)
    sites_import.import_panel(state, store, all_sites["site_id"])
    sites_history.undo_and_history(state, store)
sites_downloads.downloads(view, notice="" if store else BUNDLED_NOTICE + "，下载的文件同样不含工作区修改。")
_ui.provenance_expander(("district", "haihe", "metro_stations", "renewal_sites"))
