"""What ordinary elements cost a fragment's rerun in the browser, inside the fragment and outside it (not a
test: it prints figures).

    python benchmarks/bench_fragment_elements.py [--runs 4] [--rounds 3] [--n 6]

Serves ``benchmarks/fragment_app.py`` (the floor's select box and district map in a fragment) with the journey
harness and Debian's Chromium, and times the select box's fragment rerun, as ``bench_planner_actions.py`` times
the floor (from the first click to the script finished, the caption naming the choice and a new map drawn), on
four pages: no extra elements; ``n`` groups (9 elements and blocks each) outside the fragment; the same inside
it; three times as many outside. The pages take turns, ``--rounds`` rounds of ``--runs`` reruns each, so a
machine whose speed drifts moves them alike. Prints p50 with min-max per page and the difference to the page
without extra elements.

What it showed (BENCHMARKS.md, session 11): elements only on the page, outside the fragment, cost each of its
reruns too, less than when redrawn; so 生活圈覆盖's input panels became lazy expanders and its results' four
parts tabs of which only the open one is drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_planner_actions import CHROMIUM, timed  # noqa: E402
from tests.e2e import harness  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=4, help="reruns per page and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=6, help="groups of elements (9 elements and blocks each)")
    args = ap.parse_args()
    pages = {
        "none": "",
        f"outside ({args.n * 9})": f"?extra=outside&n={args.n}",
        f"inside ({args.n * 9})": f"?extra=inside&n={args.n}",
        f"outside ({args.n * 27})": f"?extra=outside&n={args.n * 3}",
    }
    out: dict[str, list[float]] = {}
    colours = ["#1f77b4", "#2ca02c"]  # never the page's first colour: each pick changes the map
    with tempfile.TemporaryDirectory() as tmp, harness.browser(CHROMIUM) as chromium:
        with (
            harness.serve_app(Path(tmp) / "app", script="benchmarks/fragment_app.py") as app,
            harness.planner(chromium, app, "fragment-elements") as p,
        ):
            for _ in range(args.rounds):
                for name, query in pages.items():
                    p.open(query)
                    p.map()
                    for i in range(args.runs):
                        c = colours[i % 2]
                        sign = f"""() => Array.from(document.querySelectorAll('[data-testid="stCaptionContainer"]'))
                            .some(e => e.innerText === '已选：{c}')"""

                        def pick(c=c) -> None:
                            p.page.get_by_role("combobox", name="颜色").click()
                            p.page.get_by_role("option", name=c, exact=True).click()

                        out.setdefault(name, []).append(timed(p, pick, sign))
    base = statistics.median(out["none"])
    print("\n| Page | p50 s | min-max s | n | p50 minus none |\n| --- | ---: | ---: | ---: | ---: |")
    for name, vals in out.items():
        p50 = statistics.median(vals)
        print(
            f"| {name} | {p50:.3f} | {min(vals):.3f}-{max(vals):.3f} | {len(vals)} | {(p50 - base) * 1000:+.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
