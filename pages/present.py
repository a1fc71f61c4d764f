"""汇报模式: the layout story as one presentation that switches slides in the browser
(:mod:`layers.presentation`): every view with its title, the plan's words and legend, 上一页/下一页,
PageUp/PageDown (a presentation clicker), arrow keys and space wherever the focus is, 全屏; and the same
story as downloads: the offline HTML presentation, the PPTX deck and the PDF (one page per view)."""

import streamlit as st

from layers.payload import data_fingerprint
from layers.presentation import DOCUMENT_TITLE, presentation_html, presentation_slides
from layers.views import ViewUnavailable
from pages import _ui
from pages.views.text import markdown_literal
from renewal.analysis.facilities import workspace_facilities_path

#: The component frame's height before its script sizes it to the window.
FRAME_HEIGHT = 640


def _mtime(path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@st.cache_data(show_spinner=False, max_entries=4)
def _presentation(
    basemap: str, sites_key: str, layers_key: tuple | None, facilities_key: float, _sites, _extra
):
    """The presentation document and its slides, rebuilt only when the basemap, the sites, the imported
    layers or the facilities change."""
    slides = presentation_slides(_sites, _extra)
    return presentation_html(slides, basemap=basemap), slides


_ui.require_app_navigation()
basemap, _labels = _ui.map_options()
sites = _ui.current_sites_or_none()
extra = _ui.imported_layers()
sites_key = "" if sites is None else data_fingerprint(sites, list(sites.columns))
try:
    with st.spinner("正在准备汇报……"):
        html, slides = _presentation(
            basemap,
            sites_key,
            _ui.imported_layers_key(),
            _mtime(workspace_facilities_path()),
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
