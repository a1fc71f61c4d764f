"""生活圈覆盖: 5/10/15-minute life-circle coverage of schools, elderly care and health facilities.

Readiness first, then categories / life circle / mode, the map, statistics beside the
2020 census, what-if (add or remove a facility) and suggested sites. The engine is
renewal.analysis.coverage (+ whatif, siting); results are cached on their inputs so
switching category or circle does not recompute distances.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.basemaps import BASEMAPS
from layers.maps import COVERAGE_BASE_KEYS, coverage_layers, coverage_map
from pages import _ui
from pages.views import coverage_data as cd
from pages.views.text import markdown_literal
from renewal.analysis.coverage import network_coverage, radius_coverage
from renewal.analysis.coverage_report import (
    MODE_ZH,
    circles_zh,
    gain_text,
    report_sheets,
    shortfall,
    stats_zh,
    zone_stats_zh,
)
from renewal.analysis.facilities import (
    combine_facilities,
    import_facilities,
    load_workspace_facilities,
    plan_facilities,
    save_workspace_facilities,
    template_table,
)
from renewal.analysis.network_files import load_workspace_network, save_network, workspace_network_path
from renewal.analysis.osm_import import import_osm
from renewal.analysis.recut import recut
from renewal.analysis.siting import greedy_siting
from renewal.analysis.whatif import what_if
from renewal.crs import gcj02_to_wgs84
from renewal.errors import InputError
from renewal.io.read import read_vector
from renewal.io.write import gpkg_bytes, xlsx_bytes
from renewal.settings import workspace_dir
from renewal.standards import load_standards

ADDED = "cov_added"  # what-if additions: list of dicts (name, category, lon, lat)
REMOVED = "cov_removed"  # what-if removals: facility ids
SUGGESTED = "cov_suggested"
CANDIDATES = "cov_candidates"  # siting candidates clicked on the map: list of dicts (name, lon, lat)


# ------------------------------------------------------------------ cached inputs
@st.cache_resource(show_spinner=False)
def _standards():
    return load_standards()


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_resource(show_spinner="正在读取工作区路网…")
def _network(path: str, mtime: float):
    return load_workspace_network(Path(path).parent.parent) if mtime else None


@st.cache_data(show_spinner=False)
def _workspace_facilities(workspace: str, mtime: float):
    return load_workspace_facilities(Path(workspace)) if mtime else None


@st.cache_resource(show_spinner="正在计算距离…", max_entries=8)
def _distances(base_key, mode, _fac, _net, _pop, _zones):
    """One engine run for all categories at the largest distance any circle needs (no polygons)."""
    std = _standards()
    opts = dict(cutoffs=cd.search_cutoffs(std, mode), population=_pop, zones=_zones, geometry=False)
    if _pop is not None and not isinstance(_pop, str):
        opts["pop_field"] = "population"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if mode == "network":
            return network_coverage(_net, _fac, std, **opts)
        return radius_coverage(_fac, std, **opts)


@st.cache_resource(show_spinner="正在生成服务范围和缺口…", max_entries=64)
def _polygons(base_key, mode, circle, category, _base):
    """Catchment and gap polygons of one category at one circle (cached per pair)."""
    res = recut(_base, cd.circle_cutoffs(_standards(), circle, mode), categories=[category])
    return res.catchments, res.gaps


def _view(base_key, mode, circle, categories, base):
    """The chosen categories at the chosen circle, re-cut from the stored distances (no new search):
    statistics at once, polygons from the per-category cache."""
    res = recut(
        base, cd.circle_cutoffs(_standards(), circle, mode), categories=list(categories), geometry=False
    )
    parts = [_polygons(base_key, mode, circle, c, base) for c in categories]
    return dataclasses.replace(
        res,
        catchments=pd.concat([p[0] for p in parts], ignore_index=True),
        gaps=pd.concat([p[1] for p in parts], ignore_index=True),
    )


def _bytes_key(data: bytes | None) -> str:
    return hashlib.sha1(data).hexdigest() if data else ""


# ------------------------------------------------------------------ page
_ui.require_app_navigation()
st.title("生活圈覆盖")
st.caption(
    "按《城市居住区规划设计标准》（GB 50180-2018）的5、10、15分钟生活圈，检查学校、养老、卫生设施的服务覆盖与缺口。"
)
std = _standards()
basemap, labels = _ui.map_options()
ws = workspace_dir()

plan_fac = plan_facilities(std)
net_path = workspace_network_path(ws)
ws_path = ws / "facilities" / "facilities.gpkg"
ready_box = st.container()  # the readiness panel comes first; filled once the inputs below are read

# ---- inputs: the planner's inventory, population, zones (uploads live in the session)
with st.expander("导入设施清单（现状学校、幼儿园、养老、卫生设施）", expanded=False):
    st.caption(
        "支持 Excel/CSV（列：名称、类别、经度、纬度、坐标系、地址、状态）、GeoJSON、GeoPackage、Shapefile（.zip）。"
        "类别按标准文件中的名称或别名识别；坐标系列可填 WGS84、GCJ-02（高德/腾讯）、BD-09（百度）、CGCS2000。"
    )
    st.download_button(
        "下载设施清单Excel模板",
        xlsx_bytes(template_table(std)),
        file_name="设施清单模板.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    up = st.file_uploader(
        "设施清单文件", type=["xlsx", "csv", "geojson", "json", "gpkg", "zip"], key="cov_fac_up"
    )
    if up is not None:
        try:
            imp = import_facilities(up.getvalue(), filename=up.name, standards=std)
            st.session_state["cov_upload"] = imp.facilities
            st.success(
                markdown_literal(
                    f"已读取 {len(imp.facilities)} 处设施。" + "；".join(zh for _, zh in imp.notes)
                )
            )
            if imp.n_unmatched:
                st.warning(f"{imp.n_unmatched} 行的类别无法与标准对应，未参与计算：")
                st.dataframe(
                    imp.unmatched.rename(columns={"value": "类别值", "count": "行数"}), hide_index=True
                )
            if st.button("保存到工作区（替换工作区现有的设施清单）", key="cov_fac_save"):
                save_workspace_facilities(imp.facilities, ws)
                st.session_state.pop("cov_upload", None)  # from now on read from the workspace
                st.toast(f"已保存 {len(imp.facilities)} 处设施到工作区。")
                st.rerun()
        except InputError as err:
            _ui.show_input_error(err)
        except OSError as err:
            st.error("无法保存到工作区：" + markdown_literal(err.strerror or str(err)))
upload_fac = st.session_state.get("cov_upload")

with st.expander("从 OpenStreetMap 导入路网和设施（.osm.pbf）", expanded=False):
    st.caption(
        "上传天津或更大范围的 OpenStreetMap 数据（例如 Geofabrik 的 .osm.pbf），按河东区界外扩缓冲距离裁剪，"
        "生成步行路网并按标准文件中的标签规则提取设施，保存到工作区。大于200MB的文件请用命令行："
        "python -m renewal import-osm 文件.osm.pbf"
    )
    osm_up = st.file_uploader("OSM 数据文件", type=["pbf"], key="cov_osm_up")
    buf = st.number_input("缓冲距离（米）", 0, 5000, 1000, step=100, key="cov_osm_buffer")
    if st.button("导入", key="cov_osm_btn", disabled=osm_up is None):
        bar = st.progress(0.0, text="正在读取…")
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / Path(osm_up.name).name
            src.write_bytes(osm_up.getvalue())
            try:
                res = import_osm(
                    src,
                    buffer_m=float(buf),
                    standards=std,
                    progress=lambda p: bar.progress(0.5, text=f"已读取 {p['objects']:,} 个对象…"),
                )
                bar.progress(0.8, text="正在保存到工作区…")
                net_path.parent.mkdir(parents=True, exist_ok=True)
                save_network(res.network, net_path)
                save_workspace_facilities(res.facilities, ws)
                bar.progress(1.0, text="完成")
                st.success(
                    f"已导入步行路网（{res.network.report['nodes']}个节点）和 {len(res.facilities)} 处设施。"
                )
                st.dataframe(
                    res.counts.rename(columns={"name_zh": "设施类别", "count": "设施数"})[
                        ["设施类别", "设施数"]
                    ],
                    hide_index=True,
                )
                if len(res.unclassified):
                    st.warning("以下OSM对象无法归类（可编辑标准文件中的 osm_tags 规则）：")
                    st.dataframe(
                        res.unclassified.rename(columns={"tag": "标签", "count": "个数"}), hide_index=True
                    )
            except InputError as err:
                bar.empty()
                _ui.show_input_error(err)

with st.expander("人口与分区（可选）", expanded=False):
    pop_up = st.file_uploader(
        "人口：栅格（GeoTIFF，须带坐标系）或带人口字段的面（GeoJSON/GeoPackage/Shapefile .zip）",
        type=["tif", "tiff", "geojson", "json", "gpkg", "zip"],
        key="cov_pop_up",
    )
    zone_up = st.file_uploader(
        "分区面（街道/社区，GeoJSON/GeoPackage/Shapefile .zip）",
        type=["geojson", "json", "gpkg", "zip"],
        key="cov_zone_up",
    )
    pop_bytes = pop_up.getvalue() if pop_up is not None else None
    population, pop_label = None, ""
    if pop_bytes and Path(pop_up.name).suffix.lower() in (".tif", ".tiff"):
        pop_path = Path(tempfile.gettempdir()) / f"renewal-pop-{_bytes_key(pop_bytes)[:16]}.tif"
        if not pop_path.exists():
            pop_path.write_bytes(pop_bytes)
        population, pop_label = str(pop_path), "已上传人口栅格"
    elif pop_bytes:
        try:
            polys = read_vector(pop_bytes, what="population", filename=pop_up.name).non_empty()
            numeric = [
                c for c in polys.columns if c != "geometry" and pd.api.types.is_numeric_dtype(polys[c])
            ]
            if not numeric:
                raise InputError("The population layer has no numeric field.", "人口图层没有数值字段。")
            field = st.selectbox("人口字段", numeric, key="cov_pop_field")
            population = polys[[field, "geometry"]].rename(columns={field: "population"})
            pop_label = f"已上传人口面（{len(polys)}个，字段 {field}）"
        except InputError as err:
            _ui.show_input_error(err)
    zones, zone_field = None, ""
    if zone_up is not None:
        try:
            zones = read_vector(zone_up.getvalue(), what="zones", filename=zone_up.name).non_empty()
            cols = [c for c in zones.columns if c != "geometry"]
            default = next((i for i, c in enumerate(cols) if c in ("name", "名称", "zone")), 0)
            zone_field = (
                st.selectbox("分区名称字段", cols, index=default, key="cov_zone_field") if cols else ""
            )
            zones = (
                zones[[zone_field, "geometry"]].rename(columns={zone_field: "name"}) if zone_field else zones
            )
        except InputError as err:
            _ui.show_input_error(err)
            zones = None

# ---- workspace inputs (read after a possible import above)
try:
    ws_fac = _workspace_facilities(str(ws), _mtime(ws_path))
except InputError as err:
    _ui.show_input_error(err)
    ws_fac = None
try:
    net = _network(str(net_path), _mtime(net_path))
except InputError as err:
    _ui.show_input_error(err)
    net = None

# ---- readiness (drawn at the top of the page)
sources = {"plan": plan_fac, "ws": ws_fac, "up": upload_fac}
existing = sum(len(g) for k, g in sources.items() if k != "plan" and g is not None)
all_fac = combine_facilities(sources)
with ready_box:
    st.subheader("数据准备情况")
    st.dataframe(
        cd.readiness_rows(
            existing=existing,
            plan=len(plan_fac),
            network=net.report if net is not None else None,
            population=pop_label,
            zones=f"已上传{len(zones)}个分区" if zones is not None else "",
        ),
        hide_index=True,
        width="stretch",
    )
    if not existing:
        st.warning(
            "现状设施未加载：下面只计算规划设施（位置示意）的覆盖，结果不是全区的实际覆盖。"
            "请在下方导入设施清单或 OpenStreetMap 数据（或命令行 import-osm）。"
        )
    st.dataframe(cd.source_counts(all_fac), hide_index=True)

# ---- choices
c1, c2, c3 = st.columns([3, 2, 2])
present = [k for k in std.categories if k in set(all_fac["category"])]
with c1:
    chosen = st.multiselect(
        "设施类别",
        present,
        default=present,
        format_func=lambda k: std.categories[k].name_zh,
        key="cov_cats",
    )
circle_opts = [cd.STANDARD_CIRCLE, *std.life_circles]
with c2:
    circle = st.selectbox(
        "生活圈",
        circle_opts,
        format_func=lambda c: (
            "按标准（各类别各自的生活圈）"
            if c == cd.STANDARD_CIRCLE
            else f"{std.life_circles[c]['name_zh']}（{std.life_circles[c]['walk_m']}米）"
        ),
        key="cov_circle",
    )
modes = ["radius"] + (["network"] if net is not None else [])
with c3:
    mode = st.radio("计算方式", modes, format_func=MODE_ZH.get, key="cov_mode", horizontal=True)
    if net is None:
        st.caption("步行网络模式需先导入路网（import-osm）。")
with st.expander("生活圈距离的来源与核对状态"):
    st.dataframe(circles_zh(std), hide_index=True, width="stretch")
    st.caption(
        "标准原文未能逐条核对，标为“未核对”的距离请在正式使用前核实（可编辑 geodata/standards/life_circle.yaml）。"
    )

if not chosen:
    st.info("请至少选择一个设施类别。")
    st.stop()

net_key = str(net.report.get("source")) + str(_mtime(net_path)) if net is not None else ""
zone_key = _bytes_key(zone_up.getvalue()) + zone_field if zone_up is not None and zones is not None else ""
pop_key = (
    _bytes_key(pop_bytes) + str(st.session_state.get("cov_pop_field", "")) if population is not None else ""
)
base_key = "|".join((cd.facilities_key(all_fac), mode, net_key, pop_key, zone_key))
try:
    dist = _distances(base_key, mode, all_fac, net, population, zones)
    base = _view(base_key, mode, circle, tuple(k for k in std.categories if k in chosen), dist)
except InputError as err:
    _ui.show_input_error(err)
    st.stop()

# ---- what-if
added = st.session_state.setdefault(ADDED, [])
cands = st.session_state.setdefault(CANDIDATES, [])
removed = st.session_state.setdefault(REMOVED, [])
# only what belongs to the chosen categories applies (the others are kept for when they are chosen again)
add_now = [a for a in added if a["category"] in chosen]
rm_now = [r for r in removed if r in set(all_fac.loc[all_fac["category"].isin(chosen), "facility_id"])]
result = base
if add_now or rm_now:
    try:
        result = what_if(base, add=cd.added_facilities(add_now, std), remove=rm_now or None, geometry=True)
    except InputError as err:
        _ui.show_input_error(err)
gained = cd.gained_area(base, result, chosen) if result is not base else None

sites = _ui.current_sites_or_none()
suggested = st.session_state.get(SUGGESTED)
weight = "population" if base._ctx.cell_pop is not None else "area"
layers = coverage_layers(
    result,
    all_fac[~all_fac["facility_id"].isin(removed)],
    chosen,
    gained=gained,
    added=cd.added_facilities(added, std),
    suggested=suggested,
    weight=weight,
)
m = coverage_map(
    layers, basemap=basemap, labels=labels, sites=sites, data=_ui.cached_layers(COVERAGE_BASE_KEYS)
)
out = _ui.show_map(m, key="coverage_map", height=600, returned_objects=("last_clicked",))
if result.warnings:
    with st.expander(f"计算提示（{len(result.warnings)}条，英文原文）"):
        for w in result.warnings:
            st.text(w)

# ---- statistics
st.subheader("覆盖统计")
stats = result.stats[result.stats["category"].isin(chosen)]
table = stats_zh(stats, std)
st.dataframe(table, hide_index=True, width="stretch")
st.bar_chart(table.set_index("设施类别")[["用地覆盖率（%）"]], horizontal=True)
census = cd.census_summary()
st.caption(
    f"2020年第七次人口普查：河东区常住人口 {census['pop_2020']:,.0f} 人，60岁及以上约 {census['n_60p']:,.0f} 人"
    f"（{census['share_60p']:.1%}），0–14岁占 {census['share_0_14']:.1%}（区级总数，无街道分项；来源：国家统计局分县资料）。"
)
st.dataframe(cd.census_beside(stats, census), hide_index=True, width="stretch")
if base._ctx.cell_pop is not None:
    msg = cd.population_check(float(base._ctx.cell_pop.sum()), census["pop_2020"])
    if msg:
        st.warning(msg)
if result.zone_stats is not None:
    st.markdown("**分区覆盖**")
    zs = result.zone_stats[result.zone_stats["category"].isin(chosen)]
    st.dataframe(zone_stats_zh(zs), hide_index=True, width="stretch")
    pivot = zs.pivot_table(index="zone", columns="name_zh", values="land_share") * 100
    st.bar_chart(pivot)
    thr = st.slider("达标线（用地覆盖率 %）", 50, 100, 90, key="cov_threshold")
    st.markdown("**未达标分区（城市体检口径，可直接转交）**")
    st.dataframe(shortfall(zs, thr / 100), hide_index=True, width="stretch")

# ---- what-if controls
st.subheader("假设分析：新增或撤除设施")
if result.delta is not None:
    d = result.delta[result.delta["category"].isin(chosen)]
    for _, r in d.iterrows():
        st.metric(
            f"{std.categories[r['category']].name_zh} 用地覆盖率",
            f"{r['land_share_after']:.1%}",
            f"{r['delta_land_share'] * 100:+.1f} 个百分点",
        )
w1, w2 = st.columns(2)
with w1:
    add_cat = st.selectbox(
        "新增设施类别", chosen, format_func=lambda k: std.categories[k].name_zh, key="cov_add_cat"
    )
    clicked = (out or {}).get("last_clicked") if isinstance(out, dict) else None
    if clicked:
        lon, lat = float(clicked["lng"]), float(clicked["lat"])
        if BASEMAPS[basemap].display_crs == "gcj02":
            lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
        if st.button(f"在地图点击处（{lon:.5f}, {lat:.5f}）新增", key="cov_add_click"):
            added.append(
                {
                    "name": f"假设{std.categories[add_cat].name_zh}{len(added) + 1}",
                    "category": add_cat,
                    "lon": lon,
                    "lat": lat,
                }
            )
            st.rerun()
        if st.button("把点击处加入选址候选", key="cov_cand_click"):
            cands.append({"name": f"点击位置{len(cands) + 1}", "lon": lon, "lat": lat})
            st.rerun()
    if sites is not None and not sites.empty:
        pts = cd.site_points(sites)
        pick = st.selectbox(
            "或选择城市更新项目",
            list(range(len(pts))),
            format_func=lambda i: pts["name"].iat[i],
            key="cov_add_site",
        )
        if st.button("在所选更新项目新增", key="cov_add_site_btn"):
            p = pts.geometry.iat[pick]
            added.append(
                {
                    "name": f"{pts['name'].iat[pick]}（假设{std.categories[add_cat].name_zh}）",
                    "category": add_cat,
                    "lon": p.x,
                    "lat": p.y,
                }
            )
            st.rerun()
with w2:
    shown = all_fac[all_fac["category"].isin(chosen) & ~all_fac["facility_id"].isin(removed)]
    rm = st.selectbox(
        "撤除设施",
        [""] + list(shown["facility_id"]),
        format_func=lambda f: (
            "（不撤除）" if not f else f"{shown.set_index('facility_id').at[f, 'name']}（{f}）"
        ),
        key="cov_rm",
    )
    if st.button("撤除所选设施", key="cov_rm_btn", disabled=not rm):
        removed.append(rm)
        st.rerun()
    if st.button("清除全部假设", key="cov_reset", disabled=not (added or removed)):
        st.session_state[ADDED], st.session_state[REMOVED] = [], []
        st.rerun()
if added:
    st.caption(markdown_literal("假设新增：" + "、".join(a["name"] for a in added)))

# ---- siting
st.subheader("建议选址（贪心选择：每一步选新增覆盖最多的候选）")
pools = (["sites"] if sites is not None and not sites.empty else []) + (["clicked"] if cands else [])
pool = st.radio(
    "候选位置",
    pools or ["sites"],
    format_func={"sites": "城市更新项目", "clicked": f"地图点击的位置（{len(cands)}处）"}.get,
    key="cov_pool",
    horizontal=True,
)
candidates = cd.site_points(sites) if pool == "sites" and pools else cd.clicked_points(cands)
s1, s2, s3 = st.columns([2, 1, 1])
with s1:
    site_cat = st.selectbox(
        "设施类别", chosen, format_func=lambda k: std.categories[k].name_zh, key="cov_site_cat"
    )
with s2:
    k = st.number_input("新增设施数 K", 1, 20, 3, key="cov_k")
with s3:
    go = st.button("计算建议选址", key="cov_site_btn", disabled=candidates.empty)
if go:
    with st.spinner("正在选址…"):
        try:
            sug = greedy_siting(result, candidates, site_cat, int(k), id_col="site_id")
            sug["name"] = sug["candidate_id"].map(
                dict(zip(candidates["site_id"], candidates["name"], strict=True))
            )
            st.session_state[SUGGESTED] = sug
        except InputError as err:
            _ui.show_input_error(err)
    st.rerun()
if suggested is not None and not suggested.empty:
    sug = suggested.assign(新增覆盖=[gain_text(g, weight) for g in suggested["gain"]])
    st.dataframe(
        sug[["rank", "name", "新增覆盖", "share_after"]].rename(
            columns={"rank": "顺序", "name": "候选位置", "share_after": "累计覆盖率"}
        ),
        hide_index=True,
        width="stretch",
        column_config={"累计覆盖率": st.column_config.NumberColumn(format="%.3f")},
    )
elif suggested is not None:
    st.info("所有候选更新项目都不能再增加覆盖。")

# ---- exports
st.subheader("导出")
e1, e2, e3 = st.columns(3)
with e1:
    st.download_button(
        "覆盖统计（Excel）",
        lambda: xlsx_bytes(report_sheets(stats, result.zone_stats, std, result.warnings)),
        file_name="生活圈覆盖统计.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
with e2:
    st.download_button(
        "服务范围、缺口、网格（GeoPackage）",
        lambda: gpkg_bytes(
            {
                "catchments": result.catchments[result.catchments["category"].isin(chosen)],
                "gaps": result.gaps[result.gaps["category"].isin(chosen)],
                "grid": result.grid,
            }
        ),
        file_name="生活圈覆盖.gpkg",
        mime="application/geopackage+sqlite3",
    )
with e3:
    _ui.export_map_button(m, file_name="生活圈覆盖.html")
_ui.provenance_expander(("district", "plan_facilities", "renewal_sites", "census2020_hedong"))
with st.expander("规划提及但未定位的公共服务设施"):
    st.dataframe(_ui.cached_table("plan_facilities_unplaced"), hide_index=True, width="stretch")
