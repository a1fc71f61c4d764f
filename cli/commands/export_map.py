"""``python -m renewal export-map``: the layout or 金贸产业园 map as a standalone HTML file.

``export-map`` writes the layout map, with every layer and the renewal sites of
the workspace, as one standalone HTML file: scripts and styles inline, so it
opens with no app and no internet (tiles excepted, and the default basemap has
none).
"""

from __future__ import annotations

import logging
from pathlib import Path

from layers import assets
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.maps import jinmao_map, layout_map
from renewal.errors import InputError
from renewal.io.atomic import write_text_atomic
from renewal.storage import current_sites

log = logging.getLogger("renewal")


def export_map(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--out must end with .html: {out}", f"输出文件须以 .html 结尾：{out}")
    if args.basemap not in BASEMAPS:
        raise InputError(
            f"Unknown basemap {args.basemap!r}; choose from {', '.join(BASEMAPS)}",
            f"未知底图：{args.basemap}",
        )
    if args.map == "coverage":
        m = _coverage_map(args)
    elif args.map == "jinmao":
        m = jinmao_map(basemap=args.basemap, labels=not args.no_labels)
    else:
        sites = None if args.no_sites else current_sites(args.workspace, database=args.database)
        m = layout_map(basemap=args.basemap, labels=not args.no_labels, sites=sites)
    text = assets.standalone_html(m)
    if not out.parent.exists():
        raise InputError(f"Output folder does not exist: {out.parent}", f"输出文件夹不存在：{out.parent}")
    write_text_atomic(out, text)
    log.info("wrote %s (%.0f KB)", out, len(text.encode("utf-8")) / 1024)
    return 0


def _coverage_map(args):
    """The 生活圈覆盖 map: plan facilities plus the workspace's imported ones, all categories."""
    import warnings

    from layers.maps import coverage_layers, coverage_map
    from renewal.analysis.coverage import network_coverage, radius_coverage
    from renewal.analysis.facilities import combine_facilities, load_workspace_facilities, plan_facilities
    from renewal.analysis.network_files import load_workspace_network
    from renewal.standards import load_standards

    std = load_standards()
    fac = combine_facilities({"plan": plan_facilities(std), "ws": load_workspace_facilities(args.workspace)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if args.mode == "network":
            net = load_workspace_network(args.workspace)
            if net is None:
                raise InputError(
                    "No walking network in the workspace: run import-osm first, or use --mode radius.",
                    "工作区中没有步行路网：请先运行 import-osm，或使用服务半径模式。",
                )
            res = network_coverage(net, fac, std)
        else:
            res = radius_coverage(fac, std)
    sites = None if args.no_sites else current_sites(args.workspace)
    layers = coverage_layers(res, fac, list(res.stats["category"]))
    return coverage_map(layers, basemap=args.basemap, labels=not args.no_labels, sites=sites)


def register(sub) -> None:
    p = sub.add_parser("export-map", help="write the layout map as a standalone HTML file (works offline)")
    p.add_argument("--out", required=True, help="output .html file")
    p.add_argument(
        "--map",
        choices=("layout", "jinmao", "coverage"),
        default="layout",
        help="which map (default: layout); coverage = 生活圈覆盖 of the plan and workspace facilities",
    )
    p.add_argument(
        "--basemap",
        default=DEFAULT_BASEMAP,
        help=f"basemap key: {', '.join(BASEMAPS)} (default: {DEFAULT_BASEMAP}, no tiles)",
    )
    p.add_argument(
        "--mode",
        choices=("radius", "network"),
        default="radius",
        help="coverage map only: service radius or the workspace walking network (default radius)",
    )
    p.add_argument("--no-labels", action="store_true", help="do not draw name labels")
    p.add_argument("--no-sites", action="store_true", help="leave out the workspace's renewal sites")
    p.set_defaults(func=export_map)
