"""总体布局: the plan's layout (一站一带一园多点) on one map, with the main indicators."""

import hashlib

import streamlit as st

from layers.basemaps import BASEMAPS
from layers.payload import data_fingerprint
from layers.render import draw_scene
from layers.scene import with_layers
from layers.views import view_scene
from pages import _ui
from pages.views import html_table, panels, print_panel
from renewal.layout import layout_counts, station_area_summary


@st.cache_data(show_spinner=False)
def _layout_figures() -> tuple[dict, object]:
    """The station-area figures and the layout counts: they depend on the bundled layout only."""
    layout = _ui.cached_geodata("layout")
    return station_area_summary(layout), layout_counts(layout)


_ui.require_app_navigation()
st.title("河东区“十五五”总体布局：一站一带一园多点")
st.caption(
    "依据《天津市河东区国民经济和社会发展第十五个五年规划纲要》第二章第四节。"
    "虚线或空心符号表示位置示意（规划未附图，未经测绘）。"
)

basemap, labels = _ui.map_options()
sites = _ui.current_sites_or_none()


def _scene_and_map():
    scene = view_scene("layout", sites)  # one scene: the map here, and the sheet and deck downloads below
    return scene, draw_scene(with_layers(scene, _ui.imported_layers()), basemap=basemap, labels=labels)


# the same map for every planner until its inputs change: a page load draws no scene and no map
sites_key = "" if sites is None else data_fingerprint(sites, list(sites.columns.drop(sites.geometry.name)))
tile_key = hashlib.sha256(BASEMAPS[basemap].key_value().encode()).hexdigest()  # a saved 天地图 key changes it
scene, m = _ui.shared_map(
    _scene_and_map, "home_map", (basemap, labels, tile_key, sites_key, _ui.imported_layers_key())
)
print_panel.map_with_panel(m, key="home_map", height=700)

summary, counts = _layout_figures()
if summary["drawn_km2"] is not None:
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "站产城片区（河东部分）示意面积",
        f"{summary['drawn_km2']:.2f} km²",
        help="示意范围在EPSG:4548中计算的面积",
    )
    c2.metric("规划面积", f"{summary['plan_km2']:.2f} km²", help="专栏2：河东区规划面积6.53平方公里")
    c3.metric("示意/规划", f"{summary['ratio']:.0%}")

st.subheader("布局要素")
html_table.show(counts)

st.subheader("“十五五”时期主要指标")
ind = (
    _ui.cached_table("indicators")
    .rename(
        columns={
            "no": "序号",
            "group": "类别",
            "indicator": "指标",
            "sub_indicator": "分项",
            "value_2025": "2025年",
            "target_2030": "2030年目标值",
            "attribute": "属性",
        }
    )
    .fillna("")
)
html_table.show(ind)
st.caption("注：[]为五年累计数，*为五年平均数，其余为规划末期数。")


def _unplaced() -> None:
    """The plan's items that are not on the map, in a panel drawn once opened (:mod:`pages.views.panels`)."""
    box, drawn = panels.lazy_expander("规划提及但未上图的条目", "home_unplaced")
    with box:
        if not drawn:
            return
        st.caption("以下条目的位置无法从规划文字或可靠资料确定，因此不在地图上虚构位置。")
        st.dataframe(
            _ui.cached_table("layout_unplaced").rename(
                columns={
                    "name": "名称",
                    "layout": "布局要素",
                    "plan_clause": "规划条款",
                    "plan_text": "规划原文",
                    "reason": "未定位原因",
                }
            ),
            hide_index=True,
            width="stretch",
        )


_unplaced()
_ui.provenance_expander(("district", "neighbours", "haihe", "metro_stations", "metro_lines", "layout"))
_ui.export_map_button(m)
_ui.meeting_downloads("layout", scene, sites)
