"""Expanders and tabs whose content is drawn only once the planner opens them (issue 22).

The 打印图纸 and 添加到汇报 panels under every page map hold about thirty widgets (a date field, select boxes,
a form, download buttons). Drawn folded on every run, they made the browser load and render them with every
page load and every click that reruns the map: on 总体布局 about 0.3 s of a first visit (measured, see
BENCHMARKS.md). Folded and never opened, such a panel sends nothing but its title. Opening it reruns the part of
the page it is in once (Streamlit's stateful expander); from then on its content is drawn in every run of the
session, open or folded again, so nothing the planner typed in it is lost. 更新项目's edit, vertex and add
forms are such panels too, forgotten with each new selection (:mod:`pages.views.sites_edit`).

Tabs (:func:`lazy_tabs`) draw only the open tab, in every run: 生活圈覆盖's statistics, what-if, siting and
downloads are four tabs under its map, so a category switch draws the map and one of them, not all four. A
widget in a tab not drawn would lose what the planner chose in it (Streamlit forgets the value of a widget
not drawn in a run); :func:`kept` keeps it for when the tab is drawn again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import streamlit as st

#: The session's set of panel keys opened once (their content is drawn from then on).
OPENED = "_rp_opened_panels"
#: The session's values of widgets drawn only while their tab is open, by widget key.
KEPT = "_rp_kept_widgets"


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


def lazy_tabs(labels: list[str], key: str) -> list:
    """Tabs (widget key ``key``) that know which one is open: switching reruns the part of the page they are
    in (the page's fragment), and only the open tab's ``.open`` is true, so only its content is drawn."""
    return list(st.tabs(labels, key=key, on_change="rerun"))


@contextmanager
def kept(keys: Iterable[str]) -> Iterator[None]:
    """Draw widgets (keys ``keys``) that are not drawn in every run, keeping what the planner chose: each
    value saved when drawn is given back the next time they are drawn. A value the widget no longer offers
    falls back to its default (Streamlit's rule for a selection not among the options)."""
    saved = st.session_state.setdefault(KEPT, {})
    keys = list(keys)
    for k in keys:
        if k not in st.session_state and k in saved:
            st.session_state[k] = saved[k]
    try:
        yield
    finally:  # a tab's button may end the run (``st.rerun``): what was chosen before it is kept too
        for k in keys:
            if k in st.session_state:
                saved[k] = st.session_state[k]


def initial(key: str, value):
    """A widget's default ``value``, or None when its value is set already (kept, or chosen in a previous
    run): Streamlit takes the set value then and warns when a default is passed too."""
    return None if key in st.session_state else value
