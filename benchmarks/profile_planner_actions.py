"""Where a planner's wait goes on the slowest actions (not a test: it prints profiles).

    python benchmarks/profile_planner_actions.py [--server] [--browser] [--top 25]

Server: the page script run in-process (Streamlit's AppTest, an empty workspace) under cProfile, for
更新项目 (a site selected, as a row or map click leaves it) and 生活圈覆盖 (a category switched off, the
life circle switched), after a first run that fills the caches; prints the top functions by cumulative time.

Browser: ``streamlit run app.py`` with the journey harness and Debian Chromium; a Chromium performance trace
(``browser.start_tracing``, the devtools timeline categories) around one 更新项目 row click and one
生活圈覆盖 category switch; prints the wall time and the trace's main-thread time by event name (top-level
tasks of every frame: the page and the map's iframe), so the share of script, layout and paint is seen.
"""

from __future__ import annotations

import argparse
import io
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


#: The page run under the profiler: AppTest runs a script in its own thread, where cProfile must be enabled.
WRAPPER = """
import cProfile, runpy
import streamlit as st
prof = cProfile.Profile()
prof.enable()
try:
    runpy.run_path({page!r}, run_name="__main__")
finally:
    prof.disable()
    st.session_state["_profile"] = prof
"""


def _app(page: str):
    from streamlit.testing.v1 import AppTest

    wrapper = Path(tempfile.mkdtemp()) / Path(page).name
    wrapper.write_text(WRAPPER.format(page=str(ROOT / "pages" / page)), encoding="utf-8")
    return AppTest.from_file(str(wrapper), default_timeout=300)


def server(top: int) -> None:
    import os

    os.environ["RENEWAL_WORKSPACE"] = tempfile.mkdtemp()
    from pages.views.sites_state import STATE_KEY, SitesPageState

    at = _app("sites.py")
    at.session_state[STATE_KEY] = SitesPageState()
    at.run()
    at.run()
    cases = []

    def select() -> None:
        at.session_state[STATE_KEY].selected = (
            "RS-004" if at.session_state[STATE_KEY].selected != "RS-004" else "RS-010"
        )
        at.run()

    def filt() -> None:
        box = at.sidebar.multiselect(key="f_type")
        box.set_value([] if box.value else ["老旧厂房"]).run()

    cases += [("更新项目 select a site", select), ("更新项目 filter", filt)]
    cov = _app("coverage.py")
    cov.run()

    def category() -> None:
        box = next(m for m in cov.multiselect if m.label == "设施类别")
        box.set_value(box.value[:-1] if len(box.value) > 1 else box.options).run()

    def circle() -> None:
        box = next(s for s in cov.selectbox if s.label == "生活圈")
        box.set_value(box.options[0] if box.value != box.options[0] else box.options[1]).run()

    cases += [("生活圈覆盖 category switch", category), ("生活圈覆盖 circle switch", circle)]
    for name, act in cases:
        act()  # once to warm the caches of this input
        t = time.perf_counter()
        act()
        wall = time.perf_counter() - t
        prof = (at if name.startswith("更新项目") else cov).session_state["_profile"]
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(top)
        print(f"\n===== server: {name}: {wall:.3f} s wall in the page run (AppTest)\n")
        print("\n".join(s.getvalue().splitlines()[6:]))


def summarize(trace: bytes, top: int) -> None:
    """The renderer main threads' busy time (top-level events) and self time by event name."""
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[(e["pid"], e["tid"])] = e["args"]["name"]
    spans = sorted(
        (
            e
            for e in events
            if e.get("ph") == "X" and "dur" in e and names.get((e["pid"], e["tid"])) == "CrRendererMain"
        ),
        key=lambda e: (e["pid"], e["tid"], e["ts"], -e["dur"]),
    )
    self_ms: dict[str, float] = defaultdict(float)
    by_script: dict[str, float] = defaultdict(float)
    busy = 0.0
    stack: list[dict] = []
    for e in spans:
        while (
            stack
            and (stack[-1]["pid"], stack[-1]["tid"]) == (e["pid"], e["tid"])
            and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]
        ):
            stack.pop()
        if stack and (stack[-1]["pid"], stack[-1]["tid"]) != (e["pid"], e["tid"]):
            stack = []
        if stack:
            self_ms[stack[-1]["name"]] -= e["dur"] / 1000
        else:
            busy += e["dur"] / 1000
        self_ms[e["name"]] += e["dur"] / 1000
        if e["name"] in ("FunctionCall", "EvaluateScript"):  # script time by the script's file
            data = (e.get("args") or {}).get("data") or {}
            url = str(data.get("url") or "?").split("?")[0]
            by_script[f"{e['name']} {url.rsplit('/', 1)[-1] or url}"] += e["dur"] / 1000
        stack.append(e)
    print(f"renderer main threads busy (top-level events): {busy:.0f} ms; self time by event:")
    for n, ms in sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {ms:8.0f} ms  {n}")
    print("script (total, with what it calls) by file:")
    for n, ms in sorted(by_script.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {ms:8.0f} ms  {n}")


def browser(top: int) -> None:
    from benchmarks.bench_planner_actions import CHROMIUM, STATS_SIGN, coverage_actions, timed, url_site_sign
    from tests.e2e import harness

    del coverage_actions
    with tempfile.TemporaryDirectory() as tmp, harness.browser(CHROMIUM) as chromium:
        with harness.serve_app(Path(tmp) / "app") as app, harness.planner(chromium, app, "sites") as p:
            p.open("sites")
            p.map()
            grid = p.page.get_by_test_id("stDataFrame").first
            grid.scroll_into_view_if_needed()
            p.idle()
            for n in range(2):  # a new row each time (the table keeps its order on a row click)
                row = 2 + n
                cells = grid.locator('[role="row"]').nth(row).locator('[role="gridcell"]').all_inner_texts()
                site = next(c for c in cells if c.startswith("RS-"))
                b = grid.bounding_box()
                chromium.start_tracing(page=p.page, categories=["devtools.timeline", "v8.execute", "blink"])
                took = timed(
                    p,
                    lambda b=b, row=row: p.page.mouse.click(b["x"] + 12, b["y"] + 35 * row + 17),
                    url_site_sign(site),
                )
                trace = chromium.stop_tracing()
                if n:
                    print(
                        f"\n===== browser: 更新项目 row click to the card: {took:.2f} s wall (incl. 0.3 s settle after)"
                    )
                    summarize(trace, top)
        with harness.serve_app(Path(tmp) / "app2") as app, harness.planner(chromium, app, "cov") as p:
            p.open("coverage")
            p.map()
            for n in range(2):
                box = p.page.get_by_role("combobox", name="设施类别", exact=True).first

                def drop(box=box):
                    box.click()
                    box.press("Backspace")
                    p.page.keyboard.press("Escape")

                chromium.start_tracing(page=p.page, categories=["devtools.timeline", "v8.execute", "blink"])
                took = timed(p, drop, STATS_SIGN)
                trace = chromium.stop_tracing()
                if n:
                    print(f"\n===== browser: 生活圈覆盖 category switch: {took:.2f} s wall")
                    summarize(trace, top)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", action="store_true")
    ap.add_argument("--browser", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    if a.server or not a.browser:
        server(a.top)
    if a.browser or not a.server:
        browser(a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
