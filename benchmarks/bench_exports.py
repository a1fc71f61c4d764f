"""How long the meeting exports take (not a test: it prints figures).

    python benchmarks/bench_exports.py [--runs 3]

For each view of the layout story (layers/views.py): building the print sheet
(layers/render_print.draw_sheet, A4) and writing it as PNG (300 dpi), PDF and
SVG; the standalone HTML of the view (layers/render.draw_scene +
layers/assets.standalone_html); and the whole PPTX deck (layers/deck.py).
Bundled data and the bundled renewal-site catalogue; one process, one thread
(matplotlib and python-pptx do not use more). Median and min-max of --runs.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.assets import standalone_html  # noqa: E402
from layers.deck import deck_bytes  # noqa: E402
from layers.render import draw_scene  # noqa: E402
from layers.render_print import draw_sheet, save_sheet  # noqa: E402
from layers.views import VIEWS, ViewUnavailable, view_scene  # noqa: E402
from renewal.storage import bundled_sites  # noqa: E402


def _timed(fn, runs: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def _row(what: str, times: list[float], extra: str = "") -> None:
    med = statistics.median(times)
    print(f"| {what} | {med:.2f} s | {min(times):.2f}-{max(times):.2f} s | {extra} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, 1 thread")
    print(f"# runs per figure: {args.runs}")
    print("| What | Median | Min-max | Output |")
    print("| --- | ---: | ---: | --- |")
    sites = bundled_sites()
    folder = Path(tempfile.mkdtemp())
    for key in VIEWS:
        try:
            scene = view_scene(key, sites)
        except ViewUnavailable:
            continue
        times, fig = _timed(lambda s=scene, k=key: draw_sheet(s, subtitle=VIEWS[k].caption), args.runs)
        _row(f"{key}: sheet drawn (A4)", times)
        for fmt in ("png", "pdf", "svg"):
            path = folder / f"{key}.{fmt}"
            times, _ = _timed(lambda p=path, f=fig: save_sheet(f, p), args.runs)
            _row(f"{key}: {fmt} written", times, f"{path.stat().st_size / 1024:.0f} KB")
        times, text = _timed(lambda s=scene: standalone_html(draw_scene(s, labels=True)), args.runs)
        _row(f"{key}: standalone HTML", times, f"{len(text.encode()) / 1024:.0f} KB")
    times, data = _timed(lambda: deck_bytes(sites=sites), args.runs)
    buf = io.BytesIO(data)
    _row("deck (PPTX, 3 map pictures + tables)", times, f"{len(buf.getvalue()) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
