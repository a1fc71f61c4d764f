"""The floor of the planner-action benchmark: a bare Streamlit page with one st_folium map of the district.

Served by ``benchmarks/bench_planner_actions.py`` (``streamlit run benchmarks/floor_app.py``). A choice in
a select box reruns the page and redraws the map with the district outlined in another colour: the least
work any page of the app can do for a click that changes its map (Streamlit's rerun, st_folium's redraw).
The map loads its scripts from a static folder beside this page, as the app's maps do (the browser is offline).
"""

from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

import geodata
from layers import assets

st.set_page_config(page_title="floor", layout="wide")


@st.cache_data(show_spinner=False)
def district_geojson() -> str:
    return geodata.load("district").to_crs(4326).to_json()


@st.cache_resource(show_spinner=False)
def static_ready() -> str:
    """The map's scripts in benchmarks/static (Streamlit serves the static folder beside the page)."""
    return str(assets.ensure_static(Path(__file__).resolve().parent / "static"))


colour = st.selectbox("颜色", ["#d62728", "#1f77b4", "#2ca02c"], key="floor_colour")
st.caption(f"已选：{colour}")
m = folium.Map(location=[39.13, 117.24], zoom_start=13, tiles=None)
folium.GeoJson(district_geojson(), style_function=lambda _f, c=colour: {"color": c, "weight": 3}).add_to(m)
static_ready()
assets.localize(m, mode="served")
st_folium(m, key="floor_map", height=600, use_container_width=True, returned_objects=[])
