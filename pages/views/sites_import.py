"""更新项目 page: import sites from a file. The file is checked once (with progress), every row
validated before the store is called; nothing is written unless the planner confirms a clean file."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from pages import _ui
from pages.views.sites_state import SitesPageState
from pages.views.uploads import upload_limit_zh
from renewal.crs import COORDINATE_SYSTEMS
from renewal.errors import InputError
from renewal.sites.importing import check_ids, read_sites_bytes

UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip"]


def _checked(state: SitesPageState, up, coords: str):
    """The upload's ImportResult, computed once per (file, coordinate system) with a progress bar."""
    key = (up.file_id, coords)
    if state.import_key != key:
        bar = st.progress(0.0, text="正在检查文件……")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"正在检查第 {done} / {total} 个要素……")

        state.import_key, state.import_result = None, None
        result = read_sites_bytes(up.getvalue(), up.name, coords=coords, progress=progress)
        bar.empty()
        state.import_key, state.import_result = key, result
    return state.import_result


def import_panel(state: SitesPageState, store, existing_ids) -> None:
    """Upload, summary, problems in Chinese, and the confirm button."""
    with st.expander("从文件导入项目（GeoJSON / GeoPackage / 压缩的Shapefile）"):
        # a new key after each import empties the uploader, so the same file cannot be imported twice
        up = st.file_uploader(
            "选择文件", type=UPLOAD_TYPES, key=f"imp_file_{state.import_gen}", help=upload_limit_zh()
        )
        coords = st.selectbox("文件中的坐标系", list(COORDINATE_SYSTEMS), format_func=COORDINATE_SYSTEMS.get)
        if up is None:
            return
        try:
            checked = _checked(state, up, coords)
            res = check_ids(replace(checked, problems=list(checked.problems)), existing_ids)
        except InputError as err:
            _ui.show_input_error(err)
            return
        st.text(res.summary_zh())  # plain text: names from the file are never Markdown
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
