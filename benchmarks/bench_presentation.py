"""汇报模式: how long a slide change takes, in Chromium against ``streamlit run`` (issue 22; not a test: it
prints figures; the journey tests/e2e/test_journey_present.py proves the keys and the full screen).

    python benchmarks/bench_presentation.py [--changes 30] [--viewport 1366x768]

Starts the app (tests/e2e/harness.serve_app: own workspace, loopback port, always stopped) and Debian's
Chromium with the harness's flags, opens 汇报模式, waits until every slide's map is drawn, clicks on the
map (as a presenter does), then presses PageDown/PageUp ``--changes`` times (forward through the slides and
back). A change is timed in the browser from the key press to the frame after the new slide is shown with
its title and its map laid out (``requestAnimationFrame`` after the title changed and the map's panes
moved), and once more from Python (key press sent → title read back: includes Playwright's round trips).
Also prints the page's time to the first slide and the load average (the machine is shared).
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

FRAME = harness.PRESENTATION_IFRAME

#: Runs inside the presentation's frame: press a key in the slide map's frame (where the focus is after a
#: click on the map) and resolve with the milliseconds until the next painted frame after the title changed.
TIMED_KEY = """([key]) => new Promise(resolve => {
  const title = () => document.querySelector('.rp-slide:not([hidden]) .rp-title').textContent;
  const before = title();
  const target = document.querySelector('.rp-slide:not([hidden]) iframe').contentWindow;
  const t0 = performance.now();
  const ev = new target.KeyboardEvent('keydown', {key: key, bubbles: true, cancelable: true});
  (target.document.activeElement || target.document.body).dispatchEvent(ev);
  const check = () => {
    if (title() !== before) {
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--changes", type=int, default=30)
    ap.add_argument("--viewport", default="1366x768")
    args = ap.parse_args()
    w, h = (int(v) for v in args.viewport.split("x"))
    print(f"load average before: {os.getloadavg()}  cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp, harness.serve_app(Path(tmp)) as app:
        with harness.browser("/usr/bin/chromium") as chromium:
            with harness.planner(chromium, app, "bench-present", {"width": w, "height": h}) as p:
                t = time.perf_counter()
                p.open("present")
                outer = p.page.locator(FRAME).element_handle().content_frame()
                n = outer.locator(".rp-slide").count()
                first = None
                for i in range(n):  # every slide's map drawn
                    inner = (
                        outer.locator(f'.rp-slide[data-index="{i}"] iframe').element_handle().content_frame()
                    )
                    inner.locator(".leaflet-overlay-pane path").first.wait_for(state="attached")
                    first = first or time.perf_counter() - t
                ready = time.perf_counter() - t
                inner = outer.locator('.rp-slide[data-index="0"] iframe').element_handle().content_frame()
                inner.locator(".leaflet-container").click(position={"x": 200, "y": 200})
                browser_ms, python_ms = [], []
                forward = True
                for _ in range(args.changes):
                    current = int(
                        outer.evaluate("document.querySelector('.rp-slide:not([hidden])').dataset.index")
                    )
                    if current == n - 1:
                        forward = False
                    elif current == 0:
                        forward = True
                    key = "PageDown" if forward else "PageUp"
                    browser_ms.append(outer.evaluate(TIMED_KEY, [key]))
                    t0 = time.perf_counter()
                    before = outer.locator(".rp-slide:not([hidden]) .rp-title").inner_text()
                    p.page.keyboard.press(
                        "PageUp" if forward else "PageDown"
                    )  # and back, by a real key press
                    outer.wait_for_function(
                        "(b) => document.querySelector('.rp-slide:not([hidden]) .rp-title').textContent !== b",
                        arg=before,
                    )
                    python_ms.append((time.perf_counter() - t0) * 1000)
                    p.page.keyboard.press(key)  # forward again for the next round
                    outer.wait_for_function(
                        "(b) => document.querySelector('.rp-slide:not([hidden]) .rp-title').textContent === b",
                        arg=before,
                    )
    print(f"slides: {n}; page to the first slide's map drawn: {first:.1f} s, to every slide's: {ready:.1f} s")
    for name, ms in (
        ("in the browser (key → title + map painted)", browser_ms),
        ("from Python (Playwright)", python_ms),
    ):
        print(
            f"slide change {name}: n={len(ms)} p50 {statistics.median(ms):.0f} ms, p90 {pct(ms, 0.9):.0f} ms, "
            f"max {max(ms):.0f} ms"
        )
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
