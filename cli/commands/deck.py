"""``python -m renewal deck --out FILE``: the layout story for a meeting, in the format the suffix names:
``.html`` the offline presentation (layers/presentation.py: one file, no network needed), ``.pptx`` the deck
and ``.pdf`` its views one per page (layers/deck.py). The three hold the same views in the same order: the
built-in ones and the planner's views saved in the workspace (renewal/storage/presentation_views.py); with a
team database (--database or RENEWAL_DATABASE_URL) the workspace's copy is first brought up to the database's."""

from __future__ import annotations

import logging
from pathlib import Path

from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.deck import deck_bytes, deck_pdf_bytes
from layers.fonts import FontError
from layers.presentation import ordered_slides, planner_slides, presentation_html, presentation_slides
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.storage import current_sites, resolve_database
from renewal.storage.presentation_views import load_deck

log = logging.getLogger("renewal")

SUFFIXES = (".html", ".pptx", ".pdf")


def deck(args) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"--out must end with {', '.join(SUFFIXES)}: {out}",
            f"输出文件须以 {'、'.join(SUFFIXES)} 结尾：{out}",
        )
    if not out.parent.exists():
        raise InputError(f"Output folder does not exist: {out.parent}", f"输出文件夹不存在：{out.parent}")
    sites = None if args.no_sites else current_sites(args.workspace, database=args.database)
    if resolve_database(args.database):
        from renewal.storage.layer_stores import sync_shared_files

        sync_shared_files(args.workspace, database=args.database)  # the team's presentation, fetched
    saved = load_deck(args.workspace)  # the planner's own views (汇报模式), in the saved order
    added, problems = planner_slides(saved, workspace=args.workspace)
    if problems:
        log.warning("left out %d saved view(s) that cannot be drawn any more", len(problems))
    slides = ordered_slides(presentation_slides(sites), added, saved)
    try:
        if suffix == ".html":
            data = presentation_html(slides, basemap=args.basemap).encode("utf-8")
        elif suffix == ".pdf":
            data = deck_pdf_bytes(slides)
        else:
            data = deck_bytes(sites=sites, slides=slides)
    except FontError as err:
        raise InputError(
            str(err), "找不到可显示中文的字体，请安装依赖（pip install -r requirements.txt）"
        ) from err
    write_bytes_atomic(out, data)
    log.info("wrote %s (%d views, %.0f KB)", out, len(slides), len(data) / 1024)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "deck",
        help="write the meeting presentation: .html (offline, slides switch in the browser), "
        ".pptx (maps, 金贸产业园, sites, coverage, indicators) or .pdf (one view per page)",
    )
    p.add_argument("--out", required=True, help="output file: .html, .pptx or .pdf")
    p.add_argument("--no-sites", action="store_true", help="leave out the renewal-sites view and tables")
    p.add_argument(
        "--basemap",
        default=DEFAULT_BASEMAP,
        choices=list(BASEMAPS),
        help="basemap of the HTML presentation (tiles need the internet; default: none)",
    )
    p.set_defaults(func=deck)
