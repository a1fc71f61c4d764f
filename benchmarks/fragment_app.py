"""A bare page for ``benchmarks/bench_fragment_elements.py``: the floor's select box and map in a fragment, with
``n`` groups of ordinary elements (a heading, a caption, a small table, a select box, a button and a download
button: six elements and three blocks each) inside the fragment, outside it, or none (``?extra=inside|outside``).

A choice in the select box reruns the fragment only and redraws its map; what the page around the fragment
holds is not sent again. The benchmark times that rerun to see what the elements cost the browser when they are
redrawn (inside) and when they are only on the page (outside).
"""

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from benchmarks.bare_map import district_geojson, static_ready
from layers import assets

st.set_page_config(page_title="fragment elements", layout="wide")
EXTRA = st.query_params.get("extra", "")
N = int(st.query_params.get("n", "6"))


def elements(tag: str) -> None:
    for i in range(N):
        st.subheader(f"小节{tag}{i}")
        st.caption(f"说明{i}")
        st.dataframe(pd.DataFrame({"数值": np.arange(8) * i}), hide_index=True)
        c1, c2 = st.columns(2)
        c1.selectbox(f"选择{tag}{i}", ["甲", "乙"], key=f"sb{tag}{i}")
        c2.button(f"按钮{tag}{i}", key=f"bt{tag}{i}")
        st.download_button(
            f"下载{tag}{i}", data=b"x", file_name="x.txt", key=f"dl{tag}{i}", on_click="ignore"
        )


@st.fragment
def part() -> None:
    colour = st.selectbox("颜色", ["#d62728", "#1f77b4", "#2ca02c"], key="colour")
    st.caption(f"已选：{colour}")
    m = folium.Map(location=[39.13, 117.24], zoom_start=13, tiles=None)
    folium.GeoJson(district_geojson(), style_function=lambda _f, c=colour: {"color": c, "weight": 3}).add_to(
        m
    )
    static_ready()
    assets.localize(m, mode="served")
    st_folium(m, key="map", height=600, use_container_width=True, returned_objects=[])
    if EXTRA == "inside":
        elements("内")


part()
if EXTRA == "outside":
    elements("外")
