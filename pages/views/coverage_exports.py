"""The 生活圈覆盖 page's downloads: statistics (Excel), layers (GeoPackage), the map (HTML)."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from renewal.analysis.coverage_report import report_sheets
from renewal.io.write import gpkg_bytes, xlsx_bytes


def exports(result, stats, chosen, std, m) -> None:
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
