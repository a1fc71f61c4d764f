"""The 生活圈覆盖 page's map: catchments, gaps, facilities, what-ifs and suggested sites."""

from __future__ import annotations

import streamlit as st

from layers.maps import COVERAGE_BASE_KEYS, coverage_layers, coverage_map
from pages import _ui
from pages.views import coverage_data as cd
from pages.views import print_panel
from pages.views.coverage_state import CoveragePageState
from renewal.errors import notice_zh


def show(  # noqa: PLR0913
    state: CoveragePageState,
    result,
    all_fac,
    chosen,
    gained,
    std,
    *,
    weight,
    sites,
    basemap,
    labels,
    scenario="",
    area=None,
):
    """Draw the map (``area``: the study area, outlined and fitted to); returns the folium map (for the HTML
    export) and what the map returned."""
    layers = coverage_layers(
        result,
        all_fac[~all_fac["facility_id"].isin(state.removed)],
        chosen,
        gained=gained,
        added=cd.added_facilities(state.added, std),
        suggested=state.suggested,
        weight=weight,
    )
    m = coverage_map(
        layers,
        basemap=basemap,
        labels=labels,
        sites=sites,
        data=_ui.cached_layers(COVERAGE_BASE_KEYS),
        extra=_ui.imported_layers(),
        click_through=True,  # a click anywhere in the district gives the what-if its position
        scenario=scenario,
        area=area.frame() if area is not None else None,
    )
    # a click here is a what-if position: the map does not report its view (a pan never reruns the page)
    out = _ui.show_map(m, key="coverage_map", height=600, returned_objects=("last_clicked",))
    print_panel.show(m, out, key="coverage_map", reports=False)
    if result.warnings:
        with st.expander(f"计算提示（{len(result.warnings)}条）"):
            for w in result.warnings:
                st.text(notice_zh(w))
    return m, out
