"""The floor of the planner-action benchmark: a bare Streamlit page with one st_folium map of the district.

Served by ``benchmarks/bench_planner_actions.py`` (``streamlit run benchmarks/floor_app.py``). A choice in
a select box reruns the page and redraws the map with the district outlined in another colour: the least
work any page of the app can do for a click that changes its map (Streamlit's rerun, st_folium's redraw).
With ``?table=1`` a table under the map does the same for a clicked row through Streamlit's own row
selection (the widget 更新项目's row click uses), so that click is compared with the same widget's floor;
without it the page is only the select box and the map (its page-ready figure is not changed by the table).
The map loads its scripts from a static folder beside this page, as the app's maps do (the browser is offline).
"""

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from benchmarks.bare_map import district_geojson, static_ready
from layers import assets

st.set_page_config(page_title="floor", layout="wide")


COLOURS = ["#d62728", "#1f77b4", "#2ca02c"]
TABLE = st.query_params.get("table") == "1"
colour = st.selectbox("颜色", COLOURS, key="floor_colour")
picked = (st.session_state.get("floor_table") or {}).get("selection", {}).get("rows", []) if TABLE else []
if picked:
    colour = COLOURS[picked[0] % 3]
st.caption(f"已选：{colour}" + (f"；行：{picked[0] if picked else '无'}" if TABLE else ""))
m = folium.Map(location=[39.13, 117.24], zoom_start=13, tiles=None)
folium.GeoJson(  # with the table, the row in the tooltip: a row click redraws the map whatever the colour
    district_geojson(),
    style_function=lambda _f, c=colour: {"color": c, "weight": 3},
    tooltip=f"行：{picked[0] if picked else '无'}" if TABLE else None,
).add_to(m)
static_ready()
assets.localize(m, mode="served")
st_folium(m, key="floor_map", height=600, use_container_width=True, returned_objects=[])
if TABLE:
    st.dataframe(
        pd.DataFrame(
            {"编号": [f"R-{i:03d}" for i in range(60)], "颜色": [COLOURS[i % 3] for i in range(60)]}
        ),
        key="floor_table",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        use_container_width=True,
        height=260,
    )
