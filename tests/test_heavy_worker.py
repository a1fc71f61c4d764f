"""The heavy-work process (issue 23, item 8): the coverage engine's inputs and results cross the pipe
intact, its errors come back as the same bilingual errors, a worker is killed for good, and it runs at a
lower priority than the server."""

from __future__ import annotations

import os
import pickle
import time

import pytest

from pages.views import coverage_data as cd
from pages.views.heavy import WorkerPool
from pages.views.worker import Worker, WorkerGone
from renewal.analysis.coverage import CoverageOptions, network_coverage, radius_coverage
from renewal.analysis.facilities import combine_facilities, plan_facilities
from renewal.analysis.network import WalkNetwork
from renewal.errors import FileContentError, InputError
from renewal.standards import load_standards
from tests.coverage_fixtures import grid_nodes_edges


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.kill()


@pytest.fixture(scope="module")
def inputs():
    std = load_standards()
    return std, combine_facilities({"plan": plan_facilities(std), "ws": None, "up": None})


def test_radius_coverage_in_the_worker_equals_the_run_in_this_process(worker, inputs):
    std, fac = inputs
    options = CoverageOptions(cutoffs=cd.search_cutoffs(std, "radius"), geometry=False)
    here = radius_coverage(fac, std, options=options)
    worker.submit(radius_coverage, fac, std, None, options)
    assert worker.ready(120)
    there = worker.result()
    assert there.stats.equals(here.stats)
    # the engine context (grid, distances) came along: the grid and a re-cut work on the copy
    assert there.grid.equals(here.grid)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_network_coverage_in_the_worker_equals_the_run_in_this_process(worker, inputs):
    std, fac = inputs
    x0, y0, x1, y1 = fac.to_crs(4548).total_bounds
    n = 60
    xy, edges = grid_nodes_edges(n, spacing=max(x1 - x0, y1 - y0) / (n - 10), x0=x0 - 500, y0=y0 - 500)
    net = WalkNetwork.from_arrays(xy, edges)
    options = CoverageOptions(cutoffs=cd.search_cutoffs(std, "network"), geometry=False)
    here = network_coverage(net, fac, std, options=options)
    worker.submit(network_coverage, net, fac, std, None, options)
    assert worker.ready(120)
    there = worker.result()
    assert there.stats.equals(here.stats)
    assert there.warnings == here.warnings
    assert [getattr(w, "zh", None) for w in there.warnings] == [getattr(w, "zh", None) for w in here.warnings]


def _refuse(message_en, message_zh):
    raise FileContentError(message_en, message_zh, details=["row 3"])


def test_an_input_error_in_the_worker_comes_back_with_both_texts(worker):
    worker.submit(_refuse, "bad file", "文件无法使用")
    assert worker.ready(60)
    with pytest.raises(FileContentError) as err:
        worker.result()
    assert isinstance(err.value, InputError)
    assert err.value.message_zh == "文件无法使用" and err.value.details == ["row 3"]
    assert worker.alive()  # an error in a call does not end the worker
    err2 = pickle.loads(pickle.dumps(InputError("a", "乙")))
    assert (str(err2), err2.message_zh) == ("a", "乙")


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX priorities")
def test_the_worker_runs_at_a_lower_priority(worker):
    worker.submit(os.getpid)
    assert worker.ready(60)
    pid = worker.result()
    assert pid == worker.pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, os.getpid())


def test_a_killed_worker_ends_and_the_pool_starts_another():
    pool = WorkerPool(1)
    w = pool.take(lambda: None)
    w.submit(time.sleep, 120)
    assert not w.ready(0.5)
    pid = w.pid
    w.kill()
    assert not w.alive()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the process is gone (joined by kill)
    with pytest.raises(WorkerGone):
        w.result()
    pool.give_back(None)
    w2 = pool.take(lambda: None)
    try:
        w2.submit(os.getpid)
        assert w2.ready(60) and w2.result() == w2.pid != pid
    finally:
        w2.kill()


def test_a_pool_with_every_worker_busy_asks_whether_the_run_is_still_wanted():
    pool = WorkerPool(1)
    w = pool.take(lambda: None)
    asked = []

    class Gone(Exception):
        pass

    def still_wanted():
        asked.append(1)
        raise Gone

    try:
        with pytest.raises(Gone):
            pool.take(still_wanted)  # the one worker is out: the waiting run gives up when told to
        assert asked
    finally:
        w.kill()


def test_run_heavy_returns_the_result_and_kills_a_run_nobody_waits_for(monkeypatch):
    """``run_heavy`` as a page calls it: a result comes back and the worker is kept; a run whose page stops
    (Streamlit's stop/rerun check raises, as when the planner starts another run or closes the tab) kills
    its worker, returns nothing, and the next call gets a new worker."""
    from pages.views import heavy

    pool = WorkerPool(1)
    monkeypatch.setattr(heavy, "_workers", lambda: pool)
    monkeypatch.setattr(heavy, "_still_wanted", lambda: None)
    first = heavy.run_heavy(os.getpid)
    assert first != os.getpid()

    class Rerun(BaseException):  # Streamlit's RerunException/StopException are BaseExceptions too
        pass

    asked = []

    def rerun_requested():
        asked.append(time.monotonic())
        if len(asked) >= 2:
            raise Rerun

    monkeypatch.setattr(heavy, "_still_wanted", rerun_requested)
    t0 = time.monotonic()
    with pytest.raises(Rerun):
        heavy.run_heavy(time.sleep, 120)
    assert time.monotonic() - t0 < 60  # stopped at the check, not after the sleep
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the same worker ran the sleep: it was killed
    monkeypatch.setattr(heavy, "_still_wanted", lambda: None)
    second = heavy.run_heavy(os.getpid)
    assert second not in (first, os.getpid())
    worker = pool.take(lambda: None)
    worker.kill()
