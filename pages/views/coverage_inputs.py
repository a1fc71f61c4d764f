"""The 生活圈覆盖 page's inputs: the planner's inventory (upload, save to the workspace), an
OpenStreetMap import, population and zones (uploads live in the session)."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from pages import _ui
from pages.views import panels
from pages.views.coverage_engine import bytes_key
from pages.views.coverage_state import CoveragePageState
from pages.views.text import markdown_literal
from pages.views.uploads import upload_limit_zh
from renewal.analysis.facilities import import_facilities, load_workspace_facilities, template_table
from renewal.analysis.osm_import import import_osm, report_tables
from renewal.analysis.osm_review import (
    apply_to_facilities,
    decisions_from_report,
    load_decisions,
)
from renewal.crs import COORDINATE_SYSTEMS as WEB_SYSTEMS
from renewal.crs import CRS_LABELS_ZH
from renewal.errors import InputError
from renewal.io.read import read_vector
from renewal.io.write import xlsx_bytes
from renewal.storage.layer_stores import open_layer_store
from renewal.storage.shared_files import facilities_version, save_facilities, save_osm_import, save_osm_review
from renewal.zh import beijing_time

#: The input panels' keys (:func:`pages.views.panels.lazy_expander`: drawn once the planner opens them, so a
#: click in the results does not make the browser redraw their uploaders; once opened, kept drawn, and an
#: uploaded file with them).
INVENTORY_PANEL = "cov_inventory_panel"
OSM_PANEL = "cov_osm_panel"
AREAS_PANEL = "cov_areas_panel"


def inventory(state: CoveragePageState, std, ws: Path) -> None:
    """The inventory expander: template, upload (kept in ``state.upload``), save to the workspace."""
    box, drawn = panels.lazy_expander("导入设施清单（现状学校、幼儿园、养老、卫生设施）", INVENTORY_PANEL)
    with box:
        if not drawn:
            return
        st.caption(
            "支持 Excel/CSV（列：名称、类别、经度、纬度、坐标系、地址、状态）、GeoJSON、GeoPackage、Shapefile（.zip）。"
            "类别按标准文件中的名称或别名识别；坐标系列可填 WGS84、GCJ-02（高德/腾讯）、BD-09（百度）、CGCS2000。"
        )
        _ui.download_button(
            "下载设施清单Excel模板",
            lambda: xlsx_bytes(template_table(std)),  # built on click: 20-26 ms in every page run before
            file_name="设施清单模板.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        try:
            saved = open_layer_store(ws).get("facilities")
        except InputError as err:  # the team database does not answer: the cached list is still used
            _ui.show_input_error(err)
            saved = None
        if saved is not None:
            st.caption(
                markdown_literal(
                    f"工作区设施清单：{saved.count} 处，{saved.who} 于 {beijing_time(saved.imported_at)}（北京时间）保存"
                    f"（来源 {saved.source_file or '未记录'}，版本 {saved.version}）。"
                )
            )
        # a new key after a save empties the uploader: the saved file is then read from the workspace only
        up = st.file_uploader(
            "设施清单文件",
            type=["xlsx", "csv", "geojson", "json", "gpkg", "zip"],
            key=f"cov_fac_up_{state.upload_gen}",
            help=upload_limit_zh(),
        )
        coords = st.selectbox(
            "文件中的坐标系（文件未注明坐标系时）",
            list(WEB_SYSTEMS),
            format_func=CRS_LABELS_ZH.__getitem__,
            key="cov_fac_coords",
            help="坐标来自高德/腾讯地图选 GCJ-02，来自百度地图选 BD-09；带“坐标系”列的清单按各行所填转换。",
        )
        if up is None:
            state.upload = None  # the planner removed the file: it no longer counts
        else:
            try:
                imp = import_facilities(up.getvalue(), filename=up.name, standards=std, coords=coords)
                state.upload = imp.facilities
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
                if not _ui.viewer_notice("把设施清单保存到工作区（本次计算仍可使用上传的清单）"):
                    return
                seen = facilities_version(ws)
                if st.button("保存到工作区（替换工作区现有的设施清单）", key="cov_fac_save"):
                    save_facilities(
                        imp.facilities,
                        actor=_ui.actor(),
                        workspace=ws,
                        source_file=up.name,
                        expected_version=seen,
                    )
                    state.upload = None  # from now on read from the workspace (and counted once)
                    state.upload_gen += 1  # a new uploader key empties the uploader
                    st.toast(f"已保存 {len(imp.facilities)} 处设施到工作区。")
                    st.rerun()
            except InputError as err:
                state.upload = None  # a file that cannot be read counts nothing (not the previous one)
                _ui.show_input_error(err)
            except OSError as err:
                _ui.show_write_error(err)


def osm(std, ws: Path, net_path: Path, area=None) -> None:
    """The OpenStreetMap expander: a .osm.pbf into the workspace's network and facilities, clipped to the
    study area ``area`` (a :class:`~renewal.analysis.study_area.StudyArea`; None: the district)."""
    box, drawn = panels.lazy_expander("从 OpenStreetMap 导入路网和设施（.osm.pbf）", OSM_PANEL)
    with box:
        if not drawn:
            return
        if not _ui.viewer_notice("导入路网和设施"):
            return
        st.caption(
            "上传天津或更大范围的 OpenStreetMap 数据（例如 Geofabrik 的 .osm.pbf），按研究范围外扩缓冲距离裁剪，"
            "生成步行路网并按标准文件中的标签规则提取设施，保存到工作区。大于200MB的文件请用命令行："
            "python -m renewal import-osm 文件.osm.pbf"
        )
        osm_up = st.file_uploader("OSM 数据文件", type=["pbf"], key="cov_osm_up", help=upload_limit_zh())
        buf = st.number_input("缓冲距离（米）", 0, 5000, 1000, step=100, key="cov_osm_buffer")
        if st.button("导入", key="cov_osm_btn", disabled=osm_up is None) and osm_up is not None:
            bar = st.progress(0.0, text="正在读取…")

            def read_so_far(p: dict) -> None:
                bar.progress(0.5, text=f"已读取 {p['objects']:,} 个对象…")

            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / Path(osm_up.name).name
                src.write_bytes(osm_up.getvalue())
                try:
                    res = import_osm(
                        src,
                        buffer_m=float(buf),
                        standards=std,
                        boundary=None if area is None or area.is_default else area.geometry,
                        decisions=load_decisions(ws),
                        progress=read_so_far,
                    )
                    bar.progress(0.8, text="正在保存到工作区…")
                    save_osm_import(
                        res.network, res.facilities, actor=_ui.actor(), workspace=ws, source_file=osm_up.name
                    )
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
                    _osm_lists(res, std)
                except InputError as err:
                    bar.empty()
                    _ui.show_input_error(err)
        _osm_review(std, ws)


def _osm_review(std, ws: Path) -> None:
    """The planner's review: the import report with its 审核意见 column filled in, read back; the
    decisions are kept in the workspace by OSM id and applied now and on every later import."""
    st.markdown("**审核设施归类**")
    st.caption(
        "在下载的导入报告中填写“审核意见”列（设施类别，如 小学；或“不计入”），上传后保存。"
        "审核意见按OSM编号保存在工作区，以后导入新数据时自动沿用。"
    )
    up = st.file_uploader("审核后的导入报告（Excel）", type=["xlsx"], key="cov_osm_review_up")
    if st.button("保存审核意见", key="cov_osm_review_btn", disabled=up is None) and up is not None:
        try:
            new = decisions_from_report(io.BytesIO(up.getvalue()), std)
            decisions = {**load_decisions(ws), **new}
            fac = load_workspace_facilities(ws)
            applied: set = set()
            if fac is not None:
                fac, applied = apply_to_facilities(fac, decisions, std)
                save_facilities(fac, actor=_ui.actor(), workspace=ws, source_file=up.name)
            save_osm_review(decisions, actor=_ui.actor(), workspace=ws)
            st.success(
                f"已保存 {len(new)} 条审核意见（工作区共 {len(decisions)} 条），其中 {len(applied)} 处设施已按审核更新；"
                "其余对象在下次导入OSM数据时生效。"
            )
        except InputError as err:
            _ui.show_input_error(err)
        except OSError as err:
            _ui.show_write_error(err)


def _osm_lists(res, std) -> None:
    """What the import did not count, by name and tags, and the report to download."""
    tables = report_tables(res, std)
    st.caption(f"计算坐标系：{res.report.get('metric_crs', '')}；每处设施的归类依据见下载的导入报告。")
    for title, note in (
        ("无法归类的对象", "以下OSM对象无法归类（可编辑标准文件中的 osm_tags 规则）："),
        ("不计入的对象", "以下OSM对象按规则不计入生活圈设施（医院、牙科、私营诊所、高中等）："),
    ):
        if len(tables[title]):
            st.warning(note)
            st.dataframe(tables[title], hide_index=True)
    _ui.download_button(
        "下载导入报告（Excel）",
        xlsx_bytes(tables),
        file_name="OSM导入报告.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="cov_osm_report",
    )


@dataclass
class Areas:
    """The optional population and zones, with their labels and cache-key parts."""

    population: object = None  # a raster path or polygons with a "population" column
    pop_label: str = ""
    pop_key: str = ""
    zones: object = None  # polygons with a "name" column (when a name field exists)
    zone_key: str = ""


def _population(pop_up):
    pop_bytes = pop_up.getvalue() if pop_up is not None else None
    population, pop_label = None, ""
    if pop_bytes and Path(pop_up.name).suffix.lower() in (".tif", ".tiff"):
        population, pop_label = pop_bytes, "已上传人口栅格"  # read in memory: no copy left in the temp folder
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
    pop_key = (
        bytes_key(pop_bytes) + str(st.session_state.get("cov_pop_field", ""))
        if population is not None
        else ""
    )
    return population, pop_label, pop_key


def _zones(zone_up):
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
    zone_key = bytes_key(zone_up.getvalue()) + zone_field if zone_up is not None and zones is not None else ""
    return zones, zone_key


def areas() -> Areas:
    """The population and zones expander (both optional)."""
    box, drawn = panels.lazy_expander("人口与分区（可选）", AREAS_PANEL)
    with box:
        if not drawn:  # nothing uploaded before it was first opened
            population, pop_label, pop_key = _population(None)
            zones, zone_key = _zones(None)
            return Areas(population, pop_label, pop_key, zones, zone_key)
        pop_up = st.file_uploader(
            "人口：栅格（GeoTIFF，须带坐标系）或带人口字段的面（GeoJSON/GeoPackage/Shapefile .zip）",
            type=["tif", "tiff", "geojson", "json", "gpkg", "zip"],
            key="cov_pop_up",
            help=upload_limit_zh(),
        )
        zone_up = st.file_uploader(
            "分区面（街道/社区，GeoJSON/GeoPackage/Shapefile .zip）",
            type=["geojson", "json", "gpkg", "zip"],
            key="cov_zone_up",
            help=upload_limit_zh(),
        )
        population, pop_label, pop_key = _population(pop_up)
        zones, zone_key = _zones(zone_up)
    return Areas(population, pop_label, pop_key, zones, zone_key)
