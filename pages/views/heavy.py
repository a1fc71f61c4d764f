"""A bounded pool for heavy page work, so one planner's heavy job never blocks the others.

Streamlit runs each session's script in a thread of the one server process. Four planners opening
生活圈覆盖 at once kept both cores and the interpreter busy, and another planner's home page took ten
times longer. A heavy page (:data:`HEAVY_PAGES`) therefore runs only inside one of
:data:`HEAVY_SLOTS` slots (one core is always left for the light pages); a run that finds every slot
taken says so in Chinese and waits its turn. A waiting run whose browser went away (tab closed,
connection lost) leaves the queue at once instead of computing for nobody; a running one is stopped by
Streamlit at its next page element.

The computation itself (:func:`run_heavy`) runs in a worker process (``pages/views/worker.py``, at a
lower OS priority), one of :data:`HEAVY_SLOTS`, so the server process that draws every planner's pages
stays free. While it waits for the reply the script checks every :data:`POLL_S` seconds that its run is
still wanted: when the browser went away (tab closed, session ended) or the planner started another run
(a rerun or stop request), the worker process is killed (a new one starts for the next call) and nothing
is returned, so no cache entry or file is written from it.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from pages.views.worker import Worker

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


class WorkerPool:
    """:data:`HEAVY_SLOTS` worker processes, each started on first use and again after a kill."""

    def __init__(self, size: int) -> None:
        self._idle: queue.Queue[Worker | None] = queue.Queue()
        for _ in range(size):
            self._idle.put(None)

    def take(self, still_wanted: Callable[[], None]) -> Worker:
        """An idle worker (``still_wanted`` is called while none is free: it raises to give up)."""
        while True:
            try:
                worker = self._idle.get(timeout=POLL_S)
            except queue.Empty:
                still_wanted()
                continue
            if worker is None or not worker.alive():
                try:
                    worker = Worker()
                except BaseException:
                    self._idle.put(None)
                    raise
            return worker

    def give_back(self, worker: Worker | None) -> None:
        self._idle.put(worker)


@st.cache_resource(show_spinner=False)
def _workers() -> WorkerPool:
    """The server's worker processes (one pool for every session)."""
    return WorkerPool(HEAVY_SLOTS)


def _still_wanted() -> None:
    """Raise (Streamlit's stop or rerun) when nobody waits for this run's result any more."""
    if _browser_gone():
        st.stop()
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check
    except ImportError:  # an older Streamlit: the browser check alone
        return
    check = get_run_yield_check()
    if check is not None:
        check()  # raises StopException / RerunException when the run should end


def run_heavy(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a worker process: its result, or its exception raised here.

    ``fn`` must be importable by name and the arguments and result must pickle. A run nobody waits for
    any more kills its worker and raises Streamlit's stop/rerun (nothing is returned)."""
    pool = _workers()
    worker = pool.take(_still_wanted)
    kept: Worker | None = worker  # what goes back to the pool (None: a new process for the next call)
    try:
        worker.submit(fn, *args, **kwargs)
        while not worker.ready(POLL_S):
            _still_wanted()
        result = worker.result()
    except BaseException:
        if worker.busy or not worker.alive():
            worker.kill()  # abandoned or broken: the process ends, a new one starts for the next call
            kept = None
        raise
    finally:
        pool.give_back(kept)
    return result
