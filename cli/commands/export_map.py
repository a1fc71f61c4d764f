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
    if args.map == "jinmao":
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


def register(sub) -> None:
    p = sub.add_parser("export-map", help="write the layout map as a standalone HTML file (works offline)")
    p.add_argument("--out", required=True, help="output .html file")
    p.add_argument(
        "--map", choices=("layout", "jinmao"), default="layout", help="which map (default: layout)"
    )
    p.add_argument(
        "--basemap",
        default=DEFAULT_BASEMAP,
        help=f"basemap key: {', '.join(BASEMAPS)} (default: {DEFAULT_BASEMAP}, no tiles)",
    )
    p.add_argument("--no-labels", action="store_true", help="do not draw name labels")
    p.add_argument("--no-sites", action="store_true", help="leave out the workspace's renewal sites")
    p.set_defaults(func=export_map)
