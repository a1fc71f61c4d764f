"""数据管理: import a planner's file as a workspace layer (preview, summary, CRS check, confirm), list, export."""

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers.imported import imported_scene_layers
from layers.render import draw_scene
from layers.scene import make_scene
from pages import _ui
from pages.views import data_state, gis_tables, text
from pages.views import data_views as dv
from pages.views.uploads import upload_limit_zh
from renewal.errors import InputError
from renewal.io.export import LAYER_FORMATS, check_layer_export, layer_bytes
from renewal.io.read import layer_names
from renewal.layer_import import check_layer
from renewal.storage.layer_stores import open_layer_store
from renewal.storage.layers import KIND_LABELS, MAX_TITLE_LENGTH, check_title
from renewal.zh import beijing_time

_ui.require_app_navigation()
st.title("数据管理")
st.caption(
    "导入规划局、高德/百度、OpenStreetMap或同事提供的数据（GeoJSON、GeoPackage、Shapefile压缩包、KML/KMZ、"
    "带坐标列的CSV/Excel、人口GeoTIFF），先预览和检查，确认后才写入工作区；已导入的图层可替换、删除和导出。"
)
basemap, labels = _ui.map_options()
store = open_layer_store()  # the team database's layers when one is set
# one section at a time (not tabs): a map drawn in a hidden tab has no size and stays empty
SECTIONS = ("导入数据", "已导入图层", "属性表与空间查询")
section = st.segmented_control(
    "数据管理", SECTIONS, default=SECTIONS[0], key="data_section", label_visibility="collapsed"
)


def _use_crs(choice: str) -> None:
    """Button callback (runs before the page, so it may set the selectbox's value, a widget key)."""
    st.session_state["data_crs"] = choice


def _import_tab() -> None:
    c1, c2 = st.columns(2)
    kind = c1.selectbox("导入为", dv.KINDS, format_func=lambda k: KIND_LABELS[k], key="data_kind")
    crs_choice = c2.selectbox("文件坐标系", dv.CRS_CHOICES, format_func=dv.crs_label, key="data_crs")
    st.caption(
        "更新项目请在“更新项目”页面导入，设施清单（学校、养老、卫生）请在“生活圈覆盖”页面导入；"
        "命令行：python -m renewal import 文件 --layer sites / facilities / network。"
    )
    up = st.file_uploader("选择文件", type=dv.UPLOAD_TYPES, key="data_file", help=upload_limit_zh())
    choices = layer_names(up.getvalue(), up.name) if up is not None else []
    sub = (
        st.selectbox("文件中有多个图层/工作表，请选择", choices, index=None, key="data_sublayer")
        if len(choices) > 1
        else None
    )
    check = None
    if up is not None:
        try:
            check = check_layer(
                up.getvalue(),
                kind,
                crs=None if crs_choice == dv.AUTO else crs_choice,
                layer=sub or None,
                filename=up.name,
            )
        except InputError as err:
            _ui.show_input_error(err)
    if check is not None and up is not None:  # (a check is made only of an upload)
        st.dataframe(dv.summary_rows(check), hide_index=True, width="stretch")
        if check.problems:
            st.warning("发现以下问题，修正前不会写入：")
            st.dataframe(dv.problem_rows(check), hide_index=True, width="stretch")
        alts = dv.alternatives(check)
        if check.verdict is not None and check.verdict.suggestions:
            st.info("红色为当前读取位置，蓝色为建议坐标系下的位置，请对照底图选择正确的一种。")
            for p in check.verdict.suggestions[:2]:
                choice = dv.suggestion_choice(p)
                if choice:
                    st.button(f"改按{p.label_zh}读取", key=f"use_{choice}", on_click=_use_crs, args=(choice,))
        if check.gdf is not None and not check.gdf.empty:
            _ui.preview_map(
                check.gdf,
                key="data_map",
                title="导入预览（按所选坐标系）",
                tooltip=tuple(str(f) for f in check.fields[:1]),
                alts=alts,
            )
        default = dv.default_layer_code(kind, up.name, store)
        n1, n2 = st.columns(2)
        title = n1.text_input(
            "图层名称（可用中文，显示在地图的图层控制和图例中）",
            up.name.rsplit(".", 1)[0][:MAX_TITLE_LENGTH],
            key="data_title",
        )
        name = n2.text_input("图层代码（小写英文、数字、下划线，供命令行使用）", default, key="data_name")
        st.caption(f"导入人：{text.markdown_literal(_ui.person_name())}（记录在图层列表和修改记录中）")
        try:
            check_title(title)
            title_ok = True
        except InputError as err:
            _ui.show_input_error(err)
            title_ok = False
        old = store.get(name)
        exists = old is not None
        replace = st.checkbox("替换同名图层（旧数据保存在历史中）", key="data_replace") if exists else False
        read = check.read
        ready = check.ok and read is not None and title_ok and (replace or not exists)
        if st.button("确认导入", type="primary", disabled=not ready) and read is not None:
            try:
                entry = store.put(
                    name,
                    kind,
                    check.gdf,
                    source_file=up.name,
                    crs=read.crs,
                    actor=_ui.actor(),
                    title=title,
                    replace=replace,
                    expected_version=old.version if old is not None else 0,
                )
                st.success(f"已导入 {entry.count} 个要素：{text.markdown_literal(entry.title)}")
            except InputError as err:
                _ui.show_input_error(err)


def _undo_button() -> None:
    """撤销我的上一次修改: the signed-in person's own newest layer change (import, replace, remove, style),
    refused by the store when someone else changed that layer since."""
    if not _ui.actor().can_edit:
        return
    if st.button(
        "撤销我的上一次修改", key="data_undo", help="只撤销您本人最近一次对图层的导入、替换、删除或样式修改"
    ):
        try:
            data_state.get().undone = dv.undone_text(store.undo_last(actor=_ui.actor()))
            st.rerun()
        except InputError as err:
            _ui.show_input_error(err)
    undone = data_state.get().take_undone()
    if undone:
        st.success(text.markdown_literal(undone))


def _layers_section() -> None:
    try:
        layers = store.list()
    except InputError as err:
        _ui.show_input_error(err)
        layers = []
    if not layers:
        st.info(("团队数据库" if _ui.team_database() else "工作区") + "还没有导入的图层。")
    else:
        st.dataframe(dv.layer_table(layers), hide_index=True, width="stretch")
        shown = imported_scene_layers(store, visible=True)
        if shown:
            scene = make_scene(shown, extent=pd.concat([lyr.data for lyr in shown]).pipe(gpd.GeoDataFrame))
            _ui.show_map(draw_scene(scene, basemap=basemap, labels=labels), key="data_layers_map", height=420)
        names = [lyr.name for lyr in layers]
        chosen = st.selectbox("选择图层", names, key="data_layer")
        picked = next(lyr for lyr in layers if lyr.name == chosen)
        st.caption(
            text.markdown_literal(
                f"{picked.title}：{picked.who} 于 {beijing_time(picked.imported_at)}（北京时间）导入，"
                f"来源 {picked.source_file}，"
                f"{picked.count} 个要素，版本 {picked.version}"
            )
        )
        formats, systems = dv.export_choices()
        e1, e2 = st.columns(2)
        fmt = e1.selectbox("导出格式", list(formats), format_func=formats.__getitem__, key="data_fmt")
        out_crs = e2.selectbox("坐标系", list(systems), format_func=systems.__getitem__, key="data_out_crs")
        try:
            gdf = store.read(chosen)
            check_layer_export(gdf, fmt, crs=out_crs)  # refused now, in Chinese; the file is built on click
            _ui.download_button(
                f"下载 {text.markdown_literal(chosen)}{LAYER_FORMATS[fmt][0]}",
                lambda: layer_bytes(gdf, fmt, crs=out_crs, name=chosen, headers=dv.FIELD_HEADERS),
                file_name=f"{chosen}{LAYER_FORMATS[fmt][0]}",
                mime=LAYER_FORMATS[fmt][1],
            )
        except InputError as err:
            _ui.show_input_error(err)
        if (
            _ui.viewer_notice("删除图层")
            and st.checkbox("删除此图层（数据保存在历史中）", key="data_remove_ok")
            and st.button("删除", key="data_remove")
        ):
            try:
                store.remove(chosen, actor=_ui.actor(), expected_version=picked.version)
                st.rerun()
            except InputError as err:
                _ui.show_input_error(err)
    _undo_button()
    try:
        files, changes = store.files(), store.history()
    except InputError as err:
        _ui.show_input_error(err)
        files, changes = [], []
    if files:
        st.caption("工作区共享数据（生活圈覆盖页面或命令行导入）")
        st.dataframe(dv.file_table(files), hide_index=True, width="stretch")
    if changes:
        with st.expander("修改记录（导入、替换、删除）"):
            st.dataframe(dv.history_table(changes), hide_index=True, width="stretch")


if section == SECTIONS[1]:
    _layers_section()
elif section == SECTIONS[2]:
    gis_tables.section(store, basemap, labels)
elif _ui.viewer_notice("导入或替换图层"):  # the first section, also when the planner unselects both
    _import_tab()
