"""更新项目: browse, filter, look up, correct and export the plan's renewal sites."""

import streamlit as st

import geodata
from layers import interaction
from layers.basemaps import BASEMAPS
from layers.maps import sites_scene
from layers.registry import SITES_BASE_KEYS
from layers.render import add_draw_control, draw_scene
from pages import _ui
from pages.views import site_tables as tables
from pages.views import text
from renewal.crs import COORDINATE_SYSTEMS
from renewal.errors import ConflictError, InputError
from renewal.sites import exchange, schema
from renewal.sites import query as catalogue
from renewal.sites.importing import check_ids, read_sites_bytes

ST = geodata.STATUS_LABELS
PR = geodata.PRECISION_LABELS
ss = st.session_state

_ui.require_app_navigation()
st.title("城市更新项目")
st.caption(
    "规划纲要点名的更新片区、地块、老旧厂房、园区、保障房、市政与生态工程。规划未附图，位置均为示意（虚线/空心），"
    "可在地图上绘制或修改图形进行修正；修改保存在工作区，内置数据不变。"
)
basemap, labels = _ui.map_options()
store = _ui.open_sites_store()
try:
    all_sites = store.sites() if store else catalogue.bundled_sites()
except InputError as err:  # e.g. the store is locked or damaged: browse the bundled catalogue instead
    _ui.show_input_error(err)
    store, all_sites = None, catalogue.bundled_sites()
BUNDLED_NOTICE = (
    "当前显示内置目录（不含工作区修改）"  # shown above the table and the downloads when no store is read
)

with st.sidebar:
    st.subheader("筛选")
    areas = st.multiselect("更新片区", schema.RENEWAL_AREAS, key="f_area", placeholder="全部")
    types = st.multiselect("类型", schema.SITE_TYPES, key="f_type", placeholder="全部")
    statuses = st.multiselect("状态", list(ST), format_func=ST.get, key="f_status", placeholder="全部")
    query = st.text_input("搜索名称或编号", key="f_query")
view = catalogue.with_measures(
    catalogue.filter_sites(all_sites, areas=areas, types=types, statuses=statuses, query=query)
)
ids = list(view["site_id"])

# ---- table and map kept in step: the selection is resolved before either is drawn ----
# A new selection re-creates the table (new key) with the selected row on top and highlighted.
gen = ss.get("_table_gen", 0)
rows = ((ss.get(f"sites_table_{gen}") or {}).get("selection") or {}).get("rows") or []
shown = ss.get("_table_ids", [])
table_pick = shown[rows[0]] if rows and rows[0] < len(shown) else None
map_pick = interaction.clicked_site_id(ss.get("_map_feature"))
sel = tables.resolve_selection(
    ss.get("site_sel"),
    table_pick=table_pick,
    last_table_pick=ss.get("_last_table"),
    map_pick=map_pick,
    last_map_pick=ss.get("_last_map"),
    visible=ids,
)
if sel != ss.get("site_sel") or (sel and ss.get("edit_base", {}).get("site_id") != sel):
    ss["edit_base"] = {
        "site_id": sel,
        "version": int(view.set_index("site_id").loc[sel, "version"])
        if sel and "version" in view.columns
        else 0,
    }
    gen, table_pick = gen + 1, None
ss["site_sel"], ss["_table_gen"], ss["_last_table"], ss["_last_map"] = sel, gen, table_pick, map_pick
ordered = tables.selected_first(view, sel)
ss["_table_ids"] = list(ordered["site_id"])
table = tables.site_table(ordered, selected=sel)
for col in ("计算面积（㎡）", "计算长度（米）"):  # blank, not "None", where a measure does not apply
    table[col] = table[col].map(lambda v: "" if v != v or v is None else f"{v:,.0f}")
if store is None:
    st.warning(BUNDLED_NOTICE + "，不能编辑。")
# only the selected row is styled: a Styler over every row costs seconds with thousands of sites
picked = table.index[table["选中"].astype(bool)]
st.dataframe(
    table.style.apply(
        lambda r: ["background-color: #fff3c4"] * len(r), axis=1, subset=(picked, table.columns)
    )
    if len(picked)
    else table,
    key=f"sites_table_{gen}",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    use_container_width=True,
    height=260,
)
st.caption(f"共 {len(view)} 个项目（全部 {len(all_sites)} 个）。点选表格行或地图上的项目查看详情。")

chosen = view[view["site_id"] == sel] if sel else view.iloc[0:0]
base = _ui.cached_layers(SITES_BASE_KEYS)
fit = catalogue.focus_extent(chosen if sel else (view if len(view) else base["district"]))
m = draw_scene(sites_scene(view, chosen, data=base, extent=fit), basemap=basemap, labels=labels)
if store:
    add_draw_control(m, chosen.geometry.iloc[0] if sel else None, basemap=basemap)
col_map, col_card = st.columns([3, 2])
with col_map:
    out = _ui.show_map(
        m, key="sites_map", height=560, returned_objects=("last_active_drawing", "all_drawings")
    )
out = out or {}
if interaction.clicked_site_id(out.get("last_active_drawing")) and out.get("last_active_drawing") != ss.get(
    "_map_feature"
):
    ss["_map_feature"] = out["last_active_drawing"]
    st.rerun()
crs = BASEMAPS[basemap].display_crs
new_drawing = interaction.unused_drawing(
    out.get("last_active_drawing"), ss.get("_used_drawings", ())
)  # 新增 uses each once
new_geom, _ = interaction.geometry_from_drawings([new_drawing] if new_drawing else [], crs)

# ---- detail card and editing ------------------------------------------------------
with col_card:
    if not sel:
        st.info("请在表格或地图上选择一个项目。")
    else:
        row = chosen.iloc[0]
        card = catalogue.site_card(row)
        st.subheader(text.markdown_literal(card.pop("名称")))  # data text shown literally, not as Markdown
        if row["precision"] in geodata.APPROXIMATE_PRECISIONS:
            st.caption("⚠ 位置示意，未经测绘")
        st.markdown("**规划原文**")
        card.pop("规划原文")
        st.info(
            text.markdown_literal(catalogue.plan_text_or_note(row))
        )  # a planner-added site has no plan words
        st.table({"项目": list(card), "内容": list(card.values())})

if store and sel:
    with st.expander("修改此项目（属性与图形）", expanded=False), st.form("edit_site"):
        row = chosen.iloc[0]
        name = st.text_input("名称", row["name"])
        stype = st.selectbox(
            "类型",
            schema.SITE_TYPES,
            index=schema.SITE_TYPES.index(row["site_type"]) if row["site_type"] in schema.SITE_TYPES else 0,
        )
        area = st.selectbox(
            "所属更新片区",
            ("", *schema.RENEWAL_AREAS),
            index=("", *schema.RENEWAL_AREAS).index(row["renewal_area"])
            if row["renewal_area"] in schema.RENEWAL_AREAS
            else 0,
            format_func=lambda a: a or "（无）",
        )
        status = st.selectbox("状态", list(ST), index=list(ST).index(row["status"]), format_func=ST.get)
        prec = st.selectbox("定位精度", list(PR), index=list(PR).index(row["precision"]), format_func=PR.get)
        psrc = st.text_area("定位依据", row["position_source"])
        use_drawn = st.checkbox(
            "使用地图上绘制或编辑的图形",
            value=False,
            help="用地图左上角的绘图工具编辑橙色的现有图形，或删除它后绘制一个新图形。"
            "地图上同类图形多于一个时不会使用。",
        )
        if st.form_submit_button("保存修改"):
            props = {
                **row.to_dict(),
                "name": name,
                "site_type": stype,
                "renewal_area": area,
                "status": status,
                "precision": prec,
                "position_source": psrc,
            }
            drawn, draw_warning = interaction.drawing_for_site(out.get("all_drawings"), row.geometry, crs)
            if use_drawn and drawn is None:  # missing or ambiguous drawing: change nothing
                st.warning(draw_warning + "本次未保存任何修改。")
            else:
                try:
                    version = store.save_site(
                        sel,
                        props,
                        drawn if use_drawn else row.geometry,
                        expected_version=ss["edit_base"]["version"],
                    )
                    ss["edit_base"] = {"site_id": sel, "version": version}
                    st.toast("已保存（自相交的图形已自动修复）。" if store.last_notes else "已保存。")
                    st.rerun()
                except ConflictError as err:
                    _ui.show_input_error(err)
                    ss.pop("edit_base", None)  # the next save starts from the newest version
                except InputError as err:
                    _ui.show_input_error(err)

if store:
    with st.expander("新增项目（先在地图上绘制图形）"), st.form("add_site"):
        name = st.text_input("名称", key="new_name")
        stype = st.selectbox("类型", schema.SITE_TYPES, key="new_type")
        status = st.selectbox("状态", list(ST), format_func=ST.get, key="new_status")
        psrc = st.text_area("定位依据", "规划人员在地图上绘制", key="new_psrc")
        if st.form_submit_button("新增"):
            try:
                if new_geom is None:
                    raise InputError(
                        "No new drawing on the map.",
                        "请先在地图上绘制项目的位置或范围（已用于新增的图形不会再次使用）。",
                    )
                sid = store.add_site(
                    {
                        "name": name,
                        "site_type": stype,
                        "status": status,
                        "precision": "approximate",
                        "position_source": psrc,
                        "source": "规划人员新增",
                    },
                    new_geom,
                )
                ss["_used_drawings"] = [*ss.get("_used_drawings", []), interaction.drawing_key(new_drawing)]
                ss["site_sel"] = sid
                st.toast(f"已新增 {sid}。")
                st.rerun()
            except InputError as err:
                _ui.show_input_error(err)
    with st.expander("从文件导入项目（GeoJSON / GeoPackage / 压缩的Shapefile）"):
        # a new key after each import empties the uploader, so the same file cannot be imported twice by a 2nd click
        up = st.file_uploader(
            "选择文件", type=["geojson", "json", "gpkg", "zip"], key=f"imp_file_{ss.get('_imp_gen', 0)}"
        )
        coords = st.selectbox("文件中的坐标系", list(COORDINATE_SYSTEMS), format_func=COORDINATE_SYSTEMS.get)
        try:
            res = (
                check_ids(read_sites_bytes(up.getvalue(), up.name, coords=coords), all_sites["site_id"])
                if up
                else None
            )
        except InputError as err:
            res = _ui.show_input_error(err)
        if res is not None:
            st.text(res.summary_zh())
            if not res.ok:
                _ui.show_input_error(res.error())
            elif st.button(f"确认导入 {len(res.records)} 个项目", key="imp_go"):
                try:
                    st.toast(f"已导入 {len(store.add_sites(res.records))} 个项目。")
                    ss["_imp_gen"] = ss.get("_imp_gen", 0) + 1
                    st.rerun()
                except InputError as err:
                    _ui.show_input_error(err)
    c1, c2 = st.columns(2)
    if c1.button("撤销我的上一次修改", key="undo"):
        try:
            done = store.undo(session=_ui.session_id())
            st.toast(
                f"已撤销对 {done.site_id} 的{schema.ACTION_LABELS.get(done.action, done.action)}。"
                if done
                else "没有可撤销的修改。"
            )
            ss.pop("edit_base", None)  # the undo made a new version: edit from it
            st.rerun()
        except InputError as err:
            _ui.show_input_error(err)
    with c2.popover("修改历史"):
        hist = store.history(sel or None, limit=50)
        st.dataframe(tables.history_table(hist), hide_index=True)

st.subheader("下载筛选结果")
if store is None:
    st.warning(BUNDLED_NOTICE + "，下载的文件同样不含工作区修改。")
cols = st.columns(len(exchange.FORMATS))
for col, (fmt, (suffix, mime, title)) in zip(cols, exchange.FORMATS.items(), strict=True):
    col.download_button(
        title,
        # built on click (Streamlit runs the callable then), not on every rerun
        (lambda v=view, f=fmt: exchange.export_bytes(v, f)) if len(view) else b"",
        file_name=f"更新项目{suffix}",
        mime=mime,
        disabled=view.empty,
        key=f"dl_{fmt}",
    )
_ui.provenance_expander(("district", "haihe", "metro_stations", "renewal_sites"))
