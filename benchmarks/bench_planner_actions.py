"""What a planner waits for, in Debian's Chromium, beside the framework floor (not a test: it prints figures).

    python benchmarks/bench_planner_actions.py [--runs 5] [--crowd 10] [--loads 5] [--only sites coverage]

Starts ``streamlit run app.py`` (bundled data, an empty workspace) and ``streamlit run benchmarks/floor_app.py``
with the journey harness (``tests/e2e/harness.py``: same server start, same Chromium and launch flags, same
offline planner), both at once, and times, in ``--runs`` rounds of one run of each (the floor, then each page:
a machine whose speed drifts during the run moves the floor and the actions alike), from the planner's input to
the moment the answer is on screen:

* page ready: 总体布局 opened in a fresh session until its map is drawn and the script has finished, in turns
  with the floor page opened the same way (``--loads`` of each; page ready is compared with the floor page's);
* 更新项目: a type filter (on and off), a search (typed and cleared), a table row click to the card, a map
  click on a site to the card;
* 生活圈覆盖: a category switch (one category off and on again), a life-circle switch (both with the
  statistics tab open, as the page opens), a what-if add at a renewal site in the what-if tab (then
  清除全部假设 and back to the statistics, not timed);
* the floor: the bare page's select box (a rerun that redraws one st_folium map of the district), and the
  same rerun from a row clicked in the bare page's table (``?table=1``; Streamlit's row selection, the widget of
  更新项目's row click: it sends a selection only after its own 150 ms debounce). The row click is compared
  with both; every other action with the select box's.

"On screen" is: the script has finished (``data-test-script-state="notRunning"``), the action's own sign is
shown (the count under the table, the site in the URL and the card, the statistics), and, where the action
changes the map, a new Leaflet map is drawn in the frame (the old one is marked before the input) or, on a map
drawn live (生活圈覆盖, 更新项目), its new layers are swapped in (``rpLiveStart`` counts the swaps).

Then the server's CPU time per 总体布局 load (``/proc/<pid>/stat``, user + system, ``--loads`` loads one after
another, each a new session) and ``--crowd`` planners opening 总体布局 at once (CPU per load, failures,
median and p90 wait; every page records its own ready time in the browser, so one slow page does not hide
another's). Prints p50/p90 and the ratio of each action's p50 to the floor's, the load average before and
after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.e2e import harness  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LIMIT_MS = 60_000
FLOOR = "地板（裸页面+一张地图的重跑）"
FLOOR_PAGE = "地板 页面就绪（新会话，首次访问）"
HOME_PAGE = "总体布局 页面就绪（新会话，首次访问）"
TABLE_FLOOR = "地板：表格行点击（裸页面，同一重跑）"
ROW_CLICK = "更新项目 点选表格行→卡片"
#: Installed in every page: the top page records when it is first ready (script finished, map drawn).
READY_PROBE = """(() => {
  if (window.top !== window) return;
  const t = setInterval(() => {
    const app = document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]');
    const f = document.querySelector('iframe[src*="streamlit_folium"]');
    const d = f && f.contentDocument;
    if (app && d && d.querySelector('.leaflet-container .leaflet-interactive')) {
      window.__readyAt = performance.now();
      clearInterval(t);
    }
  }, 20);
})();"""
MARK_MAP_JS = """() => { document.querySelectorAll('iframe[src*="streamlit_folium"]').forEach(f => {
  const c = f.contentDocument && f.contentDocument.querySelector('.leaflet-container');
  const m = f.contentWindow && f.contentWindow.map;
  if (c) { c.dataset.benchOld = '1'; c.dataset.benchLive = String((m && m._rpLiveRuns) || 0); } }); }"""
#: Done: the script finished, the action's sign ``sign()`` is true and (``fresh``) the map is drawn anew: a
#: new map, or new layers swapped in on the same map (a map drawn live: ``rpLiveStart`` counts the swaps).
DONE_JS = """([sign, fresh]) => {
  if (!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')) return false;
  if (!(new Function('return (' + sign + ')()'))()) return false;
  const f = document.querySelector('iframe[src*="streamlit_folium"]');
  const c = f && f.contentDocument && f.contentDocument.querySelector('.leaflet-container');
  if (!c || !c.querySelector('.leaflet-interactive')) return false;
  const m = f.contentWindow.map, swapped = m && String(m._rpLiveRuns || 0) !== c.dataset.benchLive;
  return !fresh || !c.dataset.benchOld || swapped;
}"""
#: 生活圈覆盖's statistics are shown: the grid headed 设施类别.
STATS_SIGN = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
    .some(f => Array.from(f.querySelectorAll('[role="columnheader"]')).some(h => h.innerText === '设施类别'))"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (and its waited-for children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def timed(p: harness.Planner, act, sign: str, fresh: bool = True, limit_ms: int = LIMIT_MS) -> float:
    """Seconds from ``act()`` until the page is done (see DONE_JS); the page is idle again after."""
    p.idle(settle_ms=200)
    p.page.evaluate(MARK_MAP_JS)
    t = time.perf_counter()
    act()
    p.page.wait_for_function(DONE_JS, arg=[sign, fresh], polling=20, timeout=limit_ms)
    took = time.perf_counter() - t
    p.idle(settle_ms=300)
    return took


def caption_sign(p: harness.Planner) -> str:
    """True once the count under the table differs from what it says now."""
    old = p.page.get_by_text("个项目（全部").first.inner_text()
    return f"""() => Array.from(document.querySelectorAll('[data-testid="stCaptionContainer"]'))
        .some(e => e.innerText.includes('个项目（全部') && e.innerText !== {old!r})"""


def url_site_sign(site: str) -> str:
    """True once the URL names ``site`` and the card shows a heading."""
    return f"""() => new URLSearchParams(location.search).get('site') === {site!r}
        && !!document.querySelector('[data-testid="stHeadingWithActionElements"] h3')"""


def multiselect(p: harness.Planner, label: str):
    return p.page.get_by_role("combobox", name=label, exact=True).first


def pick(p: harness.Planner, label: str, option: str) -> None:
    """Open the box and click the option, as the floor's select box is driven (two clicks); the option's
    name is typed only when the open list does not show it."""
    box = multiselect(p, label)
    box.scroll_into_view_if_needed()
    box.click()
    choice = p.page.get_by_role("option", name=option, exact=True)
    try:
        choice.wait_for(state="visible", timeout=1000)
    except PlaywrightTimeout:
        box.fill(option)
    choice.click()


def visible_point_site(p: harness.Planner, exclude: str | None, turn: int) -> tuple[str, float, float]:
    """A point site drawn in the visible part of the map (not ``exclude``): its id and page position."""
    from renewal.sites.query import bundled_sites

    sites = bundled_sites()
    points = sites[(sites.geometry.geom_type == "Point") & (sites["site_id"] != exclude)]
    iframe = p.page.locator(harness.MAP_IFRAME).first
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    fold = p.page.viewport_size["height"]
    seen = []
    for _, row in points.iterrows():
        x, y = p.map_point(row.geometry.y, row.geometry.x)
        if (
            box["x"] + 60 < x < box["x"] + box["width"] - 60
            and box["y"] + 60 < y < min(box["y"] + box["height"], fold) - 60
        ):
            seen.append((row["site_id"], x, y))
    assert seen, "no point site in the map's view"
    return seen[turn % len(seen)]


def sites_actions(p: harness.Planner, runs: int, out: dict, start: int = 0) -> None:
    p.open("sites")
    p.map()
    for i in range(start, start + runs):
        box = multiselect(p, "类型")
        sign = caption_sign(p)
        out.setdefault("更新项目 筛选", []).append(timed(p, lambda: pick(p, "类型", "老旧厂房"), sign))
        sign = caption_sign(p)

        def clear(box=box):
            box.click()
            box.press("Backspace")
            p.page.keyboard.press("Escape")

        out["更新项目 筛选"].append(timed(p, clear, sign))
        query = p.page.get_by_role("textbox", name="搜索（名称、编号、类型、片区、规划原文）")
        sign = caption_sign(p)

        def search(text, query=query):
            query.fill(text)
            query.press("Enter")

        out.setdefault("更新项目 搜索", []).append(timed(p, lambda: search("保障房"), sign))
        sign = caption_sign(p)
        out["更新项目 搜索"].append(timed(p, lambda: search(""), sign))

        # a row click: the second row of the table (the first is the selected site, once one is)
        grid = p.page.get_by_test_id("stDataFrame").first
        grid.scroll_into_view_if_needed()
        cells = grid.locator('[role="row"]').nth(2).locator('[role="gridcell"]').all_inner_texts()
        site = next(c for c in cells if c.startswith("RS-"))
        b = grid.bounding_box()
        out.setdefault(ROW_CLICK, []).append(
            timed(p, lambda b=b: p.page.mouse.click(b["x"] + 12, b["y"] + 35 * 2 + 17), url_site_sign(site))
        )

        # a map click on a point site to the card: one in the map's view, never the selected one
        current = p.page.evaluate("() => new URLSearchParams(location.search).get('site')")
        for turn in range(i, i + 3):  # a click where several features lie opens a list, not a card: the next
            site, x, y = visible_point_site(p, exclude=current, turn=turn)
            try:
                took = timed(
                    p, lambda x=x, y=y: p.page.mouse.click(x, y), url_site_sign(site), limit_ms=10_000
                )
            except PlaywrightTimeout:
                p.page.keyboard.press("Escape")
                continue
            out.setdefault("更新项目 点击地图→卡片", []).append(took)
            break
        p.open("sites")  # no selection for the next run's row click (the URL keeps no site)


def coverage_actions(p: harness.Planner, runs: int, out: dict, start: int = 0) -> None:
    import geodata

    std_names = None
    p.open("coverage")
    p.map()
    circles = ["十分钟生活圈居住区（500米）", "十五分钟生活圈居住区（1000米）"]
    for i in range(start, start + runs):
        cats = multiselect(p, "设施类别")
        if std_names is None:  # the categories the page offers (the plan's facilities), in its order
            from renewal.analysis.facilities import plan_facilities
            from renewal.standards import load_standards

            std = load_standards()
            present = set(plan_facilities(std)["category"])
            std_names = [c.name_zh for k, c in std.categories.items() if k in present]
        last = std_names[-1]

        def drop(cats=cats):
            cats.click()
            cats.press("Backspace")
            p.page.keyboard.press("Escape")

        out.setdefault("生活圈覆盖 类别切换", []).append(timed(p, drop, STATS_SIGN))
        out["生活圈覆盖 类别切换"].append(
            timed(p, lambda n=last: (pick(p, "设施类别", n), p.page.keyboard.press("Escape")), STATS_SIGN)
        )
        circle = circles[i % 2]
        out.setdefault("生活圈覆盖 生活圈切换", []).append(
            timed(p, lambda c=circle: pick(p, "生活圈", c), STATS_SIGN)
        )
        site = geodata.load("renewal_sites")["name"].iloc[3 + i]
        p.tab("假设分析")  # the what-if's tab under the map (only the open tab is drawn)
        pick(p, "或选择城市更新项目", site)
        p.idle()
        add = p.page.get_by_role("button", name="在所选更新项目新增").first
        add.scroll_into_view_if_needed()
        metric = """() => !!document.querySelector('[data-testid="stMetric"]')"""
        out.setdefault("生活圈覆盖 假设新增", []).append(timed(p, add.click, metric))
        reset = p.page.get_by_role("button", name="清除全部假设").first
        reset.scroll_into_view_if_needed()
        reset.click()
        p.page.locator('[data-testid="stMetric"]').first.wait_for(state="detached", timeout=LIMIT_MS)
        p.tab("覆盖统计")  # the switches are timed with the statistics shown, as a planner reads them


def floor_actions(p: harness.Planner, runs: int, out: dict, start: int = 0) -> None:
    p.open("")
    p.map()
    colours = ["#1f77b4", "#2ca02c"]  # never the page's first colour: each pick changes the map
    for i in range(2 * start, 2 * (start + runs)):
        c = colours[i % 2]
        sign = f"() => document.body.innerText.includes('已选：{c}')"
        out.setdefault(FLOOR, []).append(
            timed(
                p,
                lambda c=c: (
                    p.page.get_by_role("combobox", name="颜色").click(),
                    p.page.get_by_role("option", name=c, exact=True).click(),
                ),
                sign,
            )
        )
    p.open("?table=1")  # the same page with its table (the floor above is measured without it)
    p.map()
    grid = p.page.get_by_test_id("stDataFrame").first
    for i in range(2 * start, 2 * (start + runs)):
        row = 1 + i % 5
        grid.scroll_into_view_if_needed()
        b = grid.bounding_box()
        sign = f"() => document.body.innerText.includes('行：{row - 1}')"
        out.setdefault(TABLE_FLOOR, []).append(
            timed(p, lambda b=b, row=row: p.page.mouse.click(b["x"] + 12, b["y"] + 35 * row + 17), sign)
        )


def page_ready(chromium, app, path: str, n: int, shared=None) -> list[float | None]:
    """Seconds to ready for ``n`` pages opened at once, each in a new session (None: not ready in time or
    an exception shown). Each page in its own new browser context (a first visit: nothing cached), or all
    in the context ``shared`` (a browser that has the app's scripts cached)."""
    pages, ctxs = [], []
    try:
        for _ in range(n):
            ctx = shared
            if ctx is None:
                ctx = chromium.new_context(viewport=harness.WIDE, service_workers="block", locale="zh-CN")
                ctx.add_init_script(READY_PROBE)
                ctxs.append(ctx)
            pages.append(ctx.new_page())
        for page in pages:
            page.goto(app.url + path, wait_until="commit", timeout=LIMIT_MS)
        out = []
        deadline = time.monotonic() + LIMIT_MS / 1000 * 2
        for page in pages:
            try:
                page.wait_for_function(
                    "() => window.__readyAt !== undefined",
                    timeout=max(1000, (deadline - time.monotonic()) * 1000),
                )
                ready = page.evaluate("() => window.__readyAt") / 1000
                exc = page.locator('[data-testid="stException"]').count()
                out.append(None if exc else ready)
            except Exception:  # noqa: BLE001 - a page not ready in time is a failure, counted
                out.append(None)
        return out
    finally:
        for page in pages:
            page.close()
        for ctx in ctxs:
            ctx.close()


def loads(chromium, app, n_at_once: int, rounds: int, shared=None) -> tuple[list[float | None], float]:
    """Page-ready times and server CPU seconds per load for ``rounds`` rounds of ``n_at_once`` planners."""
    times: list[float | None] = []
    cpu0 = proc_cpu_s(app.pid)
    for _ in range(rounds):
        times += page_ready(chromium, app, "", n_at_once, shared)
        time.sleep(1.0)  # the server's work after the page (session clean-up) is counted too
    return times, (proc_cpu_s(app.pid) - cpu0 - rounds * idle_cpu_s(app.pid)) / (n_at_once * rounds)


def idle_cpu_s(pid: int, seconds: float = 1.0) -> float:
    """The server's CPU in ``seconds`` with nothing to do (subtracted from each round's pause)."""
    c = proc_cpu_s(pid)
    time.sleep(seconds)
    return proc_cpu_s(pid) - c


def line(name: str, vals: list[float], floor: float | None) -> str:
    p50, p90 = statistics.median(vals), pct(vals, 0.9)
    ratio = f"{p50 / floor:.2f}x" if floor else ""
    return f"| {name} | {p50:.2f} | {p90:.2f} | {len(vals)} | {ratio} |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs of each action (filter and search: twice each)")
    ap.add_argument("--crowd", type=int, default=10, help="planners opening 总体布局 at once")
    ap.add_argument(
        "--loads", type=int, default=5, help="first visits of each page (ready time, CPU per load)"
    )
    ap.add_argument("--only", nargs="*", default=["home", "sites", "coverage", "crowd"])
    args = ap.parse_args()
    load_before = os.getloadavg()
    print(
        f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load_before[0]:.1f} "
        f"{load_before[1]:.1f} {load_before[2]:.1f}"
    )
    out: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.browser(CHROMIUM) as chromium,
        harness.serve_app(Path(tmp) / "floor", script="benchmarks/floor_app.py") as floor_app,
        harness.serve_app(Path(tmp) / "app") as app,
    ):
        page_ready(chromium, floor_app, "", 1)
        page_ready(chromium, app, "", 1)  # warm: the server's first run (imports, caches)
        # First visits to the floor page and to 总体布局 in turns, as the actions below (a drifting machine moves
        # both alike); the server CPU of each is its own process's.
        cpu_floor = cpu_home = 0.0
        for _ in range(args.loads):
            times, cpu = loads(chromium, floor_app, 1, 1)
            out.setdefault(FLOOR_PAGE, []).extend(t for t in times if t is not None)
            cpu_floor += cpu / args.loads
            if "home" in args.only:
                times, cpu = loads(chromium, app, 1, 1)
                out.setdefault(HOME_PAGE, []).extend(t for t in times if t is not None)
                cpu_home += cpu / args.loads
        print(
            f"server CPU per floor page load (a first visit, nothing cached): {cpu_floor:.3f} s ({args.loads} loads)"
        )
        if "home" in args.only:
            print(
                f"server CPU per 总体布局 load, a first visit (nothing cached): {cpu_home:.3f} s ({args.loads} loads)"
            )
            warm = chromium.new_context(viewport=harness.WIDE, service_workers="block", locale="zh-CN")
            warm.add_init_script(READY_PROBE)
            page_ready(chromium, app, "", 1, warm)  # the browser caches the app's scripts
            times, cpu = loads(chromium, app, 1, args.loads, warm)
            warm.close()
            out["总体布局 页面就绪（新会话，浏览器已缓存）"] = [t for t in times if t is not None]
            print(f"server CPU per 总体布局 load, the browser's cache warm: {cpu:.3f} s ({args.loads} loads)")
        # The floor and the pages in rounds, one run of each per round: a machine that slows down or speeds up
        # during the run (it may be shared) moves the floor and the actions alike, and the ratios hold.
        with contextlib.ExitStack() as stack:
            rounds = [
                ("floor", stack.enter_context(harness.planner(chromium, floor_app, "floor")), floor_actions)
            ]
            for page, actions in (("sites", sites_actions), ("coverage", coverage_actions)):
                if page in args.only:
                    rounds.append((page, stack.enter_context(harness.planner(chromium, app, page)), actions))
            stopped: set[str] = set()
            for r in range(args.runs):
                for page, p, actions in rounds:
                    if page in stopped:
                        continue
                    try:  # a failed page still leaves what was measured before it in the table
                        actions(p, 1, out, start=r)
                    except Exception as exc:  # noqa: BLE001 - reported, the other figures still printed
                        print(f"{page}: stopped in round {r + 1}: {str(exc).splitlines()[0]}")
                        stopped.add(page)
            if "crowd" in args.only and args.crowd > 0:
                times, cpu = loads(chromium, app, args.crowd, 2)
                ok = [t for t in times if t is not None]
                print(
                    f"{args.crowd} planners open 总体布局 at once (2 rounds): server CPU per load {cpu:.3f} s; "
                    f"failures {len(times) - len(ok)}/{len(times)}; wait p50 "
                    f"{statistics.median(ok) if ok else float('nan'):.2f} s, p90 {pct(ok, 0.9) if ok else float('nan'):.2f} s"
                )
    floor = statistics.median(out[FLOOR])
    floor_page = statistics.median(out[FLOOR_PAGE]) if out.get(FLOOR_PAGE) else None
    print(
        "\n| What the planner waits for | p50 s | p90 s | n | p50 / floor |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for (
        name,
        vals,
    ) in out.items():  # a page's time to ready against the floor page's, an action against the rerun
        print(
            line(name, vals, None if name.startswith("地板") else floor_page if "页面就绪" in name else floor)
        )
    if out.get(ROW_CLICK) and out.get(TABLE_FLOOR):
        print(line(f"{ROW_CLICK}（对表格行地板）", out[ROW_CLICK], statistics.median(out[TABLE_FLOOR])))
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
