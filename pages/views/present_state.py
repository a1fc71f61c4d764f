"""The 汇报模式 page's state: one dataclass kept under one session key (not loose string keys)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

STATE_KEY = "present_page"


@dataclass
class PresentPageState:
    """What 汇报模式 remembers between reruns."""

    notice: str = ""  # what the last change of the order did, shown once after its rerun
    error: str = ""  # why the last change was refused (nothing was changed)
    list_open: bool = False  # keep the order list open after a change

    def said(self, *, notice: str = "", error: str = "") -> None:
        self.notice, self.error, self.list_open = notice, error, True

    def take(self) -> tuple[str, str]:
        """The pending notice and error (cleared: each is shown once)."""
        out = (self.notice, self.error)
        self.notice = self.error = ""
        return out


def page_state() -> PresentPageState:
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, PresentPageState):
        state = st.session_state[STATE_KEY] = PresentPageState()
    return state
