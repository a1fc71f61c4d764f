"""``python -m renewal deck --out FILE.pptx``: the meeting deck (layers/deck.py) as a PPTX file."""

from __future__ import annotations

import logging
from pathlib import Path

from layers.deck import deck_bytes
from layers.fonts import FontError
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.storage import current_sites

log = logging.getLogger("renewal")


def deck(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".pptx":
        raise InputError(f"--out must end with .pptx: {out}", f"输出文件须以 .pptx 结尾：{out}")
    if not out.parent.exists():
        raise InputError(f"Output folder does not exist: {out.parent}", f"输出文件夹不存在：{out.parent}")
    sites = None if args.no_sites else current_sites(args.workspace, database=args.database)
    try:
        data = deck_bytes(sites=sites)
    except FontError as err:
        raise InputError(
            str(err), "找不到可显示中文的字体，请安装依赖（pip install -r requirements.txt）"
        ) from err
    write_bytes_atomic(out, data)
    log.info("wrote %s (%.0f KB)", out, len(data) / 1024)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "deck", help="write the meeting deck (maps, 金贸产业园, sites, indicators) as a PPTX file"
    )
    p.add_argument("--out", required=True, help="output .pptx file")
    p.add_argument("--no-sites", action="store_true", help="leave out the renewal-sites slides")
    p.set_defaults(func=deck)
