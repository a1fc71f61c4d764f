"""Journey: a coverage run computes in its own worker process, and stops when its browser goes away
(issue 23, item 8: "heavy work cancelled when its browser goes away, and one planner's heavy job never
blocks others").

The server's coverage engine is stretched by ``tests/e2e/faults`` (``RENEWAL_E2E_BUSY``): before computing it
keeps a core busy for :data:`BUSY_S` seconds and logs which process runs it (``start <pid> <parent>``, then
``done <pid>``), so the journey can act while a run is in progress. Functional, no timing bounds:

1. a planner opens 生活圈覆盖 and closes the tab while the run computes: the run was in another process
   than the server, and that process is gone within 30 s without finishing;
2. the planner opens 生活圈覆盖 again: the run starts anew (the cancelled one left no cached result), in a
   process at a lower OS priority than the server, and while it computes a colleague's 总体布局 loads with
   its map drawn and no error; then the coverage page ends with its map.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.e2e import harness

BUSY = "renewal.analysis.coverage:radius_coverage"  # the engine run of a fresh workspace (no network)
BUSY_S = 45

pytestmark = pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX processes")


@pytest.fixture(scope="module")
def app(chromium_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    env = harness.fault_env(
        RENEWAL_E2E_BUSY=BUSY,
        RENEWAL_E2E_BUSY_S=str(BUSY_S),
        RENEWAL_E2E_BUSY_LOG=str(tmp / "busy.log"),
    )
    with harness.serve_app(tmp, env=env) as served:
        yield served


def lines(app, word: str) -> list[list[int]]:
    log = Path(app.env["RENEWAL_E2E_BUSY_LOG"])
    rows = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [[int(x) for x in row.split()[1:]] for row in rows if row.startswith(word + " ")]


def wait_until(condition, seconds: float, what: str, page=None):
    """Poll ``condition``; with a ``page`` open, wait through Playwright (its request routing goes on)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if page is not None:
            page.wait_for_timeout(200)
        else:
            time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def in_a_worker(pid: int, parent: int) -> bool:
    """``pid`` is a worker process the app server started, not the server itself."""
    return "streamlit" in cmdline(parent) and "streamlit" not in cmdline(pid)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_closing_the_tab_stops_its_coverage_run(chromium, app):
    with harness.planner(chromium, app, "heavy-cancel", harness.LAPTOP) as p:
        p.page.goto(app.url + "coverage", wait_until="commit")
        starts = wait_until(lambda: lines(app, "start"), 120, "the coverage run started", p.page)
        pid, server = starts[-1]
        assert in_a_worker(pid, server), "the coverage run computes inside the server process"
        assert running(pid) and running(server)
        p.page.get_by_text("正在计算距离").wait_for(timeout=30_000)  # what the planner sees meanwhile
        p.screenshot("heavy-run-in-progress-1366x768")
    # the tab is closed (its browser context too): the worker is stopped, not left computing for nobody
    wait_until(lambda: not running(pid), 30, f"the worker {pid} of the closed tab ended")
    assert running(server), "the server went down with the worker"
    assert lines(app, "done") == [], "the cancelled run finished"


def test_a_colleague_works_while_a_coverage_run_computes_in_its_own_process(chromium, app):
    before = len(lines(app, "start"))
    with harness.planner(chromium, app, "heavy-run", harness.WIDE) as runner:
        runner.page.goto(app.url + "coverage", wait_until="commit")
        # a new run: the cancelled one left nothing in the cache
        wait_until(
            lambda: len(lines(app, "start")) > before, 120, "the coverage run started again", runner.page
        )
        pid, server = lines(app, "start")[-1]
        assert in_a_worker(pid, server)
        assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, server)
        cpu_before = cpu_seconds(pid)
        with harness.planner(chromium, app, "heavy-colleague", harness.WIDE) as colleague:
            colleague.open("")
            colleague.map()
            colleague.check_page()
            assert "总体布局" in colleague.main_text()
            still_computing = [] == [d for d in lines(app, "done") if d[0] == pid]
            colleague.screenshot("heavy-colleague-home-during-run-1920x1080")
        assert still_computing, "the home page was ready only after the coverage run (not during it)"
        assert cpu_seconds(pid) > cpu_before, "the worker did not compute"
        wait_until(
            lambda: [d for d in lines(app, "done") if d[0] == pid],
            BUSY_S + 120,
            "the run finished",
            runner.page,
        )
        runner.idle()
        runner.map()
        runner.check_page()
        assert "生活圈覆盖" in runner.main_text()
        runner.screenshot("heavy-run-done-1920x1080")
    assert running(pid), "a finished worker is kept for the next run"
