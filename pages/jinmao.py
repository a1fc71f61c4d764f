"""金贸产业园: the four zones with their anchors, industries and computed areas."""

import streamlit as st

from layers.maps import jinmao_map
from layers.registry import JINMAO_MAP_KEYS
from pages import _ui
from pages.views import html_table, print_panel
from pages.views.text import markdown_literal
from renewal.layout import approx_area_zh, jinmao_zone_areas_m2, jinmao_zone_table


@st.cache_data(show_spinner=False)
def _zone_table():
    """The zones with their areas (EPSG:4548): they depend on the bundled layout only."""
    return jinmao_zone_table(_ui.cached_geodata("layout"))


_ui.require_app_navigation()
st.title("金贸产业园")
st.caption(
    "专栏1：天津市承接非首都功能“1+16”重点平台之一，位于二号桥街域内，南接海河柳林设计之都核心区，分四个片区建设。"
    "园区及片区边界为示意范围（规划未给出边界，未经测绘）。"
)

basemap, labels = _ui.map_options()
m = jinmao_map(
    basemap=basemap, labels=labels, data=_ui.cached_layers(JINMAO_MAP_KEYS), extra=_ui.imported_layers()
)
print_panel.map_with_panel(m, key="jinmao_map", height=560)

st.subheader("四个片区")
table = _zone_table()
html_table.show(table.drop(columns="规划原文"))  # the plan text: in 专栏1 原文 below
st.caption(
    f"示意面积合计{approx_area_zh(jinmao_zone_areas_m2(_ui.cached_geodata('layout')).sum())}，"
    "在CGCS2000 / 3度带高斯-克吕格 CM 117E（EPSG:4548）中计算；"
    "片区为示意范围四等分，面积仅供参考。"
)

with st.expander("专栏1 原文"):
    for _, row in table.iterrows():  # plan words shown as plain text, never as Markdown
        st.markdown(f"**{markdown_literal(row['片区'])}片区**")  # data text: literal
        st.text(row["规划原文"])
_ui.provenance_expander(("district", "layout"))
_ui.export_map_button(m, file_name="金贸产业园.html")
