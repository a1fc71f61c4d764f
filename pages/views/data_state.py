"""The 数据管理 page's state: one dataclass kept under one session key.

What the page remembers between reruns (besides its widgets' values, kept by Streamlit under their
``data_*`` keys) lives in :class:`DataPageState` (``st.session_state[STATE_KEY]``), not in loose keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

STATE_KEY = "data_page"


@dataclass
class DataPageState:
    """What the 数据管理 page remembers between reruns."""

    undone: str = ""  # what 撤销我的上一次修改 undid, said once on the run after the undo

    def take_undone(self) -> str:
        """The undo notice, once (empty when there is none)."""
        notice, self.undone = self.undone, ""
        return notice


def get() -> DataPageState:
    """The page's state (created on the first run)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, DataPageState):
        state = DataPageState()
        st.session_state[STATE_KEY] = state
    return state
