"""更新项目 page: undo my last change, and the history of changes (plain-text table)."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views import site_tables as tables
from pages.views.sites_state import SitesPageState
from pages.views.text import markdown_literal
from renewal.errors import InputError
from renewal.sites import schema


def undo_and_history(state: SitesPageState, store) -> None:
    """The undo button (this browser session's newest change) and the history popover."""
    c1, c2 = st.columns(2)
    if c1.button("撤销我的上一次修改", key="undo"):
        try:
            done = store.undo(session=_ui.session_id())
        except InputError as err:
            _ui.show_input_error(err)
        else:
            st.toast(
                f"已撤销对 {markdown_literal(done.site_id)} 的{schema.ACTION_LABELS.get(done.action, done.action)}。"
                if done
                else "没有可撤销的修改。"
            )
            state.edit_site = None  # the undo made a new version: edit from it
            st.rerun()
    with c2.popover("修改历史"):
        try:
            hist = store.history(state.selected or None, limit=50)
        except InputError as err:  # e.g. the team database does not answer just now
            _ui.show_input_error(err)
            return
        st.dataframe(tables.history_table(hist), hide_index=True)
