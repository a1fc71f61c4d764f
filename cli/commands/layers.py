"""``python -m renewal layers list|history [NAME]|remove NAME|export NAME --out FILE [--crs CRS]``:
the workspace's imported layers (zones, population, reference layers)."""

from __future__ import annotations

from renewal.sites.schema import printable


def _row(*values) -> str:
    """One tab-separated line; text from the store shown without control characters (no terminal escapes)."""
    return "\t".join(printable(v) for v in values)


def cmd_list(args) -> int:
    from renewal.storage.layers import open_layers

    layers = open_layers(args.workspace).list()
    for lyr in layers:
        print(
            _row(lyr.name, lyr.kind, lyr.title, lyr.count, lyr.crs, lyr.source_file, lyr.imported_at, lyr.who)
        )
    print(f"{len(layers)} layer(s)")
    return 0


def cmd_history(args) -> int:
    from renewal.storage.layers import open_layers

    rows = open_layers(args.workspace).history(args.name)
    for r in rows:
        print("#" + _row(r["id"], r["at"], r["who"], r["action"], r["name"], r["source_file"], r["count"]))
    print(f"{len(rows)} change(s)")
    return 0


def cmd_remove(args) -> int:
    from renewal.storage.access import local_actor
    from renewal.storage.layers import open_layers

    open_layers(args.workspace).remove(args.name, actor=local_actor())
    print(f"Removed layer {args.name!r} (its features stay in the history)")
    return 0


def cmd_export(args) -> int:
    from renewal.io.export import write_layer
    from renewal.storage.layers import open_layers

    gdf = open_layers(args.workspace).read(args.name)
    path = write_layer(gdf, args.out, crs=args.crs, name=args.name)
    print(f"Wrote {len(gdf)} feature(s) of {args.name!r} to {path} ({args.crs})")
    return 0


def register(sub) -> None:
    p = sub.add_parser("layers", help="list, remove or export the workspace's imported layers")
    ss = p.add_subparsers(dest="layers_command", metavar="ACTION")
    ss.required = True
    q = ss.add_parser("list", help="the imported layers: name, kind, title, count, CRS, source, date, who")
    q.set_defaults(func=cmd_list)
    q = ss.add_parser("history", help="imports, replacements and removals, newest first")
    q.add_argument("name", nargs="?")
    q.set_defaults(func=cmd_history)
    q = ss.add_parser("remove", help="remove a layer (kept in the history)")
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)
    q = ss.add_parser("export", help="export a layer; the format follows --out's suffix")
    q.add_argument("name")
    q.add_argument("--out", required=True, help=".gpkg .zip (Shapefile) .geojson .kml .csv .xlsx")
    q.add_argument(
        "--crs", default="wgs84", help="wgs84, cgcs2000, EPSG:4548 (CGCS2000 GK), gcj02 ... (default wgs84)"
    )
    q.set_defaults(func=cmd_export)
