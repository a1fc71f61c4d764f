"""数据管理 › 属性表与空间查询: a layer's attribute table (filter, sort, count, select rows to highlight and
zoom on the map, download), query by location against another layer, thematic styling (an imported layer's
style saved with it in the workspace: 保存样式/清除样式, then every map draws it so), and the layer's map as
an offline HTML file or a print sheet of the planner's layout."""

from __future__ import annotations

from functools import partial

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers import interaction
from layers.basemaps import BASEMAPS
from layers.draw_control import add_draw_control
from layers.registry import REGISTRY
from layers.render import draw_scene
from layers.scene import SceneLayer, make_scene
from layers.thematic import RAMPS, THEMATIC_OPACITY, highlight_layer, styled
from pages import _ui
from pages.views import gis_sources, landuse_palette, print_panel
from pages.views.text import markdown_literal
from renewal import attributes, classify
from renewal.analysis.facilities import load_workspace_facilities
from renewal.analysis.spatial_query import DWITHIN, INTERSECTS, PREDICATE_LABELS, WITHIN, query_by_location
from renewal.errors import InputError
from renewal.layer_style import LayerStyle

ss = st.session_state
ALL_FIELDS = "__all__"
NO_STYLE = "__none__"
PICKED = "gis_picked"  # layer key -> the layer's selected row labels
QUERY = "gis_query"  # the last query's result (dict)
LOADED = "gis_style_loaded"  # the imported layers whose saved style was put in the controls this session
IMPORTED = "imported:"
MAP_KEY = "gis_map"
DRAWN = "__drawn__"  # the query's reference: a shape drawn on the map
DRAWN_LABEL = "在地图上绘制范围"
DRAWN_SHAPE = "gis_q_drawn"  # the drawn shape the last query used (WGS84), kept on the map


def _sources(store) -> dict[str, gis_sources.Source]:
    out = gis_sources.imported_sources(store)
    out += gis_sources.site_source(_ui.current_sites_or_none())
    try:
        out += gis_sources.facility_source(load_workspace_facilities())
    except InputError as err:
        _ui.show_input_error(err)
    out += gis_sources.plan_sources(_ui.cached_layers)
    return {s.key: s for s in out}


def _filter(src: gis_sources.Source, table: pd.DataFrame) -> pd.DataFrame:
    c1, c2, c3 = st.columns((2, 1, 3))
    heads = [ALL_FIELDS, *table.columns]
    column = c1.selectbox(
        "筛选字段", heads, format_func=lambda c: "全部字段" if c == ALL_FIELDS else c, key="gis_filter_field"
    )
    match = c2.selectbox(
        "匹配方式",
        list(attributes.MATCH_LABELS),
        format_func=attributes.MATCH_LABELS.__getitem__,
        key="gis_match",
    )
    text = c3.text_input("筛选内容（留空显示全部）", key="gis_filter_text")
    return attributes.filter_rows(table, None if column == ALL_FIELDS else column, text, match)


def _table(src: gis_sources.Source) -> tuple[pd.DataFrame, list]:
    """The filtered table and the selected rows' labels (the layer's index)."""
    table = attributes.attribute_table(src.data, src.labels)
    shown = _filter(src, table)
    event = st.dataframe(
        shown,
        key=f"gis_table:{src.key}:{ss.get('gis_filter_field')}:{ss.get('gis_match')}:{ss.get('gis_filter_text')}",
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(36 + 35 * max(len(shown), 1), 320),
    )
    rows = list(event.selection.rows) if event is not None else []
    picked = [shown.index[i] for i in rows if i < len(shown)]
    ss.setdefault(PICKED, {})[src.key] = picked
    st.caption(
        f"共 {len(shown)} 条（全部 {len(table)} 条）；已选中 {len(picked)} 条。"
        "点击列标题排序；勾选行首可选中要素，地图随即高亮并缩放到选中要素。"
    )
    return shown, picked


def _downloads(src: gis_sources.Source, rows: gpd.GeoDataFrame, what: str, key: str) -> None:
    c1, c2 = st.columns(2)
    name = src.title.split("（")[0]
    for col, fmt, label, mime in (
        (c1, "csv", "CSV", "text/csv"),
        (c2, "xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        _ui.download_button(
            f"下载{what}（{label}）",
            partial(attributes.table_bytes, rows, fmt, src.labels),
            file_name=f"{name}{what}.{fmt}",
            mime=mime,
            key=f"{key}_{fmt}",
            where=col,
        )


def _look(src: gis_sources.Source, styled: bool) -> tuple[str | None, float]:
    """标注字段 (None: the layer's own labels) and 填充不透明度 (0–1) chosen for the layer."""
    fields = attributes.fields(src.data)
    heads = attributes.headers(fields, src.labels)
    c1, c2 = st.columns(2)
    label = c1.selectbox(
        "标注字段",
        [NO_STYLE, *fields],
        format_func=lambda f: "按图层默认" if f == NO_STYLE else heads[f],
        key=f"gis_label:{src.key}",
    )
    own = THEMATIC_OPACITY if styled else src.scene_layer().spec.style.fill_opacity
    key = f"gis_opacity:{src.key}:{styled}"
    opacity = c2.slider("填充不透明度（%）", 0, 100, _unless_set(key, round(own * 100)), 5, key=key)
    return (None if label == NO_STYLE else label), opacity / 100


def _unless_set(key: str, default):
    """A widget's default, or None when its value is already in the session (a saved style put it there)."""
    return None if key in ss else default


def _style(src: gis_sources.Source) -> tuple[str, str, int, str] | None:
    fields = attributes.fields(src.data)
    heads = attributes.headers(fields, src.labels)
    c1, c2, c3, c4 = st.columns(4)
    field = c1.selectbox(
        "专题图：按字段着色",
        [NO_STYLE, *fields],
        format_func=lambda f: "不着色（统一颜色）" if f == NO_STYLE else heads[f],
        key=f"gis_style_field:{src.key}",
    )
    if field == NO_STYLE:
        return None
    numeric = classify.is_numeric(src.data[field])
    methods = (
        [classify.EQUAL_INTERVAL, classify.QUANTILE, classify.CATEGORIES]
        if numeric
        else [classify.CATEGORIES]
    ) + [classify.BY_TABLE]
    method = c2.selectbox(
        "分级方法", methods, format_func=classify.METHOD_LABELS.__getitem__, key="gis_style_method"
    )
    n = c3.number_input(
        "分级数", classify.MIN_CLASSES, classify.MAX_CLASSES, _unless_set("gis_style_n", 5), key="gis_style_n",
        disabled=method in (classify.CATEGORIES, classify.BY_TABLE),
    )  # fmt: skip
    ramp = c4.selectbox(
        "色带", list(RAMPS), key="gis_style_ramp", disabled=method in (classify.CATEGORIES, classify.BY_TABLE)
    )
    return field, method, int(n), ramp


def _chosen_style(style, look) -> LayerStyle:
    label, opacity = look
    if style is None:
        return LayerStyle(label=label, opacity=opacity)
    field, method, n, ramp = style
    if method == classify.BY_TABLE:
        return landuse_palette.table_style(field, label, opacity)
    return LayerStyle(field, method, n, ramp, label, opacity)


def _layer_on_map(src: gis_sources.Source, style: LayerStyle) -> SceneLayer:
    heads = attributes.headers([style.field], src.labels) if style.field is not None else {}
    return styled(src.scene_layer(), style, heads.get(style.field or "", ""), title=src.title)


def _load_saved(store, src: gis_sources.Source) -> None:
    """Put an imported layer's saved style in the controls, once per session (the planner's changes stay)."""
    if not src.key.startswith(IMPORTED) or src.key in ss.setdefault(LOADED, set()):
        return
    ss[LOADED].add(src.key)
    try:
        saved = store.style(src.key[len(IMPORTED) :])
    except InputError as err:
        _ui.show_input_error(err)
        return
    if saved is None:
        return
    fields = attributes.fields(src.data)
    if saved.field in fields and (
        saved.method in (classify.CATEGORIES, classify.BY_TABLE) or classify.is_numeric(src.data[saved.field])
    ):
        ss[f"gis_style_field:{src.key}"] = saved.field
        ss["gis_style_method"] = saved.method
        ss["gis_style_n"] = saved.classes
        if saved.ramp in RAMPS:
            ss["gis_style_ramp"] = saved.ramp
    if saved.label in fields:
        ss[f"gis_label:{src.key}"] = saved.label
    if saved.opacity is not None:
        ss[f"gis_opacity:{src.key}:{saved.field in fields}"] = round(saved.opacity * 100)


def _save_buttons(store, src: gis_sources.Source, style: LayerStyle) -> None:
    """保存样式 / 清除样式 for an imported layer (an editor only; the store refuses a viewer anyway)."""
    if not src.key.startswith(IMPORTED) or not _ui.viewer_notice("保存图层样式"):
        return
    name = src.key[len(IMPORTED) :]
    c1, c2, c3 = st.columns((1, 1, 4))
    save, clear = c1.button("保存样式", key="gis_style_save"), c2.button("清除样式", key="gis_style_clear")
    c3.caption("保存后，各页地图及其下载的HTML地图文件都按此样式绘制该图层（对所有用户生效）。")
    if not (save or clear):
        return
    try:
        store.save_style(name, style if save else None, actor=_ui.actor())
    except InputError as err:
        _ui.show_input_error(err)
        return
    st.success(
        "已保存样式：各页地图将按此样式绘制该图层。"
        if save
        else "已清除保存的样式：各页地图按默认样式绘制该图层。"
    )


def _drawn_reference(crs: str) -> gpd.GeoDataFrame | None:
    """The shape(s) the planner drew on the map (WGS84), or None when nothing is drawn."""
    out = ss.get(MAP_KEY)
    features = (out or {}).get("all_drawings") if isinstance(out, dict) else None
    polygons = [f for f in features or [] if "Polygon" in str(((f or {}).get("geometry") or {}).get("type"))]
    geom, _ = interaction.geometry_from_drawings(polygons, crs)
    if geom is None:
        return None
    return gpd.GeoDataFrame({"name": ["绘制范围"]}, geometry=[geom], crs=4326)


def _reference(sources, b_key: str, only: bool, crs: str) -> tuple[gpd.GeoDataFrame, str]:
    """Layer B of a query and how the result text names it."""
    if b_key == DRAWN:
        drawn = _drawn_reference(crs)
        if drawn is None:
            raise InputError(
                "Draw the query area on the map first.",
                "请先用地图左上角的矩形或多边形工具在地图上绘制查询范围，再点击“查询”。",
            )
        ss[DRAWN_SHAPE] = drawn.geometry.iloc[0]
        return drawn, "地图上绘制的范围"
    b = sources[b_key].data
    if only:
        picked = ss.get(PICKED, {}).get(b_key, [])
        b = b[b.index.isin(picked)]
    return b, f"“{sources[b_key].title}”" + ("中已选中的要素" if only else "")


def _query(sources: dict[str, gis_sources.Source], src: gis_sources.Source, crs: str) -> None:
    others = [k for k in sources if k != src.key] + [DRAWN]
    titles = {DRAWN: DRAWN_LABEL} | {k: sources[k].title for k in sources}
    with st.form("gis_query_form"):
        st.markdown("**空间查询**：本图层中与另一图层位置相关的要素")
        c1, c2, c3 = st.columns((3, 2, 1))
        b_key = c1.selectbox("参照图层（B）", others, format_func=titles.__getitem__, key="gis_q_b")
        pred = c2.selectbox(
            "空间关系", list(PREDICATE_LABELS), format_func=PREDICATE_LABELS.__getitem__, key="gis_q_pred"
        )
        dist = c3.number_input("距离N（米）", 0.0, 50_000.0, 300.0, step=50.0, key="gis_q_dist")
        only = st.checkbox("只用参照图层中已选中的要素（先在其属性表中勾选）", key="gis_q_only")
        go = st.form_submit_button("查询")
    if not go or b_key is None:
        return
    try:
        b, ref = _reference(sources, b_key, only, crs)
        hit = query_by_location(src.data, b, pred, dist if pred == DWITHIN else None)
    except InputError as err:
        _ui.show_input_error(err)
        ss.pop(QUERY, None)
        return
    how = {INTERSECTS: f"与{ref}相交", WITHIN: f"完全位于{ref}内", DWITHIN: f"距{ref}{dist:g}米以内"}[pred]
    ss[QUERY] = {"a": src.key, "rows": list(hit.index), "text": f"{src.title}中{how}的要素"}


def _query_result(src: gis_sources.Source) -> gpd.GeoDataFrame | None:
    result = ss.get(QUERY)
    if not result or result["a"] != src.key:
        return None
    rows = src.data[src.data.index.isin(result["rows"])]
    st.markdown(markdown_literal(f"查询结果：{result['text']}，共 {len(rows)} 个。"))
    if rows.empty:
        st.info("没有符合条件的要素。")
        return rows
    st.dataframe(
        attributes.attribute_table(rows, src.labels),
        hide_index=True,
        width="stretch",
        height=min(36 + 35 * len(rows), 320),
    )
    _downloads(src, rows, "查询结果", "gis_q_dl")
    return rows


def section(store, basemap: str, labels: bool) -> None:
    sources = _sources(store)
    if not sources:
        st.info("没有可查看的图层。")
        return
    key = st.selectbox("图层", list(sources), format_func=lambda k: sources[k].title, key="gis_layer")
    src = sources[key]
    shown_rows, picked = _table(src)
    chosen = src.data[src.data.index.isin(picked)]
    if len(chosen):
        _downloads(src, chosen, "选中要素", "gis_sel_dl")
    else:
        _downloads(src, src.data.loc[shown_rows.index], "属性表", "gis_tab_dl")
    _load_saved(store, src)
    landuse_palette.panel()
    style = _style(src)
    chosen_style = _chosen_style(style, _look(src, style is not None))
    try:
        layer = _layer_on_map(src, chosen_style)
        _save_buttons(store, src, chosen_style)
    except InputError as err:
        _ui.show_input_error(err)
        layer = src.scene_layer()
    crs = BASEMAPS[basemap].display_crs if basemap in BASEMAPS else "wgs84"
    drawing = ss.get("gis_q_b") == DRAWN
    if drawing:
        st.caption("在地图上绘制范围：用地图左上角的矩形或多边形工具绘制查询范围，然后点击“查询”。")
    _query(sources, src, crs)
    result = _query_result(src)
    district = SceneLayer(REGISTRY["district"], _ui.cached_layers(("district",))["district"])
    shown = [district, layer]
    if result is not None and len(result):
        shown.append(highlight_layer("gis_query", "查询结果", result, layer.spec.tooltip))
    if len(chosen):
        shown.append(highlight_layer("gis_selected", "选中要素", chosen, layer.spec.tooltip))
    focus = chosen if len(chosen) else (result if result is not None and len(result) else src.data)
    scene = make_scene(shown, title=src.title.split("（")[0], extent=_padded(focus))
    m = draw_scene(
        scene, basemap=basemap, labels=labels, legend_corner="bottomright" if drawing else "bottomleft"
    )
    if drawing:
        add_draw_control(m, ss.get(DRAWN_SHAPE), basemap=basemap, shapes=("polygon", "rectangle"))
    print_panel.map_with_panel(m, key=MAP_KEY, height=520, also=("all_drawings",) if drawing else ())
    _ui.export_map_button(m, file_name=f"{scene.title}.html")


def _padded(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The features and 150 m around them (a single point has no extent)."""
    from renewal.crs import to_metric, to_storage

    if gdf.empty:
        return None
    return gpd.GeoDataFrame(geometry=to_metric(gdf).buffer(150)).pipe(to_storage)
