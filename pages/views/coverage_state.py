"""The 生活圈覆盖 page's state: one dataclass kept under one session key.

Everything the page remembers between reruns (besides its widgets' values, kept by
Streamlit under their ``cov_*`` keys) lives in :class:`CoveragePageState`
(``st.session_state[STATE_KEY]``), not in loose string keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import streamlit as st

STATE_KEY = "coverage_page"


@dataclass
class CoveragePageState:
    """What the 生活圈覆盖 page remembers between reruns."""

    upload: gpd.GeoDataFrame | None = None  # the uploaded (not yet saved) facility inventory
    upload_gen: int = 0  # part of the uploader's key: a new one after a save empties the uploader
    added: list[dict] = field(default_factory=list)  # what-if additions (name, category, lon, lat)
    removed: list[str] = field(default_factory=list)  # what-if removals: facility ids
    candidates: list[dict] = field(default_factory=list)  # siting candidates clicked on the map
    suggested: pd.DataFrame | None = None  # the last suggested sites, None before any run
    results_mode: str | None = None  # the mode of the last results (a switch reruns the whole page)


def get() -> CoveragePageState:
    """The page's state (created on the first run)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, CoveragePageState):
        state = CoveragePageState()
        st.session_state[STATE_KEY] = state
    return state
