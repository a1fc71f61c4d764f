"""The 生活圈覆盖 page's downloads: statistics (Excel), layers (GeoPackage), the map (HTML).

A what-if scenario is marked as one in every download: its name in the file names, a 情景 column and
a sheet (Excel) or layer (GeoPackage) of the scenario's facilities, its label in the map's title."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views import coverage_data as cd
from renewal.analysis.coverage_report import report_sheets
from renewal.io.write import gpkg_bytes, xlsx_bytes


def _layers(result, chosen, scenario: str, added) -> dict:
    layers = {
        "catchments": result.catchments[result.catchments["category"].isin(chosen)],
        "gaps": result.gaps[result.gaps["category"].isin(chosen)],
        "grid": result.grid,
    }
    if scenario:
        layers = {k: v.assign(情景=scenario) if v is not None else None for k, v in layers.items()}
        layers["scenario_facilities"] = added.assign(情景=scenario) if not added.empty else None
    return layers


def exports(result, stats, chosen, std, m, *, scenario: str = "", table=None, added=None, about=None) -> None:  # noqa: PLR0913
    """The downloads; ``scenario`` (:func:`~pages.views.coverage_data.scenario_label`) marks a what-if."""
    if scenario:
        st.caption(f"导出的是{scenario}的结果，文件名、表格和图层均注明“假设情景”。")
    suffix = "（假设情景）" if scenario else ""
    # one per line: every label whole, at 1366 px too
    _ui.download_button(
        "覆盖统计（Excel）",
        lambda: xlsx_bytes(
            cd.mark_scenario(
                report_sheets(stats, result.zone_stats, std, result.warnings, about=about),
                scenario,
                table,
            )
        ),
        file_name=f"生活圈覆盖统计{suffix}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    _ui.download_button(
        "服务范围、缺口、网格（GeoPackage）",
        lambda: gpkg_bytes(_layers(result, chosen, scenario, added)),
        file_name=f"生活圈覆盖{suffix}.gpkg",
        mime="application/geopackage+sqlite3",
    )
    _ui.export_map_button(m, file_name=f"生活圈覆盖{suffix}.html")
