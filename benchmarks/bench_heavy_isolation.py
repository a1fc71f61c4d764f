"""One planner's heavy job must not block others: the home page of one session while other sessions
open 生活圈覆盖 (not a test: it prints figures; the journey tests/e2e/test_journey_heavy_work.py asserts
a bound).

    python benchmarks/bench_heavy_isolation.py [--heavy 4] [--rounds 3]

Starts ``streamlit run app.py`` (tests/e2e/harness.serve_app: own workspace, loopback port, always
stopped) and Debian's Chromium. Measures, each ``--rounds`` times: the home page (总体布局) ready in a
fresh session alone; then the same while ``--heavy`` other sessions open 生活圈覆盖 at the same moment
(each a cold coverage run in its own session); and how long those coverage pages took. A page is
ready when its script has finished and the map is drawn.

Figures (2026-12-03, the shared 2-core build machine, load average 4-20 from other jobs, Chromium on the
same cores as the server; one round each, so noisy):

    --heavy 4, old code (a5d7849):  home alone 5.2 s, during 4 coverage runs 39.1 s, coverage pages 53 s
    --heavy 4, slot pool (1 slot):  home alone 10.7 s, during 4 coverage runs 50.4 s, coverage pages 65 s
    journey (2 runs), old / pool:   home alone 4.1 / 4.4 s, during 10.3 / 10.5 s

    --heavy 1 --busy 30, engine in the server / in a worker process (first round, the one computing):
        home alone 6.6 / 4.3 s, during 15.9 / 8.0 s; CPU server 11.0 / 5.2 s, worker 0 / 6.3 s (BENCHMARKS.md)

The pool bounds how many coverage scripts compute at once, but on this machine it does not measurably
shorten the other session's home page: the browsers drawing the coverage maps share the two cores, and
Streamlit sends every session's messages from one event loop. Worth measuring again with the browsers
on other machines (as planners use it) before drawing conclusions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import harness  # noqa: E402


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_split(port: int) -> tuple[float, float]:
    """CPU seconds so far of the app server on ``port`` and of its child processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    server, procs = None, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            procs[int(d.name)] = _stat(int(d.name))
        except OSError:
            continue
        if b"streamlit" in cmd and str(port).encode() in cmd:
            server = int(d.name)
    if server is None:
        return 0.0, 0.0
    own = (int(procs[server][11]) + int(procs[server][12])) / tick
    kids = sum(
        (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tick
        for f in procs.values()
        if int(f[1]) == server
    )
    return own, kids


def home_ready_seconds(chromium, app, name: str) -> float:
    with harness.planner(chromium, app, name) as p:
        t = time.perf_counter()
        p.open("")
        p.map()
        return time.perf_counter() - t


def home_during_heavy(chromium, app, heavy: int, name: str) -> tuple[float, list[float]]:
    """Seconds to the home page while ``heavy`` sessions open 生活圈覆盖; and those pages' seconds."""
    contexts = [chromium.new_context(viewport=harness.WIDE, locale="zh-CN") for _ in range(heavy)]
    try:
        pages = [c.new_page() for c in contexts]
        t0 = time.perf_counter()
        for page in pages:  # all at once: each request is sent, none awaited
            page.goto(app.url + "coverage", wait_until="commit")
        for page in pages:  # their apps are up and their scripts started before the home page is asked for
            page.locator('[data-testid="stApp"]').wait_for(timeout=120_000)
        pages[-1].wait_for_timeout(1000)
        home = home_ready_seconds(chromium, app, name)
        done = []
        for page in pages:
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                timeout=600_000
            )
            page.wait_for_timeout(300)
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                timeout=600_000
            )
            done.append(time.perf_counter() - t0)
        return home, done
    finally:
        for c in contexts:
            c.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heavy", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--busy",
        type=float,
        default=0,
        help="stretch each coverage engine run by this many seconds of CPU (tests/e2e/faults RENEWAL_E2E_BUSY)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, harness.browser("/usr/bin/chromium") as chromium:
        env = {}
        if args.busy:
            faults = ROOT / "tests" / "e2e" / "faults"
            env = {
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(faults), str(ROOT), os.environ.get("PYTHONPATH")) if p
                ),
                "RENEWAL_E2E_BUSY": "renewal.analysis.coverage:radius_coverage",
                "RENEWAL_E2E_BUSY_S": str(args.busy),
                "RENEWAL_E2E_BUSY_LOG": str(Path(tmp) / "busy.log"),
            }
        with harness.serve_app(Path(tmp), env=env) as app:
            home_ready_seconds(chromium, app, "warm")  # first run imports and caches
            alone, loaded, heavy = [], [], []
            port = int(app.url.rstrip("/").rsplit(":", 1)[1])
            cpu0 = cpu_split(port)
            for i in range(args.rounds):
                alone.append(home_ready_seconds(chromium, app, f"alone-{i}"))
                h, d = home_during_heavy(chromium, app, args.heavy, f"loaded-{i}")
                loaded.append(h)
                heavy.extend(d)
            cpu1 = cpu_split(port)
    med = statistics.median
    print(
        f"home page alone:                    median {med(alone):5.1f} s  (runs {[round(x, 1) for x in alone]})"
    )
    print(
        f"home page during {args.heavy} coverage runs:   median {med(loaded):5.1f} s  (runs {[round(x, 1) for x in loaded]})"
    )
    print(
        f"coverage pages (all {args.heavy} at once):      median {med(heavy):5.1f} s, slowest {max(heavy):.1f} s"
    )
    print(
        f"CPU during the rounds: server process {cpu1[0] - cpu0[0]:.1f} s, "
        f"its worker processes {cpu1[1] - cpu0[1]:.1f} s (children still running counted as they go)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
