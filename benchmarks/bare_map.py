"""What the benchmarks' bare pages (``floor_app.py``, ``fragment_app.py``) share: the district's outline as
GeoJSON and the map's scripts served from ``benchmarks/static`` (the browser is offline, as with the app)."""

from pathlib import Path

import streamlit as st

import geodata
from layers import assets


@st.cache_data(show_spinner=False)
def district_geojson() -> str:
    return geodata.load("district").to_crs(4326).to_json()


@st.cache_resource(show_spinner=False)
def static_ready() -> str:
    """The map's scripts in benchmarks/static (Streamlit serves the static folder beside the page)."""
    return str(assets.ensure_static(Path(__file__).resolve().parent / "static"))
