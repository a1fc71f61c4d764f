"""汇报模式: the layout story view by view, for a meeting: a full-width map with large labels,
the view's title, a caption quoted from the plan and its legend; 上一页/下一页 (also PageUp/PageDown,
the keys a presentation clicker sends); downloads of the view's map sheet and the deck."""

import streamlit as st

from layers.map_controls import LargeLabels
from layers.render import draw_scene
from layers.scene import with_layers
from layers.views import VIEWS, ViewUnavailable, available_views, view_scene
from pages import _ui
from pages.views.text import markdown_literal

STEP_KEY = "present_step"

_ui.require_app_navigation()
basemap, _labels = _ui.map_options()
sites = _ui.current_sites_or_none()

keys = available_views(sites)  # only the current step's scene is built (coverage is computed then)
step = min(max(st.session_state.get(STEP_KEY, 0), 0), len(keys) - 1)


def _go(delta: int) -> None:
    st.session_state[STEP_KEY] = min(max(step + delta, 0), len(keys) - 1)


view = VIEWS[keys[step]]
try:
    scene = view_scene(view.key, sites)
except ViewUnavailable as err:
    scene = None
    st.info(markdown_literal(err.message_zh))
st.title(view.title)
if view.caption:
    st.markdown(f"> {markdown_literal(view.caption)}")
    st.caption(f"——《河东区“十五五”规划纲要》{view.clause}")

left, middle, right = st.columns([1, 4, 1])
left.button("◀ 上一页", on_click=_go, args=(-1,), disabled=step == 0, shortcut="PageUp", key="present_prev")
middle.progress(
    (step + 1) / len(keys),
    text=f"第 {step + 1} / {len(keys)} 页：" + " → ".join(VIEWS[k].title.split("：")[0] for k in keys),
)
right.button(
    "下一页 ▶",
    on_click=_go,
    args=(1,),
    disabled=step == len(keys) - 1,
    shortcut="PageDown",
    key="present_next",
)

if scene is not None:
    m = draw_scene(with_layers(scene, _ui.imported_layers()), basemap=basemap, labels=True, legend=True)
    LargeLabels().add_to(m)
    _ui.show_map(m, key=f"present_map_{view.key}", height=680)
st.caption("虚线、空心符号表示位置示意（规划未附图，未经测绘）。")


if scene is not None:
    _ui.meeting_downloads(view.key, scene, sites, sheet_label="下载本页地图（PDF图纸）")
