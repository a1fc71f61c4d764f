"""The 定位 box above every map: a typed coordinate (WGS84, 高德/腾讯 GCJ-02, 百度 BD-09, CGCS2000
Gauss–Krüger x/y) or a name from the map's layers; the map is centred there with a marker.

Reading and converting is :mod:`renewal.goto` (with :mod:`renewal.crs`); this only shows the box, says
what was recognised, and puts the marker on the folium map before it is shown."""

from __future__ import annotations

import streamlit as st

from layers.render import add_goto_marker, named_layers
from pages.views.text import markdown_literal
from renewal.errors import InputError
from renewal.goto import locate

PLACEHOLDER = "坐标或名称，如：高德 117.2375,39.1215"
HELP = (
    "经纬度（默认WGS84；前面写“高德”“腾讯”或“GCJ”按GCJ-02，写“百度”或“BD”按BD-09）；"
    "CGCS2000高斯-克吕格坐标 X（北）,Y（东），Y可带带号39；或地图上任一图层（更新项目、规划项目、设施、导入图层）中的名称。"
)


def goto_box(m, key: str) -> None:
    """The 定位 box for the map ``m`` (drawn by ``layers.render.draw_scene``): the marker is added to ``m``."""
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    text = left.text_input("定位", key=f"{key}_goto", placeholder=PLACEHOLDER, help=HELP)
    if not text.strip():
        return
    try:
        pos, count = locate(text, named_layers(m))
    except InputError as err:
        right.warning(markdown_literal(err.message_zh))
        return
    label = pos.name or text.strip()
    add_goto_marker(m, pos.lon, pos.lat, label)
    what = f"识别为：{pos.recognised_zh}" + (f"“{pos.name}”" if pos.name else "")
    more = f"（共找到 {count} 处，已定位到第一处）" if count > 1 else ""
    right.caption(markdown_literal(f"{what}{more}，WGS84 经度 {pos.lon:.6f}，纬度 {pos.lat:.6f}"))
