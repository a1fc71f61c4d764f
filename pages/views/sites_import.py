"""更新项目 page: import sites from a file. The file is checked once (with progress), every row
validated before the store is called; nothing is written unless the planner confirms a clean file.

Every format the reader reads (:data:`UPLOAD_TYPES`), the same coordinate-system choice as 数据管理 and a
preview map of where the sites land before they are imported."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import streamlit as st

from pages import _ui
from pages.views import data_views as dv
from pages.views.sites_state import SitesPageState
from pages.views.uploads import upload_limit_zh
from renewal.errors import InputError
from renewal.io.read import TABLE_SUFFIXES, VECTOR_SUFFIXES
from renewal.sites.importing import check_ids, read_sites_bytes

#: What the uploader takes: every vector and table format of renewal.io.read (a lone .shp needs its
#: sidecar files: it comes zipped).
UPLOAD_TYPES = [s.lstrip(".") for s in (*VECTOR_SUFFIXES, *TABLE_SUFFIXES) if s != ".shp"]


def _checked(state: SitesPageState, up, crs_choice: str):
    """The upload's ImportResult, computed once per (file, coordinate system) with a progress bar."""
    key = (up.file_id, crs_choice)
    if state.import_key != key:
        bar = st.progress(0.0, text="正在检查文件……")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"正在检查第 {done} / {total} 个要素……")

        state.import_key, state.import_result = None, None
        coords = "wgs84" if crs_choice == dv.AUTO else crs_choice  # wgs84: the file's own, else WGS84
        result = read_sites_bytes(up.getvalue(), up.name, coords=coords, progress=progress)
        bar.empty()
        state.import_key, state.import_result = key, result
    return state.import_result


def import_panel(state: SitesPageState, store, existing_ids) -> None:
    """Upload, summary, problems in Chinese, a preview map and the confirm button."""
    with st.expander("从文件导入项目（Excel/CSV、GeoJSON、GeoPackage、KML/KMZ、压缩的Shapefile）"):
        st.caption(
            "Excel/CSV：每行一个项目，含“名称”列，以及“经度”“纬度”两列（点）或WKT几何列；"
            "高德、腾讯地图的坐标请选GCJ-02，百度地图的坐标请选BD-09。"
        )
        # a new key after each import empties the uploader, so the same file cannot be imported twice
        up = st.file_uploader(
            "选择文件", type=UPLOAD_TYPES, key=f"imp_file_{state.import_gen}", help=upload_limit_zh()
        )
        crs_choice = st.selectbox("文件坐标系", dv.CRS_CHOICES, format_func=dv.crs_label, key="imp_crs")
        if up is None:
            return
        try:
            checked = _checked(state, up, crs_choice)
            res = check_ids(replace(checked, problems=list(checked.problems)), existing_ids)
        except InputError as err:
            _ui.show_input_error(err)
            return
        st.text(res.summary_zh())  # plain text: names from the file are never Markdown
        if res.records:
            preview = gpd.GeoDataFrame(
                {"名称": [p.get("name", "") for p, _ in res.records]},
                geometry=[g for _, g in res.records],
                crs=4326,
            )
            _ui.preview_map(preview, key="imp_map", title="待导入的项目（按所选坐标系）", tooltip=("名称",))
        if not res.ok:
            _ui.show_input_error(res.error())
            return
        if not st.button(f"确认导入 {len(res.records)} 个项目", key="imp_go"):
            return
        try:
            with st.spinner(f"正在写入 {len(res.records)} 个项目……"):
                ids = store.add_sites(res.records)
        except InputError as err:
            _ui.show_input_error(err)
            return
        st.toast(f"已导入 {len(ids)} 个项目。")
        state.import_gen += 1
        state.import_key, state.import_result = None, None
        st.rerun()
