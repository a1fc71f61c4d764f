"""Expanders whose content is drawn only once the planner opens them (issue 22).

The 打印图纸 and 添加到汇报 panels under every page map hold about thirty widgets (a date field, select boxes,
a form, download buttons). Drawn folded on every run, they made the browser load and render them with every
page load and every click that reruns the map: on 总体布局 about 0.3 s of a first visit (measured, see
BENCHMARKS.md). Folded and never opened, such a panel sends nothing but its title. Opening it reruns the part of
the page it is in once (Streamlit's stateful expander); from then on its content is drawn in every run of the
session, open or folded again, so nothing the planner typed in it is lost. 更新项目's edit, vertex and add
forms are such panels too, forgotten with each new selection (:mod:`pages.views.sites_edit`).
"""

from __future__ import annotations

import streamlit as st

#: The session's set of panel keys opened once (their content is drawn from then on).
OPENED = "_rp_opened_panels"


def lazy_expander(label: str, key: str, *, shown: set[str] | None = None, force: bool = False):
    """``(expander, drawn)``: the expander titled ``label`` (widget key ``key``) and whether to draw its
    content in this run: it is open, or was opened before. ``shown``: the keys opened so far (default: the
    session's; a page passes its own set to forget a panel, e.g. on a new selection). ``force``: the page
    opens it (a drawn shape, a refused save)."""
    if shown is None:
        shown = st.session_state.setdefault(OPENED, set())
    if force:
        st.session_state[key] = True
    box = st.expander(label, key=key, on_change="rerun")
    if box.open or force:
        shown.add(key)
    return box, key in shown


def open_panel(state, key: str) -> None:
    """Open the panel ``key`` before a run (``state``: ``st.session_state`` or an AppTest's), as the
    planner's click on its title does."""
    state[key] = True
