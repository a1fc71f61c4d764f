"""A bounded pool for heavy page work, so one planner's heavy job never blocks the others.

Streamlit runs each session's script in a thread of the one server process. Four planners opening
生活圈覆盖 at once kept both cores and the interpreter busy, and another planner's home page took ten
times longer. A heavy page (:data:`HEAVY_PAGES`) therefore runs only inside one of
:data:`HEAVY_SLOTS` slots (one core is always left for the light pages); a run that finds every slot
taken says so in Chinese and waits its turn. A waiting run whose browser went away (tab closed,
connection lost) leaves the queue at once instead of computing for nobody; a running one is stopped by
Streamlit at its next page element.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

#: URL paths of the pages whose script is heavy work (network search, catchments, big maps).
HEAVY_PAGES = frozenset({"coverage"})
#: How many heavy page runs go on at once: the cores but one (at least one).
HEAVY_SLOTS = max(1, (os.cpu_count() or 2) - 1)
#: How often a waiting run checks that its browser is still there (seconds).
POLL_S = 0.5


@st.cache_resource(show_spinner=False)
def _slots() -> threading.BoundedSemaphore:
    """The server's slots (one object for every session; Streamlit keeps it for the process)."""
    return threading.BoundedSemaphore(HEAVY_SLOTS)


def _browser_gone() -> bool:
    """True once this run's session has no browser any more (Streamlit then asks the run to stop)."""
    from streamlit.runtime import Runtime, exists
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not exists():
        return False
    return not Runtime.instance().is_active_session(ctx.session_id)


@contextmanager
def heavy_slot(heavy: bool = True) -> Iterator[None]:
    """Run the block in a heavy-work slot (waiting in turn, with a Chinese note); ``heavy=False``: at once."""
    if not heavy:
        yield
        return
    slots = _slots()
    if not slots.acquire(blocking=False):
        note = st.empty()
        note.info("其他规划人员的覆盖计算正在进行，本页已排队，轮到时自动开始计算（其他页面不受影响）。")
        while not slots.acquire(timeout=POLL_S):
            if _browser_gone():
                st.stop()  # nobody is waiting for this result: leave the queue
        note.empty()
    try:
        yield
    finally:
        slots.release()
