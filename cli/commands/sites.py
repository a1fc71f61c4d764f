"""``python -m renewal sites list|show ID|export --out FILE|history [ID]|undo``: the renewal-site catalogue.

``list``, ``show`` and ``export`` read the workspace store if there is one
(``--workspace`` or ``$RENEWAL_WORKSPACE``), else the bundled catalogue, and
never write it. ``history`` lists the store's changes; ``undo`` reverts the
newest change not yet undone (optionally of one session).
"""

from __future__ import annotations

import logging

import geodata
from renewal.errors import InputError
from renewal.sites.exchange import FORMATS, export_file
from renewal.sites.query import filter_sites, site_card, with_measures
from renewal.sites.schema import FIELD_LABELS, printable
from renewal.storage import current_sites, open_store, resolve_database, store_exists, store_path

log = logging.getLogger("renewal")


def _filtered(args):
    gdf = current_sites(args.workspace, database=args.database)
    return filter_sites(
        gdf, areas=args.area or (), types=args.type or (), statuses=args.status or (), query=args.query or ""
    )


def cmd_list(args) -> int:
    gdf = with_measures(_filtered(args))
    if gdf.empty:
        print("no sites match")
        return 0
    for _, r in gdf.iterrows():
        measure = (
            f"{r['area_m2']:.0f} m2"
            if r["area_m2"] == r["area_m2"]
            else f"{r['length_m']:.0f} m"
            if r["length_m"] == r["length_m"]
            else "point"
        )
        fields = (
            r["site_id"],
            r["name"],
            r["site_type"],
            r["renewal_area"] or "-",
            r["status"],
            r["precision"],
        )
        print("\t".join(printable(v) for v in fields) + f"\t{measure}")
    print(f"{len(gdf)} site(s)")
    return 0


def cmd_show(args) -> int:
    gdf = current_sites(args.workspace, database=args.database)
    hit = gdf[gdf["site_id"] == args.site_id]
    if hit.empty:
        sid = printable(args.site_id)[:60]
        raise InputError(f"Unknown site: {sid}", f"没有编号为 {sid} 的项目")
    row = hit.iloc[0]
    for label, value in site_card(row).items():
        print(f"{label}: {printable(value)}")
    print(f"geometry: {row.geometry.geom_type} {row.geometry.wkt[:200]}")
    if "version" in row:
        print(f"{FIELD_LABELS['version']}: {int(row['version'])}")
    return 0


def cmd_export(args) -> int:
    gdf = _filtered(args)
    if gdf.empty:
        raise InputError("No sites match the filters; nothing exported.", "没有符合条件的项目，未导出。")
    path = export_file(gdf, args.out, args.format, crs=args.crs)
    log.info("wrote %d site(s) to %s (%s)", len(gdf), path, args.crs)
    return 0


def _existing_store(workspace, database=None):
    if not store_exists(workspace, database=database):
        path = store_path(workspace) if not resolve_database(database) else "team database"
        raise InputError(
            f"No workspace store yet ({path}): nothing has been edited.",
            f"工作区还没有数据文件（{path}）：尚无修改。",
        )
    return open_store(workspace, session="cli", database=database)


def cmd_history(args) -> int:
    changes = _existing_store(args.workspace, args.database).history(args.site_id, limit=args.limit)
    for c in changes:
        name = ((c.after or c.before or {}).get("properties") or {}).get("name", "")
        undone = f" (undone by #{c.undone_by})" if c.undone_by else ""
        print(
            f"#{c.id}\t{c.at}\t{printable(c.session)}\t{c.action}\t{printable(c.site_id)}\t{printable(name)}{undone}"
        )
    print(f"{len(changes)} change(s)")
    return 0


def cmd_undo(args) -> int:
    done = _existing_store(args.workspace, args.database).undo(session=args.session)
    if done is None:
        print("nothing to undo")
        return 0
    print(
        f"undid #{done.id}: {done.action} of {printable(done.site_id)} (by {printable(done.session)} at {done.at})"
    )
    return 0


def register(sub) -> None:
    p = sub.add_parser("sites", help="list, show or export the renewal sites (workspace, else bundled)")
    ss = p.add_subparsers(dest="sites_command", metavar="ACTION")
    ss.required = True

    def filters(q):
        q.add_argument("--area", action="append", help="renewal area (repeatable), e.g. 大直沽片区")
        q.add_argument("--type", action="append", help="site type (repeatable), e.g. 老旧厂房")
        q.add_argument("--status", action="append", choices=sorted(geodata.STATUS_LABELS), help="status")
        q.add_argument("--query", help="search in names and ids")

    q = ss.add_parser("list", help="list the sites")
    filters(q)
    q.set_defaults(func=cmd_list)
    q = ss.add_parser("show", help="show one site")
    q.add_argument("site_id", help="site id, e.g. RS-001")
    q.set_defaults(func=cmd_show)
    q = ss.add_parser("export", help="export the sites to a file (written atomically)")
    q.add_argument(
        "--out", required=True, help="output file: .gpkg .zip (Shapefile) .geojson .kml .csv .xlsx"
    )
    q.add_argument("--format", choices=sorted(FORMATS), help="format (default: from the file suffix)")
    q.add_argument(
        "--crs",
        default="wgs84",
        help="coordinates: wgs84 (default), cgcs2000, EPSG:4548 (CGCS2000 GK), gcj02 ...",
    )
    filters(q)
    q.set_defaults(func=cmd_export)
    q = ss.add_parser("history", help="list the workspace's changes, newest first")
    q.add_argument("site_id", nargs="?", help="only this site")
    q.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    q.set_defaults(func=cmd_history)
    q = ss.add_parser("undo", help="undo the newest change not yet undone")
    q.add_argument("--session", help="only a change of this session (see history)")
    q.set_defaults(func=cmd_undo)
