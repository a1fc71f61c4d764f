"""Map building for many sites (not a test: it prints figures).

    python benchmarks/bench_map.py [--sites 2000 10000] [--repeat 3] [--labels]

Synthetic sites: the bundled catalogue repeated with jittered copies (ids
``SYN-00001``...; names keep the bundled ones with a number) until there are
``--sites`` of them. Timed the way the 更新项目 page builds its map: the scene
(``sites_scene``) drawn with folium (``draw_scene``) and rendered to the HTML
that is sent to the browser; reported with the HTML size. "new data" draws
with the layer payload cache emptied, "same data" is a rerun that reuses it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def synthetic_sites(n: int, seed: int = 0):
    import geopandas as gpd
    import pandas as pd
    import shapely

    from renewal.sites import query as catalogue

    base = catalogue.bundled_sites()
    rng = np.random.default_rng(seed)
    reps = int(np.ceil(n / len(base)))
    out = pd.concat([base] * reps, ignore_index=True).iloc[:n].copy()
    dx, dy = rng.normal(0, 0.01, n), rng.normal(0, 0.01, n)
    geoms = out.geometry.values
    out["geometry"] = [shapely.affinity.translate(g, x, y) for g, x, y in zip(geoms, dx, dy, strict=True)]
    out["site_id"] = [f"SYN-{i + 1:05d}" for i in range(n)]
    out["name"] = [f"{nm}{i + 1}" for i, nm in enumerate(out["name"])]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=base.crs)


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return (float(np.median(times)), min(times), max(times)), out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--labels", action="store_true", help="with name labels (the pages' default is on)")
    ap.add_argument("--save", help="write the HTML of the largest run to this file")
    ap.add_argument(
        "--page",
        action="store_true",
        help="also time the whole 更新项目 page (Streamlit AppTest, server side) with the sites in a workspace: "
        "first run and reruns",
    )
    ap.add_argument(
        "--browser",
        action="store_true",
        help="also open each map (and the home map) in headless Chromium at 1920x1080: time until drawn, "
        "labels shown, overlapping label pairs, a popup opened by a click",
    )
    args = ap.parse_args(argv)

    from layers import payload
    from layers.assets import standalone_html
    from layers.maps import sites_scene
    from layers.registry import SITES_BASE_KEYS
    from layers.render import draw_scene
    from layers.scene import load_layers
    from renewal.sites import query as catalogue

    base = load_layers(SITES_BASE_KEYS)
    print(f"# map benchmark {time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  labels {args.labels}")
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeat} runs each, median (min-max)")
    for n in args.sites:
        sites = catalogue.with_measures(synthetic_sites(n))
        fit = catalogue.focus_extent(sites)
        t_scene, scene = timed(
            lambda s=sites, f=fit: sites_scene(s, s.iloc[0:0], data=base, extent=f), args.repeat
        )

        def cold(sc=scene):
            payload._PAYLOADS.clear()  # new data: nothing to reuse
            return draw_scene(sc, basemap="none", labels=args.labels)

        t_draw, m = timed(cold, args.repeat)
        t_warm, m = timed(lambda sc=scene: draw_scene(sc, basemap="none", labels=args.labels), args.repeat)
        t_html, html = timed(lambda mm=m: mm.get_root().render(), args.repeat)
        size = len(html.encode("utf-8"))
        print(
            f"{n:6d} sites  scene {t_scene[0]:.2f} s ({t_scene[1]:.2f}-{t_scene[2]:.2f})  "
            f"draw, new data {t_draw[0]:.2f} s ({t_draw[1]:.2f}-{t_draw[2]:.2f})  "
            f"draw, same data (rerun) {t_warm[0]:.2f} s ({t_warm[1]:.2f}-{t_warm[2]:.2f})  "
            f"render {t_html[0]:.2f} s ({t_html[1]:.2f}-{t_html[2]:.2f})  "
            f"total new {t_scene[0] + t_draw[0] + t_html[0]:.2f} s, rerun {t_scene[0] + t_warm[0] + t_html[0]:.2f} s  "
            f"HTML {size / 1e6:.2f} MB"
        )
        if args.save:
            Path(args.save).write_text(html, encoding="utf-8")
        if args.page:
            page_check(n, args.repeat)
        if args.browser:
            browser_check(f"{n} sites, exported map", standalone_html(m), args.repeat)  # scripts inline
    if args.browser:
        from layers.maps import layout_map

        browser_check(
            "home map (layout_map, bundled data)", standalone_html(layout_map(labels=True)), args.repeat
        )


def page_check(n: int, repeat: int) -> None:
    """The sites page run by Streamlit's AppTest with ``n`` sites in a fresh workspace."""
    import tempfile

    from streamlit.testing.v1 import AppTest

    from renewal.storage import store_path
    from renewal.storage.gpkg import GpkgStore

    page = str(Path(__file__).resolve().parent.parent / "pages" / "sites.py")
    with tempfile.TemporaryDirectory() as td:
        old = os.environ.get("RENEWAL_WORKSPACE")
        os.environ["RENEWAL_WORKSPACE"] = td
        try:
            GpkgStore.open(store_path(Path(td)), lambda: synthetic_sites(n))
            at = AppTest.from_file(page, default_timeout=600)
            t = time.perf_counter()
            at.run()
            first = time.perf_counter() - t
            assert not at.exception, at.exception
            reruns, _ = timed(at.run, repeat)
        finally:
            if old is None:
                os.environ.pop("RENEWAL_WORKSPACE", None)
            else:
                os.environ["RENEWAL_WORKSPACE"] = old
    print(
        f"  sites page (AppTest, server side) with {n} sites: first run {first:.2f} s, "
        f"rerun {reruns[0]:.2f} s ({reruns[1]:.2f}-{reruns[2]:.2f})"
    )


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

_OVERLAPS_JS = """() => {
  const r = [...document.querySelectorAll('.rp-label')].map(e => e.getBoundingClientRect());
  let n = 0;
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
    const a = r[i], b = r[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
  }
  return [r.length, n];
}"""


def browser_check(what: str, html: str, repeat: int) -> None:
    """Open the map file in headless Chromium (the Debian build, never a downloaded one)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / "map.html"
        path.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            times = []
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                errors = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                t = time.perf_counter()
                page.goto(path.as_uri(), wait_until="load", timeout=60000)
                page.wait_for_function(
                    "() => document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')",
                    timeout=60000,
                )
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                times.append(time.perf_counter() - t)
                page.wait_for_timeout(300)  # labels are placed 30 ms after the view settles
                n_labels, overlaps = page.evaluate(_OVERLAPS_JS)
                popup = page.evaluate(
                    "() => { let txt = null; const m = Object.values(window).find(v => v instanceof L.Map);"
                    " m.eachLayer(l => { if (!txt && l.feature && l.getPopup && l.getPopup()) {"
                    " l.openPopup(); const el = document.querySelector('.leaflet-popup-content');"
                    " txt = el ? el.innerHTML : ''; } }); return txt; }"
                )
                page.close()
            browser.close()
    print(
        f"  chromium {what}: drawn in {np.median(times):.2f} s ({min(times):.2f}-{max(times):.2f}); "
        f"{n_labels} labels shown, {overlaps} overlapping pairs; popup on click: "
        f"{'yes' if popup and 'rp-title' in popup else 'NO'}; page errors: {len(errors)} {errors[:1]}"
    )


if __name__ == "__main__":
    main()
