"""更新项目 page: the downloads of the filtered sites, each file built only when its button is clicked."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from renewal.sites import exchange


def _builder(view, fmt: str):
    return lambda: exchange.export_bytes(view, fmt)


def downloads(view, *, notice: str = "") -> None:
    """One button per export format; nothing is built on a rerun (a large or odd catalogue costs nothing)."""
    st.subheader("下载筛选结果")
    if notice:
        st.warning(notice)
    cols = st.columns(len(exchange.FORMATS))
    kept = view.copy()  # one copy for every button (drawn on each click of the page's fragment)
    for col, (fmt, (suffix, mime, title)) in zip(cols, exchange.FORMATS.items(), strict=True):
        _ui.download_button(
            title,
            _builder(kept, fmt) if len(view) else b"",
            file_name=f"更新项目{suffix}",
            mime=mime,
            disabled=view.empty,
            key=f"dl_{fmt}",
            where=col,
        )
