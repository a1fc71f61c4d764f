"""``python -m renewal import FILE --layer sites [--yes] [--coords wgs84|gcj02|bd09]``.

Prints a summary first (count, bounds, CRS, fields, problems). Writes to the
workspace store only when the file has no problems *and* the user agreed:
``--yes``, or ``y`` at the prompt (asked only when stdin is a terminal).
"""

from __future__ import annotations

import logging
import sys

from renewal.crs import COORDINATE_SYSTEMS
from renewal.sites.importing import check_ids, read_sites_file
from renewal.storage import current_sites, open_store

log = logging.getLogger("renewal")

LAYERS = ("sites",)


def cmd_import(args) -> int:
    result = read_sites_file(args.file, coords=args.coords)
    check_ids(
        result, current_sites(args.workspace, database=args.database)["site_id"]
    )  # the bundled catalogue when there is no store yet
    print(result.summary_en())
    if result.problems or not result.records:
        raise result.error()
    if not args.yes:
        if not sys.stdin.isatty():
            print("Dry run: nothing written. Re-run with --yes to import.")
            return 0
        answer = input(f"Import {len(result.records)} site(s) into the workspace? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing written.")
            return 0
    store = open_store(args.workspace, session="cli-import", database=args.database)
    ids = store.add_sites(result.records, action="import")
    print(f"Imported {len(ids)} site(s) into {store.location}: {', '.join(ids)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("import", help="import features from a file into the workspace (summary first)")
    p.add_argument("file", help="GeoJSON, GeoPackage or Shapefile (.shp or .zip)")
    p.add_argument("--layer", required=True, choices=LAYERS, help="which workspace layer to import into")
    p.add_argument(
        "--yes", action="store_true", help="write without asking (only if the file has no problems)"
    )
    p.add_argument(
        "--coords",
        choices=sorted(COORDINATE_SYSTEMS),
        default="wgs84",
        help="coordinate system of the numbers in the file (default wgs84; gcj02 = Amap/Tencent, bd09 = Baidu)",
    )
    p.set_defaults(func=cmd_import)
