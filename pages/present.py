"""汇报模式: the layout story view by view, for a meeting: a full-width map with large labels,
the view's title, a caption quoted from the plan and its legend; 上一页/下一页 (also PageUp/PageDown,
the keys a presentation clicker sends); downloads of the view's map sheet and the deck."""

import streamlit as st

from layers.deck import deck_bytes
from layers.fonts import FontError, cjk_font
from layers.map_controls import LargeLabels
from layers.render import draw_scene
from layers.render_print import draw_sheet
from layers.views import VIEWS, ViewUnavailable, view_scene
from pages import _ui
from pages.views.text import markdown_literal

STEP_KEY = "present_step"

_ui.require_app_navigation()
basemap, _labels = _ui.map_options()
sites = _ui.current_sites_or_none()

scenes = {}
for key in VIEWS:  # a view whose data is missing (e.g. coverage before its page exists) is left out
    try:
        scenes[key] = view_scene(key, sites)
    except ViewUnavailable:
        continue
keys = list(scenes)
step = min(max(st.session_state.get(STEP_KEY, 0), 0), len(keys) - 1)


def _go(delta: int) -> None:
    st.session_state[STEP_KEY] = min(max(step + delta, 0), len(keys) - 1)


view = VIEWS[keys[step]]
scene = scenes[view.key]
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

m = draw_scene(scene, basemap=basemap, labels=True, legend=True)
LargeLabels().add_to(m)
_ui.show_map(m, key=f"present_map_{view.key}", height=680)
st.caption("虚线、空心符号表示位置示意（规划未附图，未经测绘）。")


def _sheet_pdf() -> bytes:
    import io

    buf = io.BytesIO()
    draw_sheet(scene, paper="16:9", subtitle=view.caption).savefig(buf, format="pdf")
    return buf.getvalue()


try:
    cjk_font()  # the downloads are built on click; say now if they cannot be
except FontError as err:
    st.error(f"无法生成图纸和幻灯片：找不到可显示中文的字体。{err}")
else:
    c1, c2 = st.columns(2)
    c1.download_button(
        "下载本页地图（PDF图纸）", _sheet_pdf, file_name=f"{view.title}.pdf", mime="application/pdf"
    )
    c2.download_button(
        "下载汇报幻灯片（PPTX）",
        lambda: deck_bytes(sites=sites),
        file_name="河东区总体布局汇报.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )
