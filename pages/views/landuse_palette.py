"""数据管理 › 属性表与空间查询: the workspace's land-use colour table (用地分类配色表). The planner uploads
their office's table (CSV/XLSX: 代码, 名称, 颜色) through the page's uploader; it is checked (problems said
by row, nothing saved) and kept as a recorded write of the workspace (a viewer is told, and the store
refuses one anyway). The thematic style's 按用地分类配色表 colours a field's codes by it."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views.text import markdown_literal
from renewal.classify import BY_TABLE
from renewal.errors import InputError
from renewal.landuse_colors import ColorTable, read_color_table
from renewal.layer_style import LayerStyle
from renewal.settings import workspace_dir
from renewal.storage.shared_files import current_landuse_colors, save_landuse_colors
from renewal.zh import beijing_time, person_label

ss = st.session_state
GEN = "lu_colors_gen"
OPEN = "lu_colors_open"


def current() -> ColorTable | None:
    """The workspace's colour table (None: none loaded, or the kept one is not valid, said on the page)."""
    try:
        found = current_landuse_colors(workspace_dir())
    except InputError as err:
        _ui.show_input_error(err)
        return None
    return found[0] if found is not None else None


def _upload() -> None:
    gen = ss.setdefault(GEN, 0)
    up = st.file_uploader(
        "用地分类配色表（CSV或Excel，列：代码、名称、颜色；颜色写作 #RRGGBB 或 R,G,B）",
        type=["csv", "xlsx"],
        key=f"lu_colors_up_{gen}",
    )
    if up is None:
        return
    ss[OPEN] = True
    try:
        table = read_color_table(up.getvalue(), up.name)
    except InputError as err:
        _ui.show_input_error(err)  # nothing saved: the table stays as it was
        return
    st.caption(markdown_literal(f"文件“{table.source}”中共 {len(table.entries)} 个代码，检查通过。"))
    if st.button("保存配色表", key="lu_colors_save"):
        try:
            save_landuse_colors(table, actor=_ui.actor(), workspace=workspace_dir())
        except InputError as err:
            _ui.show_input_error(err)
            return
        except OSError as err:
            _ui.show_write_error(err)
            return
        ss[GEN] = gen + 1  # a new key empties the uploader
        st.rerun()


def panel() -> None:
    """The 用地分类配色表 expander: the table in use (who loaded it, when) and the uploader (editors)."""
    with st.expander("用地分类配色表", expanded=bool(ss.get(OPEN))):
        try:
            found = current_landuse_colors(workspace_dir())
        except InputError as err:
            _ui.show_input_error(err)
            found = None
        if found is None:
            st.caption(
                "尚未上传配色表。本系统不内置国家用地分类的标准配色（未能核实权威来源），"
                "请上传本单位使用的配色表；上传后可在“专题图”中选择“按用地分类配色表”。"
            )
        else:
            table, entry = found
            st.caption(
                markdown_literal(
                    f"当前配色表：{table.source}（{len(table.entries)} 个代码），由 {person_label(entry.who)}"
                    f" 于 {beijing_time(entry.imported_at)}（北京时间）上传。"
                )
            )
        st.caption(
            "着色时先按完整代码匹配，找不到再按上级代码匹配（如 0701→07，R21→R2→R）；无匹配的值归入“未匹配”。"
        )
        if _ui.viewer_notice("上传用地分类配色表"):
            _upload()


def table_style(field: str, label: str | None, opacity: float) -> LayerStyle:
    """The style colouring ``field`` by the workspace's table (kept in the style, so every map and print
    sheet draws the same colours); without a table, said on the page, the layer's plain style."""
    table = current()
    if table is None:
        st.warning("尚未上传用地分类配色表：请先在上方“用地分类配色表”中上传，图层暂按统一颜色绘制。")
        return LayerStyle(label=label, opacity=opacity)
    palette = tuple((e.code, e.name, e.color) for e in table.entries)
    return LayerStyle(
        field, BY_TABLE, label=label, opacity=opacity, palette=palette, palette_source=table.source
    )
