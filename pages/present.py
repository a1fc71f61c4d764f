"""汇报模式: the layout story as one presentation that switches slides in the browser
(:mod:`layers.presentation`): every view with its title, the plan's words and legend, 上一页/下一页,
PageUp/PageDown (a presentation clicker), arrow keys and space wherever the focus is, 全屏; and the same
story as downloads: the offline HTML presentation, the PPTX deck and the PDF (one page per view).

The planner's own views (added from any page map, 添加到汇报) follow the built-in ones, or come in the order
saved in the workspace (:mod:`renewal.storage.presentation_views`): the list under the presentation moves a
view up or down, removes a planner's view, or restores the default order."""

import streamlit as st

from layers.payload import data_fingerprint
from layers.presentation import (
    DOCUMENT_TITLE,
    ordered_slides,
    planner_slides,
    presentation_html,
    presentation_slides,
)
from layers.views import ViewUnavailable
from pages import _ui
from pages.views.present_state import PresentPageState, page_state
from pages.views.text import markdown_literal
from renewal.analysis.facilities import workspace_facilities_path
from renewal.errors import InputError
from renewal.storage import presentation_views as saved

#: The component frame's height before its script sizes it to the window.
FRAME_HEIGHT = 640


def _mtime(path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _deck_key() -> tuple[int, int]:
    """Changes whenever the saved presentation does (``views.json`` is replaced on every change)."""
    try:
        st_ = (saved.folder() / saved.INDEX).stat()
        return (st_.st_mtime_ns, st_.st_size)
    except OSError:
        return (0, 0)


@st.cache_data(show_spinner=False, max_entries=4)
def _presentation(
    basemap: str,
    sites_key: str,
    layers_key: tuple | None,
    facilities_key: float,
    deck_key: tuple[int, int],
    _sites,
    _extra,
):
    """The presentation document, its slides in order and the planner views it could not draw, rebuilt only
    when the basemap, the sites, the imported layers, the facilities or the saved presentation change."""
    builtin = presentation_slides(_sites, _extra)
    try:
        deck = saved.load_deck()
    except InputError as err:  # a damaged file: the built-in views still
        return presentation_html(builtin, basemap=basemap), builtin, [err.message_zh]
    added, problems = planner_slides(deck, _extra)
    slides = ordered_slides(builtin, added, deck)
    return presentation_html(slides, basemap=basemap), slides, problems


def _change(state: PresentPageState, done: str, change) -> None:
    try:
        change()
    except InputError as err:
        state.said(error=err.message_zh)
    except OSError as err:
        state.said(error=f"未能保存到工作区：{_ui.os_error_zh(err)}。未作任何修改。")
    else:
        state.said(notice=done)
    st.rerun()


def _moved(order: list[str], a: str, b: str) -> list[str]:
    out = list(order)
    i, j = out.index(a), out.index(b)
    out[i], out[j] = out[j], out[i]
    return out


def _order_row(state: PresentPageState, slides, i: int, full: list[str], editor: bool) -> None:
    slide = slides[i]
    added = slide.key.startswith(saved.ID_PREFIX)
    c0, c1, c2, c3 = st.columns([6, 1, 1, 1], vertical_alignment="center")
    c0.markdown(markdown_literal(f"{i + 1}. {slide.title}" + ("（添加的视图）" if added else "")))
    if not editor:
        return
    actor = _ui.actor()
    if c1.button("上移", key=f"present_up_{slide.key}", disabled=i == 0):
        order = _moved(full, slide.key, slides[i - 1].key)
        _change(state, f"已上移：{slide.title}", lambda: saved.save_order(actor, order))
    if c2.button("下移", key=f"present_down_{slide.key}", disabled=i == len(slides) - 1):
        order = _moved(full, slide.key, slides[i + 1].key)
        _change(state, f"已下移：{slide.title}", lambda: saved.save_order(actor, order))
    if added and c3.button("删除", key=f"present_remove_{slide.key}"):
        _change(state, f"已删除：{slide.title}", lambda: saved.remove_view(actor, slide.key))


def order_list(state: PresentPageState, slides, problems: list[str]) -> None:
    """The slides in order: 上移/下移, 删除 (a planner's view) and 恢复默认顺序, saved in the workspace."""
    notice, error = state.take()
    with st.expander("汇报顺序与添加的视图", expanded=state.list_open):
        if notice:
            st.success(markdown_literal(notice))
        if error:
            st.error(markdown_literal(error))
        for problem in problems:
            st.warning(markdown_literal(problem))
        editor = _ui.viewer_notice("调整汇报顺序或删除视图")
        try:
            deck = saved.load_deck()
        except InputError as err:
            _ui.show_input_error(err)
            return
        full = saved.slide_order([s.key for s in slides if not s.key.startswith(saved.ID_PREFIX)], deck)
        for i in range(len(slides)):
            _order_row(state, slides, i, full, editor)
        if editor and st.button("恢复默认顺序", key="present_reset", disabled=deck.order is None):
            actor = _ui.actor()
            _change(state, "已恢复默认顺序", lambda: saved.save_order(actor, None))
        kept = "团队数据库" if _ui.team_database() else "工作区"
        st.caption(
            f"添加视图：在任一页面地图下方展开「添加到汇报」。顺序保存在{kept}，所有人看到同一份汇报。"
        )


_ui.require_app_navigation()
state = page_state()
basemap, _labels = _ui.map_options()
sites = _ui.current_sites_or_none()
extra = _ui.imported_layers()
sites_key = "" if sites is None else data_fingerprint(sites, list(sites.columns))
try:
    with st.spinner("正在准备汇报……"):
        html, slides, problems = _presentation(
            basemap,
            sites_key,
            _ui.imported_layers_key(),
            _mtime(workspace_facilities_path()),
            _deck_key(),
            sites,
            extra,
        )
except ViewUnavailable as err:
    st.info(markdown_literal(err.message_zh))
    st.stop()

#: Little else above the fold: the page's own top margin made small (this page only).
PAGE_CSS = "<style>[data-testid='stMainBlockContainer']{padding-top:2.6rem;padding-bottom:1rem}</style>"

st.html(PAGE_CSS)
st.iframe(html, height=FRAME_HEIGHT)  # our document: every text in it escaped (layers.markup)
st.caption(
    "翻页：下一页 PageDown / → / 空格，上一页 PageUp / ←（演示遥控器可用）；点「全屏」只显示汇报内容，Esc 退出。"
)
_ui.presentation_downloads(html, slides, sites, file_stem=DOCUMENT_TITLE)
order_list(state, slides, problems)
