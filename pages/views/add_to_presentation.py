"""添加到汇报: beside the 打印图纸 panel under every page map, a planner keeps the map as a view of 汇报模式:
a title (the map's title by default), the current extent (the view the map reported, else the map's own
extent: the page's filter, selection or study area), the basemap, the map's layers with the features
they draw now (a snapshot, :mod:`renewal.storage.presentation_views`) and which of them the planner has
switched on in the map's layer control (:mod:`pages.views.layer_switches`: read inside this form, so a
layer switch reruns nothing; the slide draws exactly those)."""

from __future__ import annotations

import streamlit as st

from layers.presentation import snapshot_layers
from layers.render_print import extent_line
from pages import _ui
from pages.views import layer_switches
from pages.views.panels import lazy_expander
from pages.views.text import markdown_literal
from renewal.errors import InputError
from renewal.storage.presentation_views import MAX_TITLE, add_view


def panel_key(map_key: str) -> str:
    """The widget key of the 添加到汇报 expander under the map ``map_key``."""
    return f"{map_key}_deck_panel"


def show(m, extent, *, key: str, page: str) -> None:
    """The 添加到汇报 expander for map ``m`` (drawn by ``draw_scene``); ``extent``: the WGS84 bounds the
    view keeps (None when the map has none)."""
    scene = getattr(m, "_rp_scene", None)
    if scene is None:
        return
    box, drawn = lazy_expander("添加到汇报", panel_key(key))
    with box:
        if not drawn:
            return
        st.caption(
            "把当前地图（范围、图层及其开关、底图）作为一页加入汇报模式，"
            + ("保存在团队数据库（各服务器看到同一份汇报）；" if _ui.team_database() else "保存在工作区；")
            + "图层内容按添加时保存（快照），导入的图层按汇报时的工作区显示。"
        )
        if extent is not None:
            st.caption(extent_line(extent).replace("图幅范围", "视图范围", 1))
        with st.form(f"{key}_deck_form", border=False, enter_to_submit=False):
            title = st.text_input(f"视图标题（不超过{MAX_TITLE}个字）", scene.title, key=f"{key}_deck_title")
            clicked = st.form_submit_button("添加到汇报", key=f"{key}_deck_add")
            switches = layer_switches.switches(scene, key=key)  # nothing to see: under the button
        if not clicked:
            return
        if not _ui.viewer_notice("向汇报添加视图"):
            return
        try:
            view = add_view(
                _ui.actor(),
                title=title,
                page=page or scene.title,
                extent=extent if extent is not None else (),
                basemap=getattr(m, "_rp_basemap", ""),
                layers=snapshot_layers(scene),
                switches=switches,
            )
        except InputError as err:
            _ui.show_input_error(err)
            return
        except OSError as err:
            st.error(f"未能保存到工作区：{_ui.os_error_zh(err)}。未作任何修改。")
            return
        st.success(markdown_literal(f"已添加到汇报：{view.title}（在汇报模式中可调整顺序）"))
