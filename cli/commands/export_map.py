"""``python -m renewal export-map``: a map as a standalone HTML file or a print map sheet.

``--out FILE.html`` writes an interactive map with every script and style
inline (opens with no app and no internet; tiles excepted, and the default
basemap has none). ``--out FILE.png|.pdf|.svg`` writes a map sheet (title,
legend, scale bar, north arrow, notes) drawn offline by the print back-end
(:mod:`layers.render_print`): PNG at 300 dpi, PDF with the CJK font embedded.

``--view`` picks one view of the layout story (:data:`layers.views.VIEWS`:
layout, station, belt, park, sites, coverage); ``--map jinmao`` is the
金贸产业园 page's map (HTML only, kept for existing scripts). ``--extent W,S,E,N`` frames a WGS84
extent instead of the view's; sheets have the overview inset and (when they show approximate
features) the 示意图 stamp unless ``--no-inset`` / ``--no-stamp``.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.fonts import FontError
from layers.maps import jinmao_map
from layers.render import draw_scene, standalone_map_html
from layers.render_print import (
    FORMATS,
    ORIENTATIONS,
    PAPERS,
    check_layout,
    draw_sheet,
    parse_extent,
    parse_scale,
    save_sheet,
)
from layers.views import VIEWS, view_scene
from renewal.errors import InputError
from renewal.io.atomic import atomic_output, write_text_atomic
from renewal.storage import current_sites

log = logging.getLogger("renewal")

HTML_SUFFIXES = (".html", ".htm")
SHEET_SUFFIXES = tuple(f".{f}" for f in FORMATS)


def _check(args, out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in HTML_SUFFIXES + SHEET_SUFFIXES:
        raise InputError(
            f"--out must end with .html, .png, .pdf or .svg: {out}",
            f"输出文件须以 .html、.png、.pdf 或 .svg 结尾：{out}",
        )
    if args.basemap not in BASEMAPS:
        raise InputError(
            f"Unknown basemap {args.basemap!r}; choose from {', '.join(BASEMAPS)}",
            f"未知底图：{args.basemap}",
        )
    if args.map in ("jinmao", "coverage") and suffix not in HTML_SUFFIXES:
        raise InputError(
            f"--map {args.map} writes HTML only; use --view for a sheet",
            "金贸产业园地图和生活圈覆盖地图仅支持HTML",
        )
    if not out.parent.exists():
        raise InputError(f"Output folder does not exist: {out.parent}", f"输出文件夹不存在：{out.parent}")
    check_layout(args.paper, args.orientation, parse_scale(args.scale), args.org, args.review_no)
    if args.extent is not None:
        if args.map in ("jinmao", "coverage"):
            raise InputError("--extent applies to --view maps only", "图幅范围仅适用于视图地图")
        parse_extent(args.extent)
    if args.title is not None and (not args.title.strip() or "\n" in args.title or len(args.title) > 100):
        raise InputError(
            "--title must be one non-empty line of at most 100 characters", "标题须为一行，1到100个字"
        )
    return suffix


def export_map(args) -> int:
    out = Path(args.out)
    suffix = _check(args, out)
    if args.map in ("jinmao", "coverage"):
        if args.map == "coverage":
            m = _coverage_map(args)
        else:
            m = jinmao_map(basemap=args.basemap, labels=not args.no_labels)
        text = standalone_map_html(m)
        write_text_atomic(out, text)
        log.info("wrote %s (%.0f KB)", out, len(text.encode("utf-8")) / 1024)
        return 0
    sites = None if args.no_sites else current_sites(args.workspace, database=args.database)
    scene = view_scene(args.view, sites)
    if args.title is not None:
        scene = dataclasses.replace(scene, title=args.title.strip())
    if args.extent is not None:
        scene = dataclasses.replace(scene, extent=parse_extent(args.extent))
    if suffix in HTML_SUFFIXES:
        text = standalone_map_html(draw_scene(scene, basemap=args.basemap, labels=not args.no_labels))
        write_text_atomic(out, text)
    else:
        try:
            fig = draw_sheet(
                scene,
                paper=args.paper,
                subtitle=VIEWS[args.view].caption if args.subtitle is None else args.subtitle,
                labels=not args.no_labels,
                orientation=args.orientation,
                scale=parse_scale(args.scale),
                org=args.org,
                review_no=args.review_no,
                inset=not args.no_inset,
                stamp=not args.no_stamp,
            )
        except FontError as err:
            raise InputError(
                str(err), "找不到可显示中文的字体，请安装依赖（pip install -r requirements.txt）"
            ) from err
        with atomic_output(out) as tmp:
            save_sheet(fig, tmp)
    log.info("wrote %s (%.0f KB)", out, out.stat().st_size / 1024)
    return 0


def _coverage_map(args):
    """The 生活圈覆盖 map: plan facilities plus the workspace's imported ones, all categories."""
    from layers.maps import coverage_layers, coverage_map
    from renewal.analysis.facilities import known_coverage

    res, fac = known_coverage(args.workspace, mode=args.mode)
    sites = None if args.no_sites else current_sites(args.workspace, database=args.database)
    layers = coverage_layers(res, fac, list(res.stats["category"]))
    return coverage_map(layers, basemap=args.basemap, labels=not args.no_labels, sites=sites)


def register(sub) -> None:
    p = sub.add_parser(
        "export-map",
        help="write a map as a standalone HTML file (works offline) or a PNG/PDF/SVG map sheet",
    )
    p.add_argument("--out", required=True, help="output file: .html, .png (300 dpi), .pdf or .svg")
    p.add_argument(
        "--view",
        choices=tuple(VIEWS),
        default="layout",
        help="which view of the layout story (default: layout, the whole district)",
    )
    p.add_argument(
        "--map",
        choices=("layout", "jinmao", "coverage"),
        default="layout",
        help="jinmao: the 金贸产业园 page's map; coverage: 生活圈覆盖 of the plan and workspace facilities "
        "(both HTML only); default: the --view",
    )
    p.add_argument("--paper", default="A4", help=f"sheet size: {', '.join(PAPERS)} (default: A4)")
    p.add_argument(
        "--orientation",
        default="landscape",
        help=f"sheet orientation: {', '.join(ORIENTATIONS)} (default landscape)",
    )
    p.add_argument("--scale", default="", help="map scale as 1:N or N (e.g. 1:10000); default: fit the view")
    p.add_argument("--title", default=None, help="sheet title (default: the view's title)")
    p.add_argument("--org", default="", help="编制单位: the organisation printed in the sheet's notes")
    p.add_argument("--subtitle", default=None, help="sheet subtitle (default: the view's plan caption)")
    p.add_argument("--review-no", default="", help="审图号: the map review number printed in the notes")
    p.add_argument(
        "--basemap",
        default=DEFAULT_BASEMAP,
        help=f"HTML basemap key: {', '.join(BASEMAPS)} (default: {DEFAULT_BASEMAP}, no tiles)",
    )
    p.add_argument(
        "--mode",
        choices=("radius", "network"),
        default="radius",
        help="coverage map only: service radius or the workspace walking network (default radius)",
    )
    p.add_argument(
        "--extent",
        default=None,
        metavar="W,S,E,N",
        help="frame this WGS84 extent (degrees) instead of the view's (a sheet states its extent in the notes)",
    )
    p.add_argument("--no-inset", action="store_true", help="sheet without the overview inset (鹰眼图)")
    p.add_argument(
        "--no-stamp",
        action="store_true",
        help="sheet without the 示意图 stamp (drawn only when the sheet shows approximate features)",
    )
    p.add_argument("--no-labels", action="store_true", help="do not draw name labels")
    p.add_argument("--no-sites", action="store_true", help="leave out the workspace's renewal sites")
    p.set_defaults(func=export_map)
