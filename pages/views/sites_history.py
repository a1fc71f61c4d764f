"""更新项目 page: undo my last change, and the history of changes (plain-text table)."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views import site_tables as tables
from pages.views.sites_state import SitesPageState
from pages.views.text import markdown_literal
from renewal.errors import InputError
from renewal.zh import value_label


def undo_and_history(state: SitesPageState, store) -> None:
    """The undo button (this browser session's newest change) and the history: who, when (北京时间), what."""
    if st.button("撤销我的上一次修改", key="undo"):
        try:
            done = store.undo(session=_ui.session_id())
        except InputError as err:
            _ui.show_input_error(err)
        else:
            st.toast(
                f"已撤销对 {markdown_literal(done.site_id)} 的{value_label('action', done.action)}。"
                if done
                else "没有可撤销的修改。"
            )
            state.edit_site = None  # the undo made a new version: edit from it
            st.rerun()
    scope = f"（{markdown_literal(state.selected)}）" if state.selected else "（全部项目，最近50条）"
    with st.expander("修改历史" + scope):
        try:
            hist = store.history(state.selected or None, limit=50)
        except InputError as err:  # e.g. the team database does not answer just now
            _ui.show_input_error(err)
            return
        if not hist:
            st.info("还没有修改记录。")
        else:
            # a static table wraps long cells; it reads Markdown, so every cell (data) is made literal
            st.table(tables.history_table(hist).map(markdown_literal), hide_index=True, border="horizontal")
