"""What every page shares between reruns and pages: one dataclass kept under one session key.

The planner's map choices (basemap, name labels) and the last site catalogue this browser session read
live in :class:`SharedPageState` (``st.session_state[STATE_KEY]``), not in loose string keys. The sidebar
widgets keep their own values under their own keys (:data:`BASEMAP_WIDGET`, :data:`LABELS_WIDGET`); a
widget's value is dropped when the page that shows it is left, so they write through to this state.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from layers.basemaps import DEFAULT_BASEMAP

STATE_KEY = "shared_pages"
#: Widget keys of the sidebar's map choices (the widgets start from the kept choice on every page).
BASEMAP_WIDGET = "basemap_widget"
LABELS_WIDGET = "labels_widget"


@dataclass
class SharedPageState:
    """What every page remembers across reruns and pages of one browser session."""

    basemap: str = DEFAULT_BASEMAP  # the chosen basemap's key (layers.basemaps.BASEMAPS)
    labels: bool = True  # whether maps show name labels
    #: The last site catalogue read and when (HH:MM:SS, Beijing time), shown while the team database is down.
    last_sites: tuple[gpd.GeoDataFrame, str] | None = None


def get() -> SharedPageState:
    """The shared state (created on the first run)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, SharedPageState):
        state = SharedPageState()
        st.session_state[STATE_KEY] = state
    return state
