"""更新项目: browse, filter, look up, correct and export the plan's renewal sites.

A short script: its pieces are the view modules ``pages/views/sites_*.py``; everything it
remembers is one :class:`~pages.views.sites_state.SitesPageState`.
"""

import streamlit as st

from pages import _ui
from pages.views import sites_history, sites_import, sites_panel
from pages.views import sites_state as page_state

_ui.require_app_navigation()
st.title("城市更新项目")
st.caption(
    "规划纲要点名的更新片区、地块、老旧厂房、园区、保障房、市政与生态工程。规划未附图，位置均为示意（虚线/空心），"
    "可在地图上绘制或修改图形进行修正；修改保存在工作区，内置数据不变。"
)
state = page_state.get()
basemap, labels = _ui.map_options()
store, all_sites = sites_panel.browse(state, _ui.open_sites_store(), basemap, labels)
if _ui.can_edit(store):
    sites_import.import_panel(state, store, all_sites["site_id"])
    sites_history.undo_and_history(state, store)
_ui.provenance_expander(("district", "haihe", "metro_stations", "renewal_sites"))
