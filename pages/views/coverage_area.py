"""The 生活圈覆盖 page's study area: the workspace's (recorded for a person), chosen from a polygon file
through the uploader, or restored to the bundled district."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import _ui
from pages.views import panels
from pages.views.text import markdown_literal
from pages.views.uploads import upload_limit_zh
from renewal.analysis.study_area import StudyArea, read_area
from renewal.crs import metric_crs_zh
from renewal.errors import InputError
from renewal.storage.shared_files import current_study_area, restore_study_area, save_study_area
from renewal.zh import beijing_time, person_label

AREA_TYPES = ["geojson", "json", "gpkg", "zip", "kml", "kmz"]
#: The panel's key (:func:`pages.views.panels.lazy_expander`).
PANEL = "cov_area_open"


def _choose(ws: Path) -> None:
    """The uploader and the 设为研究范围 button (an editor only; the store refuses a viewer anyway)."""
    gen = st.session_state.setdefault("cov_area_gen", 0)
    up = st.file_uploader(
        "研究范围文件（面要素：GeoJSON、GeoPackage、Shapefile .zip、KML）",
        type=AREA_TYPES,
        key=f"cov_area_up_{gen}",
        help=upload_limit_zh(),
    )
    if up is None:
        return
    try:
        geom = read_area(up.getvalue(), filename=up.name)
    except InputError as err:
        _ui.show_input_error(err)  # nothing is changed: the study area stays as it was
        return
    name = st.text_input("研究范围名称", value=Path(up.name).stem[:100], key=f"cov_area_name_{gen}")
    st.caption(markdown_literal(f"文件中的范围：{StudyArea(name, geom, False).area_zh}"))
    if st.button("设为研究范围", key="cov_area_save"):
        try:
            save_study_area(geom, name, actor=_ui.actor(), workspace=ws)
        except InputError as err:
            _ui.show_input_error(err)
            return
        except OSError as err:
            _ui.show_write_error(err)
            return
        st.session_state["cov_area_gen"] = gen + 1  # a new key empties the uploader
        st.rerun()


def panel(ws: Path) -> StudyArea:
    """The 研究范围 expander, drawn once opened; returns the workspace's study area (the district when none
    was chosen)."""
    area = current_study_area(ws)
    box, drawn = panels.lazy_expander("研究范围", PANEL)  # drawn once opened, then kept with its upload
    with box:
        if not drawn:
            return area
        st.markdown(markdown_literal(f"当前研究范围：{area.name}（{area.area_zh}）"))
        if area.who:
            st.caption(
                markdown_literal(f"由 {person_label(area.who)} 于 {beijing_time(area.at)}（北京时间）设置")
            )
        else:
            st.caption("默认：内置河东区区界（由高德行政区划推算，仅供内部试用）。")
        st.caption(
            f"分析网格、服务范围的裁剪和距离计算都按研究范围进行；计量坐标系：{metric_crs_zh(area.metric_epsg)}。"
        )
        if not _ui.viewer_notice("更改研究范围"):
            return area
        _choose(ws)
        if not area.is_default and st.button("恢复为河东区区界", key="cov_area_restore"):
            try:
                restore_study_area(actor=_ui.actor(), workspace=ws)
            except InputError as err:
                _ui.show_input_error(err)
                return area
            st.rerun()
    return area
