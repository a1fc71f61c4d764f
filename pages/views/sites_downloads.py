"""更新项目 page: the downloads of the filtered sites, in a popover under the table; each file is built only
when its button is clicked."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from renewal.sites import exchange

LABEL = "下载筛选结果"


def _builder(view, fmt: str):
    return lambda: exchange.export_bytes(view, fmt)


def downloads(view, *, notice: str = "") -> None:
    """One button per export format, in a popover (``LABEL``): nothing is built on a rerun (a large or odd
    catalogue costs nothing), and the browser draws the buttons only when the planner opens it, not with
    every filter or click (the page's fragment draws them each time). One per line: every label whole, at
    1366 px too."""
    with st.popover(LABEL, icon=":material/download:"):
        if notice:
            st.warning(notice)
        st.caption(
            f"当前筛选的 {len(view)} 个项目，每种格式一个文件。" if len(view) else "当前筛选没有项目。"
        )
        kept = view.copy()  # one copy for every button (drawn on each click of the page's fragment)
        for fmt, (suffix, mime, title) in exchange.FORMATS.items():
            _ui.download_button(
                title,
                _builder(kept, fmt) if len(view) else b"",
                file_name=f"更新项目{suffix}",
                mime=mime,
                disabled=view.empty,
                key=f"dl_{fmt}",
            )
