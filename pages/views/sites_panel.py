"""更新项目 page: what a filter or a selection changes, in one fragment (issue 22): the sidebar filters, the
table, the downloads of the filtered sites (a popover under it), the map, the card, the edit and add forms.

A filter or a search (drawn by the fragment into the sidebar: Streamlit reruns the writing fragment for
them), a row or map click (a selection), a drawing on the map or a change in its 打印图纸 panel reruns this
fragment only, not the page around it (the import panel, the history). The sites are read from the store
in every run of the fragment (a colleague's change is seen at the next click, as before). A save, an add or
an undo reruns the whole page (``st.rerun``), so the history follows.
"""

from __future__ import annotations

import streamlit as st

from layers import interaction
from layers.basemaps import BASEMAPS
from pages import _ui
from pages.views import sites_browse, sites_card, sites_downloads, sites_edit
from pages.views import sites_state as page_state
from pages.views.sites_state import SitesPageState
from renewal.errors import InputError
from renewal.sites import query as catalogue

BUNDLED_NOTICE = (
    "当前显示内置目录（不含工作区修改）"  # above the table and the downloads when no store is read
)


@st.fragment
def browse(state: SitesPageState, store, basemap: str, labels: bool):
    """Read the sites, draw the filters, resolve the selection, draw the table, map, card, forms and
    downloads. Returns (the store, or None when it cannot be read; all sites) for the page's own run."""
    chosen_filters = sites_browse.filters()
    try:
        all_sites = _ui.read_sites(store) if store else catalogue.bundled_sites()
    except InputError as err:  # e.g. the store is locked or damaged: browse the bundled catalogue instead
        _ui.show_input_error(err)
        store, all_sites = None, catalogue.bundled_sites()
    view = sites_browse.filtered(all_sites, chosen_filters)
    sel = sites_browse.select(state, view)
    page_state.write_url(state)
    if store is None:
        st.warning(BUNDLED_NOTICE + "，不能编辑。")
    sites_browse.table(state, view, len(all_sites))
    sites_downloads.downloads(
        view, notice="" if store else BUNDLED_NOTICE + "，下载的文件同样不含工作区修改。"
    )
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
    if _ui.can_edit(store):
        crs = BASEMAPS[basemap].display_crs
        if sel:
            sites_edit.edit_form(state, store, chosen, out.get("all_drawings"), crs)
        new_drawing = interaction.unused_drawing(out.get("last_active_drawing"), state.used_drawings)
        new_geom, _ = interaction.geometry_from_drawings([new_drawing] if new_drawing else [], crs)
        sites_edit.add_form(state, store, new_geom, new_drawing)
    return store, all_sites
